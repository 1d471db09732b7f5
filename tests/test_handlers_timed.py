"""TimedRotatingFileHandler against the stdlib, on a patched clock.

`time.time` is replaced by a fake clock that both implementations read, so
rollovers happen at chosen instants with no waiting; file names, contents,
deletions of old backups and rollover times must match the stdlib's.
"""

from __future__ import annotations

import datetime
import itertools
import logging as std_logging
import logging.handlers as std_handlers
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import femtologging
import femtologging.handlers as femto_handlers

IMPLEMENTATIONS = {
    "stdlib": (std_logging, std_handlers),
    "femtologging": (femtologging, femto_handlers),
}
_names = itertools.count()

# 2024-03-09 12:00:00 UTC, a Saturday, the day before US DST starts.
EPOCH = 1709985600

US = "EST+05EDT,M3.2.0,M11.1.0"
TIMEZONES = [
    "UTC0",
    US,  # US rules: DST from 2 a.m., second Sunday of March
    "CET-1CEST,M3.5.0,M10.5.0/3",  # EU rules
    "NZST-12NZDT,M9.5.0,M4.1.0/3",  # southern hemisphere
]


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(EPOCH)
    monkeypatch.setattr(time, "time", fake)
    return fake


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def private_logger(logging_module: ModuleType, handler: Any) -> Any:
    logger = logging_module.getLogger(f"timed-test-{next(_names)}")
    logger.propagate = False
    logger.setLevel(logging_module.DEBUG)
    logger.addHandler(handler)
    return logger


def run_both(tmp_path: Path, scenario: Callable[..., Any]) -> dict[str, Any]:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        directory = tmp_path / label
        directory.mkdir()
        results[label] = scenario(logging_module, handlers_module, directory)
    return results


def assert_same(results: dict[str, Any]) -> None:
    assert results["femtologging"] == results["stdlib"]


@pytest.mark.parametrize(
    ("when", "interval", "step", "utc", "tz"),
    [
        ("S", 5, 2, True, "UTC0"),
        ("s", 1, 1, True, "UTC0"),
        ("M", 2, 45, False, "EST+05EDT,M3.2.0,M11.1.0"),
        ("H", 1, 1700, False, "EST+05EDT,M3.2.0,M11.1.0"),
        ("D", 1, 30000, True, "UTC0"),
        ("MIDNIGHT", 1, 20000, False, "EST+05EDT,M3.2.0,M11.1.0"),
        ("MIDNIGHT", 1, 20000, False, "CET-1CEST,M3.5.0,M10.5.0/3"),
        ("W6", 1, 200000, False, "EST+05EDT,M3.2.0,M11.1.0"),
        ("W0", 1, 150000, True, "UTC0"),
    ],
)
def test_rotation_timeline_matches_the_stdlib(
    tmp_path: Path,
    clock: FakeClock,
    timezone: Callable[[str], None],
    when: str,
    interval: int,
    step: int,
    utc: bool,
    tz: str,
) -> None:
    timezone(tz)

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        clock.now = EPOCH
        # delay: no file yet, so the first rollover time comes from the clock.
        handler = handlers_module.TimedRotatingFileHandler(
            directory / "t.log",
            when=when,
            interval=interval,
            backupCount=3,
            encoding="utf-8",
            delay=True,
            utc=utc,
        )
        handler.setFormatter(logging_module.Formatter("%(message)s"))
        logger = private_logger(logging_module, handler)
        schedule = [handler.rolloverAt]
        for index in range(40):
            logger.info("record %d at %d", index, clock.now)
            schedule.append(handler.rolloverAt)
            clock.now += step
        handler.close()
        return schedule, snapshot(directory)

    results = run_both(tmp_path, scenario)
    assert_same(results)
    assert len(results["femtologging"][1]) > 1  # some rollover did happen


def test_at_time_and_existing_file_mtime(
    tmp_path: Path, clock: FakeClock, timezone: Callable[[str], None]
) -> None:
    """Without delay, an existing file's mtime (not the clock) starts the
    schedule; atTime moves the daily rollover."""
    timezone("EST+05EDT,M3.2.0,M11.1.0")

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        clock.now = EPOCH
        path = directory / "at.log"
        path.write_text("from yesterday\n", encoding="utf-8")
        os.utime(path, (EPOCH - 86400, EPOCH - 86400))
        handler = handlers_module.TimedRotatingFileHandler(
            path,
            when="midnight",
            backupCount=2,
            encoding="utf-8",
            atTime=datetime.time(6, 30, 15),
        )
        handler.setFormatter(logging_module.Formatter("%(levelname)s %(message)s"))
        logger = private_logger(logging_module, handler)
        schedule = [handler.rolloverAt]
        for index in range(12):
            logger.warning("day step %d", index)
            schedule.append(handler.rolloverAt)
            clock.now += 6 * 3600 + 17
        handler.close()
        return schedule, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


