"""What the joined logger trees share (see `_stdlib_bridge`): the module
flags, and per logger name its `propagate` and `disabled`.

An assignment on either side is copied to the other, so one name behaves as
one logger whichever module a framework goes through: pytest's
`--log-disable` (sets `disabled` on the stdlib's logger), its handlers for
non-propagating loggers (found in the stdlib's `loggerDict`), unittest's
`assertLogs` (clears `propagate` on the stdlib's logger), `dictConfig`'s
`disable_existing_loggers` from either module, and `raiseExceptions` or
`logThreads` monkeypatched on either module.

The stdlib's side is observed without changing its code: its module object
gets a `ModuleType` subclass whose `__setattr__` reports the flags, and
`logging.Logger` gets properties for `propagate` and `disabled` that keep
the values in the instance dict, where they were, and report assignments.
Both are removed when the bridge is.
"""

from __future__ import annotations

import logging as _stdlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import _globals

#: Module flags with one value for both modules.
FLAGS = (
    "raiseExceptions",
    "logThreads",
    "logProcesses",
    "logMultiprocessing",
    "logAsyncioTasks",
    "lastResort",
)
#: Per-logger flags with one value per name, and their defaults.
LOGGER_FLAGS = {"propagate": True, "disabled": False}

_installed = False
_syncing = False
_femto_root: Any = None
_femto_logger_class: Any = None


@contextmanager
def _copying() -> Iterator[None]:
    """Marks a copy in progress, so the assignment it makes is not copied
    back."""
    global _syncing
    _syncing = True
    try:
        yield
    finally:
        _syncing = False


class _StdlibModule(types.ModuleType):
    """The stdlib `logging` module's class while the trees are joined."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in FLAGS and not _syncing:
            with _copying():
                setattr(_globals.package(), name, value)


def flag_set(name: str, value: Any) -> None:
    """A flag was assigned on femtologging's package: the stdlib follows."""
    if not _installed or _syncing or name not in FLAGS:
        return
    with _copying():
        setattr(_stdlib, name, value)


def _logger_property(attribute: str, default: Any) -> property:
    def get(self: Any) -> Any:
        return self.__dict__.get(attribute, default)

    def set_(self: Any, value: Any) -> None:
        self.__dict__[attribute] = value
        # Not while the logger is being made (its __init__ sets defaults):
        # only a logger of the tree speaks for its name.
        if not _syncing and _stdlib_logger(_name_of(self, _stdlib.root)) is self:
            _copy_to_femtologging(self, attribute, value)

    return property(get, set_, doc=f"`{attribute}`, shared with femtologging's logger")


def _femto_logger(name: str) -> Any:
    if name == "root":
        return _femto_root
    node = _femto_root.manager.loggerDict.get(name)
    return node if isinstance(node, _femto_logger_class) else None


def _stdlib_logger(name: str) -> Any:
    if name == "root":
        return _stdlib.root
    node = _stdlib.Logger.manager.loggerDict.get(name)
    return node if isinstance(node, _stdlib.Logger) else None


def _name_of(logger: Any, root: Any) -> str:
    return "root" if logger is root else str(logger.name)


def _copy_to_femtologging(stdlib_logger: Any, attribute: str, value: Any) -> None:
    femto = _femto_logger(_name_of(stdlib_logger, _stdlib.root))
    if femto is not None and getattr(femto, attribute) != value:
        with _copying():
            setattr(femto, attribute, value)


def logger_flag_set(logger: Any, attribute: str, value: Any) -> None:
    """`propagate` or `disabled` was assigned on a femtologging logger: the
    stdlib's logger of that name follows (made when the value is not the
    default, so frameworks that scan the stdlib's registry find it)."""
    if not _installed or _syncing or attribute not in LOGGER_FLAGS:
        return
    name = _name_of(logger, _femto_root)
    if _femto_logger(name) is not logger:
        return  # being made, or outside the tree
    target = _stdlib_logger(name)
    default = LOGGER_FLAGS[attribute]
    if target is None:
        if value == default:
            return
        target = _stdlib.getLogger(name)
    if target.__dict__.get(attribute, default) != value:
        with _copying():
            setattr(target, attribute, value)


def adopt_for_femtologging(logger: Any) -> None:
    """A new femtologging logger takes the flags of the stdlib's logger of
    its name, if there is one."""
    if not _installed or _femto_logger(logger.name) is not logger:
        return
    existing = _stdlib_logger(logger.name)
    if existing is None:
        return
    with _copying():
        for attribute, default in LOGGER_FLAGS.items():
            value = existing.__dict__.get(attribute, default)
            if value != default:
                setattr(logger, attribute, value)


def adopt_for_stdlib(stdlib_logger: Any) -> None:
    """A new stdlib logger takes the flags of femtologging's logger of its
    name, if there is one."""
    if not _installed:
        return
    femto = _femto_logger(stdlib_logger.name)
    if femto is None:
        return
    with _copying():
        for attribute, default in LOGGER_FLAGS.items():
            value = getattr(femto, attribute)
            if value != default:
                setattr(stdlib_logger, attribute, value)


def _adopt_existing() -> None:
    """At install: what was set on the stdlib before femtologging joined."""
    package = _globals.package()
    defaults = {flag: True for flag in FLAGS if flag != "lastResort"}
    with _copying():
        for flag, default in defaults.items():
            value = getattr(_stdlib, flag, default)
            if value != default:
                setattr(package, flag, value)
        if _stdlib.lastResort is not getattr(_stdlib, "_defaultLastResort", None):
            package.lastResort = _stdlib.lastResort
    loggers = [("root", _stdlib.root)] + list(_stdlib.Logger.manager.loggerDict.items())
    for name, node in loggers:
        if isinstance(node, _stdlib.Logger):
            femto = _femto_logger(name)
            if femto is not None:
                for attribute, default in LOGGER_FLAGS.items():
                    _copy_to_femtologging(node, attribute, node.__dict__.get(attribute, default))


def install(femto_root: Any, femto_logger_class: Any) -> None:
    global _installed, _femto_root, _femto_logger_class
    if _installed:
        return
    _femto_root, _femto_logger_class = femto_root, femto_logger_class
    module = sys.modules.get("logging")
    if module is _stdlib and type(module) is types.ModuleType:
        module.__class__ = _StdlibModule
    for attribute, default in LOGGER_FLAGS.items():
        setattr(_stdlib.Logger, attribute, _logger_property(attribute, default))
    _installed = True
    _adopt_existing()


def uninstall() -> None:
    global _installed
    if not _installed:
        return
    _installed = False
    if type(_stdlib) is _StdlibModule:
        _stdlib.__class__ = types.ModuleType
    for attribute in LOGGER_FLAGS:
        if isinstance(_stdlib.Logger.__dict__.get(attribute), property):
            delattr(_stdlib.Logger, attribute)
