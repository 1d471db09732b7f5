"""Loggers and their tree: `Logger`, `RootLogger`, `PlaceHolder`, `Manager`,
`getLogger`, the logger class hooks, caller lookup, and `disable`; and the
module-level functions that work on the root logger: `basicConfig()`, which
gives it a handler and format, and the logging calls (`logging.info(...)` and
friends), which log on it after calling `basicConfig()` if it has no handler,
as the stdlib's do.

The module-level functions live here, with the root logger they act on, and
not in a module of their own: each module loaded at import costs the import
system's work whatever its size (docs/performance.md, "The import"), and a
`__del__` that logs at exit needs them loaded before then.
"""

import io
import logging as _stdlib_logging
import sys
import traceback
import warnings

from . import _globals, _stdlib_bridge
from ._femtologging_rs import Logger as LoggerBase
from ._formatter import _STYLES, Formatter
from ._globals import (
    CRITICAL,
    NOTSET,
    WARNING,
    _checkLevel,
    getLevelName,
)
from ._handler import FileHandler, Filterer, StreamHandler
from ._record import apply_bound, record_factory

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_RECORD_FILTERS = sys.version_info >= (3, 12)
_STACKLEVEL_SKIPS_INTERNAL = sys.version_info >= (3, 11)

UNKNOWN_CALLER = ("(unknown file)", 0, "(unknown function)", None)


if sys.version_info >= (3, 11):

    def currentframe() -> "Any":
        """The frame of the function that called `currentframe`."""
        return sys._getframe(1)

else:

    def currentframe() -> "Any":
        """3.10's version: three frames above its own."""
        return sys._getframe(3)


def _render_stack(frame: "Any") -> str:
    with io.StringIO() as buffer:
        buffer.write("Stack (most recent call last):\n")
        traceback.print_stack(frame, file=buffer)
        text = buffer.getvalue()
    return text[:-1] if text.endswith("\n") else text


def _is_internal_frame(frame: "Any") -> bool:
    return _globals.is_internal_file(frame.f_code.co_filename)


