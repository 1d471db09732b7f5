"""One logging world with the stdlib's `logging` module.

After `import femtologging as logging`, an application's libraries keep
calling the real `logging`. This module joins the two logger trees, without
replacing `sys.modules["logging"]` and without changing the stdlib's code
paths that run for a record:

- Every femtologging logger has a twin of its name in the stdlib's tree,
  holding the same handler and filter lists and the same `propagate` and
  `disabled` (see "What the joined trees share" below). Records of stdlib loggers walk the
  stdlib's tree with the stdlib's own `callHandlers` and so meet the
  handlers femtologging configured for the same names; no femtologging
  frame stands between a library's logging call and a handler, which is
  what frame walkers (loguru's `InterceptHandler`, structlog) expect.
- Records of femtologging loggers also reach the handlers on the stdlib's
  tree along the same path (pytest's caplog, Sentry, OpenTelemetry), as
  records that are `logging.LogRecord` instances.
- A level set on a name through either module applies to both trees, so
  `dictConfig` through femtologging silences or enables library loggers, and
  `caplog.set_level` affects code that logs through femtologging.
- Records the stdlib makes take the values bound with
  `femtologging.contextvars` (its `Logger.makeRecord` is wrapped; the
  wrapper has returned before any handler or caller lookup runs).

Each record is delivered to each handler once: a list two loggers share is
walked once.

It is installed at import; `FEMTOLOGGING_STDLIB_BRIDGE=0` in the environment
or `femtologging.bridge_stdlib(False)` turns it off.

The second half of this module keeps what the two trees share in step
("What the joined trees share" below). Both halves are installed at import,
so they are one module: each module loaded at import costs the import
system's work whatever its size.
"""

import logging as _stdlib
import os
import sys
import types
from collections.abc import Iterator

from . import _globals
from ._globals import NOTSET
from ._record import apply_bound

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

_original_make_record: "Any" = None
_original_clear_cache: "Any" = None
_original_get_logger: "Any" = None
#: femtologging.getLogger and root, bound at install: imports inside these
#: functions would fail while the interpreter shuts down.
_get_logger: "Any" = None
_femto_root: "Any" = None
_femto_logger_class: "Any" = None
#: Level per logger name on which both trees last agreed ("root" for roots).
_agreed_levels: "dict[str, int]" = {}
_agreed_disable = 0
_syncing = False


def is_installed() -> bool:
    return _original_make_record is not None


def _names_to_root(name: str) -> "Iterator[str]":
    while name and name != "root":
        yield name
        name = name.rpartition(".")[0]
    yield "root"


def _femto_logger_for(name: str) -> "Any":
    """femtologging's logger for `name`, or its nearest existing ancestor."""
    registry = _femto_root.manager.loggerDict
    for current in _names_to_root(name):
        if current == "root":
            return _femto_root
        node = registry.get(current)
        if isinstance(node, _femto_logger_class):
            return node
    return _femto_root


def joint_path(name: str, femto_start: "Any" = None) -> "list[tuple[Any, Any]]":
    """The loggers a record named `name` passes through in the joined tree.

    For each name from `name` up to the root: femtologging's logger (walked
    through its `parent` links from `femto_start`, or from the logger of
    that name) and the stdlib's logger of that name; either may be None.
    Propagation stops after a name where either tree's logger has
    `propagate` false, so both the library's and the application's settings
    hold."""
    stdlib_loggers = _stdlib.Logger.manager.loggerDict
    femto = femto_start if femto_start is not None else _femto_logger_for(name)
    path = []
    for current in _names_to_root(name):
        at_root = current == "root"
        matches = femto is not None and (femto is _femto_root if at_root else femto.name == current)
        own = femto if matches else None
        if at_root:
            stdlib = _stdlib.root
        else:
            stdlib = stdlib_loggers.get(current)
            stdlib = stdlib if isinstance(stdlib, _stdlib.Logger) else None
        if own is None and stdlib is None:
            continue
        path.append((own, stdlib))
        stop = stdlib is not None and not stdlib.propagate
        if own is not None:
            stop = stop or not own.propagate
            femto = own.parent
            if femto is None and own is not _femto_root:
                break  # a logger outside the tree (made with Logger(name))
        if stop:
            break
    return path


def call_joint_handlers(record: "Any", name: str, femto_start: "Any" = None) -> int:
    """Delivers `record` to every handler of both trees on its path; returns
    how many handlers were found (for the last-resort decision)."""
    found = 0
    for own, stdlib in joint_path(name, femto_start):
        for handlers in handler_lists(own, stdlib):
            for handler in handlers:
                found += 1
                if record.levelno >= handler.level:
                    handler.handle(record)
    return found


