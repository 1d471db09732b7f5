"""Differential tests: loggers, the logger tree, logger methods and subclass
hooks, module-level functions, disable, lastResort, flags, shutdown,
captureWarnings and currentframe; stdlib `logging` vs femtologging."""

from __future__ import annotations

import io
import pickle
import sys
import warnings
import weakref
from pathlib import Path
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same
Raised = support.Raised

FMT = "%(levelname)s|%(name)s|%(message)s"


# --------------------------------------------------------------------------
# getLogger and the tree


def test_get_logger_identity() -> None:
    def scenario(m: ModuleType) -> Any:
        root = m.getLogger()
        return (
            root is m.root,
            m.getLogger(None) is root,
            m.getLogger("") is root,
            m.getLogger("root") is root,
            m.getLogger("tree.a") is m.getLogger("tree.a"),
            m.getLogger("tree.a") is not root,
            type(root).__name__,
            root.name,
            type(m.getLogger("tree.a")).__name__,
            m.Logger.root is root,
            m.Logger.manager is root.manager,
            m.getLogger("tree.a").manager is m.Logger.manager,
            repr(root),
            repr(m.getLogger("tree.a")),
        )

    assert assert_same(scenario)[:6] == (True,) * 6


@pytest.mark.parametrize("name", [5, b"bytes", ["x"]], ids=repr)
def test_get_logger_needs_a_string(name: Any) -> None:
    assert assert_same(lambda m: m.getLogger(name)).type_name == "TypeError"


def _tree_view(m: ModuleType, prefix: str) -> list[tuple[str, str, str | None]]:
    view = []
    for name, node in sorted(m.Logger.manager.loggerDict.items()):
        if name == prefix or name.startswith(prefix + "."):
            parent = getattr(node, "parent", None)
            view.append((name, type(node).__name__, parent.name if parent else None))
    return view


def test_placeholders_and_reparenting() -> None:
    def scenario(m: ModuleType) -> Any:
        steps = []
        m.getLogger("tree.x.y.z")
        steps.append(_tree_view(m, "tree"))
        m.getLogger("tree.x")
        steps.append(_tree_view(m, "tree"))
        m.getLogger("tree.x.y")
        steps.append(_tree_view(m, "tree"))
        m.getLogger("tree")
        m.getLogger("tree.x.w")
        steps.append(_tree_view(m, "tree"))
        placeholder = m.Logger.manager.loggerDict.get("tree.q")
        m.getLogger("tree.q.r")
        holder = m.Logger.manager.loggerDict["tree.q"]
        steps.append((placeholder, type(holder).__name__, [lg.name for lg in holder.loggerMap]))
        return steps

    steps = assert_same(scenario)
    assert ("tree.x.y.z", "Logger", "tree.x.y") in steps[2]


def test_detached_logger() -> None:
    """A Logger made directly is outside the tree: no parent, no propagation."""

    def scenario(m: ModuleType) -> Any:
        logger = m.Logger("detached", "INFO")
        handler = support.stream_handler(m, FMT)
        logger.addHandler(handler)
        logger.info("own handler")
        logger.debug("below")
        bare = m.Logger("bare")
        with support.captured_stderr() as err:
            bare.warning("to lastResort")
        return (
            handler.stream.getvalue(),
            logger.parent,
            "detached" in m.Logger.manager.loggerDict,
            err.getvalue(),
            logger.getEffectiveLevel(),
            bare.getEffectiveLevel(),
        )

    assert assert_same(scenario)[0] == "INFO|detached|own handler\n"


def test_logger_dict_is_live() -> None:
    def scenario(m: ModuleType) -> Any:
        loggers = m.Logger.manager.loggerDict
        before = "tree.live" in loggers
        logger = m.getLogger("tree.live")
        after = loggers.get("tree.live") is logger
        return type(loggers).__name__, before, after, m.root.manager.loggerDict is loggers

    assert assert_same(scenario)[1:3] == (False, True)


