"""RotatingFileHandler and WatchedFileHandler against the stdlib.

Each scenario runs once with `logging.handlers` and once with
`femtologging.handlers`, in separate directories, and the resulting files
(names and bytes) must be identical. The concurrency test checks the
invariants the stdlib guarantees under its handler lock: no line lost or
duplicated, and no file at or past `maxBytes`.
"""

from __future__ import annotations

import itertools
import logging as std_logging
import logging.handlers as std_handlers
import os
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import femtologging
import femtologging.handlers as femto_handlers
from femtologging._femtologging_rs import FileStream

IMPLEMENTATIONS = {
    "stdlib": (std_logging, std_handlers),
    "femtologging": (femtologging, femto_handlers),
}
_names = itertools.count()

Scenario = Callable[[ModuleType, ModuleType, Path], Any]


def run_both(tmp_path: Path, scenario: Scenario) -> dict[str, Any]:
    """Runs `scenario(logging, handlers, directory)` for both implementations."""
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        directory = tmp_path / label
        directory.mkdir()
        results[label] = scenario(logging_module, handlers_module, directory)
    return results


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def private_logger(logging_module: ModuleType, handler: Any) -> Any:
    logger = logging_module.getLogger(f"handlers-test-{next(_names)}")
    logger.propagate = False
    logger.setLevel(logging_module.DEBUG)
    logger.addHandler(handler)
    return logger


def assert_same(results: dict[str, Any]) -> None:
    assert results["femtologging"] == results["stdlib"]


MESSAGES = [
    "short",
    "a somewhat longer message that takes more room",
    "x" * 70,
    "naïve café ünïcode ✓ — multibyte characters",
    "",
    "y" * 5,
    "z" * 150,
    "tail",
]


@pytest.mark.parametrize(
    ("max_bytes", "backup_count", "delay", "mode"),
    [
        (60, 2, False, "a"),
        (60, 2, True, "a"),
        (100, 5, False, "a"),
        (1, 3, False, "a"),
        (60, 0, False, "a"),  # backupCount=0: the file is reopened, never renamed
        (0, 3, False, "w"),  # maxBytes=0: never rolls over, mode is honoured
        (200, 1, False, "w"),  # maxBytes>0 forces append mode
    ],
)
def test_size_rotation_produces_the_stdlib_files(
    tmp_path: Path, max_bytes: int, backup_count: int, delay: bool, mode: str
) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        base = directory / "app.log"
        base.write_text("left by an earlier run\n", encoding="utf-8")
        (directory / "app.log.1").write_text("older backup\n", encoding="utf-8")
        handler = handlers_module.RotatingFileHandler(
            base,
            mode=mode,
            maxBytes=max_bytes,
            backupCount=backup_count,
            encoding="utf-8",
            delay=delay,
        )
        handler.setFormatter(logging_module.Formatter("%(levelname)s:%(message)s"))
        logger = private_logger(logging_module, handler)
        for round_ in range(3):
            for message in MESSAGES:
                logger.warning("%s %d", message, round_)
        handler.close()
        return handler.mode, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


