"""One logging world with the stdlib's `logging` module.

After `import femtologging as logging`, an application's libraries keep
calling the real `logging`. This module joins the two logger trees, without
replacing `sys.modules["logging"]` and without changing the stdlib's code
paths that run for a record:

- Every femtologging logger has a twin of its name in the stdlib's tree,
  holding the same handler and filter lists and the same `propagate` and
  `disabled` (see `_shared_state`). Records of stdlib loggers walk the
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
"""

import logging as _stdlib
import os
from collections.abc import Iterator

from . import _globals, _shared_state
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
        _shared_state.adopt_for_stdlib(logger)
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
    _shared_state.install(root, Logger, Handler)
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
    _shared_state.uninstall()
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
