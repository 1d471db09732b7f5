"""What the joined logger trees share (see `_stdlib_bridge`): the module
flags, and per logger name its `propagate`, `disabled`, handler list and
filter list.

Every femtologging logger has a twin of its name in the stdlib's tree
(made with it), so frameworks that scan the stdlib's `loggerDict` find it.
The twins hold the very same `handlers` and `filters` list objects, and an
assignment to a flag or a list on either side is copied to the other, so
one name behaves as one logger whichever module a framework goes through:
pytest's `--log-disable` (sets `disabled` on the stdlib's logger) and its
handlers for non-propagating loggers, unittest's `assertLogs` (replaces the
stdlib logger's handler list and clears its `propagate`), `dictConfig` or
`fileConfig` from either module (the last one replaces the handlers, as
in a program with one module), and `raiseExceptions` or `logThreads`
monkeypatched on either module. A record meets each handler of the shared
list once, whichever tree it walks.

The stdlib's side is observed without changing its code: its module object
gets a `ModuleType` subclass whose `__setattr__` reports the flags, and
`logging.Logger` gets properties for the shared attributes that keep the
values in the instance dict, where they were, and report assignments.
Both are removed when the bridge is, and each side then keeps its own
handlers.
"""

import logging as _stdlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

from . import _globals

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

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
#: Per-logger lists one name holds once: the same list object in both trees.
LOGGER_LISTS = ("handlers", "filters")
#: Every logger attribute an assignment to is copied to the twin.
SHARED_ATTRIBUTES = frozenset((*LOGGER_FLAGS, *LOGGER_LISTS))

_installed = False
_syncing = False
_femto_root: "Any" = None
_femto_logger_class: "Any" = None
_femto_handler_class: "Any" = None
#: Per name, the femtologging logger whose lists the stdlib's logger shares.
#: A different logger of that name (the registry was reset, as test suites
#: do) means the stdlib's logger still holds a forgotten logger's lists.
_linked: "dict[str, Any]" = {}


@contextmanager
def _copying() -> "Iterator[None]":
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

    def __setattr__(self, name: str, value: "Any") -> None:
        super().__setattr__(name, value)
        if name in FLAGS and not _syncing:
            with _copying():
                setattr(_globals.package(), name, value)


def flag_set(name: str, value: "Any") -> None:
    """A flag was assigned on femtologging's package: the stdlib follows."""
    if not _installed or _syncing or name not in FLAGS:
        return
    with _copying():
        setattr(_stdlib, name, value)


_NO_DEFAULT: "Any" = object()


def _logger_property(attribute: str, default: "Any" = _NO_DEFAULT) -> property:
    def get(self: "Any") -> "Any":
        try:
            return self.__dict__[attribute]
        except KeyError:
            if default is _NO_DEFAULT:
                raise AttributeError(attribute) from None
            return default

    def set_(self: "Any", value: "Any") -> None:
        self.__dict__[attribute] = value
        # Not while the logger is being made (its __init__ sets defaults):
        # only a logger of the tree speaks for its name.
        if not _syncing and _stdlib_logger(_name_of(self, _stdlib.root)) is self:
            _copy_to_femtologging(self, attribute, value)

    return property(get, set_, doc=f"`{attribute}`, shared with femtologging's logger")


def _femto_logger(name: str) -> "Any":
    if name == "root":
        return _femto_root
    node = _femto_root.manager.loggerDict.get(name)
    return node if isinstance(node, _femto_logger_class) else None


def _stdlib_logger(name: str) -> "Any":
    if name == "root":
        return _stdlib.root
    node = _stdlib.Logger.manager.loggerDict.get(name)
    return node if isinstance(node, _stdlib.Logger) else None


def _name_of(logger: "Any", root: "Any") -> str:
    """The registry name of `logger` ("" while its `__init__` has not set
    one yet, a name no registered logger has)."""
    return "root" if logger is root else str(getattr(logger, "name", ""))


def _copy_to_femtologging(stdlib_logger: "Any", attribute: str, value: "Any") -> None:
    name = _name_of(stdlib_logger, _stdlib.root)
    femto = _femto_logger(name)
    if femto is None or (attribute in LOGGER_LISTS and _linked.get(name) is not femto):
        return
    current = getattr(femto, attribute)
    if current is not value and (attribute in LOGGER_LISTS or current != value):
        with _copying():
            setattr(femto, attribute, value)


def logger_flag_set(logger: "Any", attribute: str, value: "Any") -> None:
    """A shared attribute was assigned on a femtologging logger: the
    stdlib's logger of that name follows."""
    if not _installed or _syncing or attribute not in SHARED_ATTRIBUTES:
        return
    name = _name_of(logger, _femto_root)
    if _femto_logger(name) is not logger or _linked.get(name) is not logger:
        return  # being made, or outside the tree
    target = _stdlib_logger(name)
    if target is None:
        return
    current = target.__dict__.get(attribute, LOGGER_FLAGS.get(attribute))
    if current is not value and (attribute in LOGGER_LISTS or current != value):
        with _copying():
            setattr(target, attribute, value)


