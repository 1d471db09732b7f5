"""Module-wide state shared by the package's parts, and the process hooks
that guard it: the lock, the flags and the levels (the numbers, the name
tables and the conversions between them: `_levelToName` and `_nameToLevel`
are the live tables code in the wild reads, and `addLevelName` updates both
under the lock); `set_on_instance`, which tells a method the user replaced
on an instance from the one femtologging defined (the fast path's plan and
the handlers' eligibility both ask it: a hook set on an instance must send
calls through Python, where the replacement runs); the registry of live
handlers that `shutdown` and `getHandlerByName` read; and `shutdown` with
the exit, crash and fork hooks the import installs.

The levels, `set_on_instance`, the registry and the hooks live here rather
than in modules of their own: each module loaded at import costs the import
system's work whatever its size (docs/performance.md, "The import").

The flags (`raiseExceptions`, `logThreads`, ...) are read at call time from
the `femtologging` package itself, because users assign them there
(`femtologging.raiseExceptions = False`); the package's module class mirrors
the ones the Rust workers need.
"""

import atexit
import os
import sys
import threading
import weakref
from types import ModuleType

# Imported once here: imports inside functions fail during interpreter
# finalization, when objects' __del__ methods may still log.
from . import _femtologging_rs as _rs
from ._femtologging_rs import FemtoLevel, _configuration_changed

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any, NoReturn

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


# The handler registry: every live handler, and the named ones.

#: Named handlers, by name (weak: a handler dies when nothing else holds it).
_handlers: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()
#: Weak references to every handler, oldest first; `shutdown` walks it backwards.
_handlerList: "list[weakref.ref[Any]]" = []


def _removeHandlerRef(reference: "weakref.ref[Any]") -> None:
    module_lock, handlers = lock, _handlerList
    if module_lock and handlers:
        with module_lock:
            try:
                handlers.remove(reference)
            except ValueError:
                pass


def _addHandlerRef(handler: "Any") -> None:
    with lock:
        _handlerList.append(weakref.ref(handler, _removeHandlerRef))


def getHandlerByName(name: str) -> "Any":
    return _handlers.get(name)


def getHandlerNames() -> "frozenset[str]":
    return frozenset(_handlers)


# `shutdown`, and the Rust core's exit and fork hooks. At import, the core's
# own shutdown (closing every native worker) is registered with `atexit`,
# then `shutdown` (flushing and closing the Python handlers, newest first).
# `atexit` runs in reverse order, so `shutdown` runs first and the core's
# hook closes whatever native handler remains.

_FLUSH_ON_CLOSE_FLAG = sys.version_info >= (3, 12)


def shutdown(handlerList: "list[Any]" = _handlerList) -> None:
    """Flushes and closes every handler, newest first."""
    for reference in reversed(handlerList[:]):
        try:
            handler = reference()
            if not handler:
                continue
            try:
                handler.acquire()
                # Before 3.12 the stdlib flushed even handlers that ask not to be.
                if not _FLUSH_ON_CLOSE_FLAG or getattr(handler, "flushOnClose", True):
                    handler.flush()
                handler.close()
            except (OSError, ValueError):
                # A stream closed elsewhere, often by the interpreter shutting down.
                pass
            finally:
                handler.release()
        except:  # noqa: E722 - shutting down: ignore everything, as the stdlib does
            if flag("raiseExceptions"):
                raise


def install_process_hooks(start: "float | int") -> None:
    """At import: the clock's origin (`_startTime`) for the core, the exit
    hooks, the crash handlers and the fork hooks."""
    # 3.13 derives msecs/relativeCreated from time.time_ns(); earlier versions
    # from the float time.time(). The core reproduces whichever runs here.
    if isinstance(start, int):
        _rs._configure_clock(True, start, start / 1e9)
    else:
        _rs._configure_clock(False, int(start * 1e9), start)
    atexit.register(_rs._shutdown)
    atexit.register(shutdown)
    # A process that dies before its exit hooks run still writes every
    # record: fatal signals (and SIGTERM left at its default) go through a
    # handler that writes the journals out first, and so does os._exit.
    _rs._install_crash_handlers()
    _write_journals_before_os_exit()
    # Imported inside a multiprocessing child (forkserver/spawn re-run the
    # main module there): this process may end with os._exit() too.
    _flush_when_multiprocessing_child_exits()
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )


def _write_journals_before_os_exit() -> None:
    """Wraps `os._exit` (multiprocessing's children, forked workers and
    servers end with it, skipping atexit) so that every journal is written
    out first. Once per process; the exit status is untouched."""
    exit_now = os._exit
    if getattr(exit_now, "_femtologging_wrapped", False):
        return

    def _exit(status: int) -> "NoReturn":
        _rs._flush_before_exit()
        exit_now(status)

    _exit.__doc__ = exit_now.__doc__
    _exit._femtologging_wrapped = True  # type: ignore[attr-defined]
    os._exit = _exit


#: Set from this process's before-fork hook to its after-fork hook: hooks
#: registered while another thread's fork was under way see its after-fork
#: call without the before-fork one.
_fork_prepared = False


def _before_fork() -> None:
    """The module lock first (the child gets it unheld), then the workers
    parked inside it: forks made from several threads at once park and
    resume them one fork after another (core/registry.rs)."""
    global _fork_prepared
    prepare_fork()
    _fork_prepared = True
    _rs._before_fork()


def _after_fork_in_parent() -> None:
    """The workers resume before the module lock is let go, so the next
    fork's hook never finds them half resumed."""
    global _fork_prepared
    if not _fork_prepared:
        return
    _fork_prepared = False
    try:
        _rs._after_fork_in_parent()
    finally:
        after_fork()


def _after_fork_in_child() -> None:
    global _fork_prepared
    _fork_prepared = False
    reinit_locks_after_fork()
    _rs._after_fork_in_child()
    _flush_when_multiprocessing_child_exits()


def _flush_when_multiprocessing_child_exits() -> None:
    """multiprocessing's children (fork and forkserver) end with os._exit(),
    skipping atexit: their queued records must be written by one of its exit
    finalizers. A child clears the finalizers it inherits, then runs its
    after-fork callbacks: the finalizer is registered from one of those."""
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        # multiprocessing keeps a callback while its object lives (a weak
        # reference): the function itself serves, as long-lived as this module.
        multiprocessing_util.register_after_fork(_flush_at_process_exit, _flush_at_process_exit)


def _flush_at_process_exit(_registered: object) -> None:
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        # Lowest priority: runs after the user's own exit finalizers.
        multiprocessing_util.Finalize(None, _rs._flush_all, exitpriority=-(2**30))
