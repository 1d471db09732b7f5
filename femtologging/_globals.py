"""Module-wide state shared by the package's parts: the lock and the flags.

The flags (`raiseExceptions`, `logThreads`, ...) are read at call time from
the `femtologging` package itself, because users assign them there
(`femtologging.raiseExceptions = False`); the package's module class mirrors
the ones the Rust workers need.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from types import ModuleType

# Imported once here: imports inside functions fail during interpreter
# finalization, when objects' __del__ methods may still log.
from ._femtologging_rs import _configuration_changed

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

PACKAGE_NAME = "femtologging"
PACKAGE_DIR = os.path.dirname(os.path.normcase(os.path.abspath(__file__)))

#: The module lock, reentrant: guards handler registries, the logger tree and
#: the level tables (the stdlib's `_lock`).
lock = threading.RLock()

#: Handlers whose locks must be re-created in a forked child.
at_fork_reinit_lock_weakset: weakref.WeakSet[Any] = weakref.WeakSet()


_package: ModuleType | None = None


def package() -> ModuleType:
    """The `femtologging` package module, where the public flags live.

    Kept by reference: during interpreter finalization `sys.modules` is
    emptied while objects' `__del__` methods may still log.
    """
    global _package
    if _package is None:
        _package = sys.modules[PACKAGE_NAME]
    return _package


def flag(name: str) -> Any:
    return getattr(package(), name)


#: The package's submodules that `import femtologging` leaves out, once
#: loaded by `submodule`.
_loaded_submodules: dict[str, ModuleType] = {}


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


def optional_submodule(name: str) -> ModuleType | None:
    """`submodule(name)`, or None when it was not loaded before the
    interpreter began to finalize: imports fail from then on (importlib's
    own test: `sys.meta_path` is None). For parts that only make something
    faster; their callers then do what the stdlib does, to the same result.
    """
    if name not in _loaded_submodules and sys.meta_path is None:
        return None
    return submodule(name)


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
