"""Where journals live, and that none outlives a process that ended well.

A file handler's journal is a file under `FEMTOLOGGING_JOURNAL_DIR` (by
default a per-user directory under /dev/shm). Each scenario points it at a
directory of the test's own, runs a fresh interpreter, and looks at what is
left there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HANDLERS = """
import gc, os, sys
import femtologging as logging
from femtologging import handlers
logdir = sys.argv[1]
def path(name):
    return os.path.join(logdir, name)
logger = logging.getLogger("journals")
logger.setLevel("INFO")
logger.propagate = False
"""


def journal_files(journals: Path) -> list[Path]:
    return sorted(journals.glob("*.journal"))


def liveness_files(journals: Path) -> list[Path]:
    """Each process with journals in the directory holds one `<pid>-<token>.alive`
    file there, locked while it lives."""
    return sorted(journals.glob("*.alive"))


def run(code: str, logdir: Path, journals: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(logdir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=logdir,
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": journals},
    )


def test_a_normal_exit_leaves_no_journal(tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    result = run(
        HANDLERS
        + """
closed = logging.FileHandler(path("closed.log"))
logger.addHandler(closed)
logger.info("to the closed one")
logger.removeHandler(closed)
closed.close()
dropped = handlers.RotatingFileHandler(path("dropped.log"), maxBytes=100, backupCount=2)
logger.addHandler(dropped)
for i in range(20):
    logger.info("record %d", i)
logger.removeHandler(dropped)
del dropped
gc.collect()
kept = handlers.WatchedFileHandler(path("kept.log"))
logger.addHandler(kept)
logger.info("never closed by the program")
core = logging.FemtoFileHandler(path("core.log"))
print(len(os.listdir(sys.argv[2])), flush=True)
""",
        tmp_path,
        str(journals),
        str(journals),
    )
    assert result.returncode == 0, result.stderr
    # While the handlers were open their journals existed...
    assert int(result.stdout) >= 2
    # ...and the exit removed every one of them.
    assert list(journals.iterdir()) == []
    assert (tmp_path / "kept.log").read_text() == "never closed by the program\n"


KILLED = (
    HANDLERS
    + """
handler = logging.FileHandler(path("app.log"))
logger.addHandler(handler)
for i in range(3000):
    logger.info("record %04d", i)
os.kill(os.getpid(), 9)
"""
)


def test_a_killed_process_leaves_a_journal_the_next_open_recovers(tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    killed = run(KILLED, tmp_path, str(journals))
    assert killed.returncode == -signal.SIGKILL
    # The journal, and the dead process's liveness file, unlocked now.
    assert len(journal_files(journals)) == 1
    assert len(liveness_files(journals)) == 1
    reopened = run(
        HANDLERS + 'logging.FileHandler(path("app.log")).close()\n', tmp_path, str(journals)
    )
    assert reopened.returncode == 0, reopened.stderr
    lines = (tmp_path / "app.log").read_text().splitlines()
    assert lines == [f"record {i:04d}" for i in range(3000)]
    assert list(journals.iterdir()) == []


def test_the_recover_command_finds_the_journal_by_relative_path(tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    assert run(KILLED, tmp_path, str(journals)).returncode == -signal.SIGKILL
    recovered = subprocess.run(
        [sys.executable, "-m", "femtologging", "recover", "app.log"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)},
    )
    assert recovered.returncode == 0, recovered.stderr
    assert "from 1 journal(s)" in recovered.stdout
    assert len((tmp_path / "app.log").read_text().splitlines()) == 3000
    # Nothing left to do a second time.
    again = subprocess.run(
        [sys.executable, "-m", "femtologging", "recover", "app.log"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)},
    )
    assert "0 bytes recovered from 0 journal(s)" in again.stdout
    assert len((tmp_path / "app.log").read_text().splitlines()) == 3000


def test_a_living_writers_journal_is_left_alone(tmp_path: Path) -> None:
    journals = tmp_path / "journals"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                HANDLERS
                + """
handler = logging.FileHandler(path("shared.log"))
logger.addHandler(handler)
logger.info("first")
handler.flush()
print("ready", flush=True)
sys.stdin.readline()
logger.info("second")
"""
            ),
            str(tmp_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(journals)},
    )
    assert writer.stdout is not None and writer.stdin is not None
    assert writer.stdout.readline() == "ready\n"
    # Another process opens the same file meanwhile: the live journal stays.
    other = run(
        HANDLERS + 'logging.FileHandler(path("shared.log")).close()\n', tmp_path, str(journals)
    )
    assert other.returncode == 0, other.stderr
    assert len(journal_files(journals)) == 1
    assert len(liveness_files(journals)) == 1
    writer.stdin.write("go\n")
    writer.stdin.close()
    assert writer.wait(timeout=60) == 0
    assert (tmp_path / "shared.log").read_text() == "first\nsecond\n"
    assert list(journals.iterdir()) == []


@pytest.mark.parametrize("journals", ["", "/proc/no-such-directory"], ids=["off", "unwritable"])
def test_without_a_journal_directory_records_are_still_written(
    tmp_path: Path, journals: str
) -> None:
    result = run(
        HANDLERS
        + """
handler = logging.FileHandler(path("app.log"))
logger.addHandler(handler)
for i in range(100):
    logger.info("record %d", i)
os._exit(0)
""",
        tmp_path,
        journals,
    )
    assert result.returncode == 0, result.stderr
    # os._exit still writes the journal out (it is in the process's memory).
    assert len((tmp_path / "app.log").read_text().splitlines()) == 100


def test_a_stream_handler_on_a_descriptor_keeps_its_records_at_os_exit(tmp_path: Path) -> None:
    result = run(
        """
import os
import femtologging as logging
handler = logging.FemtoStreamHandler.stdout(format="%(message)s")
logger = logging.FemtoLogger("out")
logger.add_handler(handler)
for i in range(2000):
    logger.log("INFO", f"record {i:04d}")
os._exit(0)
""",
        tmp_path,
        str(tmp_path / "journals"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"record {i:04d}" for i in range(2000)]


APPENDER = (
    HANDLERS
    + """
# A journal of 2 records' room wraps every few lines: each range that wraps
# is still written whole.
handler = logging.FemtoFileHandler(path("shared.log"), format="%(message)s", capacity=2)
core = logging.FemtoLogger("appender")
core.add_handler(handler)
tag = sys.argv[2]
for i in range(3000):
    core.log("INFO", f"{tag} {i:05d} " + "x" * (i % 37))
handler.close()
"""
)


def test_processes_appending_to_one_file_keep_whole_lines(tmp_path: Path) -> None:
    env = {**os.environ, "FEMTOLOGGING_JOURNAL_DIR": str(tmp_path / "journals")}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(APPENDER), str(tmp_path), tag],
            cwd=tmp_path,
            env=env,
        )
        for tag in ("a", "b", "c")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    lines = (tmp_path / "shared.log").read_text().splitlines()
    assert len(lines) == 9000
    for tag in ("a", "b", "c"):
        mine = [line for line in lines if line.startswith(tag + " ")]
        assert mine == [f"{tag} {i:05d} " + "x" * (i % 37) for i in range(3000)]