def test_logger_attributes_behave_like_instance_attributes() -> None:
    """The stdlib's attributes live in slots (see docs/performance.md), yet
    read, set, delete, weak-reference and take extra attributes as before;
    a logger of another Manager keeps that manager."""

    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("attrs.a")
        logger.custom = "own"
        logger.name = "attrs.renamed"
        del logger.custom
        try:
            logger.custom  # noqa: B018
            missing = None
        except AttributeError as exc:
            missing = type(exc).__name__
        other = m.Manager(m.RootLogger(m.WARNING))
        adopted = other.getLogger("attrs.other")
        ref = weakref.ref(logger)
        return (
            logger.name,
            missing,
            ref() is logger,
            logger.manager is m.Logger.manager,
            adopted.manager is other,
            m.getLogger("attrs.b").manager is m.Logger.manager,
            sorted(
                k
                for k in ("name", "level", "parent", "propagate", "handlers", "disabled", "filters")
                if hasattr(logger, k)
            ),
        )

    result = assert_same(scenario)
    assert result[0] == "attrs.renamed" and result[1] == "AttributeError"


def test_propagation_parent_and_disabled() -> None:
    def scenario(m: ModuleType) -> Any:
        top = m.getLogger("prop")
        top.setLevel(m.DEBUG)
        top_handler = support.stream_handler(m, FMT)
        top.addHandler(top_handler)
        child = m.getLogger("prop.child.leaf")
        child_handler = support.stream_handler(m, FMT)
        child_handler.setLevel(m.ERROR)
        child.addHandler(child_handler)
        child.info("one")
        child.error("two")
        child.propagate = False
        child.error("three")
        child.propagate = True
        child.disabled = True
        child.critical("four")
        child.disabled = False
        top.disabled = True
        child.warning("five")
        root_handler = support.stream_handler(m, FMT)
        m.root.addHandler(root_handler)
        top.propagate = False
        child.warning("six")
        return (
            child.parent is top,
            top.parent is m.root,
            m.root.parent,
            top_handler.stream.getvalue(),
            child_handler.stream.getvalue(),
            root_handler.stream.getvalue(),
        )

    result = assert_same(scenario)
    assert result[3] == "INFO|prop.child.leaf|one\nERROR|prop.child.leaf|two\n" + (
        "WARNING|prop.child.leaf|five\nWARNING|prop.child.leaf|six\n"
    )


def test_effective_level_and_enabled_cache() -> None:
    def scenario(m: ModuleType) -> Any:
        parent = m.getLogger("cache")
        child = m.getLogger("cache.child")
        states = []

        def state() -> None:
            states.append(
                (
                    child.getEffectiveLevel(),
                    child.isEnabledFor(m.INFO),
                    child.isEnabledFor(m.DEBUG),
                    dict(child._cache),
                )
            )

        state()
        parent.setLevel(m.INFO)
        state()
        m.root.setLevel(m.CRITICAL)
        state()
        child.setLevel(m.DEBUG)
        state()
        child.setLevel(m.NOTSET)
        parent.setLevel(m.NOTSET)
        state()
        # A direct assignment does not clear the cache, in either library.
        child.isEnabledFor(m.ERROR)
        child.level = m.DEBUG
        states.append((child.isEnabledFor(m.ERROR), child.isEnabledFor(m.DEBUG)))
        m.getLogger("cache.other").setLevel(m.WARNING)
        state()
        return states

    states = assert_same(scenario)
    assert states[0][1] is False and states[1][1] is True


def test_direct_changes_to_handlers_filters_and_levels_take_effect() -> None:
    """Code in the wild manipulates these attributes without the methods."""

    def scenario(m: ModuleType) -> Any:
        logger = support.isolated_logger(m, "direct", level=m.DEBUG)
        first = support.stream_handler(m, FMT)
        second = support.stream_handler(m, "2:%(message)s")
        logger.handlers.append(first)
        logger.info("a")
        logger.handlers = [second]
        logger.info("b")
        logger.handlers.insert(0, first)
        first.level = m.ERROR
        logger.info("c")
        first.level = m.NOTSET
        logger.filters.append(lambda record: "skip" not in record.msg)
        logger.info("d skip")
        logger.info("e")
        logger.filters.clear()
        second.filters.append(lambda record: record.msg != "f")
        logger.info("f")
        logger.handlers.clear()
        logger.info("g")
        logger.propagate = True
        root_handler = support.stream_handler(m, "root:%(message)s")
        m.root.handlers[:] = [root_handler]
        logger.warning("h")
        return first.stream.getvalue(), second.stream.getvalue(), root_handler.stream.getvalue()

    first, second, root = assert_same(scenario)
    assert "a\n" in first and "2:b\n" in second and root == "root:h\n"


