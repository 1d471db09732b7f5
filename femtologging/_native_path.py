"""Routing decisions for the Rust fast path, and the helpers it calls.

The fast path (src/bindings/fast_path) asks `threshold(logger)` and
`plan(logger)` once per configuration generation. A plan lists, for each
handler on the logger's path, how Rust can serve it; `None` sends every call
through `Logger._log`, which is the stdlib's behaviour written in Python.
Eligibility is strict: any hook a user overrode, any filter, any formatter
the core cannot reproduce byte for byte, and the call goes to Python.
"""

import logging as _stdlib_logging
import sys
import threading
import weakref

from . import _femtologging_rs as _rs
from . import _globals, _record, _stdlib_bridge
from ._formatter import _defaultFormatter, exception_text, is_json_formatter
from ._globals import _levelToName, set_on_instance
from ._handler import report_stream_failure
from ._record import apply_bound

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

#: Logger hooks the stdlib path calls; overriding any of them needs Python.
_LOGGER_HOOKS = ("_log", "makeRecord", "handle", "callHandlers", "findCaller", "filter")
_DISABLED_THRESHOLD = 2**31 - 1


#: femtologging.Logger's hooks as defined, which the fast path reproduces;
#: captured by `install` (an import here would be circular, and imports
#: inside functions fail while the interpreter shuts down).
_STOCK_HOOKS: "dict[str, Any]" = {}
#: The fast path renders `msg % args` itself, as this method does.
_STOCK_GET_MESSAGE = _record.LogRecord.getMessage


def threshold(logger: "Any") -> "tuple[int, bool]":
    """The lowest level `logger` lets through, and whether its class
    overrides the level hooks (then Rust asks `isEnabledFor` every time)."""
    cls = type(logger)
    if (
        cls.isEnabledFor is not _STOCK_HOOKS["isEnabledFor"]
        or cls.getEffectiveLevel is not _STOCK_HOOKS["getEffectiveLevel"]
        or set_on_instance(logger, "isEnabledFor")
        or set_on_instance(logger, "getEffectiveLevel")
    ):
        # Ask the class's own hooks on every call, in the stdlib's order.
        return 0, True
    if logger.disabled:
        return _DISABLED_THRESHOLD, False
    lowest = max(logger.getEffectiveLevel(), logger.manager.disable + 1)
    return min(lowest, _DISABLED_THRESHOLD), False


def _flags_allow_fast_path() -> bool:
    flags = _globals.package()
    return bool(
        flags.logThreads
        and flags.logProcesses
        and flags.logMultiprocessing
        and getattr(flags, "logAsyncioTasks", True)
        and flags._srcfile
        and flags._logRecordFactory is _record.LogRecord
        and _record.record_factory() is _record.LogRecord
        and _record.LogRecord.getMessage is _STOCK_GET_MESSAGE
    )


def plan(logger: "Any") -> "dict[str, Any] | None":
    """How Rust serves each handler on `logger`'s path (the `TargetSpec` of
    each, and what the plan watches: plan.rs, `PlanSpec`), or None for
    Python."""
    cls = type(logger)
    if any(getattr(cls, hook, None) is not _STOCK_HOOKS[hook] for hook in _LOGGER_HOOKS):
        return None
    if any(set_on_instance(logger, hook) for hook in _LOGGER_HOOKS):
        return None  # patched on the instance (mock.patch.object)
    if logger.filters or not _flags_allow_fast_path():
        return None
    targets: list[_rs.TargetSpec] = []
    watched: list[Any] = [logger.filters]
    extra_keys: set[str] = set()
    # Instance dicts whose every change re-plans: a JSON formatter from
    # python-json-logger has no setter that would tell.
    # The stdlib module's globals too: a record factory installed there
    # later (an instrumentation) takes records off the fast path.
    watched_dicts: list[dict[str, Any]] = [vars(_stdlib_logging)]
    # Class attributes the plan depends on (hooks, terminator, converter, ...):
    # Rust re-plans when any of these classes is modified.
    classes: dict[type, None] = {cls: None}
    if _stdlib_bridge.is_installed():
        # The joined tree: a handler on the stdlib's side needs a LogRecord.
        # A list both trees share counts once, as femtologging's.
        path = _stdlib_bridge.joint_path(logger.name, logger)
        for femto, stdlib in path:
            if stdlib is None or (femto is not None and stdlib.handlers is femto.handlers):
                continue
            if stdlib.handlers:
                return None
            watched.append(stdlib.handlers)
        loggers = [femto for femto, _ in path if femto is not None]
    else:
        loggers = []
        node = logger
        while node:
            loggers.append(node)
            node = node.parent if node.propagate else None
    for node in loggers:
        handlers = node.handlers
        if not isinstance(handlers, list):
            return None
        watched.append(handlers)
        for handler in handlers:
            describe = getattr(handler, "_femto_target", None)
            target = describe() if describe is not None else None
            if target is None:
                return None
            native_format = getattr(target, "native", None)
            if native_format is not None:
                extra_keys.update(native_format.extra_keys)
            watched.append(handler.filters)
            targets.append(target)
            classes[type(handler)] = None
            formatter = getattr(handler, "formatter", None)
            if is_json_formatter(formatter):
                watched_dicts.append(_own_dict(formatter))
            if formatter is not None:
                classes[type(formatter)] = None
                classes[type(getattr(formatter, "_style", None))] = None
    if not targets:
        return None  # the last-resort handler is served by Python
    classes[type(_defaultFormatter)] = None
    classes[_record.LogRecord] = None
    for cls in classes:
        # A lookup through the class gives it a version tag (before 3.12
        # the plan compares tags; a class never looked up has none yet,
        # such as the stdlib style class of a python-json-logger formatter).
        getattr(cls, "__init__", None)
    return {
        "targets": targets,
        "watched": watched,
        "extra_keys": sorted(extra_keys),
        "classes": list(classes),
        "watched_dicts": watched_dicts,
    }


