"""Handlers writing regular files share a few worker threads (core/pool.rs).

Each scenario runs in a fresh interpreter under the stdlib and under
femtologging; the files must hold the same lines, and femtologging must add
only a handful of threads however many file handlers there are.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: The most threads the shared workers use (pool.rs: one per core, 2 to 4).
MOST_SHARED_THREADS = 4

MANY_HANDLERS = """
import json, os, sys, threading
import {module} as logging
from {module} import handlers

folder = sys.argv[1]
def threads():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
logger = logging.getLogger("many")
logger.propagate = False
logger.setLevel(logging.DEBUG)
before = threads()
made = []
for index in range({count}):
    path = os.path.join(folder, f"{{index}}.log")
    kind = index % 4
    if kind == 0:
        handler = logging.FileHandler(path)
    elif kind == 1:
        handler = handlers.RotatingFileHandler(path, maxBytes=10**6, backupCount=1)
    elif kind == 2:
        handler = handlers.TimedRotatingFileHandler(path, when="D")
    else:
        handler = handlers.WatchedFileHandler(path)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    made.append(handler)
logger.info("first")
# Counted before the logging threads start: a joined thread may linger in
# /proc for a moment.
added = threads() - before
def log(tag):
    for number in range(20):
        logger.info("%s %d", tag, number)
    logger.error("%s done", tag)
workers = [threading.Thread(target=log, args=(f"t{{n}}",)) for n in range(3)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
for handler in made:
    handler.close()
print(json.dumps({{"threads_added": added}}))
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
    )


def _files(folder: Path) -> dict[str, list[str]]:
    return {path.name: path.read_text().splitlines() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("count", [8, 400])
def test_many_file_handlers_share_a_few_threads_and_write_what_the_stdlib_writes(
    tmp_path: Path, count: int
) -> None:
    outcomes = {}
    for module in ("logging", "femtologging"):
        folder = tmp_path / module
        folder.mkdir()
        result = _run(MANY_HANDLERS.format(module=module, count=count), str(folder))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        outcomes[module] = (json.loads(result.stdout), _files(folder))
    (stdlib_counts, stdlib_files), (femto_counts, femto_files) = (
        outcomes["logging"],
        outcomes["femtologging"],
    )
    assert stdlib_counts["threads_added"] == 0
    assert 1 <= femto_counts["threads_added"] <= MOST_SHARED_THREADS, femto_counts
    # Three threads log at once: the lines are the stdlib's, each writer's
    # in its order.
    assert femto_files.keys() == stdlib_files.keys()
    for name, lines in femto_files.items():
        assert sorted(lines) == sorted(stdlib_files[name]), name
        for tag in ("t0", "t1", "t2"):
            mine = [line for line in lines if f" {tag} " in line]
            assert mine == [line for line in stdlib_files[name] if f" {tag} " in line]


FORKS = """
import os, sys, threading
import {module} as logging

folder = sys.argv[1]
logger = logging.getLogger("forks")
logger.propagate = False
logger.setLevel(logging.INFO)
made = []
for index in range(24):
    handler = logging.FileHandler(os.path.join(folder, f"{{index}}.log"))
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    made.append(handler)
stop = threading.Event()
# The stdlib cannot fork safely while another thread writes (the child may
# inherit a file object's buffer lock held); femtologging parks its workers
# around fork(), so there a thread logs throughout.
def background():
    number = 0
    while not stop.is_set() or number < 200:
        logger.info("background %05d", number)
        number += 1
    logger.info("background end %05d", number)
thread = threading.Thread(target=background)
if logging.__name__ == "femtologging":
    thread.start()
for child in range(6):
    logger.info("parent before %d", child)
    pid = os.fork()
    if pid == 0:
        for number in range(30):
            logger.info("child %d %05d", child, number)
        sys.exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    logger.info("parent after %d", child)
stop.set()
if thread.ident is not None:
    thread.join()
for handler in made:
    handler.close()
"""


def _without_background(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith("background")]


def test_forking_with_many_file_handlers_keeps_every_record_once(tmp_path: Path) -> None:
    outcomes = {}
    for module in ("logging", "femtologging"):
        folder = tmp_path / module
        folder.mkdir()
        result = _run(FORKS.format(module=module), str(folder))
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        outcomes[module] = _files(folder)
    assert outcomes["femtologging"].keys() == outcomes["logging"].keys()
    for name, lines in outcomes["femtologging"].items():
        # The parent's and each child's records, once each, in their order.
        assert _without_background(lines) == _without_background(outcomes["logging"][name])
        background = [line for line in lines if line.startswith("background ")]
        assert background, name
        numbers = [int(line.split()[-1]) for line in background if "end" not in line]
        assert numbers == list(range(len(numbers)))
        assert background[-1] == f"background end {len(numbers):05d}"