def test_get_child() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("kids")
        return (
            logger.getChild("a").name,
            logger.getChild("a.b") is m.getLogger("kids.a.b"),
            m.root.getChild("top") is m.getLogger("top"),
            m.root.getChild("top").name,
        )

    assert assert_same(scenario)[0] == "kids.a"


def test_get_child_needs_a_string() -> None:
    assert_same(lambda m: m.getLogger("kids").getChild(5).name)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="getChildren is 3.12+")
def test_get_children() -> None:
    def scenario(m: ModuleType) -> Any:
        m.getLogger("fam.a")
        m.getLogger("fam.b.c")
        m.getLogger("fam.d.e.f")
        m.getLogger("fam.d")
        parent = m.getLogger("fam")
        names = sorted(child.name for child in parent.getChildren())
        deep = sorted(child.name for child in m.getLogger("fam.d").getChildren())
        return type(parent.getChildren()).__name__, names, deep

    assert assert_same(scenario)[1] == ["fam.a", "fam.d"]


def test_has_handlers() -> None:
    def scenario(m: ModuleType) -> Any:
        child = m.getLogger("has.child")
        results = [child.hasHandlers()]
        m.getLogger("has").addHandler(m.NullHandler())
        results.append(child.hasHandlers())
        child.propagate = False
        results.append(child.hasHandlers())
        child.addHandler(m.NullHandler())
        results.append(child.hasHandlers())
        return results

    assert assert_same(scenario) == [False, True, False, True]


def test_add_and_remove_handlers_and_filters() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("addrm")
        handler = m.NullHandler()
        noop = m.Filter("addrm")
        logger.addHandler(handler)
        logger.addHandler(handler)
        logger.addFilter(noop)
        logger.addFilter(noop)
        counts = len(logger.handlers), len(logger.filters)
        logger.removeHandler(handler)
        logger.removeHandler(handler)
        logger.removeFilter(noop)
        logger.removeFilter(noop)
        return (
            counts,
            type(logger.handlers).__name__,
            type(logger.filters).__name__,
            logger.handlers,
            logger.filters,
        )

    assert assert_same(scenario)[0] == (1, 1)


# --------------------------------------------------------------------------
# Logging methods


METHODS: list[tuple[str, tuple[Any, ...]]] = [
    ("debug", ()),
    ("info", ()),
    ("warning", ()),
    ("error", ()),
    ("critical", ()),
    ("fatal", ()),
    ("exception", ()),
    ("log", (25,)),
    ("log", (7,)),
]


@pytest.mark.parametrize("level", [1, 10, 20, 30, 40, 50, 51])
@pytest.mark.parametrize(("method", "prefix"), METHODS)
def test_logger_methods(method: str, prefix: tuple[Any, ...], level: int) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT + "|%(funcName)s|%(exc_text)s")
        logger = support.isolated_logger(m, "methods", handler, level=level)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(logger, method)(*prefix, "msg %s %d", "a", 1)
        return handler.stream.getvalue(), [str(w.message) for w in caught]

    assert_same(scenario)


def test_warn_method_is_deprecated() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT + "|%(funcName)s|%(lineno)d")
        logger = support.isolated_logger(m, "methods.warn", handler)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            logger.warn("careful %s", "now")
            m.LoggerAdapter(logger, {}).warn("adapted")
        return handler.stream.getvalue(), [
            (w.category.__name__, str(w.message), w.filename, w.lineno) for w in caught
        ]

    result = assert_same(scenario)
    assert result[1][0][0] == "DeprecationWarning"


def test_exception_method_inside_and_outside_except() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT)
        logger = support.isolated_logger(m, "methods.exc", handler)
        try:
            raise KeyError("missing")
        except KeyError:
            logger.exception("caught %s", "it")
            logger.exception("no traceback", exc_info=False)
        logger.exception("outside")
        return handler.stream.getvalue()

    assert "KeyError: 'missing'" in assert_same(scenario)


# --------------------------------------------------------------------------
# Subclass hooks