def handler_lists(own: "Any", stdlib: "Any") -> "list[Any]":
    """The handler lists of one step of a joint path, a shared list once."""
    lists = [] if own is None else [own.handlers]
    if stdlib is not None and (own is None or stdlib.handlers is not own.handlers):
        lists.append(stdlib.handlers)
    return lists


def _make_record(self: "Any", *args: "Any", **kwargs: "Any") -> "Any":
    """`logging.Logger.makeRecord`: the record also takes the values bound
    with `femtologging.contextvars`."""
    record = _original_make_record(self, *args, **kwargs)
    apply_bound(record)
    return record


def _stdlib_get_logger(name: str) -> "Any":
    """The stdlib's `Manager.getLogger`: a logger made there can join a path
    (even in place of a placeholder), so cached routing is invalidated."""
    registry = _stdlib.Logger.manager.loggerDict
    existed = isinstance(registry.get(name), _stdlib.Logger)
    logger = _original_get_logger(name)
    if not existed:
        adopt_for_stdlib(logger)
        _globals.configuration_changed()
    return logger


def _stdlib_levels_changed() -> None:
    """The stdlib's `Manager._clear_cache`, run by its `setLevel` and
    `disable`: adopts what changed there into femtologging."""
    _original_clear_cache()
    if _syncing:
        return
    adopt_stdlib_levels()


def adopt_stdlib_levels() -> None:
    """Copies stdlib levels set since the trees last agreed into femtologging."""
    global _syncing, _agreed_disable
    changed = []
    stdlib_loggers = [("root", _stdlib.root)]
    stdlib_loggers += [
        (name, node)
        for name, node in list(_stdlib.Logger.manager.loggerDict.items())
        if isinstance(node, _stdlib.Logger)
    ]
    for name, node in stdlib_loggers:
        if node.level != _agreed_levels.get(name, NOTSET):
            changed.append((name, node.level))
    disable = _stdlib.Logger.manager.disable
    if not changed and disable == _agreed_disable:
        return
    _syncing = True
    try:
        for name, level in changed:
            _agreed_levels[name] = level
            _get_logger(name if name != "root" else None).setLevel(level)
        if disable != _agreed_disable:
            _agreed_disable = disable
            _femto_root.manager.disable = disable
            _femto_root.manager._clear_cache()
    finally:
        _syncing = False


def level_set(name: str, level: int) -> None:
    """A femtologging logger's level changed: the stdlib's follows."""
    global _syncing
    if not is_installed() or _syncing:
        return
    if _agreed_levels.get(name, NOTSET) == level:
        return
    existing = _stdlib.Logger.manager.loggerDict.get(name)
    if level == NOTSET and name != "root" and not isinstance(existing, _stdlib.Logger):
        _agreed_levels.pop(name, None)
        return
    _agreed_levels[name] = level
    _syncing = True
    try:
        target = _stdlib.root if name == "root" else _stdlib.getLogger(name)
        target.setLevel(level)
    finally:
        _syncing = False


def adopt_level(logger: "Any") -> None:
    """A new femtologging logger takes the level the stdlib has for its name."""
    level = _agreed_levels.get(logger.name)
    if level is not None and is_installed():
        object.__setattr__(logger, "level", level)


def disable_set(level: int) -> None:
    """`femtologging.disable(level)`: the stdlib's `disable` follows."""
    global _syncing, _agreed_disable
    if not is_installed() or _syncing or level == _agreed_disable:
        return
    _agreed_disable = level
    _syncing = True
    try:
        _stdlib.disable(level)
    finally:
        _syncing = False


def install() -> None:
    global _original_make_record, _original_clear_cache, _get_logger, _femto_root
    global _femto_logger_class, _original_get_logger
    if is_installed():
        return
    from ._handler import Handler
    from ._logger import Logger, getLogger, root

    _get_logger, _femto_root, _femto_logger_class = getLogger, root, Logger
    _original_make_record = _stdlib.Logger.makeRecord
    _stdlib.Logger.makeRecord = _make_record  # type: ignore[method-assign]
    manager = _stdlib.Logger.manager
    _original_clear_cache = manager._clear_cache
    manager._clear_cache = _stdlib_levels_changed
    _original_get_logger = manager.getLogger
    manager.getLogger = _stdlib_get_logger
    # The stdlib may have been configured before femtologging was imported.
    adopt_stdlib_levels()
    install_shared_state(root, Logger, Handler)
    _globals.configuration_changed()


def uninstall() -> None:
    global _original_make_record, _original_clear_cache, _original_get_logger
    if not is_installed():
        return
    _stdlib.Logger.makeRecord = _original_make_record  # type: ignore[method-assign]
    manager = _stdlib.Logger.manager
    for name, replacement in (
        ("_clear_cache", _stdlib_levels_changed),
        ("getLogger", _stdlib_get_logger),
    ):
        if manager.__dict__.get(name) is replacement:
            delattr(manager, name)
    _original_make_record = None
    _original_clear_cache = None
    _original_get_logger = None
    _agreed_levels.clear()
    uninstall_shared_state()
    _globals.configuration_changed()


