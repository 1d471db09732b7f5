"""What dictConfig and fileConfig both do to the running logging state:
close the handlers of the previous configuration, register the new ones
under their names, and settle the loggers a new configuration leaves out,
in femtologging's logger tree and, while it is joined to the stdlib's
(libraries' loggers), in that one too.
"""

import bisect
import sys
from collections.abc import Iterable
from typing import Any

from . import _config_names as names


def clear_existing_handlers() -> None:
    """Forgets every named handler, then flushes and closes every handler
    created so far, newest first (a new configuration replaces them all)."""
    logging = names.package()
    logging._handlers.clear()
    logging.shutdown(logging._handlerList[:])
    del logging._handlerList[:]


def name_handler(handler: Any, name: str) -> None:
    """Gives a configured handler its name.

    femtologging's handlers register themselves. A handler of another
    library built on the stdlib's `logging.Handler` registers with the
    stdlib, so it is also entered in femtologging's registries: it must be
    found by `getHandlerByName` and closed by the next configuration and at
    exit, like every handler the configuration made.
    """
    handler.name = name
    logging = names.package()
    if isinstance(handler, logging.Handler):
        return
    with logging._lock:
        logging._handlers[name] = handler
        if not any(reference() is handler for reference in logging._handlerList):
            logging._addHandlerRef(handler)


def joined_stdlib() -> Any:
    """The stdlib's `logging` module while femtologging's logger tree is
    joined to it (see `_stdlib_bridge`), else None.

    Joined, a logger name stands for one logger in two trees: libraries log
    through the stdlib's, the application through femtologging's. What a
    configuration does to the loggers it finds (disabling those it leaves
    out, resetting children, enabling those it names) is done in both, as
    a program using only the stdlib sees it done to its single tree.
    """
    bridge = sys.modules.get(names.PACKAGE + "._stdlib_bridge")
    is_installed = getattr(bridge, "is_installed", None)
    if is_installed is None or not is_installed():
        return None
    stdlib = sys.modules.get("logging")
    return stdlib if stdlib is not names.package() else None


def _twins(name: str) -> "list[tuple[Any, Any]]":
    """(library module, node) for `name` in femtologging's tree and, when
    joined, the stdlib's; only nodes that exist."""
    found = []
    for library in (names.package(), joined_stdlib()):
        if library is None:
            continue
        node = library.root.manager.loggerDict.get(name)
        if node is not None:
            found.append((library, node))
    return found


def set_disabled(name: str, disabled: Any) -> None:
    """`logger.disabled = disabled` for the stdlib twin of a femtologging
    logger the configuration names (femtologging's own is set by the
    caller, as the stdlib's code does)."""
    stdlib = joined_stdlib()
    if stdlib is None or not isinstance(name, str):
        return
    node = stdlib.root.manager.loggerDict.get(name)
    if isinstance(node, stdlib.Logger):
        node.disabled = disabled


class ExistingLoggers:
    """The loggers that existed before a configuration, and which of them
    it configured, left as children of configured loggers, or left out."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager
        known = set(manager.loggerDict)
        stdlib = joined_stdlib()
        if stdlib is not None:
            known.update(stdlib.root.manager.loggerDict)
        self._sorted = sorted(known)
        self._remaining = set(self._sorted)
        self.children: set[str] = set()

    def claim(self, name: Any) -> None:
        """Notes that the configuration names `name`: it is not left out,
        and the loggers below it that existed are its children."""
        if name not in self._remaining:
            return
        prefix = name + "."
        # Every name starting with `prefix` sorts into one run right after it.
        start = bisect.bisect_left(self._sorted, prefix)
        for candidate in self._sorted[start:]:
            if not candidate.startswith(prefix):
                break
            self.children.add(candidate)
        self._remaining.discard(name)

    def left_out(self) -> "list[str]":
        return [name for name in self._sorted if name in self._remaining]


def handle_existing_loggers(
    existing: "Iterable[str]", child_loggers: "Iterable[str]", disable_existing: Any
) -> None:
    """Settles the loggers the new configuration does not name: children
    of configured loggers are reset to inherit from them, the others are
    disabled when `disable_existing` is true (enabled when it is false)."""
    children = set(child_loggers)
    for name in existing:
        for library, logger in _twins(name):
            if name in children:
                if not isinstance(logger, library.PlaceHolder):
                    logger.setLevel(library.NOTSET)
                    logger.handlers = []
                    logger.propagate = True
            else:
                # The value itself, as the stdlib assigns it (a config may
                # hold a string here, which is then truthy).
                logger.disabled = disable_existing
