"""The `logging.handlers` surface: size- and time-rotated files, the watched
file, the network handlers (stream and datagram sockets, syslog, SMTP, HTTP),
the NT event log stub, the buffering handlers and the queue handler/listener.

The file handlers sit on femtologging's `FileHandler`, whose stream is written
by a Rust worker thread. A stock rotating handler is rolled over by that
worker; otherwise a rollover drains and closes the stream, renames files
through the `namer`/`rotator` hooks and opens a fresh stream. The other
handlers do their I/O in Python on the caller's thread, as the stdlib does.
Behaviour follows the stdlib of the running interpreter; where CPython
releases differ, the version flags below say which one applies.
"""

import contextlib
import copy
import datetime
import io
import os
import pickle
import queue
import re
import socket
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ._femtologging_rs import FileStream, RolloverCell, TargetSpec, TimedSchedule
from ._globals import CRITICAL, DEBUG, ERROR, INFO, WARNING
from ._handler import (
    _ORIGINALS,
    FileHandler,
    Handler,
    _stock,
    open_file_stream,
    worker_file_target,
)
from ._otlp import OTLPHandler  # noqa: F401 - part of this module's surface

if sys.version_info < (3, 13):
    # The stdlib's module exposed these until 3.13 (an incidental import).
    from stat import ST_DEV, ST_INO, ST_MTIME  # noqa: F401

DEFAULT_TCP_LOGGING_PORT = 9020
DEFAULT_UDP_LOGGING_PORT = 9021
DEFAULT_HTTP_LOGGING_PORT = 9022
DEFAULT_SOAP_LOGGING_PORT = 9023
SYSLOG_UDP_PORT = 514
SYSLOG_TCP_PORT = 514

_MIDNIGHT = 24 * 60 * 60  # seconds in a day

_VERSION = sys.version_info[:3]
# SysLogHandler gained createSocket() in 3.11: the socket is made lazily again
# after close() or a failed start, and close() tolerates a missing socket.
_SYSLOG_LAZY_SOCKET = _VERSION >= (3, 11)
# QueueHandler.listener (set by dictConfig) exists from 3.12.
_QUEUE_HANDLER_LISTENER = _VERSION >= (3, 12)
# gh-116263 (3.12.6, 3.13): an empty file never rolls over by size.
_SIZE_ROLLOVER_SKIPS_EMPTY = _VERSION >= (3, 12, 6)
# gh-88352 and gh-115809 (3.11.9, 3.12.3): computeRollover() always lands
# after the given time and handles DST for daily rollovers too, doRollover()
# never overwrites an existing backup, and old backups are found by a
# datetime pattern that may sit anywhere in a custom name.
_TIMED_ROLLOVER_FIXES = _VERSION >= (3, 12, 3) or (3, 11, 9) <= _VERSION < (3, 12)
# gh-90535 (3.13): `interval` also multiplies MIDNIGHT and weekly rollovers.
_TIMED_INTERVAL_SCALES_CALENDAR = _VERSION >= (3, 13)
# gh-114706 (3.13): QueueListener.stop() may be called more than once.
_LISTENER_STOP_TWICE = _VERSION >= (3, 13)