def _link(femto: "Any", twin: "Any") -> None:
    """Makes `femto` and the stdlib's `twin` of its name one logger: the
    same handler and filter lists, the same flags.

    A twin still linked to a forgotten femtologging logger of the name
    takes the new logger's state. Otherwise both are merged: the stdlib's
    handlers and filters first (a library's NullHandler, pytest's capture
    handler on the root), then femtologging's; a flag either side set away
    from its default wins."""
    name = _name_of(femto, _femto_root)
    previous = _linked.get(name)
    stale = previous is not None and previous is not femto
    with _copying():
        for attribute in LOGGER_LISTS:
            own = getattr(femto, attribute)
            shared = twin.__dict__.get(attribute)
            if stale or not isinstance(shared, list):
                setattr(twin, attribute, own)
            elif shared is not own:
                shared.extend(item for item in own if item not in shared)
                setattr(femto, attribute, shared)
        for attribute, default in LOGGER_FLAGS.items():
            theirs = twin.__dict__.get(attribute, default)
            mine = getattr(femto, attribute)
            if stale or theirs == default:
                if mine != theirs:
                    setattr(twin, attribute, mine)
            elif mine != theirs:
                setattr(femto, attribute, theirs)
    _linked[name] = femto


def adopt_for_femtologging(logger: "Any") -> None:
    """A new femtologging logger: its stdlib twin is made (or found) and
    the two become one logger. Called outside femtologging's lock, as the
    stdlib's `getLogger` takes the stdlib's."""
    if not _installed or _femto_logger(logger.name) is not logger:
        return
    twin = _stdlib_logger(logger.name)
    if twin is None:
        with _copying():
            twin = _stdlib.getLogger(logger.name)
    _link(logger, twin)


def adopt_for_stdlib(stdlib_logger: "Any") -> None:
    """A new stdlib logger becomes one with femtologging's logger of its
    name, if there is one."""
    if not _installed or _syncing:
        return
    femto = _femto_logger(stdlib_logger.name)
    if femto is not None:
        _link(femto, stdlib_logger)


def _adopt_existing() -> None:
    """At install: what was set on the stdlib before femtologging joined,
    and a twin for every femtologging logger."""
    package = _globals.package()
    defaults = {flag: True for flag in FLAGS if flag != "lastResort"}
    with _copying():
        for flag, default in defaults.items():
            value = getattr(_stdlib, flag, default)
            if value != default:
                setattr(package, flag, value)
        if _stdlib.lastResort is not getattr(_stdlib, "_defaultLastResort", None):
            package.lastResort = _stdlib.lastResort
    _link(_femto_root, _stdlib.root)
    for node in list(_femto_root.manager.loggerDict.values()):
        if isinstance(node, _femto_logger_class) and _femto_logger(node.name) is node:
            adopt_for_femtologging(node)


def install(femto_root: "Any", femto_logger_class: "Any", femto_handler_class: "Any") -> None:
    global _installed, _femto_root, _femto_logger_class, _femto_handler_class
    if _installed:
        return
    _femto_root, _femto_logger_class = femto_root, femto_logger_class
    _femto_handler_class = femto_handler_class
    module = sys.modules.get("logging")
    if module is _stdlib and type(module) is types.ModuleType:
        module.__class__ = _StdlibModule
    for attribute, default in LOGGER_FLAGS.items():
        setattr(_stdlib.Logger, attribute, _logger_property(attribute, default))
    for attribute in LOGGER_LISTS:
        setattr(_stdlib.Logger, attribute, _logger_property(attribute))
    _installed = True
    _adopt_existing()


def _unlink_all() -> None:
    """Each side keeps its own again: femtologging's handlers stay with
    femtologging's logger, the others (the stdlib's, pytest's) with the
    stdlib's; both keep the filters."""
    for name, femto in list(_linked.items()):
        twin = _stdlib_logger(name)
        if twin is None or _femto_logger(name) is not femto:
            continue
        with _copying():
            shared = twin.__dict__.get("handlers")
            if isinstance(shared, list) and shared is femto.handlers:
                femto.handlers = [h for h in shared if isinstance(h, _femto_handler_class)]
                twin.__dict__["handlers"] = [
                    h for h in shared if not isinstance(h, _femto_handler_class)
                ]
            filters = twin.__dict__.get("filters")
            if isinstance(filters, list) and filters is femto.filters:
                femto.filters = list(filters)
    _linked.clear()


def uninstall() -> None:
    global _installed
    if not _installed:
        return
    _installed = False
    _unlink_all()
    if type(_stdlib) is _StdlibModule:
        _stdlib.__class__ = types.ModuleType
    for attribute in SHARED_ATTRIBUTES:
        if isinstance(_stdlib.Logger.__dict__.get(attribute), property):
            delattr(_stdlib.Logger, attribute)