class Logger(LoggerBase, Filterer):
    """A named channel of the logger tree.

    The level methods (`debug` ... `critical`, `log`, `exception`) come from
    the Rust `LoggerBase`: they serve native handlers directly and call this
    class's `_log` for everything else.
    """

    root: "RootLogger"
    manager: "Manager"

    # Slots, not the instance dict: on 3.13 the `logger.debug` method load
    # specializes only while the instance has no dict (docs/performance.md).
    __slots__ = (
        "name",
        "level",
        "parent",
        "propagate",
        "handlers",
        "disabled",
        "_cache",
        "filters",
    )

    def __init__(self, name: str, level: "int | str" = NOTSET) -> None:
        Filterer.__init__(self)
        self.name = name
        self.level = _checkLevel(level)
        self.parent: Logger | None = None
        self.propagate = True
        self.handlers: list[Any] = []
        self.disabled = False
        self._cache: dict[int, bool] = {}

    def setLevel(self, level: "int | str") -> None:
        self.level = _checkLevel(level)
        self.manager._clear_cache()
        _stdlib_bridge.level_set(self.name, self.level)

    def warn(self, msg: "Any", *args: "Any", **kwargs: "Any") -> None:
        warnings.warn(
            "The 'warn' method is deprecated, use 'warning' instead",
            DeprecationWarning,
            2,
        )
        self.warning(msg, *args, **kwargs)

    def exception(self, msg: "Any", *args: "Any", exc_info: "Any" = True, **kwargs: "Any") -> None:
        # In Python, as the stdlib's: 3.10's stacklevel counts this frame.
        self.error(msg, *args, exc_info=exc_info, **kwargs)

    fatal = LoggerBase.critical

    def findCaller(self, stack_info: bool = False, stacklevel: int = 1) -> "tuple[Any, ...]":
        """File, line, function (and optionally the stack) of the logging call."""
        frame = sys._getframe(0)
        if _STACKLEVEL_SKIPS_INTERNAL:
            while stacklevel > 0:
                caller = frame.f_back
                if caller is None:
                    break
                frame = caller
                if not _is_internal_frame(frame):
                    stacklevel -= 1
        else:
            frame = _legacy_caller_frame(frame, stacklevel)
            if frame is None:
                return UNKNOWN_CALLER
        code = frame.f_code
        stack = _render_stack(frame) if stack_info else None
        return code.co_filename, frame.f_lineno, code.co_name, stack

    def makeRecord(
        self,
        name: str,
        level: int,
        fn: str,
        lno: int,
        msg: "Any",
        args: "Any",
        exc_info: "Any",
        func: "str | None" = None,
        extra: "Any" = None,
        sinfo: "str | None" = None,
    ) -> "Any":
        # Read from the package, where setLogRecordFactory and code that
        # assigns `logging._logRecordFactory` both put it.
        record = record_factory()(name, level, fn, lno, msg, args, exc_info, func, sinfo)
        if extra is not None:
            for key in extra:
                if key in ("message", "asctime") or key in record.__dict__:
                    raise KeyError(f"Attempt to overwrite {key!r} in LogRecord")
                record.__dict__[key] = extra[key]
        return record

    def _log(
        self,
        level: int,
        msg: "Any",
        args: "Any",
        exc_info: "Any" = None,
        extra: "Any" = None,
        stack_info: bool = False,
        stacklevel: int = 1,
    ) -> None:
        stack = None
        if _globals.flag("_srcfile"):
            try:
                filename, lineno, function, stack = self.findCaller(stack_info, stacklevel)
            except ValueError:
                filename, lineno, function = UNKNOWN_CALLER[:3]
        else:
            filename, lineno, function = UNKNOWN_CALLER[:3]
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
        record = self.makeRecord(
            self.name, level, filename, lineno, msg, args, exc_info, function, extra, stack
        )
        apply_bound(record)
        self.handle(record)

    def handle(self, record: "Any") -> None:
        if self.disabled:
            return
        verdict = self.filter(record)
        if not verdict:
            return
        if _RECORD_FILTERS and isinstance(verdict, _stdlib_logging.LogRecord):
            record = verdict
        self.callHandlers(record)

    def addHandler(self, hdlr: "Any") -> None:
        with _globals.lock:
            if hdlr not in self.handlers:
                self.handlers.append(hdlr)
                _globals.configuration_changed()

    def removeHandler(self, hdlr: "Any") -> None:
        with _globals.lock:
            if hdlr in self.handlers:
                self.handlers.remove(hdlr)
                _globals.configuration_changed()

    def hasHandlers(self) -> bool:
        logger: Logger | None = self
        while logger:
            if logger.handlers:
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False

    def callHandlers(self, record: "Any") -> None:
        if _stdlib_bridge.is_installed():
            # One tree with the stdlib's: its handlers on the same path
            # (pytest's caplog, ...) see the record too.
            found = _stdlib_bridge.call_joint_handlers(record, self.name, self)
        else:
            found = self._call_own_handlers(record)
        if found:
            return
        last_resort = _globals.flag("lastResort")
        if last_resort:
            if record.levelno >= last_resort.level:
                last_resort.handle(record)
        elif _globals.flag("raiseExceptions") and not self.manager.emittedNoHandlerWarning:
            sys.stderr.write(f'No handlers could be found for logger "{self.name}"\n')
            self.manager.emittedNoHandlerWarning = True

    def _call_own_handlers(self, record: "Any") -> int:
        """Delivers to femtologging's handlers on the path; returns how many
        handlers were found."""
        found = 0
        logger: Logger | None = self
        while logger:
            for handler in logger.handlers:
                found += 1
                if record.levelno >= handler.level:
                    handler.handle(record)
            logger = logger.parent if logger.propagate else None
        return found

    def getEffectiveLevel(self) -> int:
        logger: Logger | None = self
        while logger:
            if logger.level:
                return logger.level
            logger = logger.parent
        return NOTSET

    def isEnabledFor(self, level: int) -> bool:
        if self.disabled:
            return False
        try:
            return self._cache[level]
        except KeyError:
            with _globals.lock:
                if self.manager.disable >= level:
                    enabled = False
                else:
                    enabled = level >= self.getEffectiveLevel()
                self._cache[level] = enabled
            return enabled

    def getChild(self, suffix: str) -> "Logger":
        if self.root is not self:
            # str.join, so a non-str suffix raises TypeError as in the stdlib.
            suffix = ".".join((self.name, suffix))
        return self.manager.getLogger(suffix)

    if sys.version_info >= (3, 12):

        def getChildren(self) -> "set[Logger]":
            """The loggers one level below this one in the tree."""

            def depth(logger: "Logger") -> int:
                return 0 if logger is logger.manager.root else 1 + logger.name.count(".")

            with _globals.lock:
                loggers = list(self.manager.loggerDict.values())
            return {
                item
                for item in loggers
                if isinstance(item, Logger)
                and item.parent is self
                and depth(item) == 1 + depth(item.parent)
            }

    def __repr__(self) -> str:
        level = getLevelName(self.getEffectiveLevel())
        return f"<{type(self).__name__} {self.name} ({level})>"

    def __reduce__(self) -> "Any":
        if getLogger(self.name) is not self:
            import pickle  # only here: not worth its import time at start-up

            raise pickle.PicklingError("logger cannot be pickled")
        return getLogger, (self.name,)

    def __setattr__(self, name: str, value: "Any") -> None:
        object.__setattr__(self, name, value)
        if name in _ROUTING_ATTRIBUTES:
            _globals.configuration_changed()
            if name in _SHARED_ATTRIBUTES:
                _stdlib_bridge.logger_flag_set(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if name in _ROUTING_ATTRIBUTES:
            _globals.configuration_changed()


#: Logger attributes one name shares across the joined trees.
_SHARED_ATTRIBUTES = _stdlib_bridge.SHARED_ATTRIBUTES

#: Logger attributes whose change alters which records pass or where they go,
#: including hooks patched on an instance (`mock.patch.object(logger, ...)`).
_ROUTING_ATTRIBUTES = frozenset(
    {"level", "parent", "propagate", "handlers", "disabled", "filters", "name", "manager"}
    | {"isEnabledFor", "getEffectiveLevel", "_log", "makeRecord", "findCaller", "handle"}
    | {"callHandlers", "filter"}
)


def _legacy_caller_frame(frame: "Any", stacklevel: int) -> "Any":
    """3.10's walk from `findCaller`'s frame: up past `_log` to the caller of
    the logging method (which runs in Rust, without a frame of its own),
    `stacklevel - 1` raw frames further, then past femtologging's frames."""
    for _ in range(2):
        frame = frame.f_back if frame is not None else None
    start = frame
    while frame and stacklevel > 1:
        frame = frame.f_back
        stacklevel -= 1
    if not frame:
        frame = start
    while hasattr(frame, "f_code"):
        if not _is_internal_frame(frame):
            return frame
        frame = frame.f_back
    return None


class RootLogger(Logger):
    """The logger at the top of the tree, named "root"."""

    def __init__(self, level: "int | str") -> None:
        Logger.__init__(self, "root", level)

    def __reduce__(self) -> "Any":
        return getLogger, ()


class PlaceHolder:
    """Stands in the tree for a logger name that has children but was never
    asked for itself."""

    def __init__(self, alogger: Logger) -> None:
        self.loggerMap: dict[Logger, None] = {alogger: None}

    def append(self, alogger: Logger) -> None:
        if alogger not in self.loggerMap:
            self.loggerMap[alogger] = None


_loggerClass: "type[Logger]" = Logger


def setLoggerClass(klass: "type[Logger]") -> None:
    global _loggerClass
    if klass != Logger and not issubclass(klass, Logger):
        raise TypeError("logger not derived from logging.Logger: " + klass.__name__)
    _loggerClass = klass
    _globals.package()._loggerClass = klass


def getLoggerClass() -> "type[Logger]":
    return _loggerClass


class Manager:
    """Owns the logger tree: creation, parent fix-ups and the disable level."""

    def __init__(self, rootnode: RootLogger) -> None:
        self.root = rootnode
        self.disable = 0
        self.emittedNoHandlerWarning = False
        self.loggerDict: dict[str, Any] = {}
        self.loggerClass: type[Logger] | None = None
        self.logRecordFactory: Any = None

    @property
    def disable(self) -> int:
        return self._disable

    @disable.setter
    def disable(self, value: "int | str") -> None:
        self._disable = _checkLevel(value)
        _globals.configuration_changed()

    def getLogger(self, name: str) -> Logger:
        if not isinstance(name, str):
            raise TypeError("A logger name must be a string")
        with _globals.lock:
            existing = self.loggerDict.get(name)
            if existing is not None and not isinstance(existing, PlaceHolder):
                return existing
            logger = (self.loggerClass or _loggerClass)(name)
            # Only a non-default manager goes in the dict (see __slots__).
            if logger.manager is not self:
                logger.manager = self
            _stdlib_bridge.adopt_level(logger)
            self.loggerDict[name] = logger
            if existing is not None:
                self._fixupChildren(existing, logger)
            self._fixupParents(logger)
        # Outside the lock: the twin is made under the stdlib's lock, which
        # the stdlib's dictConfig holds while it calls back into this tree.
        _stdlib_bridge.adopt_for_femtologging(logger)
        return logger

    def setLoggerClass(self, klass: "type[Logger]") -> None:
        if klass != Logger and not issubclass(klass, Logger):
            raise TypeError("logger not derived from logging.Logger: " + klass.__name__)
        self.loggerClass = klass

    def setLogRecordFactory(self, factory: "Any") -> None:
        self.logRecordFactory = factory

    def _fixupParents(self, alogger: Logger) -> None:
        """Links `alogger` to its nearest existing ancestor, leaving
        placeholders for the missing names in between."""
        name = alogger.name
        parent = None
        cut = name.rfind(".")
        while cut > 0 and not parent:
            prefix = name[:cut]
            node = self.loggerDict.get(prefix)
            if node is None:
                self.loggerDict[prefix] = PlaceHolder(alogger)
            elif isinstance(node, Logger):
                parent = node
            else:
                node.append(alogger)
            cut = name.rfind(".", 0, cut - 1)
        alogger.parent = parent or self.root

    def _fixupChildren(self, placeholder: PlaceHolder, alogger: Logger) -> None:
        """Re-parents the loggers a placeholder stood for under `alogger`."""
        name = alogger.name
        for child in placeholder.loggerMap:
            if child.parent is not None and child.parent.name[: len(name)] != name:
                alogger.parent = child.parent
                child.parent = alogger

    def _clear_cache(self) -> None:
        with _globals.lock:
            for logger in self.loggerDict.values():
                if isinstance(logger, Logger):
                    logger._cache.clear()
            self.root._cache.clear()
        _globals.configuration_changed()


root = RootLogger(WARNING)
Logger.root = root
Logger.manager = Manager(Logger.root)


def getLogger(name: "str | None" = None) -> Logger:
    """The logger called `name` (created on first use); the root logger for
    no name or "root"."""
    if not name or (isinstance(name, str) and name == root.name):
        return root
    return Logger.manager.getLogger(name)


def disable(level: "int | str" = CRITICAL) -> None:
    root.manager.disable = level
    root.manager._clear_cache()
    _stdlib_bridge.disable_set(root.manager.disable)


def basicConfig(**kwargs: "Any") -> None:
    """Configures the root logger, unless it already has handlers (or `force`)."""
    with _globals.lock:
        force = kwargs.pop("force", False)
        encoding = kwargs.pop("encoding", None)
        errors = kwargs.pop("errors", "backslashreplace")
        if force:
            for handler in root.handlers[:]:
                root.removeHandler(handler)
                handler.close()
        if root.handlers:
            return
        handlers = kwargs.pop("handlers", None)
        if handlers is None:
            if "stream" in kwargs and "filename" in kwargs:
                raise ValueError("'stream' and 'filename' should not be specified together")
        elif "stream" in kwargs or "filename" in kwargs:
            raise ValueError(
                "'stream' or 'filename' should not be specified together with 'handlers'"
            )
        if handlers is None:
            filename = kwargs.pop("filename", None)
            mode = kwargs.pop("filemode", "a")
            if filename:
                if "b" in mode:
                    errors = None
                else:
                    encoding = io.text_encoding(encoding)
                handler: Any = FileHandler(filename, mode, encoding=encoding, errors=errors)
            else:
                handler = StreamHandler(kwargs.pop("stream", None))
            handlers = [handler]
        datefmt = kwargs.pop("datefmt", None)
        style = kwargs.pop("style", "%")
        if style not in _STYLES:
            raise ValueError("Style must be one of: " + ",".join(_STYLES))
        formatter = Formatter(kwargs.pop("format", _STYLES[style][1]), datefmt, style)
        for handler in handlers:
            if handler.formatter is None:
                handler.setFormatter(formatter)
            root.addHandler(handler)
        level = kwargs.pop("level", None)
        if level is not None:
            root.setLevel(level)
        if kwargs:
            raise ValueError("Unrecognised argument(s): " + ", ".join(kwargs))


def _ensure_configured() -> None:
    # Looked up on the package at call time, as the stdlib's functions use
    # their module global: replacing `logging.basicConfig` must take effect.
    if not root.handlers:
        _globals.flag("basicConfig")()


def critical(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.critical(msg, *args, **kwargs)


fatal = critical


def error(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.error(msg, *args, **kwargs)


def exception(msg: "Any", *args: "Any", exc_info: "Any" = True, **kwargs: "Any") -> None:
    error(msg, *args, exc_info=exc_info, **kwargs)


def warning(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.warning(msg, *args, **kwargs)


def warn(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    warnings.warn(
        "The 'warn' function is deprecated, use 'warning' instead",
        DeprecationWarning,
        2,
    )
    warning(msg, *args, **kwargs)


def info(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.info(msg, *args, **kwargs)


def debug(msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.debug(msg, *args, **kwargs)


def log(level: int, msg: "Any", *args: "Any", **kwargs: "Any") -> None:
    _ensure_configured()
    root.log(level, msg, *args, **kwargs)
