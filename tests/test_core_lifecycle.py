"""Process lifecycle: exit paths, crashes, fork, failing sinks, full queues.

Each scenario runs in a fresh interpreter, as a user's program would.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from femtologging import FemtoFileHandler, FemtoLogger

Run = Callable[..., subprocess.CompletedProcess[str]]

PRELUDE = """
import os, sys
from femtologging import FemtoFileHandler, FemtoLogger, FemtoStreamHandler
path = sys.argv[1] if len(sys.argv) > 1 else None
"""


def logged_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


@pytest.mark.parametrize(
    ("ending", "exit_code"),
    [("pass", 0), ("sys.exit(3)", 3), ("raise RuntimeError('boom')", 1)],
)
def test_every_record_is_written_however_the_program_ends(
    run_python: Run, tmp_path: Path, ending: str, exit_code: int
) -> None:
    path = tmp_path / "exit.log"
    result = run_python(
        PRELUDE
        + f"""
logger = FemtoLogger("exit")
logger.add_handler(FemtoFileHandler(sys.argv[1], format="%(message)s"))
for i in range(100_000):
    logger.log("INFO", str(i))
{ending}
""".replace("sys.argv[1]", repr(str(path)))
    )
    assert result.returncode == exit_code, result.stderr
    assert logged_lines(path) == [str(i) for i in range(100_000)]


def test_an_error_record_survives_os_exit(run_python: Run, tmp_path: Path) -> None:
    path = tmp_path / "crash.log"
    result = run_python(
        f"""
import os
from femtologging import FemtoFileHandler, FemtoLogger
logger = FemtoLogger("crash")
logger.add_handler(FemtoFileHandler({str(path)!r}, format="%(levelname)s %(message)s"))
for i in range(1000):
    logger.log("DEBUG", "noise")
logger.log("ERROR", "last words")
os._exit(0)
"""
    )
    assert result.returncode == 0, result.stderr
    assert logged_lines(path)[-1] == "ERROR last words"


def test_fork_parent_and_child_both_log_each_record_once(run_python: Run, tmp_path: Path) -> None:
    path = tmp_path / "fork.log"
    result = run_python(
        f"""
import os
from femtologging import FemtoFileHandler, FemtoLogger
handler = FemtoFileHandler({str(path)!r}, format="%(message)s")
logger = FemtoLogger("fork")
logger.add_handler(handler)
for i in range(5000):
    logger.log("INFO", f"parent-before {{i}}")
pid = os.fork()
if pid == 0:
    for i in range(5000):
        logger.log("INFO", f"child {{i}}")
    handler.close()
    os._exit(0)
for i in range(5000):
    logger.log("INFO", f"parent-after {{i}}")
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
handler.close()
""",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = logged_lines(path)
    for prefix in ("parent-before", "child", "parent-after"):
        assert sorted(line for line in lines if line.startswith(prefix + " ")) == sorted(
            f"{prefix} {i}" for i in range(5000)
        )
    assert len(lines) == 15000


def test_a_full_disk_is_reported_once_and_never_raised(run_python: Run) -> None:
    result = run_python(
        """
from femtologging import FemtoFileHandler, FemtoLogger
handler = FemtoFileHandler("/dev/full")
logger = FemtoLogger("full")
logger.add_handler(handler)
for i in range(50):
    logger.log("ERROR", f"cannot fit {i}")
handler.close()
print(handler.write_errors)
"""
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 50
    assert result.stderr.count("--- Logging error ---") == 2  # first error + summary
    assert "No space left on device" in result.stderr
    assert "49 more error(s)" in result.stderr


def test_a_closed_pipe_is_reported_once_and_never_raised(run_python: Run) -> None:
    result = run_python(
        """
import os, sys
from femtologging import FemtoLogger, FemtoStreamHandler
read_end, write_end = os.pipe()
os.dup2(write_end, 1)
os.close(read_end)
handler = FemtoStreamHandler.stdout()
logger = FemtoLogger("pipe")
logger.add_handler(handler)
for i in range(20):
    logger.log("ERROR", f"nobody reads {i}")
handler.close()
sys.stderr.write(f"errors={handler.write_errors}\\n")
"""
    )
    assert result.returncode == 0, result.stderr
    assert "errors=20" in result.stderr
    assert "Broken pipe" in result.stderr
    assert result.stderr.count("--- Logging error ---") == 2


def test_stream_handlers_write_to_stdout_and_stderr(run_python: Run) -> None:
    result = run_python(
        """
from femtologging import FemtoLogger, FemtoStreamHandler
out, err, default = FemtoStreamHandler.stdout(), FemtoStreamHandler.stderr(), FemtoStreamHandler()
for name, handler in (("out", out), ("err", err), ("default", default)):
    logger = FemtoLogger(name)
    logger.add_handler(handler)
    logger.log("WARNING", "hello")
"""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "WARNING:out:hello\n"
    assert sorted(result.stderr.splitlines()) == ["WARNING:default:hello", "WARNING:err:hello"]


def test_the_drop_policy_counts_every_dropped_record(tmp_path: Path) -> None:
    path = tmp_path / "drop.log"
    handler = FemtoFileHandler(path, capacity=1, overflow="drop", format="%(message)s")
    logger = FemtoLogger("drop")
    logger.add_handler(handler)
    for i in range(20_000):
        logger.log("INFO", str(i))
    handler.close()
    written = logged_lines(path)
    assert handler.dropped > 0
    assert len(written) + handler.dropped == 20_000
    # What was kept is in order.
    numbers = [int(line) for line in written]
    assert numbers == sorted(numbers)


def test_the_default_policy_blocks_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "block.log"
    handler = FemtoFileHandler(path, capacity=1, format="%(message)s")
    logger = FemtoLogger("block")
    logger.add_handler(handler)
    for i in range(20_000):
        logger.log("INFO", str(i))
    handler.close()
    assert handler.dropped == 0
    assert logged_lines(path) == [str(i) for i in range(20_000)]


def test_reports_can_be_silenced_like_raise_exceptions(run_python: Run) -> None:
    result = run_python(
        """
from femtologging import FemtoFileHandler, FemtoLogger, _femtologging_rs
_femtologging_rs._set_raise_exceptions(False)
handler = FemtoFileHandler("/dev/full")
logger = FemtoLogger("quiet")
logger.add_handler(handler)
logger.log("ERROR", "lost")
handler.close()
print(handler.write_errors)
"""
    )
    assert result.returncode == 0
    assert result.stdout.strip() == "1"
    assert not re.search("Logging error", result.stderr)