def _tracing_logger_class(m: ModuleType, calls: list[Any]) -> type:
    class TracingLogger(m.Logger):  # type: ignore[name-defined,misc]
        def isEnabledFor(self, level: int) -> bool:
            calls.append(("isEnabledFor", level))
            return level >= 15 or super().isEnabledFor(level)

        def getEffectiveLevel(self) -> int:
            calls.append(("getEffectiveLevel",))
            return int(super().getEffectiveLevel())

        def findCaller(self, *args: Any, **kwargs: Any) -> Any:
            calls.append(("findCaller", args, kwargs))
            found = super().findCaller(*args, **kwargs)
            return found[0], found[1] + 1000, "hooked_" + found[2], found[3]

        def makeRecord(self, *args: Any, **kwargs: Any) -> Any:
            calls.append(("makeRecord", len(args), sorted(kwargs), args[4], args[5]))
            record = super().makeRecord(*args, **kwargs)
            record.custom = "made"
            return record

        def _log(self, level: int, msg: Any, args: Any, **kwargs: Any) -> None:
            calls.append(("_log", level, msg, args, sorted(kwargs)))
            super()._log(level, msg, args, **kwargs)

        def handle(self, record: Any) -> None:
            calls.append(("handle", record.getMessage()))
            super().handle(record)

        def callHandlers(self, record: Any) -> None:
            calls.append(("callHandlers", record.levelname))
            super().callHandlers(record)

    return TracingLogger


def _call_the_hooked_logger(logger: Any) -> None:
    logger.debug("not enabled")
    logger.info("info %s", 1)  # enabled by the overridden isEnabledFor only
    logger.warning("extra", extra={"who": "me"})
    logger.log(35, "log")
    logger.error("stack", stack_info=True, stacklevel=1)
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("boom")


def test_logger_subclass_hooks_are_called_like_the_stdlib() -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[Any] = []
        klass = _tracing_logger_class(m, calls)
        m.setLoggerClass(klass)
        logger = m.getLogger("hooks.logger")
        m.setLoggerClass(m.Logger)
        handler = support.stream_handler(
            m, "%(levelname)s %(message)s %(custom)s %(funcName)s %(lineno)d"
        )
        support.isolated_logger(m, "hooks.logger", handler, level=m.WARNING)
        _call_the_hooked_logger(logger)
        output = [line for line in handler.stream.getvalue().splitlines() if "%" not in line]
        return (
            type(logger).__name__,
            m.getLoggerClass() is m.Logger,
            type(m.getLogger("hooks.other")).__name__,
            calls,
            [line for line in output if not line.startswith(("Traceback", "  ", "Stack"))],
        )

    result = assert_same(scenario)
    assert result[0] == "TracingLogger" and result[2] == "Logger"
    assert ("handle", "info 1") in result[3]


def test_set_logger_class() -> None:
    def scenario(m: ModuleType) -> Any:
        class Mine(m.Logger):  # type: ignore[name-defined,misc]
            pass

        m.setLoggerClass(Mine)
        made = m.getLogger("klass.made")
        placeholder_child = m.getLogger("klass.deep.child")
        m.setLoggerClass(m.Logger)
        filled = m.getLogger("klass.deep")
        errors = [support.outcome(lambda m: m.setLoggerClass(int), m)]
        errors.append(support.outcome(lambda m: m.setLoggerClass(m.Handler), m))
        m.Logger.manager.setLoggerClass(Mine)
        by_manager = m.getLogger("klass.manager")
        m.Logger.manager.loggerClass = None
        return (
            type(made).__name__,
            type(placeholder_child).__name__,
            type(filled).__name__,
            errors,
            type(by_manager).__name__,
            m.getLoggerClass() is m.Logger,
        )

    assert assert_same(scenario)[0] == "Mine"


def test_logger_pickles_by_name() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("pickled.one")
        clone = pickle.loads(pickle.dumps(logger))
        root = pickle.loads(pickle.dumps(m.root))
        detached = m.Logger("pickled.detached")
        return clone is logger, root is m.root, support.outcome(lambda _: pickle.dumps(detached), m)

    result = assert_same(scenario)
    assert result[:2] == (True, True)


# --------------------------------------------------------------------------
# disable, lastResort, raiseExceptions, flags


