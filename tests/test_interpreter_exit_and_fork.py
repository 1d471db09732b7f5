"""The process ends or forks while threads are busy logging.

Daemon threads that log when the main thread returns must let the
interpreter exit with the stdlib's exit code (CPython 3.10-3.13 end them
with `pthread_exit` once finalization starts, wherever they are), and
`fork()` must not wait for a worker stuck writing to a sink nobody reads.
Each scenario runs in fresh interpreters, against the stdlib as reference.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

# Each kind is a way a daemon thread can be inside femtologging when the
# interpreter starts finalizing; the stdlib runs every kind but the last.
DAEMON_SCRIPT = """
import io, os, sys, tempfile, threading, time
if sys.argv[1] == "femtologging":
    import femtologging as logging
    from femtologging import handlers
else:
    import logging
    from logging import handlers

directory = tempfile.mkdtemp()
def path(name):
    return os.path.join(directory, name)

def forever(work):
    def loop():
        while True:
            work()
    threading.Thread(target=loop, daemon=True).start()

class PythonHandler(logging.Handler):
    def emit(self, record):
        self.format(record)

def logger_with(name, handler):
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.addHandler(handler)
    return logger

null = logger_with("null", logging.NullHandler())
forever(lambda: null.warning("t"))
plain = logging.FileHandler(path("plain.log"))
plain.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(message)s"))
to_file = logger_with("file", plain)
forever(lambda: to_file.warning("record %s", 1))
forever(lambda: to_file.error("durable %s", 2))
forever(lambda: (to_file.warning("then flush"), plain.flush()))
rotating = logger_with(
    "rotating", handlers.RotatingFileHandler(path("r.log"), maxBytes=20000, backupCount=2)
)
forever(lambda: rotating.warning("rotating %d", 3))
stream = logger_with("stream", logging.StreamHandler(io.StringIO()))
forever(lambda: stream.warning("to a Python stream"))
python = logger_with("python", PythonHandler())
forever(lambda: python.warning("through Python %s", "code"))
adapter = logging.LoggerAdapter(to_file, {"k": 1})
forever(lambda: adapter.warning("adapted"))
def failing():
    try:
        1 / 0
    except ZeroDivisionError:
        to_file.exception("with a traceback")
forever(failing)
if sys.argv[1] == "femtologging":
    core = logging.FemtoLogger("core")
    core.add_handler(logging.FemtoFileHandler(path("core.log"), capacity=4))
    forever(lambda: core.log("INFO", "core"))
time.sleep(float(sys.argv[2]))
"""

ISSUE_SCRIPT = """
import sys, threading, time
if sys.argv[1] == "femtologging":
    import femtologging as logging
else:
    import logging
lg = logging.getLogger("app"); lg.addHandler(logging.NullHandler())
threading.Thread(target=lambda: [lg.warning("t") for _ in iter(int, 1)], daemon=True).start()
time.sleep(float(sys.argv[2]))
"""


def exit_codes(script: Path, module: str, runs: int, cwd: Path) -> list[int]:
    """Exit codes of `runs` runs, two at a time, with varied lifetimes so the
    exit lands at different points of the threads' work."""
    codes: list[int] = []
    for start in range(0, runs, 2):
        batch = [
            subprocess.Popen(
                [sys.executable, str(script), module, str(0.05 + 0.01 * ((start + i) % 10))],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd=cwd,
            )
            for i in range(min(2, runs - start))
        ]
        for process in batch:
            _, stderr = process.communicate(timeout=60)
            codes.append(process.returncode)
            # A report printed by a daemon thread as the interpreter exits
            # can itself abort the exit (stderr's lock held by that thread);
            # the stdlib prints none here, and nor may femtologging.
            assert b"Fatal Python error" not in stderr, stderr.decode(errors="replace")
            assert b"Logging error" not in stderr, stderr.decode(errors="replace")
    return codes