def test_should_rollover_answers_like_the_stdlib(tmp_path: Path) -> None:
    """The decision itself, record by record, including the empty-file rule
    the stdlib adopted in 3.12.6/3.13 (whichever applies to this Python)."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        handler = handlers_module.RotatingFileHandler(
            directory / "d.log", maxBytes=20, backupCount=2, encoding="utf-8", delay=True
        )
        handler.setFormatter(logging_module.Formatter("%(message)s"))
        answers = []
        for size in (30, 1, 5, 25, 3, 3, 3, 3, 3, 40, 0):
            record = logging_module.makeLogRecord({"msg": "m" * size, "levelno": 20})
            answers.append(handler.shouldRollover(record))
            handler.emit(record)
        handler.close()
        return answers, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


@pytest.mark.skipif(not os.path.exists(os.devnull), reason="needs a device file")
def test_a_device_file_is_never_rolled_over(tmp_path: Path) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        handler = handlers_module.RotatingFileHandler(
            os.devnull, maxBytes=1, backupCount=1, encoding="utf-8"
        )
        record = logging_module.makeLogRecord({"msg": "to the void", "levelno": 20})
        answers = [handler.shouldRollover(record)]
        handler.emit(record)
        answers.append(handler.shouldRollover(record))
        handler.close()
        return answers, os.path.exists(os.devnull + ".1")

    results = run_both(tmp_path, scenario)
    assert_same(results)
    assert results["femtologging"] == ([False, False], False)


def test_namer_and_rotator_hooks_are_used_like_the_stdlib(tmp_path: Path) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        calls: list[tuple[str, ...]] = []

        def namer(name: str) -> str:
            calls.append(("namer", os.path.basename(name)))
            return name + ".gz"

        def rotator(source: str, dest: str) -> None:
            calls.append(("rotator", os.path.basename(source), os.path.basename(dest)))
            with open(source, "rb") as raw:
                data = raw.read()
            with open(dest, "wb") as packed:
                packed.write(zlib.compress(data))
            os.remove(source)

        handler = handlers_module.RotatingFileHandler(
            directory / "z.log", maxBytes=30, backupCount=2, encoding="utf-8"
        )
        handler.namer = namer
        handler.rotator = rotator
        logger = private_logger(logging_module, handler)
        for index in range(8):
            logger.info("record number %d", index)
        handler.close()
        files = {
            name: zlib.decompress(data) if name.endswith(".gz") else data
            for name, data in snapshot(directory).items()
        }
        return calls, files

    assert_same(run_both(tmp_path, scenario))


def test_namer_and_rotator_defined_on_a_subclass(tmp_path: Path) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        class Renaming(handlers_module.RotatingFileHandler):  # type: ignore[name-defined,misc]
            def namer(self, name: str) -> str:
                return name.replace(".log.", ".") + ".bak"

            def rotator(self, source: str, dest: str) -> None:
                if os.path.exists(source):
                    os.replace(source, dest + ".moved")

        handler = Renaming(directory / "s.log", maxBytes=25, backupCount=3, encoding="utf-8")
        logger = private_logger(logging_module, handler)
        for index in range(6):
            logger.info("subclass hook %d", index)
        handler.close()
        return snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


def test_rollover_keeps_the_stream_asynchronous(tmp_path: Path) -> None:
    """After a rollover femtologging writes through a new worker-backed
    stream, and flush() makes everything queued visible."""
    handler = femto_handlers.RotatingFileHandler(
        tmp_path / "async.log", maxBytes=50, backupCount=2, encoding="utf-8"
    )
    logger = private_logger(femtologging, handler)
    for index in range(5):
        logger.info("asynchronous line %d", index)
    assert isinstance(handler.stream, FileStream)
    handler.flush()
    lines = []
    for name in ("async.log.2", "async.log.1", "async.log"):
        lines += (tmp_path / name).read_text(encoding="utf-8").splitlines()
    # 20-byte lines, 50-byte limit: two lines per file, all five kept.
    assert lines == [f"asynchronous line {index}" for index in range(5)]
    handler.close()


def test_worker_rollover_then_python_sees_the_true_size(tmp_path: Path) -> None:
    """The worker rolls a stock handler over; a later record that Python
    handles (a filter was added) must see the size of the new file, not of
    everything ever written, so both paths agree on when to roll over."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        handler = handlers_module.RotatingFileHandler(
            directory / "mixed.log", maxBytes=120, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging_module.Formatter("%(levelname)s %(message)s"))
        logger = private_logger(logging_module, handler)
        sizes = []
        for index in range(12):
            logger.warning("native %02d ééé", index)
        sizes.append(handler.stream.tell())
        handler.addFilter(lambda record: True)
        for index in range(12):
            logger.warning("python %02d ééé", index)
            sizes.append(handler.stream.tell())
        handler.filters.clear()
        handler.namer = lambda name: name + ".bak"
        for index in range(6):
            logger.warning("named %02d", index)
        handler.close()
        return sizes, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