def test_disable() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT)
        logger = support.isolated_logger(m, "disable", handler)
        seen = []
        for level in (m.INFO, "WARNING", None, m.NOTSET):
            if level is None:
                m.disable()
            else:
                m.disable(level)
            seen.append((m.root.manager.disable, logger.isEnabledFor(m.ERROR)))
            for method in ("debug", "info", "warning", "error", "critical"):
                getattr(logger, method)(f"{method} {level}")
        return seen, handler.stream.getvalue()

    seen, output = assert_same(scenario)
    assert seen[0] == (20, True) and "info" not in output.split("\n")[0]


def test_last_resort() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("resort.child")
        with support.captured_stderr() as err:
            logger.info("not shown")
            logger.warning("shown %s", 1)
            m.lastResort.setLevel(m.ERROR)
            logger.warning("not shown")
            logger.error("shown too")
        resort = m.lastResort
        return (
            err.getvalue(),
            type(resort).__name__,
            resort is m._defaultLastResort,
            resort.level,
            resort.stream is sys.stderr,
        )

    assert assert_same(scenario)[0] == "shown 1\nshown too\n"


def test_no_last_resort() -> None:
    def scenario(m: ModuleType) -> Any:
        m.lastResort = None
        results = []
        for raise_exceptions in (True, False):
            m.raiseExceptions = raise_exceptions
            m.root.manager.emittedNoHandlerWarning = False
            with support.captured_stderr() as err:
                m.getLogger("resort.none").warning("one")
                m.getLogger("resort.none2").error("two")
            results.append((err.getvalue(), m.root.manager.emittedNoHandlerWarning))
        return results

    assert "No handlers could be found" in assert_same(scenario)[0][0]


def test_custom_last_resort() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, "resort:" + FMT)
        m.lastResort = handler
        m.getLogger("resort.custom").warning("to the custom one")
        m.getLogger("resort.custom").debug("below the handler? no: handler level 0")
        return handler.stream.getvalue()

    assert assert_same(scenario).startswith("resort:WARNING")


@pytest.mark.parametrize("flag", ["logThreads", "logProcesses", "logMultiprocessing"])
def test_record_flags(flag: str) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.list_handler(m)
        text = support.stream_handler(m, "%(thread)s %(threadName)s %(process)s %(processName)s")
        logger = support.isolated_logger(m, "flags", handler, text)
        setattr(m, flag, False)
        logger.warning("off")
        setattr(m, flag, True)
        logger.warning("on")
        off, on = handler.records
        keys = ("thread", "threadName", "process", "processName")
        return (
            [getattr(off, k) for k in keys],
            [getattr(on, k) for k in keys],
            text.stream.getvalue(),
        )

    assert None in assert_same(scenario)[0]


def test_src_file_none_skips_the_caller_lookup() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.list_handler(m)
        text = support.stream_handler(
            m, "%(pathname)s %(filename)s %(module)s %(lineno)d %(funcName)s %(message)s"
        )
        logger = support.isolated_logger(m, "srcfile", handler, text)
        m._srcfile = None
        logger.warning("no caller", stack_info=True)
        record = handler.records[0]
        return (
            record.pathname,
            record.lineno,
            record.funcName,
            record.stack_info,
            (text.stream.getvalue()),
        )

    assert assert_same(scenario)[:3] == ("(unknown file)", 0, "(unknown function)")


# --------------------------------------------------------------------------
# Module-level functions


MODULE_FUNCTIONS: list[tuple[str, tuple[Any, ...]]] = [
    ("debug", ()),
    ("info", ()),
    ("warning", ()),
    ("warn", ()),
    ("error", ()),
    ("exception", ()),
    ("critical", ()),
    ("fatal", ()),
    ("log", (45,)),
]


@pytest.mark.parametrize(("function", "prefix"), MODULE_FUNCTIONS)
def test_module_functions_call_basic_config(function: str, prefix: tuple[Any, ...]) -> None:
    def scenario(m: ModuleType) -> Any:
        with support.captured_stderr() as err, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                raise ValueError("active")
            except ValueError:
                getattr(m, function)(*prefix, "module %s", "level")
            m.root.setLevel(m.DEBUG)
            getattr(m, function)(*prefix, "again")
        handlers = m.root.handlers
        return (
            err.getvalue(),
            [(type(h).__name__, h.stream is err, h.formatter._fmt) for h in handlers],
            [(w.category.__name__, str(w.message), w.lineno) for w in caught],
        )

    result = assert_same(scenario)
    assert result[1] == [("StreamHandler", True, STD.BASIC_FORMAT)]


