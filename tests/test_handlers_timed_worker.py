"""TimedRotatingFileHandler rolled over by its worker, against the stdlib.

With the real clock and a stock handler, the worker decides and performs
the rollover (tests/test_handlers_timed.py fakes `time.time`, which sends
the handler back to Python; it also compares the worker's schedule and
choice of old backups with the stdlib's). Here whole rollovers are compared
by making one due now, in both implementations, and reading the files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

US = "EST+05EDT,M3.2.0,M11.1.0"


# Run in a fresh interpreter: in this one, other tests' class patching can
# exhaust CPython's type version tags, which sends every call to the Python
# path (see test_fast_path.py), and these tests are about the worker's.
WORKER_SCRIPT = """
import json, os, sys, threading, time
from pathlib import Path
import logging as std_logging, logging.handlers as std_handlers
import femtologging, femtologging.handlers as femto_handlers
from femtologging._femtologging_rs import _path_counts

IMPLEMENTATIONS = {
    "stdlib": (std_logging, std_handlers),
    "femtologging": (femtologging, femto_handlers),
}
femtologging.bridge_stdlib(False)


def private_logger(logging_module, handler, name):
    logger = logging_module.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging_module.DEBUG)
    logger.addHandler(handler)
    return logger


def snapshot(directory):
    return {path.name: path.read_text() for path in sorted(directory.iterdir())}


def due_rollover(root, when, backup_count, utc):
    outcome = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        directory = root / label
        directory.mkdir()
        for stamp in ("2001-01-01_00-00-00", "2001-01-01_00-00", "2001-01-01_00", "2001-01-01"):
            (directory / f"t.log.{stamp}").write_text("old\\n")
        handler = handlers_module.TimedRotatingFileHandler(
            directory / "t.log", when=when, backupCount=backup_count, utc=utc
        )
        handler.setFormatter(logging_module.Formatter("%(levelname)s %(message)s"))
        logger = private_logger(logging_module, handler, "due")
        before = _path_counts()
        logger.info("before the rollover")
        # Due a week ago: the backup is named after that interval's start.
        handler.rolloverAt = (int(time.time()) // 86400 - 7) * 86400
        started = int(time.time())
        logger.info("after the rollover %d", 1)
        logger.warning("after the rollover %d", 2)
        handler.flush()
        finished = int(time.time())
        next_at = handler.rolloverAt
        served = [now - then for now, then in zip(_path_counts(), before)]
        handler.close()
        expected = [handler.computeRollover(t) for t in range(started, finished + 1)]
        outcome[label] = snapshot(directory), served, next_at in expected
    return outcome


def rollover_once(root):
    handler = femto_handlers.TimedRotatingFileHandler(root / "once.log", when="H")
    logger = private_logger(femtologging, handler, "once")
    before = _path_counts()
    logger.info("first file")
    handler.rolloverAt = int(time.time()) - 10
    logger.info("queued, due: the worker rolls over")
    handler.emit(femtologging.makeLogRecord({"msg": "python path", "levelno": 20}))
    served = [now - then for now, then in zip(_path_counts(), before)]
    handler.close()
    return snapshot(root), served


def four_threads(root):
    handler = femto_handlers.TimedRotatingFileHandler(root / "mt.log", when="S")
    handler.setFormatter(femtologging.Formatter("%(threadName)s %(message)s"))
    logger = private_logger(femtologging, handler, "threads")
    stop_at = time.time() + 2.5
    counts = {}
    before = _path_counts()

    def work(name):
        index = 0
        while time.time() < stop_at:
            logger.info("%06d", index)
            index += 1
            if index % 200 == 0:
                time.sleep(0.001)
        counts[name] = index

    threads = [threading.Thread(target=work, args=(f"w{n}",), name=f"w{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = [now - then for now, then in zip(_path_counts(), before)]
    handler.close()
    return snapshot(root), counts, served


root = Path(sys.argv[1])
print(json.dumps(eval(sys.argv[2])))
"""


def run_worker_scenario(tmp_path: Path, call: str) -> Any:
    """`call` evaluated in WORKER_SCRIPT, in US local time; its result."""
    completed = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT, str(tmp_path), call],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": US},
        # An empty directory: -c puts it on sys.path, and the repository
        # root would shadow the installed package.
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize(
    ("when", "backup_count", "utc"),
    [("S", 2, True), ("M", 0, False), ("H", 1, False), ("MIDNIGHT", 3, False), ("W3", 1, True)],
)
def test_a_due_rollover_gives_the_stdlib_files(
    tmp_path: Path, when: str, backup_count: int, utc: bool
) -> None:
    """The same old backups, a rollover due now in both implementations:
    the same files with the same contents, and the next rollover time the
    stdlib computes for the same moment."""
    outcome = run_worker_scenario(tmp_path, f"due_rollover(root, {when!r}, {backup_count}, {utc})")
    femto_files, femto_served, femto_next_ok = outcome["femtologging"]
    std_files, _, std_next_ok = outcome["stdlib"]
    assert femto_files == std_files
    assert std_next_ok and femto_next_ok
    # Every femtologging call, the due one included, took the fast path.
    assert femto_served == [3, 0]


def test_python_and_the_worker_roll_over_once(tmp_path: Path) -> None:
    """A record that takes the Python path when a rollover is due (an
    explicit `emit`) rolls over once, whether or not the worker was first."""
    files, served = run_worker_scenario(tmp_path, "rollover_once(root)")
    assert served == [2, 0]
    assert len(files) == 2, files
    assert files["once.log"] == "queued, due: the worker rolls over\npython path\n"


def test_rollover_while_four_threads_write(tmp_path: Path) -> None:
    """Rollovers every second while four threads log: every record is
    written once, whole, in each thread's order, and no backup is lost."""
    files, counts, served = run_worker_scenario(tmp_path, "four_threads(root)")
    assert served == [sum(counts.values()), 0]
    assert len(files) >= 3, sorted(files)
    seen: dict[str, list[int]] = {name: [] for name in counts}
    # Backups in name (time) order, then the current file.
    for name in sorted(files, key=lambda name: (name == "mt.log", name)):
        for line in files[name].splitlines():
            thread, number = line.split(" ")
            seen[thread].append(int(number))
    for thread, total in counts.items():
        assert seen[thread] == list(range(total)), thread
