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
        for handler in have:
            handler.flush()
        written = sum(
            f"child {{child}}\\n" in open(handler.baseFilename).read() for handler in have
        )
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
            for handler in made:
                handler.flush()
            written = sum(
                f"child {{tag}}\\n" in open(handler.baseFilename).read() for handler in made
            )
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
