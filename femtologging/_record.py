"""`LogRecord`, the record factory hooks, `makeLogRecord`, and the values
bound with `femtologging.contextvars` that records take.

This is the record Python handlers, filters and formatters see. Records
that only travel to native handlers never become one of these.
"""

import collections.abc
import logging as _stdlib_logging
import os
import sys
import threading
import time
from collections.abc import Callable

from . import _globals
from ._femtologging_rs import BOUND_VALUES, NO_BOUND_VALUES
from ._globals import getLevelName

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_NS_CLOCK = sys.version_info >= (3, 13)
_HAS_TASK_NAME = sys.version_info >= (3, 12)

#: Where `relativeCreated` counts from: the stdlib's origin, so records of
#: libraries that keep `import logging` and the app's agree.
_startTime: "float | int" = _stdlib_logging._startTime


class LogRecord(_stdlib_logging.LogRecord):
    """One logging event, with every attribute the stdlib's record has.

    It derives from the stdlib's class (without using its code) so that
    handlers written for the stdlib, such as pytest's caplog, accept it.
    """

    def __init__(
        self,
        name: str,
        level: int,
        pathname: str,
        lineno: int,
        msg: "Any",
        args: "Any",
        exc_info: "Any",
        func: "str | None" = None,
        sinfo: "str | None" = None,
        **kwargs: "Any",
    ) -> None:
        self.name = name
        self.msg = msg
        # A single non-empty mapping argument feeds "%(key)s" style messages.
        if args and len(args) == 1 and isinstance(args[0], collections.abc.Mapping) and args[0]:
            args = args[0]
        self.args = args
        self.levelname = getLevelName(level)
        self.levelno = level
        self.pathname = pathname
        try:
            self.filename = os.path.basename(pathname)
            self.module = os.path.splitext(self.filename)[0]
        except (TypeError, ValueError, AttributeError):
            self.filename = pathname
            self.module = "Unknown module"
        self.exc_info = exc_info
        self.exc_text: str | None = None
        self.stack_info = sinfo
        self.lineno = lineno
        self.funcName = func
        _stamp(self)
        flags = _globals.package()
        if flags.logThreads:
            self.thread: int | None = threading.get_ident()
            self.threadName: str | None = threading.current_thread().name
        else:
            self.thread = None
            self.threadName = None
        if not flags.logMultiprocessing:
            self.processName: str | None = None
        else:
            self.processName = "MainProcess"
            multiprocessing = sys.modules.get("multiprocessing")
            if multiprocessing is not None:
                try:
                    self.processName = multiprocessing.current_process().name
                except Exception:
                    pass
        self.process = os.getpid() if flags.logProcesses else None
        if _HAS_TASK_NAME:
            self.taskName: str | None = None
            if flags.logAsyncioTasks:
                asyncio = sys.modules.get("asyncio")
                if asyncio is not None:
                    try:
                        self.taskName = asyncio.current_task().get_name()
                    except Exception:
                        pass

    def __repr__(self) -> str:
        return (
            f"<LogRecord: {self.name}, {self.levelno}, {self.pathname}, "
            f'{self.lineno}, "{self.msg}">'
        )

    def getMessage(self) -> str:
        """The message with its arguments merged in."""
        message = str(self.msg)
        if self.args:
            message = message % self.args
        return message


def _stamp_ns(record: LogRecord) -> None:
    now = time.time_ns()
    record.created = now / 1e9
    msecs = (now % 1_000_000_000) // 1_000_000
    if msecs == 999 and int(record.created) != now // 1_000_000_000:
        msecs = 0  # the float rounded up into the next second
    record.msecs = msecs + 0.0
    record.relativeCreated = (now - _startTime) / 1e6


def _stamp_float(record: LogRecord) -> None:
    now = time.time()
    record.created = now
    record.msecs = int((now - int(now)) * 1000) + 0.0
    record.relativeCreated = (now - _startTime) * 1000


_stamp = _stamp_ns if _NS_CLOCK else _stamp_float

#: The `__dict__` keys of a record as the stdlib's LogRecord makes it, in
#: order, taken at import.
STDLIB_RECORD_ATTRIBUTES = tuple(vars(_stdlib_logging.LogRecord("", 0, "", 0, "", (), None)))
#: What a record is made of (those keys, and the two attributes formatting
#: adds): `extra` may not use these.
RECORD_ATTRIBUTE_NAMES = frozenset(STDLIB_RECORD_ATTRIBUTES) | {"message", "asctime"}

RecordFactory = Callable[..., LogRecord]
_logRecordFactory: RecordFactory = LogRecord


def setLogRecordFactory(factory: RecordFactory) -> None:
    global _logRecordFactory
    _logRecordFactory = factory
    _globals.package()._logRecordFactory = factory


def getLogRecordFactory() -> RecordFactory:
    return _globals.flag("_logRecordFactory")


_following_stdlib = False


def record_factory() -> RecordFactory:
    """The factory records are made with.

    The package's own, unless it is still the default and the stdlib's was
    replaced: an instrumentation that wraps the stdlib's factory (such as
    OpenTelemetry's LoggingInstrumentor, which adds trace ids) then applies
    to this package's records too, as it would in a stdlib app.
    """
    global _following_stdlib
    factory = _globals.flag("_logRecordFactory")
    if factory is LogRecord and _stdlib_logging._logRecordFactory is not _stdlib_logging.LogRecord:
        _following_stdlib = True
        return _through_stdlib_factory
    if _following_stdlib:
        # The stdlib's factory was put back (uninstrumented): the loggers
        # planned for the Python path because of it may take the fast path.
        _following_stdlib = False
        _globals.configuration_changed()
    return factory


def _through_stdlib_factory(*args: "Any", **kwargs: "Any") -> LogRecord:
    record = _stdlib_logging._logRecordFactory(*args, **kwargs)
    if type(record) is _stdlib_logging.LogRecord:
        # The chain ended in the stdlib's class: the record is this
        # package's, as `isinstance(record, femtologging.LogRecord)` expects.
        record.__class__ = LogRecord
    return record


def makeLogRecord(attributes: "dict[str, Any]") -> LogRecord:
    """A record with default values, updated from a dict (e.g. unpickled)."""
    record = _globals.flag("_logRecordFactory")(None, None, "", 0, "", (), None, None)
    record.__dict__.update(attributes)
    return record


#: The values bound with `femtologging.contextvars`: a `ContextVar` holding a
#: dict that is never changed once set (binding sets a new one), so Rust's
#: fast path reads it in the caller's context without copying
#: (src/bindings/fast_path/extras.rs). The extension makes it, which spares
#: the import the `_contextvars` module; the binding API loads on first use.
BOUND = BOUND_VALUES
#: What the variable holds while nothing is bound.
EMPTY: "dict[str, Any]" = NO_BOUND_VALUES


def apply_bound(record: "Any") -> None:
    """Gives `record` the current context's bound values it does not have
    yet (a key its `extra` set keeps that value). Every record the Python
    paths make takes them, bound values or not."""
    bound = BOUND.get()
    if bound:
        attributes = record.__dict__
        for key, value in bound.items():
            if key not in attributes:
                attributes[key] = value