def test_module_functions_use_an_existing_root_handler() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, FMT + "|%(funcName)s")
        m.root.addHandler(handler)
        m.warning("w")
        m.error("e %d", 1)
        return handler.stream.getvalue(), len(m.root.handlers)

    assert assert_same(scenario)[1] == 1


def test_module_functions_honour_a_replaced_basic_config(monkeypatch: pytest.MonkeyPatch) -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[dict[str, Any]] = []
        monkeypatch.setattr(m, "basicConfig", lambda **kwargs: calls.append(kwargs))
        with support.captured_stderr() as err:
            m.warning("no handler: lastResort")
        monkeypatch.undo()
        return calls, err.getvalue()

    assert assert_same(scenario)[0] == [{}]


# --------------------------------------------------------------------------
# shutdown


def _recording_handler(
    m: ModuleType, name: str, calls: list[str], failure: list[Any] | None = None
) -> Any:
    """A handler that records its calls; flush() raises `failure[0]()` if set."""

    class Recording(m.Handler):  # type: ignore[name-defined,misc]
        def emit(self, record: Any) -> None:
            calls.append(f"{name}.emit")

        def flush(self) -> None:
            calls.append(f"{name}.flush")
            if failure and failure[0] is not None:
                raise failure[0](name)

        def close(self) -> None:
            calls.append(f"{name}.close")
            super().close()

        def acquire(self) -> None:
            calls.append(f"{name}.acquire")
            super().acquire()

        def release(self) -> None:
            calls.append(f"{name}.release")
            super().release()

    return Recording()


@pytest.mark.parametrize("error", [None, OSError, ValueError, RuntimeError])
@pytest.mark.parametrize("raise_exceptions", [True, False])
def test_shutdown_flushes_and_closes_newest_first(error: Any, raise_exceptions: bool) -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[str] = []
        failure = [error]
        first = _recording_handler(m, "first", calls)
        second = _recording_handler(m, "second", calls, failure)
        third = _recording_handler(m, "third", calls)
        m.raiseExceptions = raise_exceptions
        result = support.outcome(
            lambda m: m.shutdown([weakref.ref(first), weakref.ref(second), weakref.ref(third)]), m
        )
        failure[0] = None  # the handler may outlive the test; let atexit's shutdown pass
        return calls, result, first._closed, third._closed

    assert_same(scenario)


def test_shutdown_honours_flush_on_close_from_3_12() -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[str] = []
        handler = _recording_handler(m, "quiet", calls)
        handler.flushOnClose = False
        m.shutdown([weakref.ref(handler)])
        return calls

    assert "quiet.close" in assert_same(scenario)


def test_shutdown_at_exit_writes_every_record(tmp_path: Path) -> None:
    outputs = []
    for module in ("logging", "femtologging"):
        path = tmp_path / f"{module}.log"
        code = f"""
            import {module} as logging
            handler = logging.FileHandler({str(path)!r})
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
            logger = logging.getLogger("atexit")
            logger.addHandler(handler)
            logger.propagate = False
            for index in range(2000):
                logger.warning("line %d", index)
            logging.basicConfig(filename={str(tmp_path / (module + ".basic"))!r})
            logging.error("basic")
        """
        result = support.run_python(code, tmp_path)
        assert result.returncode == 0, result.stderr
        outputs.append(
            (result.stderr, path.read_text(), (tmp_path / (module + ".basic")).read_text())
        )
    assert outputs[1] == outputs[0]
    assert outputs[0][1].count("\n") == 2000


# --------------------------------------------------------------------------
# captureWarnings


