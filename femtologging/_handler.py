"""Handlers of the `logging` module: `Handler`, `StreamHandler`,
`FileHandler`, `NullHandler` and the last-resort handler, and the
filters: `Filter` (logger-name prefix matching) and `Filterer`, the base of
handlers and loggers that owns a list of filters. (The filters live here,
with their first user, rather than in a module of their own: each module
loaded at import costs the import system's work whatever its size.)

`FileHandler` writes through a `FileStream`: the text is formatted and
encoded on the caller's thread, and written to disk by a Rust worker.
"""

import _thread
import codecs
import io
import logging as _stdlib_logging
import os
import sys
import threading
import traceback
from types import GenericAlias, ModuleType

from . import _femtologging_rs as _rs
from . import _globals
from ._femtologging_rs import RLock as _NativeRLock
from ._formatter import _defaultFormatter, native_format
from ._globals import (
    NOTSET,
    WARNING,
    _addHandlerRef,
    _checkLevel,
    _handlers,
    getLevelName,
    set_on_instance,
)
from ._record import makeLogRecord

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

    from ._femtologging_rs import TargetSpec

_RECORD_FILTERS = sys.version_info >= (3, 12)


class Filter:
    """Passes records from the named logger and its descendants."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.nlen = len(name)

    def filter(self, record: "Any") -> bool:
        if self.nlen == 0 or self.name == record.name:
            return True
        if not record.name.startswith(self.name):
            return False
        return record.name[self.nlen] == "."


class Filterer:
    """Holds filters; a record passes when every filter accepts it."""

    def __init__(self) -> None:
        self.filters: list[Any] = []

    def addFilter(self, filter: "Any") -> None:
        if filter not in self.filters:
            self.filters.append(filter)
            _globals.configuration_changed()

    def removeFilter(self, filter: "Any") -> None:
        if filter in self.filters:
            self.filters.remove(filter)
            _globals.configuration_changed()

    def filter(self, record: "Any") -> "Any":
        """False to drop the record; otherwise True, or (3.12+) the record a
        filter returned in its place."""
        for candidate in self.filters:
            if hasattr(candidate, "filter"):
                verdict = candidate.filter(record)
            else:
                verdict = candidate(record)
            if not verdict:
                return False
            if _RECORD_FILTERS and _is_record(verdict):
                record = verdict
        return record if _RECORD_FILTERS else True


def _new_lock() -> "Any":
    """`threading.RLock()`, as the stdlib's `createLock` makes it, natively
    where that is the stock lock: a log call then takes and releases it
    without calling into Python (src/bindings/handler_lock.rs). A patched
    `threading` (gevent's cooperative locks) gets its own lock."""
    if threading.RLock is _STOCK_RLOCK and threading._CRLock is _thread.RLock:  # type: ignore[attr-defined]
        return _NativeRLock()
    return threading.RLock()


_STOCK_RLOCK = threading.RLock


class Handler(Filterer):
    """Base of all handlers: level, filters, formatter, lock, error handling."""

    def __init__(self, level: "int | str" = NOTSET) -> None:
        Filterer.__init__(self)
        self._name: str | None = None
        self.level = _checkLevel(level)
        self.formatter: Any = None
        self._closed = False
        _addHandlerRef(self)
        self.createLock()

    def get_name(self) -> "str | None":
        return self._name

    def set_name(self, name: "str | None") -> None:
        with _globals.lock:
            if self._name in _handlers:
                del _handlers[self._name]  # type: ignore[arg-type]
            self._name = name
            if name:
                _handlers[name] = self

    name = property(get_name, set_name)

    def createLock(self) -> None:
        self.lock: Any = _new_lock()
        _globals.at_fork_reinit_lock_weakset.add(self)

    def _at_fork_reinit(self) -> None:
        self.lock._at_fork_reinit()

    def acquire(self) -> None:
        if self.lock:
            self.lock.acquire()

    def release(self) -> None:
        if self.lock:
            self.lock.release()

    def setLevel(self, level: "int | str") -> None:
        self.level = _checkLevel(level)

    def format(self, record: "Any") -> str:
        formatter = self.formatter or _defaultFormatter
        return formatter.format(record)

    def emit(self, record: "Any") -> None:
        raise NotImplementedError("emit must be implemented by Handler subclasses")

    def handle(self, record: "Any") -> "Any":
        """Filters, then emits under the handler's lock; returns the verdict."""
        verdict = self.filter(record)
        if _RECORD_FILTERS and verdict is not True and _is_record(verdict):
            record = verdict
        if verdict:
            with _holding(self):
                self.emit(record)
        return verdict

    def setFormatter(self, fmt: "Any") -> None:
        self.formatter = fmt

    def flush(self) -> None:
        pass

    def close(self) -> None:
        with _globals.lock:
            self._closed = True
            if self._name and self._name in _handlers:
                del _handlers[self._name]

    def handleError(self, record: "Any") -> None:
        """Reports an exception raised in emit() on stderr, unless
        `raiseExceptions` is false."""
        if not (_globals.flag("raiseExceptions") and sys.stderr):
            return
        kind, error, trace = sys.exc_info()
        try:
            sys.stderr.write("--- Logging error ---\n")
            traceback.print_exception(kind, error, trace, limit=None, file=sys.stderr)
            sys.stderr.write("Call stack:\n")
            # Called outside an exception, this raises the stdlib's
            # AttributeError (3.13 reads it from the exception object).
            if _EXCEPTION_OBJECT_FIRST:
                trace = error.__traceback__  # type: ignore[union-attr]
            frame = trace.tb_frame  # type: ignore[union-attr]
            while frame and _globals.is_internal_file(frame.f_code.co_filename):
                frame = frame.f_back
            if frame:
                traceback.print_stack(frame, file=sys.stderr)
            else:
                sys.stderr.write(f"Logged from file {record.filename}, line {record.lineno}\n")
            try:
                sys.stderr.write(f"Message: {record.msg!r}\nArguments: {record.args}\n")
            except RecursionError:
                raise
            except Exception:
                sys.stderr.write(
                    "Unable to print the message and arguments - possible formatting "
                    "error.\nUse the traceback above to help find the error.\n"
                )
        except OSError:
            pass  # stderr itself is broken: nothing sensible left to do
        finally:
            del kind, error, trace

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({getLevelName(self.level)})>"

    def _femto_target(self) -> "TargetSpec | None":
        """How the Rust fast path can serve this handler, or None if only
        Python can (see femtologging/_native_path.py)."""
        return None

    def __setattr__(self, name: str, value: "Any") -> None:
        object.__setattr__(self, name, value)
        if name in _ROUTING_ATTRIBUTES:
            _globals.configuration_changed()

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if name in _ROUTING_ATTRIBUTES:
            _globals.configuration_changed()


#: Handler attributes whose change alters where or how records are written,
#: including methods patched on an instance (`mock.patch.object(handler, ...)`).
_ROUTING_ATTRIBUTES = frozenset(
    {"level", "formatter", "filters", "stream", "terminator", "lock", "maxBytes", "rolloverAt"}
    | {"backupCount", "namer", "rotator", "baseFilename"}
    | {"when", "interval", "utc", "atTime", "suffix", "extMatch", "dayOfWeek"}
    | {"handle", "filter", "emit", "format", "flush", "acquire", "release", "_open"}
    | {"shouldRollover", "doRollover", "rotation_filename", "rotate", "reopenIfNeeded"}
    | {"computeRollover", "getFilesToDelete"}
)


class _LockHooks:
    """Holds a handler's lock through its `acquire`/`release` methods, which
    subclasses may override (what the stdlib calls before 3.13)."""

    __slots__ = ("handler",)

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __enter__(self) -> None:
        self.handler.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.handler.release()


def _holding(handler: Handler) -> "Any":
    """The context that guards emit/flush/close: the lock itself on 3.13+
    (`with self.lock`), the overridable hooks before."""
    return handler.lock if _WITH_LOCK_DIRECTLY else _LockHooks(handler)


_WITH_LOCK_DIRECTLY = sys.version_info >= (3, 13)
_EXCEPTION_OBJECT_FIRST = sys.version_info >= (3, 13)


def _is_record(value: "Any") -> bool:
    # The stdlib's class: femtologging's LogRecord derives from it, and
    # records from stdlib loggers reach femtologging's filters too.
    return isinstance(value, _stdlib_logging.LogRecord)


#: Methods of the emit path that the fast path performs itself.
_STREAM_METHODS = ("handle", "filter", "emit", "format", "flush", "acquire", "release")
_FILE_METHODS = ("handle", "filter", "emit", "format", "_open")


#: The methods as this module defines them, captured at import: a class
#: patched later (`StreamHandler.emit = ...`) no longer counts as stock.
_ORIGINALS: "dict[tuple[type, str], Any]" = {}


def _stock(handler: "Any", base: type, names: "tuple[str, ...]") -> bool:
    """Whether the handler has each named method exactly as `base` defined
    it: not overridden by its class nor patched on the instance."""
    cls = type(handler)
    return all(
        getattr(cls, name, None) is _ORIGINALS.get((base, name))
        and not set_on_instance(handler, name)
        for name in names
    )


class StreamHandler(Handler):
    """Writes formatted records to a stream (default `sys.stderr`)."""

    terminator = "\n"

    def __init__(self, stream: "Any" = None) -> None:
        Handler.__init__(self)
        if stream is None:
            stream = sys.stderr
        self.stream = stream

    def flush(self) -> None:
        with _holding(self):
            if self.stream and hasattr(self.stream, "flush"):
                self.stream.flush()
                if isinstance(self.stream, _rs.FileStream):
                    _report_failed_write(self, self.stream)

    def emit(self, record: "Any") -> None:
        try:
            text = self.format(record)
            self.stream.write(text + self.terminator)
            self.flush()
        except RecursionError:
            raise
        except Exception:
            report_stream_failure(self, record)

    def close(self) -> None:
        try:
            _summarize_stream_failures(self)
        finally:
            Handler.close(self)

    def setStream(self, stream: "Any") -> "Any":
        """Replaces the stream; returns the old one, or None if unchanged."""
        if stream is self.stream:
            return None
        previous = self.stream
        with _holding(self):
            self.flush()
            self.stream = stream
        return previous

    def _femto_target(self) -> "TargetSpec | None":
        if self.filters or not _stock(self, StreamHandler, _STREAM_METHODS):
            return None
        native = native_format(self.formatter)
        if native is None:
            return None
        stream = self.stream
        # An io.StringIO writes without releasing the GIL and flushes to no
        # effect: Rust then skips the lock and the flush (no lock given).
        lock = None if type(stream) is io.StringIO else self.lock
        # The interpreter's own unbuffered stdout/stderr: Rust writes the
        # line to the descriptor itself (plan.rs, UnbufferedStdio), checking
        # again on each call.
        fd = stream.fileno() if _is_unbuffered_stdio(stream) else None
        return _rs.TargetSpec.Stream(
            level=self.level,
            handler=self,
            stream=stream,
            native=native,
            terminator=self.terminator,
            lock=lock,
            unbuffered_fd=fd,
        )

    def __repr__(self) -> str:
        name = str(getattr(self.stream, "name", ""))
        if name:
            name += " "
        return f"<{type(self).__name__} {name}({getLevelName(self.level)})>"

    __class_getitem__ = classmethod(GenericAlias)


def _is_unbuffered_stdio(stream: "Any") -> bool:
    """The interpreter's own stdout/stderr under PYTHONUNBUFFERED (or -u), in
    UTF-8: nothing ever waits in its buffers, so a line written straight to
    its descriptor is where `write()` + `flush()` would put it."""
    if stream is None or (stream is not sys.__stdout__ and stream is not sys.__stderr__):
        return False
    try:
        return (
            type(stream) is io.TextIOWrapper
            and type(stream.buffer) is io.FileIO
            and stream.write_through
            and not stream.closed
            and codecs.lookup(stream.encoding).name == "utf-8"
        )
    except (AttributeError, LookupError, ValueError):
        return False


#: The `locale` module, once a file was opened with the locale's encoding:
#: kept, because a handler closed at exit reopens its file on its next
#: record, which may come from a `__del__` while the interpreter finalizes,
#: when nothing can be imported any more.
_locale_module: "ModuleType | None" = None


def _resolve_encoding(encoding: "str | None") -> str:
    """The codec name a text file opened with `encoding` would use."""
    global _locale_module
    if encoding is None or encoding == "locale":
        if sys.flags.utf8_mode:
            return "utf-8"
        if _locale_module is None:
            import locale  # only for a file opened with the locale's encoding

            _locale_module = locale
        getencoding = getattr(_locale_module, "getencoding", None)
        return getencoding() if getencoding else _locale_module.getpreferredencoding(False)
    return encoding


def worker_file_target(
    handler: "Any",
    base: type,
    methods: "tuple[str, ...]",
    spec: "Any" = None,
    **fields: "Any",
) -> "TargetSpec | None":
    """The fast-path target of a file handler whose worker formats records
    (`spec`, one of `TargetSpec`'s file kinds, `File` unless given, with its
    own `fields`): only
    for a UTF-8 `FileStream`, no filters, the emit path of `base` unchanged
    and a formatter the core can reproduce."""
    stream = handler.stream
    if not isinstance(stream, _rs.FileStream) or not stream.native_text or handler.filters:
        return None
    if not _stock(handler, base, methods):
        return None
    native = native_format(handler.formatter)
    if native is None:
        return None
    return (spec or _rs.TargetSpec.File)(  # type: ignore[no-any-return]
        level=handler.level,
        handler=handler,
        stream=stream,
        native=native,
        terminator=handler.terminator,
        **fields,
    )


def open_file_stream(
    path: str, mode: str, encoding: "str | None", errors: "str | None", *, watch: bool = False
) -> "Any":
    """A worker-written `FileStream` when the mode is plain text, else `open()`.
    A watched stream is reopened by its worker when the file is moved."""
    if mode.replace("t", "").replace("+", "") not in ("a", "w", "x") or "b" in mode:
        return open(path, mode, encoding=encoding, errors=errors)
    codec = codecs.lookup(_resolve_encoding(encoding))
    if codec.name == "utf-8" and errors in (None, "strict"):
        encoder = None
    else:
        incremental = codec.incrementalencoder(errors or "strict")
        if "a" in mode and _nonempty(path):
            # As a text file appending to existing content does: no second
            # byte-order mark (utf-16, utf-32, utf-8-sig).
            incremental.setstate(0)
        encoder = incremental.encode
    return _rs.FileStream(
        path,
        mode,
        _resolve_encoding(encoding),
        encoder,
        errors=errors or "strict",
        native_text=codec.name == "utf-8",
        watch=watch,
    )


def report_stream_failure(handler: Handler, record: "Any") -> None:
    """`handleError` for the exception being handled, raised by `emit`.

    A stream whose writes fail with an OS error (a pipe whose reader
    exited, a full disk) fails for every record: the first failure of each
    errno is reported in full, the repeats are counted and summed up at
    `close()`, instead of one traceback per record. A handler whose class
    overrides `handleError` sees every failure."""
    error = sys.exc_info()[1]
    bounded = type(handler).handleError is Handler.handleError and not set_on_instance(
        handler, "handleError"
    )
    if bounded and isinstance(error, OSError) and error.errno is not None:
        seen = handler.__dict__.get("_stream_failures")
        if seen is None:
            seen = {}
            object.__setattr__(handler, "_stream_failures", seen)
        if error.errno in seen:
            seen[error.errno] += 1
            return
        seen[error.errno] = 0
    handler.handleError(record)


def _summarize_stream_failures(handler: Handler) -> None:
    seen = handler.__dict__.get("_stream_failures")
    repeats = sum(seen.values()) if seen else 0
    if seen:
        seen.clear()
    if repeats and _globals.flag("raiseExceptions") and sys.stderr:
        try:
            sys.stderr.write(
                f"--- Logging error ---\n{handler!r}: {repeats} more failed write(s) "
                "after the one(s) reported above\n"
            )
        except OSError:
            pass


def _report_failed_write(handler: Handler, stream: "Any") -> None:
    """A write the worker made for `handler` failed and no logging call has
    reported it yet (the application logged nothing since, or is exiting):
    reported now through `handleError`, as the stdlib's `emit` reports its
    own, with the line that could not be written as the message."""
    failure = stream.take_failure()
    if failure is None:
        return
    errno, message, line = failure
    error = OSError(errno, os.strerror(errno)) if errno is not None else OSError(message)
    record = makeLogRecord({"msg": line if line is not None else message, "args": ()})
    try:
        raise error
    except OSError:
        handler.handleError(record)


def _summarize_failures(handler: Handler, stream: "Any") -> None:
    """Only the first failed write of an outage is reported in full
    (through handleError); the rest are counted, with the records they
    lost, and summed up here, so a full disk does not flood stderr."""
    _report_failed_write(handler, stream)
    repeats = stream.take_unreported_failures()
    lost = stream.take_lost_records()
    if (repeats or lost) and _globals.flag("raiseExceptions") and sys.stderr:
        counts = []
        if repeats:
            counts.append(f"{repeats} more failed write(s) after the one reported above")
        if lost:
            counts.append(f"{lost} record(s) could not be written")
        sys.stderr.write(f"--- Logging error ---\n{handler!r}: {'; '.join(counts)}\n")


_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1


def _nonempty(path: str) -> bool:
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


class FileHandler(StreamHandler):
    """Writes formatted records to a file; a Rust worker does the writing."""

    def __init__(
        self,
        filename: "Any",
        mode: str = "a",
        encoding: "str | None" = None,
        delay: bool = False,
        errors: "str | None" = None,
    ) -> None:
        filename = os.fspath(filename)
        self.baseFilename = os.path.abspath(filename)
        self.mode = mode
        self.encoding = encoding
        if "b" not in mode:
            self.encoding = io.text_encoding(encoding)
        self.errors = errors
        self.delay = delay
        self._builtin_open = open
        if delay:
            Handler.__init__(self)
            self.stream = None
        else:
            StreamHandler.__init__(self, self._open())

    def close(self) -> None:
        with _holding(self):
            try:
                if self.stream:
                    try:
                        self.flush()
                    finally:
                        stream, self.stream = self.stream, None
                        if hasattr(stream, "close"):
                            stream.close()
                        if isinstance(stream, _rs.FileStream):
                            _summarize_failures(self, stream)
            finally:
                StreamHandler.close(self)

    def _open(self) -> "Any":
        return open_file_stream(self.baseFilename, self.mode, self.encoding, self.errors)

    def emit(self, record: "Any") -> None:
        if self.stream is None and (self.mode != "w" or not self._closed):
            self.stream = self._open()
        stream = self.stream
        if isinstance(stream, _rs.FileStream):
            try:
                text = self.format(record)
                level = record.levelno
                # Records made by makeLogRecord({...}) may carry any levelno,
                # and a level may be any int: only its rank against the
                # stream's flush level matters here.
                if type(level) is not int:
                    level = NOTSET
                stream.write_record(text + self.terminator, min(max(level, _I32_MIN), _I32_MAX))
            except RecursionError:
                raise
            except Exception:
                self.handleError(record)
        elif stream:
            StreamHandler.emit(self, record)

    def _femto_target(self) -> "TargetSpec | None":
        stream = self.stream
        if not isinstance(stream, _rs.FileStream):
            # Not opened yet (delay=True), or a plain Python file.
            return None if stream is None else StreamHandler._femto_target(self)
        return worker_file_target(self, FileHandler, _FILE_METHODS)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.baseFilename} ({getLevelName(self.level)})>"


class _StderrHandler(StreamHandler):
    """A StreamHandler on whatever `sys.stderr` is at the time of each write."""

    def __init__(self, level: "int | str" = NOTSET) -> None:
        Handler.__init__(self, level)

    def _femto_target(self) -> "TargetSpec | None":
        return None  # its stream is looked up on every write

    @property  # type: ignore[override]
    def stream(self) -> "Any":
        return sys.stderr


_defaultLastResort = _StderrHandler(WARNING)


class NullHandler(Handler):
    """Does nothing: for libraries that want no output unless configured."""

    def handle(self, record: "Any") -> None:
        pass

    def emit(self, record: "Any") -> None:
        pass

    def createLock(self) -> None:
        self.lock = None

    def _at_fork_reinit(self) -> None:
        pass

    def _femto_target(self) -> "TargetSpec | None":
        if not _stock(self, NullHandler, ("handle",)):
            return None
        return _rs.TargetSpec.Null(level=self.level, handler=self)


for _class, _names in (
    (StreamHandler, _STREAM_METHODS),
    (FileHandler, _FILE_METHODS),
    (NullHandler, ("handle",)),
):
    for _name in _names:
        _ORIGINALS[(_class, _name)] = getattr(_class, _name)