def bridge_stdlib(enabled: bool = True) -> None:
    """Joins (or separates) femtologging's logger tree and the stdlib's."""
    if enabled:
        install()
    else:
        uninstall()


def install_unless_disabled() -> None:
    if os.environ.get("FEMTOLOGGING_STDLIB_BRIDGE", "1") != "0":
        install()


# What the joined trees share: the module flags, and per logger name its
# `propagate`, `disabled`, handler list and filter list.
#
# Every femtologging logger has a twin of its name in the stdlib's tree
# (made with it), so frameworks that scan the stdlib's `loggerDict` find it.
# The twins hold the very same `handlers` and `filters` list objects, and an
# assignment to a flag or a list on either side is copied to the other, so
# one name behaves as one logger whichever module a framework goes through:
# pytest's `--log-disable` (sets `disabled` on the stdlib's logger) and its
# handlers for non-propagating loggers, unittest's `assertLogs` (replaces the
# stdlib logger's handler list and clears its `propagate`), `dictConfig` or
# `fileConfig` from either module (the last one replaces the handlers, as
# in a program with one module), and `raiseExceptions` or `logThreads`
# monkeypatched on either module. A record meets each handler of the shared
# list once, whichever tree it walks.
#
# The stdlib's side is observed without changing its code: its module object
# gets a `ModuleType` subclass whose `__setattr__` reports the flags, and
# `logging.Logger` gets properties for the shared attributes that keep the
# values in the instance dict, where they were, and report assignments.
# Both are removed when the bridge is, and each side then keeps its own
# handlers.

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
_copying_now = False
_femto_handler_class: "Any" = None
#: Per name, the femtologging logger whose lists the stdlib's logger shares.
#: A different logger of that name (the registry was reset, as test suites
#: do) means the stdlib's logger still holds a forgotten logger's lists.
_linked: "dict[str, Any]" = {}


class _Copying:
    """Marks a copy in progress, so the assignment it makes is not copied
    back. A class rather than `contextlib.contextmanager`: on 3.10 nothing
    else imports `contextlib` by the time `femtologging` is imported."""

    def __enter__(self) -> None:
        global _copying_now
        _copying_now = True

    def __exit__(self, *exc_info: object) -> None:
        global _copying_now
        _copying_now = False


_copying = _Copying()


class _StdlibModule(types.ModuleType):
    """The stdlib `logging` module's class while the trees are joined."""

    def __setattr__(self, name: str, value: "Any") -> None:
        super().__setattr__(name, value)
        if name in FLAGS and not _copying_now:
            with _copying:
                setattr(_globals.package(), name, value)


def flag_set(name: str, value: "Any") -> None:
    """A flag was assigned on femtologging's package: the stdlib follows."""
    if not _installed or _copying_now or name not in FLAGS:
        return
    with _copying:
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
        if not _copying_now and _stdlib_logger(_name_of(self, _stdlib.root)) is self:
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
        with _copying:
            setattr(femto, attribute, value)


def logger_flag_set(logger: "Any", attribute: str, value: "Any") -> None:
    """A shared attribute was assigned on a femtologging logger: the
    stdlib's logger of that name follows."""
    if not _installed or _copying_now or attribute not in SHARED_ATTRIBUTES:
        return
    name = _name_of(logger, _femto_root)
    if _femto_logger(name) is not logger or _linked.get(name) is not logger:
        return  # being made, or outside the tree
    target = _stdlib_logger(name)
    if target is None:
        return
    current = target.__dict__.get(attribute, LOGGER_FLAGS.get(attribute))
    if current is not value and (attribute in LOGGER_LISTS or current != value):
        with _copying:
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
    with _copying:
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
        with _copying:
            twin = _stdlib.getLogger(logger.name)
    _link(logger, twin)


def adopt_for_stdlib(stdlib_logger: "Any") -> None:
    """A new stdlib logger becomes one with femtologging's logger of its
    name, if there is one."""
    if not _installed or _copying_now:
        return
    femto = _femto_logger(stdlib_logger.name)
    if femto is not None:
        _link(femto, stdlib_logger)


def _adopt_existing() -> None:
    """At install: what was set on the stdlib before femtologging joined,
    and a twin for every femtologging logger."""
    package = _globals.package()
    defaults = {flag: True for flag in FLAGS if flag != "lastResort"}
    with _copying:
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


def install_shared_state(
    femto_root: "Any", femto_logger_class: "Any", femto_handler_class: "Any"
) -> None:
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
        with _copying:
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


def uninstall_shared_state() -> None:
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