def _capture_scenario(m: ModuleType) -> Any:
    handler = support.list_handler(m)
    text = support.stream_handler(m, "%(name)s|%(levelname)s|%(message)s")
    shown: list[Any] = []

    def showwarning(*args: Any) -> None:
        shown.append((str(args[0]), args[1].__name__, args[2], args[3], args[4] is not None))

    warnings.showwarning = showwarning
    original = warnings.showwarning
    m.captureWarnings(True)
    replaced = warnings.showwarning is not original
    logger = m.getLogger("py.warnings")
    had_handlers = list(logger.handlers)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn_explicit("first", UserWarning, "origin.py", 7)
        auto_handlers = [type(h).__name__ for h in logger.handlers]
        logger.addHandler(handler)
        logger.addHandler(text)
        warnings.warn_explicit("second", DeprecationWarning, "origin.py", 8)
        warnings.showwarning("to a file", UserWarning, "origin.py", 9, file=io.StringIO())
    m.captureWarnings(True)
    m.captureWarnings(False)
    restored = warnings.showwarning is original
    return (
        replaced,
        had_handlers,
        auto_handlers,
        [(r.name, r.levelname, r.getMessage()) for r in handler.records],
        text.stream.getvalue(),
        shown,
        restored,
    )


def test_capture_warnings_routes_warnings_to_py_warnings() -> None:
    result = assert_same(_capture_scenario)
    assert result[2] == ["NullHandler"] and result[-1] is True


def test_captured_warning_record_msg_and_args() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.list_handler(m)
        logger = m.getLogger("py.warnings")
        logger.addHandler(handler)
        m.captureWarnings(True)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn_explicit("grouped", UserWarning, "origin.py", 7)
        m.captureWarnings(False)
        return [(r.msg, r.args) for r in handler.records]

    assert_same(scenario)


# --------------------------------------------------------------------------
# currentframe


def _frame_names(m: ModuleType) -> Any:
    def inner() -> Any:
        frame = m.currentframe()
        return frame.f_code.co_name if frame is not None else None

    def outer() -> Any:
        return inner()

    def outermost() -> Any:
        return outer()

    return outermost()


def test_currentframe() -> None:
    assert_same(_frame_names)


def test_logger_repr() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("repr.me")
        reprs = [repr(logger), repr(m.root)]
        logger.setLevel(25)
        reprs.append(repr(logger))
        m.addLevelName(25, "MIDDLE")
        reprs.append(repr(logger))
        return reprs

    assert assert_same(scenario)[0] == "<Logger repr.me (WARNING)>"


# --------------------------------------------------------------------------
# Module attributes


#: Names of the stdlib module that code in the wild reads, beyond __all__.
PRIVATE_NAMES = [
    "_lock",
    "_handlers",
    "_handlerList",
    "_levelToName",
    "_nameToLevel",
    "_srcfile",
    "_startTime",
    "_defaultFormatter",
    "_defaultLastResort",
    "_checkLevel",
    "_STYLES",
    "_logRecordFactory",
    "_loggerClass",
    "_warnings_showwarning",
    "_showwarning",
    "_addHandlerRef",
    "_removeHandlerRef",
    "_StderrHandler",
    "_is_internal_frame",
    "_str_formatter",
    "_register_at_fork_reinit_lock",
    "_at_fork_reinit_lock_weakset",
    "_after_at_fork_child_reinit_locks",
    "_acquireLock",
    "_releaseLock",
    "_prepareFork",
    "_afterFork",
    "Filterer",
    "PlaceHolder",
    "Manager",
    "RootLogger",
    "PercentStyle",
    "StrFormatStyle",
    "StringTemplateStyle",
    "currentframe",
    "BASIC_FORMAT",
    "lastResort",
    "raiseExceptions",
    "logThreads",
    "logProcesses",
    "logMultiprocessing",
    "logAsyncioTasks",
    "root",
]


def test_private_module_attributes_exist() -> None:
    missing = [n for n in PRIVATE_NAMES if hasattr(STD, n) and not hasattr(FEM, n)]
    assert missing == []


def test_public_module_attributes_exist() -> None:
    missing = [n for n in dir(STD) if not n.startswith("_") and not hasattr(FEM, n)]
    dunders = [
        n
        for n in ("__version__", "__author__", "__date__", "__status__")
        if hasattr(STD, n) and not hasattr(FEM, n)
    ]
    assert missing + dunders == []


def test_logger_class_attribute_is_live() -> None:
    def scenario(m: ModuleType) -> Any:
        class Mine(m.Logger):  # type: ignore[name-defined,misc]
            pass

        m.setLoggerClass(Mine)
        return getattr(m, "_loggerClass", None) is Mine

    assert_same(scenario)