# CPython 3.10 itself crashes at exit now and then when daemon threads are
# busy running Python code: one still waiting for the GIL may take it after
# the interpreter was freed (`take_gil` reads the freed state before it
# checks for finalization; 3.11 checks first). With the stdlib alone this
# script's threads crashed 4 runs in 300 here, so no 50-run streak is
# promised there; the issue's single thread does not meet it.
EVERY_KIND = pytest.param(
    DAEMON_SCRIPT,
    id="every-kind",
    marks=pytest.mark.skipif(
        sys.version_info < (3, 11),
        reason="CPython 3.10 crashes at exit with busy daemon threads, stdlib alone included",
    ),
)


@pytest.mark.parametrize("script_text", [pytest.param(ISSUE_SCRIPT, id="issue"), EVERY_KIND])
def test_daemon_threads_logging_at_exit_never_abort_the_process(
    tmp_path: Path, script_text: str
) -> None:
    script = tmp_path / "daemons.py"
    script.write_text(textwrap.dedent(script_text))
    reference = exit_codes(script, "logging", 4, tmp_path)
    assert reference == [0] * 4
    assert exit_codes(script, "femtologging", 50, tmp_path) == [0] * 50


FORK_SCRIPT = """
import os, sys, threading, time
import femtologging as logging

fifo, regular = sys.argv[1], sys.argv[2]
# A reader that does not read yet: the worker's writes fill the pipe and block.
reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
stalled = logging.FileHandler(fifo)
stalled.setFormatter(logging.Formatter("%(message)s"))
healthy = logging.FileHandler(regular)
healthy.setFormatter(logging.Formatter("%(process)d %(message)s"))
logger = logging.getLogger("app")
logger.setLevel("INFO")
logger.addHandler(stalled)
logger.addHandler(healthy)
for i in range(3000):
    logger.info("parent %05d %s", i, "x" * 80)
time.sleep(0.3)

started = time.monotonic()
pid = os.fork()
if pid == 0:
    # The child never saw the parent's worker: its handlers must work, and
    # none of the parent's held records may be written by it.
    logger.removeHandler(stalled)
    for i in range(100):
        logger.info("child %05d", i)
    sys.exit(0)
print(f"fork took {time.monotonic() - started:.3f}", flush=True)

received = bytearray()
def drain():
    os.set_blocking(reader, True)
    while chunk := os.read(reader, 65536):
        received.extend(chunk)
draining = threading.Thread(target=drain)
draining.start()
_, status = os.waitpid(pid, 0)
print(f"child status {status}", flush=True)
for i in range(3000, 3100):
    logger.info("parent %05d %s", i, "x" * 80)
stalled.close()
healthy.close()
os.close(os.open(fifo, os.O_WRONLY))  # the last writer closes: EOF
draining.join()
sys.stdout.write(received.decode())
"""


def test_fork_goes_ahead_while_a_worker_is_stuck_writing(tmp_path: Path) -> None:
    fifo = tmp_path / "stalled.fifo"
    os.mkfifo(fifo)
    regular = tmp_path / "healthy.log"
    script = tmp_path / "fork.py"
    script.write_text(textwrap.dedent(FORK_SCRIPT))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(script), str(fifo), str(regular)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    lines = result.stdout.splitlines()
    fork_took = float(lines[0].removeprefix("fork took "))
    assert fork_took < 1.0, lines[0]
    assert lines[1] == "child status 0"
    # Through the stalled FIFO: every parent record exactly once, in order,
    # whole; nothing of the child's.
    assert lines[2:] == [f"parent {i:05d} {'x' * 80}" for i in range(3100)]
    # The regular file: the parent's records and the child's, once each.
    written = regular.read_text().splitlines()
    child_pids = {line.split()[0] for line in written if " child " in line}
    assert len(child_pids) == 1
    assert [line.split(" ", 1)[1] for line in written if " child " in line] == [
        f"child {i:05d}" for i in range(100)
    ]
    assert [line.split(" ", 1)[1] for line in written if " parent " in line] == [
        f"parent {i:05d} {'x' * 80}" for i in range(3100)
    ]