def _own_dict(instance: "Any") -> "dict[str, Any]":
    """`instance.__dict__`, made to change its version tag on every
    assignment: 3.13 keeps an instance's attributes in inline values even
    once its `__dict__` exists, and an assignment there leaves the dict's
    tag as it was. A dict of its own (same contents) takes every store."""
    if sys.version_info >= (3, 13):
        instance.__dict__ = dict(instance.__dict__)
    return instance.__dict__


def _normalize_exc_info(exc_info: "Any") -> "Any":
    """What `Logger._log` stores: a tuple, from an exception or sys.exc_info()."""
    if isinstance(exc_info, BaseException):
        return type(exc_info), exc_info, exc_info.__traceback__
    if not isinstance(exc_info, tuple):
        return sys.exc_info()
    return exc_info


def _process_name() -> str:
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None:
        try:
            return multiprocessing.current_process().name
        except Exception:
            pass
    return "MainProcess"


def _task_name() -> "str | None":
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return asyncio.current_task().get_name()
        except Exception:
            pass
    return None


def _thread_name() -> str:
    return threading.current_thread().name


def _report_error(
    handler: "Any",
    logger: "Any",
    level: int,
    msg: "Any",
    args: "Any",
    kwargs: "Any",
    error: BaseException,
) -> None:
    """A native write failed: build the record the stdlib would have had and
    let the handler report it, exactly as from its `emit`."""
    options = dict(kwargs or {})
    exc_info = options.get("exc_info")
    if exc_info:
        exc_info = _normalize_exc_info(exc_info)
    filename, lineno, function, stack = logger.findCaller(
        options.get("stack_info", False), options.get("stacklevel", 1)
    )
    record = logger.makeRecord(
        logger.name,
        level,
        filename,
        lineno,
        msg,
        args,
        exc_info or None,
        function,
        options.get("extra"),
        stack,
    )
    try:
        raise error
    except Exception:
        report_stream_failure(handler, record)


#: Messages the fast path rendered, by record (see `_RenderedRecord`).
_RENDERED: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()


class _RenderedRecord(_record.LogRecord):
    """A record whose message the fast path already rendered, running the
    caller's `__str__`: `getMessage` returns that text instead of running
    it again. The text is kept outside the record's `__dict__`, which
    formatters print and handlers pickle; `msg` and `args` stay the
    caller's, as `handleError` reports them."""

    def getMessage(self) -> str:
        return _RENDERED[self]


def _handle_rendered(
    logger: "Any",
    level: int,
    msg: "Any",
    args: "tuple[Any, ...]",
    message: str,
    exc_info: "Any",
    exc_text: "str | None",
    stack_text: "str | None",
    extra: "Any",
    stacklevel: int,
) -> None:
    """Finishes a call whose message (and exception and stack text) the
    fast path rendered but cannot write itself: a lone surrogate, a value
    only Python's JSON encoder writes, a file due for a rollover its own
    naming does. The record is made as `_log` makes it, carrying what was
    rendered, so that none of the caller's code runs a second time."""
    filename, lineno, function, _ = logger.findCaller(False, stacklevel)
    record = logger.makeRecord(
        logger.name, level, filename, lineno, msg, args, exc_info, function, extra, stack_text
    )
    # The fast path only serves the stock record factory: same layout.
    record.__class__ = _RenderedRecord
    _RENDERED[record] = message
    if exc_text is not None:
        record.exc_text = exc_text
    apply_bound(record)
    logger.handle(record)


def _json_text(value: "Any") -> "str | None":
    """An `extra` value as a JSON layout prints it: only such a layout asks,
    and `_json_native`, which compiled it, is loaded by then."""
    return _globals.submodule("_json_native").json_text(value)  # type: ignore[no-any-return]


def install() -> None:
    from ._logger import Logger, _render_stack

    for hook in (*_LOGGER_HOOKS, "isEnabledFor", "getEffectiveLevel"):
        _STOCK_HOOKS[hook] = getattr(Logger, hook)
    reserved = set(_record.LogRecord("", 0, "", 0, "", (), None).__dict__)
    reserved |= {"message", "asctime"}
    _rs._install_fast_path(
        package_dir=_globals.PACKAGE_DIR,
        level_to_name=_levelToName,
        reserved_keys=reserved,
        legacy_stacklevel=sys.version_info < (3, 11),
        helpers={
            "exception_text": exception_text,
            "normalize_exc_info": _normalize_exc_info,
            "stack_text": _render_stack,
            "thread_name": _thread_name,
            "process_name": _process_name,
            "task_name": _task_name,
            "report_error": _report_error,
            "handle_rendered": _handle_rendered,
            "threshold": threshold,
            "plan": plan,
            "json_text": _json_text,
            "bound": _record.BOUND,
            "active_threads": threading._active,  # type: ignore[attr-defined]
            "thread_name_property": threading.Thread.name,
        },
    )
