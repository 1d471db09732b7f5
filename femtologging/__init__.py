"""femtologging: Python's `logging`, with its engine in Rust.

`import femtologging as logging` gives the whole `logging` API. The names are
defined in the private modules next to this file, one concept each, and
re-exported here under the stdlib's names.
"""

import atexit
import collections.abc
import io
import os
import re
import sys
import sys as _sys
import threading
import time
import traceback
import types as _types
import warnings
import weakref
from string import Formatter as _StrFormatter
from string import Template
from types import GenericAlias

from . import _femtologging_rs, _globals, _stdlib_bridge
from ._femtologging_rs import FemtoLevel, hello
from ._formatter import (
    _STYLES,
    BASIC_FORMAT,
    BufferingFormatter,
    Formatter,
    PercentStyle,
    StrFormatStyle,
    StringTemplateStyle,
    _defaultFormatter,
)
from ._globals import (
    CRITICAL,
    DEBUG,
    ERROR,
    FATAL,
    INFO,
    NOTSET,
    TRACE,
    WARN,
    WARNING,
    _addHandlerRef,
    _checkLevel,
    _handlerList,
    _handlers,
    _levelToName,
    _nameToLevel,
    _removeHandlerRef,
    addLevelName,
    getHandlerByName,
    getHandlerNames,
    getLevelName,
    getLevelNamesMapping,
    shutdown,
)
from ._handler import (
    FileHandler,
    Filter,
    Filterer,
    Handler,
    NullHandler,
    StreamHandler,
    _defaultLastResort,
    _StderrHandler,
)
from ._logger import (
    Logger,
    Manager,
    PlaceHolder,
    RootLogger,
    _is_internal_frame,
    _loggerClass,
    basicConfig,
    critical,
    currentframe,
    debug,
    disable,
    error,
    exception,
    fatal,
    getLogger,
    getLoggerClass,
    info,
    log,
    root,
    setLoggerClass,
    warn,
    warning,
)
from ._record import (
    LogRecord,
    _logRecordFactory,
    _startTime,
    getLogRecordFactory,
    makeLogRecord,
    setLogRecordFactory,
)

_TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if _TYPE_CHECKING:
    from collections.abc import Iterable as _Iterable
    from typing import Any as _Any

__all__ = [
    "BASIC_FORMAT",
    "BufferingFormatter",
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "FileHandler",
    "Filter",
    "Formatter",
    "Handler",
    "INFO",
    "LogRecord",
    "Logger",
    "LoggerAdapter",
    "NOTSET",
    "NullHandler",
    "StreamHandler",
    "TRACE",
    "WARN",
    "WARNING",
    "addLevelName",
    "basicConfig",
    "captureWarnings",
    "critical",
    "debug",
    "disable",
    "error",
    "exception",
    "fatal",
    "getLevelName",
    "getLogger",
    "getLoggerClass",
    "info",
    "log",
    "makeLogRecord",
    "setLoggerClass",
    "shutdown",
    "warn",
    "warning",
    "getLogRecordFactory",
    "setLogRecordFactory",
    "lastResort",
    "raiseExceptions",
    "getLevelNamesMapping",
    "getHandlerByName",
    "getHandlerNames",
]

# Flags read at call time; users assign them on this module.
raiseExceptions = True
logThreads = True
logMultiprocessing = True
logProcesses = True
if _sys.version_info >= (3, 12):
    logAsyncioTasks = True
lastResort = _defaultLastResort
#: Setting this to None skips the caller lookup (file, line, function).
_srcfile: "str | None" = _globals.PACKAGE_DIR
_lock = _globals.lock
_at_fork_reinit_lock_weakset = _globals.at_fork_reinit_lock_weakset


__version__ = "0.1.0"
__author__ = "the femtologging developers"
__status__ = "beta"
__date__ = "2026-11-25"

#: The stdlib's module attributes of these names, which code in the wild reads.
_str_formatter = _StrFormatter()
_warnings_showwarning = None


def _acquireLock() -> None:
    _globals.lock.acquire()


def _releaseLock() -> None:
    _globals.lock.release()


def _register_at_fork_reinit_lock(instance: "_Any") -> None:
    _globals.at_fork_reinit_lock_weakset.add(instance)


