"""What other threads do while one forks (core/registry.rs, the fork hooks).

The fork hook parks every worker and waits for them with the GIL released,
so other Python threads run meanwhile: they may make handlers, close them,
or fork too. Each scenario runs in a fresh interpreter, under the stdlib's
logging too where it copes: every child ends by itself, every record of
the parent's and of each child's is in its file once, and a closed
handler's file is closed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# What every scenario starts with: the module under test as `logging`, the
# folder for its files, a deadline for the children (one that has not ended
# by then is stuck: what the scenarios check), and file handlers.
PRELUDE = """
import json, os, sys, threading, time
import {module} as logging

folder = sys.argv[1]

def wait_all(pids, seconds=30):
    deadline = time.monotonic() + seconds
    codes = dict()
    while pids and time.monotonic() < deadline:
        for pid in list(pids):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                codes[pid] = os.waitstatus_to_exitcode(status)
                pids.remove(pid)
        time.sleep(0.01)
    for pid in pids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        codes[pid] = "stuck"
    return sorted(set(codes.values()), key=str)

def file_handler(index):
    handler = logging.FileHandler(os.path.join(folder, f"{{index}}.log"))
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler

# In a child: how many of the handlers' files hold `line` once each
# handler's flush() has returned.
def written_after_flush(handlers, line):
    for handler in handlers:
        handler.flush()
    return sum(f"{{line}}\\n" in open(handler.baseFilename).read() for handler in handlers)

def file_logger(name, count):
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handlers = [file_handler(index) for index in range(count)]
    for handler in handlers:
        logger.addHandler(handler)
    return logger, handlers
"""

MADE_WHILE_FORKING = (
    PRELUDE
    + """
made = []
stop = threading.Event()
def make():
    while not stop.is_set() and len(made) < 400:
        made.append(file_handler(len(made)))
maker = threading.Thread(target=make)
maker.start()
children = []
for child in range(40):
    pid = os.fork()
    if pid == 0:
        have = list(made)
        logger = logging.getLogger("child")
        logger.propagate = False
        for handler in have:
            logger.addHandler(handler)
        logger.warning("child %d", child)
        # Written once flush() returns, in this child, by this child.
        written = written_after_flush(have, f"child {{child}}")
        with open(os.path.join(folder, f"child{{child}}.count"), "w") as count:
            count.write(f"{{len(have)}} {{written}}")
        sys.exit(0)
    children.append(pid)
    time.sleep(0.002)
stop.set()
maker.join()
codes = wait_all(children)
for handler in made:
    handler.close()
print(codes)
"""
)


def _run(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(folder)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=folder,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


@pytest.mark.parametrize("module", ["logging", "femtologging"])
def test_handlers_made_while_another_thread_forks_serve_the_children(
    tmp_path: Path, module: str
) -> None:
    result = _run(MADE_WHILE_FORKING.format(module=module), tmp_path)
    assert result.returncode == 0, result.stderr
    # Every child ended by itself, successfully.
    assert result.stdout.split() == ["[0]"], result.stderr
    children = sorted(tmp_path.glob("child*.count"))
    assert len(children) == 40
    for count_file in children:
        child = count_file.stem.removeprefix("child")
        had, written = map(int, count_file.read_text().split())
        assert written == had, child
        for index in range(had):
            lines = _lines(tmp_path / f"{index}.log")
            assert lines.count(f"child {child}") == 1, (child, index, lines)


FORKING_AT_ONCE = (
    PRELUDE
    + """
logger, made = file_logger("forks", 8)
children = []
def forker(name):
    for child in range(15):
        logger.info("parent %s %d", name, child)
        pid = os.fork()
        if pid == 0:
            tag = f"{{name}} {{child}}"
            logger.info("child %s", tag)
            written = written_after_flush(made, f"child {{tag}}")
            with open(os.path.join(folder, f"child {{tag}}.count"), "w") as count:
                count.write(str(written))
            os._exit(0)
        children.append(pid)