def test_an_existing_backup_is_handled_like_the_stdlib(
    tmp_path: Path, clock: FakeClock, timezone: Callable[[str], None]
) -> None:
    """Older releases overwrite a backup with the same name; newer ones
    (gh-88352) keep it and skip the rollover. Whichever this Python does."""
    timezone("UTC0")

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        clock.now = EPOCH
        handler = handlers_module.TimedRotatingFileHandler(
            directory / "dup.log", when="S", interval=10, encoding="utf-8", delay=True, utc=True
        )
        handler.setFormatter(logging_module.Formatter("%(message)s"))
        existing = directory / ("dup.log." + time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime(EPOCH)))
        existing.write_text("do not lose me\n", encoding="utf-8")
        logger = private_logger(logging_module, handler)
        schedule = []
        for index in range(4):
            logger.info("line %d", index)
            schedule.append(handler.rolloverAt)
            clock.now += 7
        handler.close()
        return schedule, snapshot(directory)

    assert_same(run_both(tmp_path, scenario))


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(TIMEZONES),
    when=st.sampled_from(["S", "M", "H", "D", "MIDNIGHT"] + [f"W{day}" for day in range(7)]),
    interval=st.integers(1, 3),
    utc=st.booleans(),
    at_time=st.none() | st.times().map(lambda moment: moment.replace(microsecond=0)),
    # 2012 to 2030, so every kind of DST transition is covered.
    now=st.integers(1325376000, 1893456000),
    near_transition=st.booleans(),
    on_the_mark=st.booleans(),
)
# The day before US DST starts (2012-03-11 02:00 EST), rolling over inside
# the hour that the change skips, and right at the rollover time itself.
@example(US, "MIDNIGHT", 1, False, datetime.time(2, 30), 1331398800, False, False)
@example(US, "MIDNIGHT", 1, False, datetime.time(2, 0), 1331398800, False, False)
@example(US, "W6", 1, False, datetime.time(2, 30), 1331398800, False, False)
@example(US, "MIDNIGHT", 1, False, datetime.time(1, 30), 1352005200, False, False)
@example("UTC0", "MIDNIGHT", 1, True, datetime.time(12), 1331398800, False, True)
@example("UTC0", "W5", 1, True, None, 1331424000, False, True)
def test_compute_rollover_matches_the_stdlib(
    tz: str,
    when: str,
    interval: int,
    utc: bool,
    at_time: datetime.time | None,
    now: int,
    near_transition: bool,
    on_the_mark: bool,
) -> None:
    if on_the_mark:
        # Exactly at the rotation time of that day: today's or tomorrow's?
        day_start = now - now % 86400
        mark = at_time or datetime.time(0)
        now = day_start + (mark.hour * 60 + mark.minute) * 60 + mark.second
    if near_transition:
        # Snap to within a day of a US or EU DST change in that year.
        year = time.gmtime(now).tm_year
        anchors = [
            datetime.datetime(year, 3, 10, 7, tzinfo=datetime.timezone.utc),
            datetime.datetime(year, 11, 3, 6, tzinfo=datetime.timezone.utc),
            datetime.datetime(year, 3, 31, 1, tzinfo=datetime.timezone.utc),
            datetime.datetime(year, 10, 27, 1, tzinfo=datetime.timezone.utc),
        ]
        now = int(anchors[now % 4].timestamp()) + (now % 172800) - 86400
    moments = [now + offset for offset in (0, 1, 3599, 86399)]
    original = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        answers = {}
        for label, (_, handlers_module) in IMPLEMENTATIONS.items():
            handler = handlers_module.TimedRotatingFileHandler(
                "/nonexistent-dir/never-opened.log",
                when=when,
                interval=interval,
                delay=True,
                utc=utc,
                atTime=at_time,
            )
            answers[label] = (
                handler.interval,
                handler.suffix,
                handler.extMatch.pattern,
                [handler.computeRollover(moment) for moment in moments],
                handler.computeRollover(float(now) + 0.5),
            )
            if label == "stdlib":
                # The backup name of a rollover due now (doRollover's).
                handler.rolloverAt = now
                backup = time.strftime(handler.suffix, stdlib_interval_start(handler, now))
            else:
                # What the worker follows when it rolls the file over itself.
                schedule = handler._worker_schedule()
                worker = [schedule.rollover_after(moment) for moment in moments]
                worker_backup = schedule.suffix(now, now)
            handler.close()
    finally:
        if original is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = original
        time.tzset()
    assert answers["femtologging"] == answers["stdlib"]
    assert worker == answers["stdlib"][3]
    assert worker_backup == backup


def stdlib_interval_start(handler: Any, now: int) -> time.struct_time:
    """What every supported stdlib's doRollover names the rotated file
    after: the start of the interval ending at `rolloverAt`, in the
    wall-clock terms of `now`."""
    start = handler.rolloverAt - handler.interval
    if handler.utc:
        return time.gmtime(start)
    moment = time.localtime(start)
    dst_now = time.localtime(now).tm_isdst
    if dst_now != moment.tm_isdst:
        return time.localtime(start + (3600 if dst_now else -3600))
    return moment