#: What the `logging` face does not need at import, by the submodule that
#: defines it: loaded on first access (`__getattr__` below), then kept in this
#: module's dict. Each submodule is an attribute of the package too, as it
#: was when this module imported all of them. What code may first need while
#: the interpreter finalizes, when nothing can be imported any more, is not
#: here: the module-level functions and `basicConfig` (a `__del__` that logs
#: at exit) are imported above.
_ON_FIRST_USE: "dict[str, tuple[str, ...]]" = {
    # Loaded at import; the extension makes these classes on first access.
    "_femtologging_rs": ("FemtoFileHandler", "FemtoHandler", "FemtoLogger", "FemtoStreamHandler"),
    "_adapter": ("LoggerAdapter",),
    "_warnings_capture": ("captureWarnings", "_showwarning"),
    "_exception_text": (),
    "_json_native": (),
    "_native_path": (),
    "contextvars": (),
}
#: Each name not loaded yet -> the submodule that defines it.
_pending: "dict[str, str]" = {
    name: module for module, names in _ON_FIRST_USE.items() for name in (module, *names)
}


def __getattr__(name: str) -> "_Any":
    """Loads a name of `_ON_FIRST_USE` (PEP 562: asked only for names this
    module's dict lacks)."""
    module_name = _pending.get(name)
    if module_name is None:
        # name and obj, as the stdlib's error has them (3.12's traceback
        # reads them for its "Did you mean" hint); sys.modules may be
        # emptied already when this runs during finalization.
        raise AttributeError(
            f"module {__name__!r} has no attribute {name!r}",
            name=name,
            obj=_sys.modules.get(__name__),
        )
    module = _globals.submodule(module_name)
    names = _ON_FIRST_USE[module_name]
    _present_as_stdlib(getattr(module, defined) for defined in names if defined in __all__)
    namespace = globals()
    # A name assigned here before its submodule was loaded keeps that value.
    namespace.setdefault(module_name, module)
    for defined in names:
        namespace.setdefault(defined, getattr(module, defined))
    for loaded in (module_name, *names):
        _pending.pop(loaded, None)
    return namespace[name]


_after_at_fork_child_reinit_locks = _globals.reinit_locks_after_fork
_prepareFork = _globals.prepare_fork
_afterFork = _globals.after_fork


_MIRRORED_FLAGS = {
    "raiseExceptions": lambda value: _femtologging_rs._set_raise_exceptions(bool(value)),
}


class _PackageModule(_types.ModuleType):
    """Mirrors the flags the Rust core needs whenever they are assigned."""

    def __setattr__(self, name: str, value: "_Any") -> None:
        super().__setattr__(name, value)
        mirror = _MIRRORED_FLAGS.get(name)
        if mirror is not None:
            mirror(value)
        # One value for both modules while the trees are joined.
        _stdlib_bridge.flag_set(name, value)
        if name in (
            "lastResort",
            "logThreads",
            "logProcesses",
            "logMultiprocessing",
            "logAsyncioTasks",
            "_srcfile",
            "_logRecordFactory",
        ):
            _globals.configuration_changed()

    def __dir__(self) -> "list[str]":
        # What `dir()` listed when every submodule was imported up front:
        # the names not loaded yet too, and not the hook that loads them.
        names = set(super().__dir__()) | set(_pending)
        names.discard("__getattr__")
        return list(names)


def _present_as_stdlib(values: "_Iterable[_Any]") -> None:
    """Gives public classes and functions this module's name, as the
    stdlib's have `logging` (reprs, pickles and `__all__` checks read it)."""
    for value in values:
        if isinstance(value, (type, _types.FunctionType)):
            try:
                value.__module__ = __name__
            except (AttributeError, TypeError):
                pass


_present_as_stdlib(
    [
        *(globals()[name] for name in __all__ if name not in _pending),
        PercentStyle,
        StrFormatStyle,
        StringTemplateStyle,
        Filterer,
        PlaceHolder,
        Manager,
        RootLogger,
        currentframe,
        _StderrHandler,
    ]
)
_sys.modules[__name__].__class__ = _PackageModule
_globals.package()
_globals.install_process_hooks(_startTime)
_femtologging_rs._set_fast_path_loader(_globals.load_fast_path)
_stdlib_bridge.install_unless_disabled()
bridge_stdlib = _stdlib_bridge.bridge_stdlib