threads = [threading.Thread(target=forker, args=(name,)) for name in ("a", "b")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
codes = wait_all(children)
for handler in made:
    handler.close()
print(codes)
"""
)


def test_two_threads_forking_at_once_keep_every_record(tmp_path: Path) -> None:
    # Under the stdlib a child can deadlock here: the other forking thread
    # may hold a file object's buffer lock at fork(), which the child
    # inherits held. femtologging's files are written by its workers, which
    # are parked around every fork, so it is checked alone.
    result = _run(FORKING_AT_ONCE.format(module="femtologging"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[0]"], result.stderr
    reports = sorted(tmp_path.glob("child *.count"))
    assert len(reports) == 30
    for report in reports:
        # flush() in the child wrote its record to all 8 files.
        assert report.read_text() == "8", report.name
    for index in range(8):
        lines = _lines(tmp_path / f"{index}.log")
        for name in ("a", "b"):
            parent = [line for line in lines if line.startswith(f"parent {name} ")]
            assert parent == [f"parent {name} {child}" for child in range(15)]
            for child in range(15):
                assert lines.count(f"child {name} {child}") == 1, (index, name, child)


CLOSED_WHILE_FORKING = (
    PRELUDE
    + """
logger, handlers = file_logger("closing", 200)
logger.info("before the closes")
def close_all():
    for handler in handlers:
        logger.removeHandler(handler)
        handler.close()
closer = threading.Thread(target=close_all)
closer.start()
children = []
while closer.is_alive() and len(children) < 200:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    children.append(pid)
closer.join()
codes = wait_all(children)
still_open = [
    fd for fd in os.listdir("/proc/self/fd")
    if os.path.realpath(f"/proc/self/fd/{{fd}}").startswith(os.path.realpath(folder))
]
print(json.dumps({{"codes": codes, "open": len(still_open)}}))
"""
)


@pytest.mark.parametrize("module", ["logging", "femtologging"])
def test_handlers_closed_while_another_thread_forks_close_their_files(
    tmp_path: Path, module: str
) -> None:
    result = _run(CLOSED_WHILE_FORKING.format(module=module), tmp_path)
    assert result.returncode == 0, result.stderr
    # Every child ended, and close() let go of every file by the time it
    # returned, as the stdlib's does.
    assert json.loads(result.stdout) == {"codes": [0], "open": 0}, result.stderr
    for index in range(200):
        assert _lines(tmp_path / f"{index}.log") == ["before the closes"], index


# The scenarios below hold a fork's window open with a before-fork hook of
# the program's own (CPython runs the hooks registered first last, so this
# one runs after femtologging's has parked the workers), as any hook that
# waits for a lock would. Each ends by itself or is stopped by faulthandler,
# which prints every thread's stack.
WATCHDOG = """
import faulthandler, os, sys, tempfile, threading, time
faulthandler.dump_traceback_later(20, exit=True)
"""

RECONFIGURED_WHILE_FORKING = (
    WATCHDOG
    + """
os.register_at_fork(before=lambda: time.sleep(0.3))
import femtologging as logging
import femtologging.config

folder = tempfile.mkdtemp()
handler = logging.FileHandler(os.path.join(folder, "a.log"))
root = logging.getLogger()
root.addHandler(handler)
root.setLevel("INFO")
def fork_too():
    time.sleep(0.1)  # while the main thread's fork is under way
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
other = threading.Thread(target=fork_too)
other.start()
pid = os.fork()
if pid == 0:
    os._exit(0)
logging.info("after the fork")
# Holds the module lock while it flushes and closes the old handlers.
logging.config.dictConfig({"version": 1, "root": {"level": "INFO"}})
other.join()
os.waitpid(pid, 0)
print(open(handler.baseFilename).read().strip())
"""
)


def test_a_second_thread_forking_while_the_first_reconfigures(tmp_path: Path) -> None:
    # Forks are made one after another, inside the package's module lock: the
    # first fork's workers are resumed before the second may park them, and
    # a reconfiguration between the two waits for neither.
    result = _run(RECONFIGURED_WHILE_FORKING, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "after the fork", result.stderr


# A core handler writing to a pipe nobody reads before the fork: its
# worker's writes block once the pipe is full.
PIPE_HANDLER = """
from femtologging import FemtoFileHandler, FemtoLogger

folder = tempfile.mkdtemp()
fifo = os.path.join(folder, "pipe")
os.mkfifo(fifo)
reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
handler = FemtoFileHandler(fifo)
logger = FemtoLogger("pipe")
logger.add_handler(handler)
"""

CLOSED_ON_A_FULL_PIPE_WHILE_FORKING = (
    WATCHDOG
    + PIPE_HANDLER
    + """
def line(number):
    return f"{number:05d} " + "x" * 88
written = len(f"INFO:pipe:{line(0)}\\n")
# The pipe holds 64 KiB: leave about 1.4 KB of room.
first = (65536 - 1400) // written
for number in range(first):
    logger.log("INFO", line(number))
# Not flush(): how much a pipe holds depends on how the writes fill its
# pages, and a flush into a full one would wait for ever.
time.sleep(0.3)
go = threading.Event()
def log_and_close():
    go.wait()
    for number in range(first, first + 40):  # 4 KB more: more than the room left
        logger.log("INFO", line(number))
    handler.close()
closer = threading.Thread(target=log_and_close)
closer.start()
os.register_at_fork(before=go.set)
os.register_at_fork(before=lambda: time.sleep(0.2))
pid = os.fork()
if pid == 0:
    os._exit(0)
got = bytearray()
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        chunk = os.read(reader, 65536)
    except BlockingIOError:
        time.sleep(0.01)
        continue
    if not chunk:
        break  # end of file: the handler closed its end
    got.extend(chunk)
closer.join()
os.waitpid(pid, 0)
lines = got.decode().splitlines()
print(len(lines), first + 40, lines == [f"INFO:pipe:{line(n)}" for n in range(first + 40)])
"""
)


def test_a_handler_closed_on_a_full_pipe_while_forking(tmp_path: Path) -> None:
    # The close happens while the worker parks; the rest of its lines must
    # not be written by the thread about to fork (a full pipe would block it,
    # and every other thread with it), but by the worker resumed after the
    # fork, which then closes the pipe.
    result = _run(CLOSED_ON_A_FULL_PIPE_WHILE_FORKING, tmp_path)
    assert result.returncode == 0, result.stderr
    written, expected, in_order = result.stdout.split()
    assert (written, in_order) == (expected, "True"), result.stderr


CLOSED_WHILE_FROZEN = (
    WATCHDOG
    + PIPE_HANDLER
    + """
for number in range(2000):  # more than the pipe holds: the worker is stuck writing
    logger.log("INFO", f"{number:05d} " + "x" * 88)
time.sleep(0.3)
parked = threading.Event()
def close_while_frozen():
    parked.wait()
    handler.close()  # the worker is frozen in its write until the fork is made
closer = threading.Thread(target=close_while_frozen)
closer.start()
os.register_at_fork(before=lambda: (parked.set(), time.sleep(0.3)))
pid = os.fork()
if pid == 0:
    os._exit(0)
got = bytearray()
os.set_blocking(reader, True)
while True:
    chunk = os.read(reader, 65536)
    if not chunk:
        break
    got.extend(chunk)
closer.join()
os.waitpid(pid, 0)
print(len(got.decode().splitlines()))
"""
)


def test_a_handler_closed_while_its_worker_is_frozen_for_a_fork(tmp_path: Path) -> None:
    # The frozen worker is thawed after the fork and finishes the close:
    # every line, then the end of the pipe.
    result = _run(CLOSED_WHILE_FROZEN, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2000"], result.stderr


IMPORTED_DURING_A_FORK = (
    WATCHDOG
    + """
# femtologging's hooks are registered while this fork's hook has let the
# GIL go: CPython then calls its after-fork hook without its before-fork one.
os.register_at_fork(before=lambda: time.sleep(0.3))
# The importing thread stays alive until the end.
done = threading.Event()
importing = threading.Thread(
    target=lambda: (time.sleep(0.1), __import__("femtologging"), done.wait())
)
importing.start()
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
while "femtologging" not in sys.modules:
    time.sleep(0.01)
import femtologging as logging

folder = tempfile.mkdtemp()
handler = logging.FileHandler(os.path.join(folder, "a.log"))
logger = logging.getLogger("x")
logger.addHandler(handler)
logger.warning("hello")
handler.flush()
print(open(handler.baseFilename).read().strip())
done.set()
importing.join()
"""
)


def test_importing_femtologging_while_another_thread_forks(tmp_path: Path) -> None:
    result = _run(IMPORTED_DURING_A_FORK, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello", result.stderr