def test_failed_rollover_keeps_the_records_the_stdlib_loses(tmp_path: Path) -> None:
    """A backup name taken by a directory: every rollover fails. The stdlib
    reports each failure and drops the record being written; the worker
    reports the first in full, counts the later ones, and writes every
    record to the file it still has open."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        (directory / "stuck.log.1").mkdir()
        (directory / "stuck.log.1" / "keep").write_text("x", encoding="utf-8")
        handler = handlers_module.RotatingFileHandler(
            directory / "stuck.log", maxBytes=40, backupCount=1, encoding="utf-8"
        )
        logger = private_logger(logging_module, handler)
        previous, logging_module.raiseExceptions = logging_module.raiseExceptions, False
        try:
            for index in range(8):
                logger.warning("record number %d", index)
            handler.close()
        finally:
            logging_module.raiseExceptions = previous
        return (directory / "stuck.log").read_bytes(), sorted(os.listdir(directory))

    results = run_both(tmp_path, scenario)
    stdlib_bytes, stdlib_listing = results["stdlib"]
    femto_bytes, femto_listing = results["femtologging"]
    assert femto_listing == stdlib_listing
    assert stdlib_bytes == b"record number 0\nrecord number 1\n"
    assert femto_bytes == b"".join(b"record number %d\n" % index for index in range(8))


THREADS = 4
PER_THREAD = 1500
MAX_BYTES = 2048


@pytest.mark.parametrize("label", ["stdlib", "femtologging"])
def test_four_threads_rotating_lose_nothing_and_respect_max_bytes(
    tmp_path: Path, label: str
) -> None:
    logging_module, handlers_module = IMPLEMENTATIONS[label]
    handler = handlers_module.RotatingFileHandler(
        tmp_path / "mt.log", maxBytes=MAX_BYTES, backupCount=500, encoding="utf-8"
    )
    handler.setFormatter(logging_module.Formatter("%(threadName)s %(message)s"))
    logger = private_logger(logging_module, handler)
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        start.wait()
        for index in range(PER_THREAD):
            # Lines of different lengths, so rollovers fall at varying points.
            logger.info("%06d %s", index, "p" * (index % 23))

    threads = [threading.Thread(target=work, args=(n,), name=f"w{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.close()

    backups = sorted(
        (path for path in tmp_path.iterdir() if path.name != "mt.log"),
        key=lambda path: int(path.name.rsplit(".", 1)[1]),
        reverse=True,
    )
    ordered_files = [*backups, tmp_path / "mt.log"]
    seen: dict[str, list[int]] = {f"w{n}": [] for n in range(THREADS)}
    for path in ordered_files:
        data = path.read_bytes()
        assert len(data) < MAX_BYTES, path.name
        assert data.endswith(b"\n"), path.name
        for line in data.decode("utf-8").splitlines():
            thread_name, number, padding = line.split(" ")
            assert padding == "p" * (int(number) % 23)
            seen[thread_name].append(int(number))
    # Oldest file first: every thread's lines appear once each, in order.
    for numbers in seen.values():
        assert numbers == list(range(PER_THREAD))


def test_concurrent_rotation_fills_files_like_the_stdlib(tmp_path: Path) -> None:
    """With equal-length lines, the number and sizes of files do not depend
    on how threads interleave, so they must match the stdlib exactly."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        handler = handlers_module.RotatingFileHandler(
            directory / "eq.log", maxBytes=1000, backupCount=200, encoding="utf-8"
        )
        handler.setFormatter(logging_module.Formatter("%(threadName)s:%(message)s"))
        logger = private_logger(logging_module, handler)

        def work() -> None:
            for index in range(800):
                logger.info("%05d", index)

        threads = [threading.Thread(target=work, name=f"t{n}") for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        handler.close()
        return sorted((name, len(data)) for name, data in snapshot(directory).items())

    assert_same(run_both(tmp_path, scenario))


def test_watched_file_handler_reopens_after_move_and_delete(tmp_path: Path) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        path = directory / "watched.log"
        handler = handlers_module.WatchedFileHandler(path, encoding="utf-8")
        handler.setFormatter(logging_module.Formatter("%(levelname)s %(message)s"))
        logger = private_logger(logging_module, handler)
        logger.info("first, in the original file")
        handler.flush()
        os.rename(path, directory / "watched.log.moved")
        logger.info("second, in a new file after the move")
        logger.warning("third, same new file")
        handler.flush()
        os.unlink(path)
        logger.error("fourth, after the delete")
        handler.close()
        return snapshot(directory)

    results = run_both(tmp_path, scenario)
    assert_same(results)
    assert results["femtologging"]["watched.log.moved"] == b"INFO first, in the original file\n"


def test_watched_file_keeps_each_record_on_its_side_of_a_move(tmp_path: Path) -> None:
    """No flush between logging and moving: a record logged before the move
    or delete is in the old file, one logged after it in the new file, even
    though a worker writes them (the reopen is queued behind them)."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        path = directory / "w.log"
        handler = handlers_module.WatchedFileHandler(path, encoding="utf-8")
        logger = private_logger(logging_module, handler)
        identities = []
        for round_number in range(20):
            logger.info("before move %d", round_number)
            os.rename(path, directory / f"w.log.{round_number}")
            logger.info("after move %d", round_number)
            identities.append((handler.dev, handler.ino) == os_identity(path))
        logger.info("before delete")
        os.unlink(path)
        logger.info("after delete")
        identities.append((handler.dev, handler.ino) == os_identity(path))
        handler.close()
        return identities, snapshot(directory)

    results = run_both(tmp_path, scenario)
    assert_same(results)
    identities, files = results["femtologging"]
    assert all(identities)
    assert files["w.log.0"] == b"before move 0\n"
    assert files["w.log"] == b"after delete\n"


def os_identity(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def test_watched_file_reopen_failure_raises_like_the_stdlib(tmp_path: Path) -> None:
    """The directory is gone: the stdlib's reopenIfNeeded raises from the
    logging call; once it is back, the next record opens the file again."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        logs = directory / "logs"
        logs.mkdir()
        handler = handlers_module.WatchedFileHandler(logs / "w.log", encoding="utf-8")
        logger = private_logger(logging_module, handler)
        logger.info("first")
        os.rename(logs, directory / "old-logs")
        with pytest.raises(FileNotFoundError) as raised:
            logger.info("lost: no directory")
        stream_after_failure = handler.stream
        logs.mkdir()
        logger.info("second")
        handler.close()
        return (
            raised.value.filename,
            stream_after_failure,
            snapshot(logs),
            snapshot(directory / "old-logs"),
        )

    results = run_both(tmp_path, scenario)
    for label in results:
        filename = results[label][0]
        results[label] = (Path(filename).name, *results[label][1:])
    assert_same(results)


def test_watched_file_moved_while_threads_write(tmp_path: Path) -> None:
    """Four threads log while another moves the file away over and over:
    every line is in exactly one of the files, whole."""
    path = tmp_path / "busy.log"
    handler = femto_handlers.WatchedFileHandler(path, encoding="utf-8")
    logger = private_logger(femtologging, handler)
    per_thread = 2000
    done = threading.Event()
    moved = threading.Event()

    def mover() -> None:
        moves = successes = 0
        while not done.is_set():
            try:
                os.rename(path, tmp_path / f"busy.log.{moves}")
                successes += 1
                if successes >= 3:
                    moved.set()
            except FileNotFoundError:
                pass
            moves += 1

    written = [0] * 4

    def work(number: int) -> None:
        # At least `per_thread` lines, and until the file was moved a few
        # times: logging can outpace the mover's first turn at the GIL.
        index = 0
        while index < per_thread or not moved.is_set():
            logger.info("thread %d line %d", number, index)
            index += 1
            if index % 500 == 0:
                time.sleep(0.001)
        written[number] = index

    moving = threading.Thread(target=mover)
    moving.start()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    moving.join()
    handler.close()
    lines = [line for data in snapshot(tmp_path).values() for line in data.decode().splitlines()]
    expected = [f"thread {n} line {i}" for n in range(4) for i in range(written[n])]
    assert sorted(lines) == sorted(expected)
    assert len(snapshot(tmp_path)) > 2


def test_watched_file_handler_with_delay(tmp_path: Path) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        path = directory / "late.log"
        handler = handlers_module.WatchedFileHandler(path, encoding="utf-8", delay=True)
        before = (handler.stream is None, handler.dev, handler.ino)
        handler.reopenIfNeeded()  # nothing open: nothing to do
        logger = private_logger(logging_module, handler)
        logger.info("opened on first use")
        logger.info("and kept")
        handler.close()
        return before, path.exists(), snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


def test_records_without_a_level_are_written(tmp_path: Path) -> None:
    """makeLogRecord() leaves levelno None; the stdlib writes such records."""

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        handler = handlers_module.RotatingFileHandler(
            directory / "nolevel.log", maxBytes=100, backupCount=1, encoding="utf-8"
        )
        handler.emit(logging_module.makeLogRecord({"msg": "a"}))
        decision = handler.shouldRollover(logging_module.makeLogRecord({"msg": "b" * 100}))
        handler.close()
        return decision, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))