def make_files(directory: Path, names: list[str]) -> None:
    for name in names:
        (directory / name).write_bytes(b"")


STAMPS = [f"2024-03-{day:02d}_1{hour}-00-00" for day in (1, 2, 3) for hour in (0, 5)]


def custom_namer(filename: str) -> str:
    directory, base = os.path.split(filename)
    return os.path.join(directory, base.replace(".log", "") + ".log")


def prefix_namer(filename: str) -> str:
    directory, base = os.path.split(filename)
    return os.path.join(directory, "old-" + base.rsplit(".", 1)[-1] + ".txt")


@pytest.mark.parametrize(
    ("base", "namer", "files", "backup_count"),
    [
        ("a.log", None, [f"a.log.{s}" for s in STAMPS], 2),
        ("a.log", None, [f"a.log.{s}" for s in STAMPS] + [f"a.log.{s}.gz" for s in STAMPS], 3),
        ("a.log", None, [f"a.log.b.{s}" for s in STAMPS] + [f"a.log.{s}" for s in STAMPS], 1),
        ("a.log", None, [f"a.log.{s}x" for s in STAMPS] + ["a.log.2024-03-01_10-00-0"], 0),
        ("a.log", custom_namer, [f"a.{s}.log" for s in STAMPS] + [f"a.log.{s}" for s in STAMPS], 2),
        ("a.log", prefix_namer, [f"old-{s}.txt" for s in STAMPS] + ["old-junk.txt"], 4),
        ("a.b.log", None, [f"a.b.log.{s}" for s in STAMPS] + [f"a.b.c.log.{s}" for s in STAMPS], 2),
        ("a.log", None, [f"a.log.{s}" for s in STAMPS[:2]], 5),
        ("noext", None, [f"noext.{s}" for s in STAMPS] + [f"noext.x.{s}" for s in STAMPS], 2),
        (".hidden", None, [f".hidden.{s}" for s in STAMPS] + ["..hidden.2024-03-01_10-00-00"], 1),
    ],
)
def test_files_to_delete_match_the_stdlib(
    tmp_path: Path,
    base: str,
    namer: Callable[[str], str] | None,
    files: list[str],
    backup_count: int,
) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        make_files(directory, files)
        handler = handlers_module.TimedRotatingFileHandler(
            directory / base, when="S", backupCount=backup_count, delay=True
        )
        if namer is not None:
            handler.namer = namer
        found = sorted(os.path.basename(path) for path in handler.getFilesToDelete())
        if handlers_module is femto_handlers and namer is None:
            # The worker's own choice, when it rolls over, is the same.
            worker = handler._worker_schedule().files_to_delete(handler.baseFilename, backup_count)
            assert sorted(os.path.basename(path) for path in worker) == found
        handler.close()
        return found

    assert_same(run_both(tmp_path, scenario))


def test_old_backups_are_deleted_like_the_stdlib(
    tmp_path: Path, clock: FakeClock, timezone: Callable[[str], None]
) -> None:
    timezone("UTC0")

    def scenario(logging_module: ModuleType, handlers_module: ModuleType, directory: Path) -> Any:
        clock.now = EPOCH
        make_files(directory, ["keep.log.2020-01-01_00-00-00", "keep.log.unrelated"])
        handler = handlers_module.TimedRotatingFileHandler(
            directory / "keep.log", when="S", interval=3, backupCount=2, delay=True, utc=True
        )
        logger = private_logger(logging_module, handler)
        listings = []
        for index in range(8):
            logger.info("x %d", index)
            listings.append(sorted(path.name for path in directory.iterdir()))
            clock.now += 4
        handler.close()
        return listings

    assert_same(run_both(tmp_path, scenario))


@pytest.mark.parametrize("when", ["X", "W", "W7", "W-1", "Wednesday", "midnightx"])
def test_invalid_when_raises_the_stdlib_error(tmp_path: Path, when: str) -> None:
    errors = {}
    for label, (_, handlers_module) in IMPLEMENTATIONS.items():
        with pytest.raises(ValueError) as caught:
            handlers_module.TimedRotatingFileHandler(
                tmp_path / f"{label}.log", when=when, delay=True
            )
        errors[label] = str(caught.value)
    assert errors["femtologging"] == errors["stdlib"]


@pytest.mark.skipif(not os.path.exists(os.devnull), reason="needs a device file")
def test_a_device_file_is_not_rotated_but_rescheduled(tmp_path: Path, clock: FakeClock) -> None:
    answers = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        clock.now = EPOCH
        handler = handlers_module.TimedRotatingFileHandler(
            os.devnull, when="S", backupCount=1, encoding="utf-8"
        )
        record = logging_module.makeLogRecord({"msg": "void", "levelno": 20})
        first = handler.rolloverAt
        clock.now = first + 5
        decision = handler.shouldRollover(record)
        answers[label] = (decision, handler.rolloverAt - clock.now)
        handler.close()
    assert answers["femtologging"] == answers["stdlib"]
    assert answers["femtologging"][0] is False
