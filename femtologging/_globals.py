"""Module-wide state shared by the package's parts: the lock, the flags and
the levels (the numbers, the name tables and the conversions between them:
`_levelToName` and `_nameToLevel` are the live tables code in the wild
reads, and `addLevelName` updates both under the lock); and
`set_on_instance`, which tells a method the user replaced on an instance
from the one femtologging defined (the fast path's plan and the handlers'
eligibility both ask it: a hook set on an instance must send calls through
Python, where the replacement runs).

The levels and `set_on_instance` live here rather than in modules of their
own: each module loaded at import costs the import system's work whatever
its size (docs/performance.md, "The import").

The flags (`raiseExceptions`, `logThreads`, ...) are read at call time from
the `femtologging` package itself, because users assign them there
(`femtologging.raiseExceptions = False`); the package's module class mirrors
the ones the Rust workers need.
"""

import os
import sys
import threading
import weakref
from types import ModuleType

# Imported once here: imports inside functions fail during interpreter
# finalization, when objects' __del__ methods may still log.
from ._femtologging_rs import FemtoLevel, _configuration_changed

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

PACKAGE_NAME = "femtologging"
PACKAGE_DIR = os.path.dirname(os.path.normcase(os.path.abspath(__file__)))

#: The module lock, reentrant: guards handler registries, the logger tree and
#: the level tables (the stdlib's `_lock`).
lock = threading.RLock()

#: Handlers whose locks must be re-created in a forked child.
at_fork_reinit_lock_weakset: "weakref.WeakSet[Any]" = weakref.WeakSet()


_package: "ModuleType | None" = None


def package() -> ModuleType:
    """The `femtologging` package module, where the public flags live.

    Kept by reference: during interpreter finalization `sys.modules` is
    emptied while objects' `__del__` methods may still log.
    """
    global _package
    if _package is None:
        _package = sys.modules[PACKAGE_NAME]
    return _package


def flag(name: str) -> "Any":
    return getattr(package(), name)


#: The package's submodules that `import femtologging` leaves out, once
#: loaded by `submodule`.
_loaded_submodules: "dict[str, ModuleType]" = {}


def submodule(name: str) -> ModuleType:
    """The package's submodule `name` (such as "_exception_text"), imported
    on first use.

    For the parts the `logging` face does not need at import (issue 17).
    Kept by reference once loaded, as `package()` is, so that a record
    logged from a `__del__` during finalization finds it.
    """
    module = _loaded_submodules.get(name)
    if module is None:
        qualified = f"{PACKAGE_NAME}.{name}"
        __import__(qualified)
        module = _loaded_submodules[name] = sys.modules[qualified]
    return module


def optional_submodule(name: str) -> "ModuleType | None":
    """`submodule(name)`, or None when it was not loaded before the
    interpreter began to finalize: imports fail from then on (importlib's
    own test: `sys.meta_path` is None). For parts that only make something
    faster; their callers then do what the stdlib does, to the same result.
    """
    if name not in _loaded_submodules and sys.meta_path is None:
        return None
    return submodule(name)


def load_fast_path() -> None:
    """Loads `_native_path`, whose `install` gives the Rust fast path what it
    needs: called by the extension on the first log call (issue 17: the
    import does not load it). Nothing while the interpreter finalizes, when
    it cannot be imported: that call takes the Python path."""
    native_path = optional_submodule("_native_path")
    if native_path is not None:
        native_path.install()


def is_internal_file(filename: str) -> bool:
    """Whether a code file belongs to femtologging or the import machinery."""
    normalized = os.path.normcase(filename)
    if os.path.dirname(normalized) == PACKAGE_DIR:
        return True
    return "importlib" in normalized and "_bootstrap" in normalized


def reinit_locks_after_fork() -> None:
    """In a forked child: fresh handler locks and module lock."""
    for handler in list(at_fork_reinit_lock_weakset):
        handler._at_fork_reinit()
    lock._at_fork_reinit()  # type: ignore[attr-defined]


def prepare_fork() -> None:
    """Before fork(): hold the module lock so the child gets it unheld."""
    lock.acquire()


def after_fork() -> None:
    lock.release()


def configuration_changed() -> None:
    """Invalidates the Rust fast path's cached routing decisions.

    Called whenever something that decides where or how a record is written
    changes: levels, handlers, filters, formatters, the logger tree.
    """
    _configuration_changed()


def set_on_instance(obj: "Any", name: str) -> bool:
    """Whether `obj.name` is an instance attribute hiding its class's method
    (as `mock.patch.object` leaves it).

    Found without `vars(obj)`: on CPython 3.12, materializing an instance's
    `__dict__` costs every later method call on it its specialized lookup
    (about 10 ns per disabled `logger.debug`)."""
    cls = type(obj)
    from_class = getattr(cls, name, None)
    found = getattr(obj, name, None)
    bind = getattr(type(from_class), "__get__", None)
    if bind is None:
        return found is not from_class
    return bool(found != bind(from_class, obj, cls))


CRITICAL = 50
FATAL = CRITICAL
ERROR = 40
WARNING = 30
WARN = WARNING
INFO = 20
DEBUG = 10
TRACE = 5
NOTSET = 0

_levelToName: "dict[int, str]" = {
    CRITICAL: "CRITICAL",
    ERROR: "ERROR",
    WARNING: "WARNING",
    INFO: "INFO",
    DEBUG: "DEBUG",
    TRACE: "TRACE",
    NOTSET: "NOTSET",
}
_nameToLevel: "dict[str, int]" = {
    "CRITICAL": CRITICAL,
    "FATAL": FATAL,
    "ERROR": ERROR,
    "WARN": WARNING,
    "WARNING": WARNING,
    "INFO": INFO,
    "DEBUG": DEBUG,
    "TRACE": TRACE,
    "NOTSET": NOTSET,
}


def getLevelNamesMapping() -> "dict[str, int]":
    return dict(_nameToLevel)


def getLevelName(level: "Any") -> "Any":
    """The name of a level number, the number of a level name, else 'Level %s'."""
    name = _levelToName.get(level)
    if name is not None:
        return name
    number = _nameToLevel.get(level)
    if number is not None:
        return number
    return "Level %s" % level  # noqa: UP031 - a tuple level raises, as in the stdlib


def addLevelName(level: int, levelName: str) -> None:
    with lock:
        _levelToName[level] = levelName
        _nameToLevel[levelName] = level


def _checkLevel(level: "Any") -> int:
    """A level number from an int, a registered name or a FemtoLevel."""
    if isinstance(level, FemtoLevel):
        return int(level)
    if isinstance(level, int):
        return level
    if isinstance(level, str) and str(level) == level:
        try:
            return _nameToLevel[level]
        except KeyError:
            raise ValueError(f"Unknown level: {level!r}") from None
    raise TypeError(f"Level not an integer or a valid string: {level!r}")