def _is_special_file(path: str) -> bool:
    """Whether `path` exists but is not a regular file (a device, a fifo):
    such files are never rotated. One stat where `os.path.exists` and
    `os.path.isfile` would make two."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode)


def _stream_end(stream: Any, seek_first: bool) -> int:
    """The stream's write position. A `FileStream` counts queued bytes, so it
    is already at the logical end; older stdlibs seek plain files first."""
    if seek_first and not isinstance(stream, FileStream):
        stream.seek(0, 2)
    return int(stream.tell())


class BaseRotatingHandler(FileHandler):
    """A file handler that may roll its file over before writing a record.

    Subclasses decide when (`shouldRollover`) and how (`doRollover`);
    `namer` and `rotator` let users rename or transform rotated files.
    """

    namer: "Callable[[str], str] | None" = None
    rotator: "Callable[[str, str], Any] | None" = None

    def __init__(
        self,
        filename: Any,
        mode: str,
        encoding: "str | None" = None,
        delay: bool = False,
        errors: "str | None" = None,
    ) -> None:
        FileHandler.__init__(
            self, filename, mode=mode, encoding=encoding, delay=delay, errors=errors
        )
        # The stdlib stores the arguments as given, undoing FileHandler's
        # encoding default for direct users of this class.
        self.mode = mode
        self.encoding = encoding
        self.errors = errors

    def emit(self, record: Any) -> None:
        try:
            # Subclasses define both (the stdlib's base class does not).
            if self.shouldRollover(record):  # type: ignore[attr-defined]
                self.doRollover()  # type: ignore[attr-defined]
            FileHandler.emit(self, record)
        except Exception:
            self.handleError(record)

    def rotation_filename(self, default_name: str) -> str:
        """The name a rotated file gets: `namer(default_name)` if set."""
        namer = self.namer
        if callable(namer):
            return namer(default_name)
        return default_name

    def rotate(self, source: str, dest: str) -> None:
        """Moves the current file aside: `rotator(source, dest)` if set,
        else a rename (skipped when a delayed handler never made the file)."""
        rotator = self.rotator
        if callable(rotator):
            rotator(source, dest)
        elif os.path.exists(source):
            os.rename(source, dest)

    def _close_stream(self) -> None:
        # FileStream.close() returns once the worker has written every queued
        # record, so the file is complete before it is renamed.
        if self.stream:
            self.stream.close()
            self.stream = None


class RotatingFileHandler(BaseRotatingHandler):
    """Rolls the file over to `name.1`, `name.2`, ... `name.<backupCount>`
    when the next record would bring it to `maxBytes` characters."""

    def __init__(
        self,
        filename: Any,
        mode: str = "a",
        maxBytes: int = 0,
        backupCount: int = 0,
        encoding: "str | None" = None,
        delay: bool = False,
        errors: "str | None" = None,
    ) -> None:
        if maxBytes > 0:
            # Truncating on open would throw away the previous run's log.
            mode = "a"
        if "b" not in mode:
            encoding = io.text_encoding(encoding)
        BaseRotatingHandler.__init__(
            self, filename, mode, encoding=encoding, delay=delay, errors=errors
        )
        self.maxBytes = maxBytes
        self.backupCount = backupCount

    def doRollover(self) -> None:
        self._close_stream()
        if self.backupCount > 0:
            base = self.baseFilename
            for index in range(self.backupCount - 1, 0, -1):
                older = self.rotation_filename(f"{base}.{index}")
                newer = self.rotation_filename(f"{base}.{index + 1}")
                if os.path.exists(older):
                    if os.path.exists(newer):
                        os.remove(newer)
                    os.rename(older, newer)
            first = self.rotation_filename(base + ".1")
            if os.path.exists(first):
                os.remove(first)
            self.rotate(base, first)
        if not self.delay:
            self.stream = self._open()

    def _femto_target(self) -> "TargetSpec | None":
        """A stock handler is rolled over by its worker; with a `namer`,
        `rotator` or overridden renames, the fast path formats records
        itself and checks them against `maxBytes`, and a record that may
        need a rollover comes back to Python."""
        if self.maxBytes <= 0:
            target = FileHandler._femto_target(self)
            return target if _stock(self, RotatingFileHandler, _ROTATING_METHODS) else None
        backups = self.backupCount
        if (
            type(self.maxBytes) is int
            and type(backups) is int
            and backups < 2**32
            and not callable(self.namer)
            and not callable(self.rotator)
            and _stock(self, RotatingFileHandler, _RENAMING_METHODS)
            and not _is_special_file(self.baseFilename)
        ):
            return worker_file_target(
                self,
                RotatingFileHandler,
                _ROTATING_METHODS,
                TargetSpec.RotatingFile,
                max_bytes=self.maxBytes,
                backup_count=max(backups, 0),
                skip_empty=_SIZE_ROLLOVER_SKIPS_EMPTY,
            )
        return worker_file_target(
            self,
            RotatingFileHandler,
            _ROTATING_METHODS,
            TargetSpec.SizeLimitedFile,
            max_bytes=self.maxBytes,
        )

    def shouldRollover(self, record: Any) -> bool:
        if self.stream is None:  # a delayed handler opens on first use
            self.stream = self._open()
        if self.maxBytes <= 0:
            return False
        if _SIZE_ROLLOVER_SKIPS_EMPTY:
            position = _stream_end(self.stream, seek_first=False)
            if not position:
                return False
            needed = len(self.format(record)) + 1
        else:
            needed = len(self.format(record)) + 1
            position = _stream_end(self.stream, seek_first=True)
        if position + needed < self.maxBytes:
            return False
        # Devices and fifos are never rotated. Stdlibs before gh-116263 test
        # this first, on every record; testing only when a rollover is due
        # gives the same answer without two stat calls per record.
        return not _is_special_file(self.baseFilename)


#: `when` -> (seconds per unit, suffix strftime format, suffix pattern).
_TIMED_UNITS: "dict[str, tuple[int, str, str]]" = {
    "S": (1, "%Y-%m-%d_%H-%M-%S", r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}"),
    "M": (60, "%Y-%m-%d_%H-%M", r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}"),
    "H": (60 * 60, "%Y-%m-%d_%H", r"\d{4}-\d{2}-\d{2}_\d{2}"),
    "D": (_MIDNIGHT, "%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"),
    "MIDNIGHT": (_MIDNIGHT, "%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"),
}
#: The same for `W0` to `W6`.
_WEEKLY = (7 * _MIDNIGHT, "%Y-%m-%d", r"\d{4}-\d{2}-\d{2}")


def _suffix_regex(core: str) -> "re.Pattern[str]":
    if _TIMED_ROLLOVER_FIXES:
        # Found anywhere in a (possibly custom) name, but not inside a longer
        # run of digits.
        return re.compile(rf"(?<!\d){core}(?!\d)", re.ASCII)
    return re.compile(rf"^{core}(\.\w+)?$", re.ASCII)


def _dst_shift(dst_before: int, dst_after: int) -> int:
    """Seconds to add to a wall-clock-based time when DST starts (-3600) or
    ends (+3600) between two instants."""
    if dst_before == dst_after:
        return 0
    return 3600 if dst_before else -3600


#: Methods of a rotating handler's emit path, which the fast path performs.
_ROTATING_METHODS = (
    "handle",
    "filter",
    "emit",
    "format",
    "_open",
    "shouldRollover",
    "doRollover",
)


#: How a rollover renames files; the worker does it only as defined here.
_RENAMING_METHODS = ("rotation_filename", "rotate")

#: The same for a timed rollover, which also picks its time and old files.
_TIMED_RENAMING_METHODS = (*_RENAMING_METHODS, "computeRollover", "getFilesToDelete")

#: The clock the worker's rollover times agree with.
_SYSTEM_TIME = time.time

#: `rolloverAt` beyond any time: the largest whole second the worker keeps.
_NEVER = 2**63 - 1


class TimedRotatingFileHandler(BaseRotatingHandler):
    """Rolls the file over at timed intervals, naming the rotated file after
    the start of the interval it covers; keeps at most `backupCount` of them."""

    def __init__(
        self,
        filename: Any,
        when: str = "h",
        interval: int = 1,
        backupCount: int = 0,
        encoding: "str | None" = None,
        delay: bool = False,
        utc: bool = False,
        atTime: Any = None,
        errors: "str | None" = None,
    ) -> None:
        encoding = io.text_encoding(encoding)
        BaseRotatingHandler.__init__(
            self, filename, "a", encoding=encoding, delay=delay, errors=errors
        )
        self.when = when.upper()
        self.backupCount = backupCount
        self.utc = utc
        self.atTime = atTime
        try:
            unit, suffix, pattern = self._parse_when(self.when)
        except ValueError:
            # The stdlib has opened the file by now and leaks it; close it.
            self._close_stream()
            raise
        self.suffix = suffix
        self.extMatch = _suffix_regex(pattern)
        self.interval = unit * interval
        # baseFilename is a str even when a path-like object was passed.
        if os.path.exists(self.baseFilename):
            start = int(os.stat(self.baseFilename).st_mtime)
        else:
            start = int(time.time())
        self._rollover_cell = RolloverCell(_NEVER)
        self.rolloverAt = self.computeRollover(start)

    @property
    def rolloverAt(self) -> Any:
        """When the file rolls over next. Shared with the worker, which moves
        it on when it rolls the file over itself."""
        current = self._rollover_cell.get()
        if current != self._rollover_stored:
            return current
        return self._rollover_value

    @rolloverAt.setter
    def rolloverAt(self, value: Any) -> None:
        # Kept as given (an int or a float), and as whole seconds for the
        # worker, which then owns it only while it is an int.
        whole = value if type(value) is int and -_NEVER <= value <= _NEVER else _NEVER
        stream = getattr(self, "stream", None)
        if isinstance(stream, FileStream):
            # Records logged before are written under the old time, as the
            # stdlib wrote them at once.
            stream.flush()
        self._rollover_value = value
        self._rollover_stored = whole
        self._rollover_cell.set(whole)

    def _parse_when(self, when: str) -> "tuple[int, str, str]":
        if when in _TIMED_UNITS:
            return _TIMED_UNITS[when]
        if not when.startswith("W"):
            raise ValueError(f"Invalid rollover interval specified: {when}")
        if len(when) != 2:
            raise ValueError(
                f"You must specify a day for weekly rollover from 0 to 6 (0 is Monday): {when}"
            )
        if not "0" <= when[1] <= "6":
            raise ValueError(f"Invalid day specified for weekly rollover: {when}")
        self.dayOfWeek = int(when[1])
        return _WEEKLY

    def computeRollover(self, currentTime: Any) -> Any:
        """The first rollover time after `currentTime` (for S/M/H/D, simply
        one interval later; MIDNIGHT and Wn align to the day and `atTime`)."""
        calendar = self.when == "MIDNIGHT" or self.when.startswith("W")
        if not calendar:
            return currentTime + self.interval
        moment = time.gmtime(currentTime) if self.utc else time.localtime(currentTime)
        if self.atTime is None:
            target = _MIDNIGHT
        else:
            at = self.atTime
            target = (at.hour * 60 + at.minute) * 60 + at.second
        elapsed = (moment.tm_hour * 60 + moment.tm_min) * 60 + moment.tm_sec
        wait = target - elapsed
        weekday = moment.tm_wday
        already_passed = wait <= 0 if _TIMED_ROLLOVER_FIXES else wait < 0
        if already_passed:  # today's rotation time is behind us: tomorrow's
            wait += _MIDNIGHT
            weekday = (weekday + 1) % 7
        result = currentTime + wait
        days = 0
        if self.when.startswith("W") and weekday != self.dayOfWeek:
            # Whole days from the day just reached to the chosen weekday.
            days = (self.dayOfWeek - weekday) % 7
        if not _TIMED_ROLLOVER_FIXES:
            # Older releases only correct for DST when waiting extra days;
            # doRollover() corrects daily rollovers.
            if days:
                result += days * _MIDNIGHT
                if not self.utc:
                    result += _dst_shift(moment.tm_isdst, time.localtime(result).tm_isdst)
            return result
        result += days * _MIDNIGHT
        if _TIMED_INTERVAL_SCALES_CALENDAR:
            period = 7 * _MIDNIGHT if self.when.startswith("W") else _MIDNIGHT
            result += self.interval - period
        if not self.utc:
            shift = _dst_shift(moment.tm_isdst, time.localtime(result).tm_isdst)
            # When DST starts, the hour before the computed time may already
            # be standard time (the skipped hour): then no correction applies.
            if shift < 0 and not time.localtime(result - 3600).tm_isdst:
                shift = 0
            result += shift
        return result

    def shouldRollover(self, record: Any) -> bool:
        now = int(time.time())
        if now < self.rolloverAt:
            return False
        if _is_special_file(self.baseFilename):
            # Never rotate a device or fifo, but don't test on every record.
            self.rolloverAt = self.computeRollover(now)
            return False
        return True

    def _femto_target(self) -> "TargetSpec | None":
        """A stock handler is rolled over by its worker. Otherwise the fast
        path writes until `rolloverAt`; from then on calls come back to
        Python, which rolls over and sets the next `rolloverAt`."""
        schedule = self._worker_schedule()
        if schedule is None:
            return worker_file_target(
                self,
                TimedRotatingFileHandler,
                _ROTATING_METHODS,
                TargetSpec.FileUntil,
                rollover_at=self.rolloverAt,
            )
        return worker_file_target(
            self,
            TimedRotatingFileHandler,
            _ROTATING_METHODS,
            TargetSpec.TimedFile,
            schedule=schedule,
            rollover_cell=self._rollover_cell,
            backup_count=max(self.backupCount, 0),
        )

    def _worker_schedule(self) -> "TimedSchedule | None":
        """The schedule of a handler whose rollover the worker can do as the
        stdlib would: stock naming, suffix and methods, int times, a regular
        file, and the system clock (the worker cannot follow a `time.time`
        patched by a test; the stdlib's rollover reads it)."""
        when, at = self.when, self.atTime
        if not (
            time.time is _SYSTEM_TIME
            and type(self.interval) is int
            and type(self.backupCount) is int
            and self.backupCount < 2**32
            and type(self.rolloverAt) is int
            and (at is None or type(at) is datetime.time)
            and not callable(self.namer)
            and not callable(self.rotator)
            and _stock(self, TimedRotatingFileHandler, _TIMED_RENAMING_METHODS)
            and self._stock_suffix()
            and not _is_special_file(self.baseFilename)
        ):
            return None
        at_seconds = None if at is None else (at.hour * 60 + at.minute) * 60 + at.second
        try:
            return TimedSchedule(
                when,
                self.interval,
                bool(self.utc),
                at_seconds,
                _TIMED_ROLLOVER_FIXES,
                _TIMED_INTERVAL_SCALES_CALENDAR,
            )
        except (ValueError, OverflowError):
            return None

    def _stock_suffix(self) -> bool:
        """Whether `suffix`, `extMatch` and `dayOfWeek` are what `when` set."""
        when = self.when
        if type(when) is not str:
            return False
        if when in _TIMED_UNITS:
            _unit, suffix, pattern = _TIMED_UNITS[when]
        elif len(when) == 2 and when[0] == "W" and "0" <= when[1] <= "6":
            if getattr(self, "dayOfWeek", None) != int(when[1]):
                return False
            _unit, suffix, pattern = _WEEKLY
        else:
            return False
        ext_match = self.extMatch
        expected = _suffix_regex(pattern)
        return (
            self.suffix == suffix
            and isinstance(ext_match, re.Pattern)
            and ext_match.pattern == expected.pattern
            and ext_match.flags == expected.flags
        )

    def getFilesToDelete(self) -> "list[str]":
        """The oldest rotated files beyond `backupCount`, as full paths."""
        directory, base = os.path.split(self.baseFilename)
        names = os.listdir(directory)
        if _TIMED_ROLLOVER_FIXES:
            found = self._rotated_names(directory, base, names)
        else:
            found = self._rotated_names_legacy(base, names)
        found = [os.path.join(directory, name) for name in found]
        if len(found) < self.backupCount:
            return []
        found.sort()
        return found[: len(found) - self.backupCount]

    def _rotated_names(self, directory: str, base: str, names: "list[str]") -> "list[str]":
        if self.namer is None:
            prefix = base + "."
            return [
                name
                for name in names
                if name.startswith(prefix) and self.extMatch.fullmatch(name[len(prefix) :])
            ]
        matched = []
        for name in names:
            # A file is ours if naming the datetime found in it reproduces it.
            match = self.extMatch.search(name)
            while match:
                candidate = self.namer(self.baseFilename + "." + match[0])
                if os.path.basename(candidate) == name:
                    matched.append(name)
                    break
                match = self.extMatch.search(name, match.start() + 1)
        return matched

    def _rotated_names_legacy(self, base: str, names: "list[str]") -> "list[str]":
        # The prefix leaves out the extension so that names like
        # "app.2024-01-01.log" from a namer are recognised.
        stem, extension = os.path.splitext(base)
        prefix = stem + "."
        matched = []
        for name in names:
            if self.namer is None:
                if not name.startswith(base):
                    continue
            elif (
                not name.startswith(base)
                and name.endswith(extension)
                and len(name) > len(prefix) + 1
                and not name[len(prefix) + 1].isdigit()
            ):
                continue
            if name[: len(prefix)] != prefix:
                continue
            if any(self.extMatch.match(part) for part in name[len(prefix) :].split(".")):
                matched.append(name)
        return matched

    def _interval_start(self, now: int) -> time.struct_time:
        """The time tuple naming the file being rotated: the start of the
        interval that ends at `rolloverAt`, in the same wall-clock terms."""
        start = self.rolloverAt - self.interval
        if self.utc:
            return time.gmtime(start)
        moment = time.localtime(start)
        shift = -_dst_shift(moment.tm_isdst, time.localtime(now).tm_isdst)
        return time.localtime(start + shift) if shift else moment

    def doRollover(self) -> None:
        due_at = self.rolloverAt
        if isinstance(self.stream, FileStream):
            # The worker may roll the file over while it writes what is
            # queued; then this rollover is done.
            self.stream.flush()
            if self.rolloverAt != due_at:
                return
        if _TIMED_ROLLOVER_FIXES:
            self._roll_over()
        else:
            self._roll_over_legacy()

    def _roll_over(self) -> None:
        now = int(time.time())
        target = self.rotation_filename(
            self.baseFilename + "." + time.strftime(self.suffix, self._interval_start(now))
        )
        if os.path.exists(target):
            # Already rotated (e.g. by another handler on the same file):
            # overwriting it would lose that interval's records.
            return
        self._close_stream()
        self._rotate_and_reopen(target)
        self.rolloverAt = self.computeRollover(now)

    def _roll_over_legacy(self) -> None:
        self._close_stream()
        now = int(time.time())
        dst_now = time.localtime(now).tm_isdst
        target = self.rotation_filename(
            self.baseFilename + "." + time.strftime(self.suffix, self._interval_start(now))
        )
        if os.path.exists(target):
            os.remove(target)
        self._rotate_and_reopen(target)
        next_at = self.computeRollover(now)
        while next_at <= now:
            next_at += self.interval
        if (self.when == "MIDNIGHT" or self.when.startswith("W")) and not self.utc:
            next_at += _dst_shift(dst_now, time.localtime(next_at).tm_isdst)
        self.rolloverAt = next_at

    def _rotate_and_reopen(self, target: str) -> None:
        self.rotate(self.baseFilename, target)
        if self.backupCount > 0:
            for path in self.getFilesToDelete():
                os.remove(path)
        if not self.delay:
            self.stream = self._open()


class WatchedFileHandler(FileHandler):
    """Reopens its file when it was moved or deleted since the last record
    (for use with external rotation such as logrotate)."""

    def __init__(
        self,
        filename: Any,
        mode: str = "a",
        encoding: "str | None" = None,
        delay: bool = False,
        errors: "str | None" = None,
    ) -> None:
        if "b" not in mode:
            encoding = io.text_encoding(encoding)
        FileHandler.__init__(
            self, filename, mode=mode, encoding=encoding, delay=delay, errors=errors
        )
        self.dev, self.ino = -1, -1
        self._statstream()

    def _open(self) -> Any:
        # A watched stream reopens in place, in its queue's order, so records
        # logged before a move still land in the moved file.
        return open_file_stream(
            self.baseFilename, self.mode, self.encoding, self.errors, watch=True
        )

    def _statstream(self) -> None:
        stream = self.stream
        if stream is None:
            return
        if isinstance(stream, FileStream) and stream.watched:
            identity = stream.identity
            if identity is not None:
                self.dev, self.ino = identity
            return
        identity = os.fstat(stream.fileno())
        self.dev = identity.st_dev
        self.ino = identity.st_ino

    def reopenIfNeeded(self) -> None:
        """Closes and reopens the stream if the path no longer names the
        file the stream writes to."""
        if self.stream is None:
            return
        # One stat by path, so a rotation racing with this check is seen at
        # the latest on the next record.
        try:
            current = os.stat(self.baseFilename)
        except FileNotFoundError:
            moved = True
        else:
            moved = current.st_dev != self.dev or current.st_ino != self.ino
        if not moved:
            return
        if isinstance(self.stream, FileStream) and self.stream.watched:
            try:
                self.stream.reopen()
            except BaseException:
                # As after a failed _open(): no stream until one opens.
                stream, self.stream = self.stream, None
                with contextlib.suppress(OSError):
                    stream.close()
                raise
            self._statstream()
            return
        self.stream.flush()
        self.stream.close()
        self.stream = None  # stays None if reopening fails
        self.stream = self._open()
        self._statstream()

    def emit(self, record: Any) -> None:
        self.reopenIfNeeded()
        FileHandler.emit(self, record)

    def _femto_target(self) -> "TargetSpec | None":
        if not isinstance(self.stream, FileStream) or not self.stream.watched:
            return None
        return worker_file_target(self, WatchedFileHandler, _WATCHED_METHODS)


#: Methods of WatchedFileHandler's emit path, which the fast path performs
#: (it hands a moved file to Python, so reopenIfNeeded runs as defined).
_WATCHED_METHODS = ("handle", "filter", "format", "emit", "reopenIfNeeded", "_open")


class SocketHandler(Handler):
    """Sends each record over a stream socket as a 4-byte big-endian length
    followed by a pickle of the record's attribute dict; reconnects with
    exponential backoff after failures."""

    def __init__(self, host: Any, port: "int | None") -> None:
        Handler.__init__(self)
        self.host = host
        self.port = port
        # A port of None means `host` is a unix socket path.
        self.address: Any = host if port is None else (host, port)
        self.sock: Any = None
        self.closeOnError = False
        self.retryTime: float | None = None
        self.retryStart = 1.0
        self.retryMax = 30.0
        self.retryFactor = 2.0

    def makeSocket(self, timeout: float = 1) -> socket.socket:
        if self.port is not None:
            return socket.create_connection(self.address, timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(self.address)
        except OSError:
            sock.close()
            raise
        return sock

    def createSocket(self) -> None:
        """Connects, unless an earlier failure's backoff period is running."""
        now = time.time()
        if self.retryTime is not None and now < self.retryTime:
            return
        try:
            self.sock = self.makeSocket()
        except OSError:
            if self.retryTime is None:
                self.retryPeriod = self.retryStart
            else:
                self.retryPeriod = min(self.retryPeriod * self.retryFactor, self.retryMax)
            self.retryTime = now + self.retryPeriod
        else:
            self.retryTime = None

    def send(self, s: bytes) -> None:
        if self.sock is None:
            self.createSocket()
        # Still None while backing off or when reconnecting failed.
        if not self.sock:
            return
        try:
            self.sock.sendall(s)
        except OSError:
            self.sock.close()
            self.sock = None  # reconnect on the next record

    def makePickle(self, record: Any) -> bytes:
        if record.exc_info:
            # Formatting caches the traceback text in record.exc_text.
            self.format(record)
        # msg and args may not unpickle on the receiving side: send the
        # merged message instead. `message` would duplicate it.
        data = dict(record.__dict__)
        data["msg"] = record.getMessage()
        data["args"] = None
        data["exc_info"] = None
        data.pop("message", None)
        payload = pickle.dumps(data, 1)
        return struct.pack(">L", len(payload)) + payload

    def handleError(self, record: Any) -> None:
        if self.closeOnError and self.sock:
            self.sock.close()
            self.sock = None  # reconnect on the next record
        else:
            Handler.handleError(self, record)

    def emit(self, record: Any) -> None:
        try:
            self.send(self.makePickle(record))
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        with self.lock:
            sock, self.sock = self.sock, None
            if sock:
                sock.close()
            Handler.close(self)


class DatagramHandler(SocketHandler):
    """SocketHandler's wire format, one datagram per record (UDP, or a unix
    datagram socket when `port` is None)."""

    def __init__(self, host: Any, port: "int | None") -> None:
        SocketHandler.__init__(self, host, port)
        self.closeOnError = False

    def makeSocket(self) -> socket.socket:  # type: ignore[override]
        family = socket.AF_UNIX if self.port is None else socket.AF_INET
        return socket.socket(family, socket.SOCK_DGRAM)

    def send(self, s: bytes) -> None:
        if self.sock is None:
            self.createSocket()
        self.sock.sendto(s, self.address)


class SysLogHandler(Handler):
    """Sends `<PRI>message` to a syslog daemon over UDP, TCP or a unix socket."""

    # Priorities (severity), lowest number most severe.
    LOG_EMERG = 0
    LOG_ALERT = 1
    LOG_CRIT = 2
    LOG_ERR = 3
    LOG_WARNING = 4
    LOG_NOTICE = 5
    LOG_INFO = 6
    LOG_DEBUG = 7

    # Facilities.
    LOG_KERN = 0
    LOG_USER = 1
    LOG_MAIL = 2
    LOG_DAEMON = 3
    LOG_AUTH = 4
    LOG_SYSLOG = 5
    LOG_LPR = 6
    LOG_NEWS = 7
    LOG_UUCP = 8
    LOG_CRON = 9
    LOG_AUTHPRIV = 10
    LOG_FTP = 11
    LOG_NTP = 12
    LOG_SECURITY = 13
    LOG_CONSOLE = 14
    LOG_SOLCRON = 15
    LOG_LOCAL0 = 16
    LOG_LOCAL1 = 17
    LOG_LOCAL2 = 18
    LOG_LOCAL3 = 19
    LOG_LOCAL4 = 20
    LOG_LOCAL5 = 21
    LOG_LOCAL6 = 22
    LOG_LOCAL7 = 23

    priority_names = {
        "alert": LOG_ALERT,
        "crit": LOG_CRIT,
        "critical": LOG_CRIT,
        "debug": LOG_DEBUG,
        "emerg": LOG_EMERG,
        "err": LOG_ERR,
        "error": LOG_ERR,
        "info": LOG_INFO,
        "notice": LOG_NOTICE,
        "panic": LOG_EMERG,
        "warn": LOG_WARNING,
        "warning": LOG_WARNING,
    }

    facility_names = {
        "auth": LOG_AUTH,
        "authpriv": LOG_AUTHPRIV,
        "console": LOG_CONSOLE,
        "cron": LOG_CRON,
        "daemon": LOG_DAEMON,
        "ftp": LOG_FTP,
        "kern": LOG_KERN,
        "lpr": LOG_LPR,
        "mail": LOG_MAIL,
        "news": LOG_NEWS,
        "ntp": LOG_NTP,
        "security": LOG_SECURITY,
        "solaris-cron": LOG_SOLCRON,
        "syslog": LOG_SYSLOG,
        "user": LOG_USER,
        "uucp": LOG_UUCP,
        "local0": LOG_LOCAL0,
        "local1": LOG_LOCAL1,
        "local2": LOG_LOCAL2,
        "local3": LOG_LOCAL3,
        "local4": LOG_LOCAL4,
        "local5": LOG_LOCAL5,
        "local6": LOG_LOCAL6,
        "local7": LOG_LOCAL7,
    }

    # Level name -> priority name; custom level names fall back to "warning".
    priority_map = {
        "DEBUG": "debug",
        "INFO": "info",
        "WARNING": "warning",
        "ERROR": "error",
        "CRITICAL": "critical",
    }

    ident = ""  # prepended to every message
    append_nul = True  # some old daemons want a NUL terminator

    def __init__(
        self,
        address: Any = ("localhost", SYSLOG_UDP_PORT),
        facility: "int | str" = LOG_USER,
        socktype: "int | None" = None,
    ) -> None:
        Handler.__init__(self)
        self.address = address
        self.facility = facility
        self.socktype = socktype
        if _SYSLOG_LAZY_SOCKET:
            self.socket: Any = None
            self.createSocket()
        else:
            self._create_socket()

    def _connect_unixsocket(self, address: str) -> None:
        # Without an explicit socktype, try a datagram socket, then a stream.
        kinds: list[int]
        if self.socktype is None:
            kinds = [socket.SOCK_DGRAM, socket.SOCK_STREAM]
        else:
            kinds = [self.socktype]
        for position, kind in enumerate(kinds):
            self.socket = socket.socket(socket.AF_UNIX, kind)
            try:
                self.socket.connect(address)
            except OSError:
                self.socket.close()
                if position == len(kinds) - 1:
                    raise
            else:
                self.socktype = kind
                return

    def _create_socket(self) -> None:
        address = self.address
        if isinstance(address, str):
            self.unixsocket = True
            # Like C's openlog(), a daemon that is not listening yet is not an
            # error here; sending will try to connect again.
            try:
                self._connect_unixsocket(address)
            except OSError:
                pass
            return
        self.unixsocket = False
        wanted = socket.SOCK_DGRAM if self.socktype is None else self.socktype
        host, port = address
        candidates = socket.getaddrinfo(host, port, 0, wanted)
        if not candidates:
            raise OSError("getaddrinfo returns an empty list")
        for family, kind, proto, _, sockaddr in candidates:
            error = sock = None
            try:
                sock = socket.socket(family, kind, proto)
                if kind == socket.SOCK_STREAM:
                    sock.connect(sockaddr)
                break
            except OSError as exc:
                error = exc
                if sock is not None:
                    sock.close()
        if error is not None:
            raise error
        self.socket = sock
        self.socktype = kind

    if _SYSLOG_LAZY_SOCKET:

        def createSocket(self) -> None:
            """Creates the socket (connected unless it is a UDP one). Called at
            start and again when a record finds no socket."""
            self._create_socket()

    def encodePriority(self, facility: "int | str", priority: "int | str") -> int:
        """`(facility << 3) | priority`; names are looked up in
        `facility_names` and `priority_names`."""
        if isinstance(facility, str):
            facility = self.facility_names[facility]
        if isinstance(priority, str):
            priority = self.priority_names[priority]
        return (facility << 3) | priority

    def close(self) -> None:
        with self.lock:
            if _SYSLOG_LAZY_SOCKET:
                sock, self.socket = self.socket, None
                if sock:
                    sock.close()
            else:
                self.socket.close()
            Handler.close(self)

    def mapPriority(self, levelName: str) -> str:
        """The priority name for a level name (override for custom levels)."""
        return self.priority_map.get(levelName, "warning")

    def emit(self, record: Any) -> None:
        try:
            text = self.format(record)
            if self.ident:
                text = self.ident + text
            if self.append_nul:
                text += "\000"
            priority = self.encodePriority(self.facility, self.mapPriority(record.levelname))
            # RFC 5424 wants UTF-8 bytes.
            packet = f"<{priority}>".encode() + text.encode("utf-8")
            if _SYSLOG_LAZY_SOCKET and not self.socket:
                self.createSocket()
            if self.unixsocket:
                try:
                    self.socket.send(packet)
                except OSError:
                    # The daemon may have restarted: reconnect once.
                    self.socket.close()
                    self._connect_unixsocket(self.address)
                    self.socket.send(packet)
            elif self.socktype == socket.SOCK_DGRAM:
                self.socket.sendto(packet, self.address)
            else:
                self.socket.sendall(packet)
        except Exception:
            self.handleError(record)


class SMTPHandler(Handler):
    """Mails each record. `mailhost` may be `(host, port)`, `credentials` a
    `(user, password)` pair; `secure` (a tuple of starttls arguments) is
    used only with credentials."""

    def __init__(
        self,
        mailhost: Any,
        fromaddr: str,
        toaddrs: Any,
        subject: str,
        credentials: Any = None,
        secure: Any = None,
        timeout: float = 5.0,
    ) -> None:
        Handler.__init__(self)
        if isinstance(mailhost, (list, tuple)):
            self.mailhost, self.mailport = mailhost
        else:
            self.mailhost, self.mailport = mailhost, None
        if isinstance(credentials, (list, tuple)):
            self.username, self.password = credentials
        else:
            self.username = None
        self.fromaddr = fromaddr
        if isinstance(toaddrs, str):
            toaddrs = [toaddrs]
        self.toaddrs = toaddrs
        self.subject = subject
        self.secure = secure
        self.timeout = timeout

    def getSubject(self, record: Any) -> str:
        """The mail's subject; override for one that depends on the record."""
        return self.subject

    def emit(self, record: Any) -> None:
        try:
            import email.utils
            import smtplib
            from email.message import EmailMessage

            port = self.mailport or smtplib.SMTP_PORT
            smtp = smtplib.SMTP(self.mailhost, port, timeout=self.timeout)
            message = EmailMessage()
            message["From"] = self.fromaddr
            message["To"] = ",".join(self.toaddrs)
            message["Subject"] = self.getSubject(record)
            message["Date"] = email.utils.localtime()
            message.set_content(self.format(record))
            if self.username:
                if self.secure is not None:
                    smtp.ehlo()
                    smtp.starttls(*self.secure)
                    smtp.ehlo()
                smtp.login(self.username, self.password)
            smtp.send_message(message)
            smtp.quit()
        except Exception:
            self.handleError(record)


class NTEventLogHandler(Handler):
    """Writes to the Windows event log through pywin32; elsewhere (or without
    pywin32) it says so once and drops every record."""

    def __init__(
        self, appname: str, dllname: "str | None" = None, logtype: str = "Application"
    ) -> None:
        Handler.__init__(self)
        try:
            import win32evtlog  # type: ignore[import-not-found]
            import win32evtlogutil  # type: ignore[import-not-found]
        except ImportError:
            print(
                "The Python Win32 extensions for NT (service, event logging) "
                "appear not to be available."
            )
            self._welu = None
            return
        self.appname = appname
        self._welu = win32evtlogutil
        if not dllname:
            package_dir = os.path.split(os.path.split(win32evtlogutil.__file__)[0])[0]
            dllname = os.path.join(package_dir, r"win32service.pyd")
        self.dllname = dllname
        self.logtype = logtype
        try:
            win32evtlogutil.AddSourceToRegistry(appname, dllname, logtype)
        except Exception as error:
            # Registering a source needs admin rights; an existing source is
            # still usable, so "access denied" (5) is not fatal.
            if getattr(error, "winerror", None) != 5:
                raise
        self.deftype = win32evtlog.EVENTLOG_ERROR_TYPE
        self.typemap = {
            DEBUG: win32evtlog.EVENTLOG_INFORMATION_TYPE,
            INFO: win32evtlog.EVENTLOG_INFORMATION_TYPE,
            WARNING: win32evtlog.EVENTLOG_WARNING_TYPE,
            ERROR: win32evtlog.EVENTLOG_ERROR_TYPE,
            CRITICAL: win32evtlog.EVENTLOG_ERROR_TYPE,
        }

    def getMessageID(self, record: Any) -> int:
        """The message id (1 is the generic one in win32service.pyd)."""
        return 1

    def getEventCategory(self, record: Any) -> int:
        return 0

    def getEventType(self, record: Any) -> int:
        return self.typemap.get(record.levelno, self.deftype)

    def emit(self, record: Any) -> None:
        if not self._welu:
            return
        try:
            event_id = self.getMessageID(record)
            category = self.getEventCategory(record)
            event_type = self.getEventType(record)
            text = self.format(record)
            self._welu.ReportEvent(self.appname, event_id, category, event_type, [text])
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        # The event source stays registered: the event viewer needs it to
        # show the records already written.
        Handler.close(self)


class HTTPHandler(Handler):
    """Sends each record's dict, url-encoded, with GET or POST."""

    def __init__(
        self,
        host: str,
        url: str,
        method: str = "GET",
        secure: bool = False,
        credentials: Any = None,
        context: Any = None,
    ) -> None:
        Handler.__init__(self)
        method = method.upper()
        if method not in ("GET", "POST"):
            raise ValueError("method must be GET or POST")
        if not secure and context is not None:
            raise ValueError("context parameter only makes sense with secure=True")
        self.host = host
        self.url = url
        self.method = method
        self.secure = secure
        self.credentials = credentials
        self.context = context

    def mapLogRecord(self, record: Any) -> "dict[str, Any]":
        """The fields sent for a record: its whole `__dict__` by default."""
        return record.__dict__

    def getConnection(self, host: str, secure: bool) -> Any:
        """An HTTP(S) connection to `host`; override to use a proxy."""
        import http.client

        if secure:
            return http.client.HTTPSConnection(host, context=self.context)
        return http.client.HTTPConnection(host)

    def emit(self, record: Any) -> None:
        try:
            import urllib.parse

            connection = self.getConnection(self.host, self.secure)
            url = self.url
            data = urllib.parse.urlencode(self.mapLogRecord(record))
            if self.method == "GET":
                url += ("&" if "?" in url else "?") + data
            # putrequest() sends the Host header itself.
            connection.putrequest(self.method, url)
            if self.method == "POST":
                connection.putheader("Content-type", "application/x-www-form-urlencoded")
                connection.putheader("Content-length", str(len(data)))
            if self.credentials:
                import base64

                # `%` as the stdlib does: a non-tuple `credentials` fails the same way.
                user_pass = ("%s:%s" % self.credentials).encode("utf-8")  # noqa: UP031
                token = base64.b64encode(user_pass).strip().decode("ascii")
                connection.putheader("Authorization", "Basic " + token)
            connection.endheaders()
            if self.method == "POST":
                connection.send(data.encode("utf-8"))
            connection.getresponse()
        except Exception:
            self.handleError(record)


class BufferingHandler(Handler):
    """Keeps records in `buffer`; `flush()` (here: discard) runs whenever
    `shouldFlush` says so, by default when `capacity` records are held."""

    def __init__(self, capacity: int) -> None:
        Handler.__init__(self)
        self.capacity = capacity
        self.buffer: list[Any] = []

    def shouldFlush(self, record: Any) -> bool:
        return len(self.buffer) >= self.capacity

    def emit(self, record: Any) -> None:
        self.buffer.append(record)
        if self.shouldFlush(record):
            self.flush()

    def flush(self) -> None:
        with self.lock:
            self.buffer.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            Handler.close(self)


class MemoryHandler(BufferingHandler):
    """Buffers records and hands them to `target` when the buffer is full or
    a record at `flushLevel` or above arrives."""

    def __init__(
        self,
        capacity: int,
        flushLevel: int = ERROR,
        target: Any = None,
        flushOnClose: bool = True,
    ) -> None:
        BufferingHandler.__init__(self, capacity)
        self.flushLevel = flushLevel
        self.target = target
        # False keeps close() from sending what is still buffered.
        self.flushOnClose = flushOnClose

    def shouldFlush(self, record: Any) -> bool:
        return len(self.buffer) >= self.capacity or record.levelno >= self.flushLevel

    def setTarget(self, target: Any) -> None:
        with self.lock:
            self.target = target

    def flush(self) -> None:
        """Sends the buffer to the target; without a target, keeps it."""
        with self.lock:
            if self.target:
                for record in self.buffer:
                    self.target.handle(record)
                self.buffer.clear()

    def close(self) -> None:
        try:
            if self.flushOnClose:
                self.flush()
        finally:
            with self.lock:
                self.target = None
                BufferingHandler.close(self)


class QueueHandler(Handler):
    """Puts a picklable copy of each record on a queue (for a QueueListener,
    possibly in another process)."""

    def __init__(self, queue: Any) -> None:
        Handler.__init__(self)
        self.queue = queue
        if _QUEUE_HANDLER_LISTENER:
            self.listener: QueueListener | None = None  # dictConfig sets it

    def enqueue(self, record: Any) -> None:
        self.queue.put_nowait(record)

    def prepare(self, record: Any) -> Any:
        """A shallow copy of the record with the formatted text as `msg` and
        `message`, and the attributes that may not pickle cleared."""
        # Formatting also renders the traceback into exc_text.
        text = self.format(record)
        # A copy, so handlers after this one still see the original record.
        prepared = copy.copy(record)
        prepared.message = text
        prepared.msg = text
        prepared.args = None
        prepared.exc_info = None
        prepared.exc_text = None
        prepared.stack_info = None
        return prepared

    def emit(self, record: Any) -> None:
        try:
            self.enqueue(self.prepare(record))
        except Exception:
            self.handleError(record)


def _queue_is_empty(q: Any) -> bool:
    try:
        return bool(q.empty())
    except Exception:
        return False


class QueueListener:
    """Takes records off a queue on a background thread and passes them to
    its handlers; `stop()` returns once everything queued before it is done."""

    _sentinel = None

    def __init__(self, queue: Any, *handlers: Any, respect_handler_level: bool = False):
        self.queue = queue
        self.handlers = handlers
        self._thread: threading.Thread | None = None
        self.respect_handler_level = respect_handler_level

    def dequeue(self, block: bool) -> Any:
        return self.queue.get(block)

    def start(self) -> None:
        self._thread = thread = threading.Thread(target=self._monitor)
        thread.daemon = True
        thread.start()

    def prepare(self, record: Any) -> Any:
        """Hook to transform a record before the handlers see it."""
        return record

    def handle(self, record: Any) -> None:
        record = self.prepare(record)
        for handler in self.handlers:
            if not self.respect_handler_level or record.levelno >= handler.level:
                handler.handle(record)

    def _monitor(self) -> None:
        q = self.queue
        # queue.Queue counts unfinished tasks; multiprocessing queues don't.
        task_done = getattr(q, "task_done", None)
        while True:
            try:
                record = self.dequeue(True)
            except queue.Empty:
                break
            if record is self._sentinel:
                if task_done is not None:
                    task_done()
                break
            self.handle(record)
            if task_done is not None:
                if _queue_is_empty(q):
                    self._write_out_handlers()
                task_done()

    def _write_out_handlers(self) -> None:
        """Waits for worker-written files before the last task is marked
        done: with the stdlib, `queue.join()` returning means the records
        are in their files, and code relies on it."""
        for handler in self.handlers:
            stream = getattr(handler, "stream", None)
            if isinstance(stream, FileStream):
                stream.flush()

    def enqueue_sentinel(self) -> None:
        self.queue.put_nowait(self._sentinel)

    def stop(self) -> None:
        """Asks the thread to finish what is queued and end; waits for it."""
        if _LISTENER_STOP_TWICE and not self._thread:
            return
        self.enqueue_sentinel()
        self._thread.join()  # type: ignore[union-attr]
        self._thread = None


for _class, _names in (
    (RotatingFileHandler, (*_ROTATING_METHODS, *_RENAMING_METHODS)),
    (TimedRotatingFileHandler, (*_ROTATING_METHODS, *_TIMED_RENAMING_METHODS)),
    (WatchedFileHandler, _WATCHED_METHODS),
):
    for _name in _names:
        _ORIGINALS[(_class, _name)] = getattr(_class, _name)
del _class, _names, _name
