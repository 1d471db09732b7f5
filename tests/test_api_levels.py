"""Differential tests: level constants, name tables, level arguments, the
module lock and the handler registries, stdlib `logging` vs femtologging."""

from __future__ import annotations

import enum
import sys
import threading
import weakref
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same
Raised = support.Raised

LEVEL_CONSTANTS = ("CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "INFO", "DEBUG", "NOTSET")


@pytest.mark.parametrize("name", LEVEL_CONSTANTS)
def test_level_constants(name: str) -> None:
    assert getattr(FEM, name) == getattr(STD, name)
    assert type(getattr(FEM, name)) is type(getattr(STD, name))


def test_trace_is_a_femtologging_level() -> None:
    assert FEM.TRACE == 5
    assert FEM.getLevelName(5) == "TRACE"
    assert FEM.getLevelName("TRACE") == 5
    assert FEM.getLevelNamesMapping()["TRACE"] == 5
    assert not hasattr(STD, "TRACE")
    logger = support.isolated_logger(FEM, "levels.trace", level=FEM.TRACE)
    handler = support.stream_handler(FEM, "%(levelname)s %(levelno)d %(message)s")
    logger.addHandler(handler)
    logger.log(FEM.TRACE, "fine %d", 1)
    logger.setLevel(FEM.DEBUG)
    logger.log(FEM.TRACE, "hidden")
    assert handler.stream.getvalue() == "TRACE 5 fine 1\n"


def _std_tables_without_trace(module: ModuleType) -> tuple[dict[Any, Any], dict[Any, Any]]:
    to_name = {k: v for k, v in module._levelToName.items() if v != "TRACE"}
    to_level = {k: v for k, v in module._nameToLevel.items() if k != "TRACE"}
    return to_name, to_level


def test_level_tables_match_apart_from_trace() -> None:
    assert _std_tables_without_trace(FEM) == _std_tables_without_trace(STD)
    assert type(FEM._levelToName) is dict and type(FEM._nameToLevel) is dict


@pytest.mark.parametrize(
    "value",
    [
        50,
        40,
        30,
        20,
        10,
        0,
        25,
        99,
        -1,
        "CRITICAL",
        "FATAL",
        "ERROR",
        "WARN",
        "WARNING",
        "INFO",
        "DEBUG",
        "NOTSET",
        "info",
        "NOPE",
        "",
        None,
        10.0,
        True,
        (1, 2),
    ],
    ids=repr,
)
def test_get_level_name(value: Any) -> None:
    result = assert_same(lambda m: m.getLevelName(value))
    assert result is not None


@pytest.mark.skipif(sys.version_info < (3, 11), reason="getLevelNamesMapping is 3.11+")
def test_get_level_names_mapping_is_a_copy() -> None:
    def scenario(m: ModuleType) -> Any:
        mapping = m.getLevelNamesMapping()
        mapping["BOGUS"] = 1
        mapping.pop("TRACE", None)
        return type(mapping).__name__, mapping, "BOGUS" in m.getLevelNamesMapping()

    assert_same(scenario)


def test_add_level_name_both_directions_and_in_output() -> None:
    def scenario(m: ModuleType) -> Any:
        m.addLevelName(25, "NOTICE")
        m.addLevelName(m.INFO, "INFORMATION")
        handler = support.stream_handler(m, "%(levelname)s:%(levelno)s:%(message)s")
        logger = support.isolated_logger(m, "levels.custom", handler)
        logger.log(25, "notice")
        logger.info("info")
        logger.setLevel("NOTICE")
        logger.log(24, "hidden")
        logger.log(m.getLevelName("NOTICE"), "by name")
        mapping = m.getLevelNamesMapping() if hasattr(STD, "getLevelNamesMapping") else {}
        return (
            m.getLevelName(25),
            m.getLevelName("NOTICE"),
            m.getLevelName(20),
            m.getLevelName("INFORMATION"),
            m.getLevelName("INFO"),
            mapping.get("NOTICE"),
            logger.level,
            handler.stream.getvalue(),
        )

    result = assert_same(scenario)
    assert "NOTICE:25:notice" in result[-1]


def test_the_private_tables_are_live() -> None:
    def scenario(m: ModuleType) -> Any:
        m._levelToName[33] = "THIRTY-THREE"
        m._nameToLevel["THIRTY-FOUR"] = 34
        handler = support.stream_handler(m, "%(levelname)s %(message)s")
        logger = support.isolated_logger(m, "levels.live", handler)
        logger.log(33, "a")
        logger.setLevel("THIRTY-FOUR")
        logger.log(33, "hidden")
        logger.log(34, "b")
        return m.getLevelName(33), m.getLevelName("THIRTY-FOUR"), handler.stream.getvalue()

    assert assert_same(scenario)[2] == "THIRTY-THREE a\nLevel 34 b\n"


LEVEL_ARGUMENTS = ["INFO", "WARN", 15, "info", "NOPE", None, 1.5, [1], b"INFO", "", 0]


@pytest.mark.parametrize("level", LEVEL_ARGUMENTS, ids=repr)
@pytest.mark.parametrize(
    "target",
    ["Logger.setLevel", "Handler.setLevel", "Handler()", "Logger()", "disable", "manager.disable"],
)
def test_levels_as_ints_or_names(target: str, level: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        try:
            if target == "Logger.setLevel":
                logger = m.getLogger("levels.arg")
                logger.setLevel(level)
                return logger.level, logger.getEffectiveLevel()
            if target == "Handler.setLevel":
                handler = m.Handler()
                handler.setLevel(level)
                return handler.level
            if target == "Handler()":
                return m.Handler(level).level
            if target == "Logger()":
                return m.Logger("levels.direct", level).level
            if target == "disable":
                m.disable(level)
                return m.root.manager.disable
            m.root.manager.disable = level
            return m.root.manager.disable
        finally:
            m.disable(m.NOTSET)

    assert_same(scenario)


@pytest.mark.parametrize("level", ["INFO", 20.0, None])
def test_is_enabled_for_and_log_need_int_levels(level: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        logger = support.isolated_logger(m, "levels.int", support.list_handler(m))
        results = [support.outcome(lambda _: logger.log(level, "x"), m)]
        results.append(support.outcome(lambda _: logger.isEnabledFor(level), m))
        m.raiseExceptions = False
        results.append(support.outcome(lambda _: logger.log(level, "x"), m))
        results.append(len(logger.handlers[0].records))
        return results

    assert_same(scenario)


def test_check_level() -> None:
    for value in ("ERROR", 7, "nope", None):
        assert_same(lambda m, value=value: m._checkLevel(value))


def test_module_lock_is_a_reentrant_lock() -> None:
    def scenario(m: ModuleType) -> Any:
        lock = m._lock
        with lock:
            with lock:
                owned = lock._is_owned()
        return type(lock).__name__, owned, lock._is_owned()

    assert_same(scenario)


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="removed from the stdlib in 3.13")
def test_acquire_and_release_lock_take_the_module_lock() -> None:
    def scenario(m: ModuleType) -> Any:
        m._acquireLock()
        try:
            held = m._lock._is_owned()
        finally:
            m._releaseLock()
        return held, m._lock._is_owned()

    assert assert_same(scenario) == (True, False)


@pytest.mark.parametrize("lib", support.LIBS, ids=support.LIB_IDS)
@pytest.mark.parametrize(
    "operation",
    ["getLogger", "addLevelName", "Handler.name", "setLevel"],
)
def test_the_module_lock_guards_the_tables(lib: ModuleType, operation: str) -> None:
    """While another thread holds `_lock`, configuration calls wait for it.

    A call that finishes while the lock is held does not use it. (If this
    machine is so slow that the call takes longer than the wait, the test
    passes without having proved anything; it never fails spuriously.)
    """
    holding = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with lib._lock:
            holding.set()
            release.wait(30)

    def operate() -> None:
        if operation == "getLogger":
            lib.getLogger("levels.locked.child")
        elif operation == "addLevelName":
            lib.addLevelName(41, "LOCKED")
        elif operation == "Handler.name":
            lib.Handler().name = "levels-locked-handler"
        else:
            lib.getLogger("levels.locked").setLevel(lib.INFO)

    lib.getLogger("levels.locked")
    owner = threading.Thread(target=holder)
    owner.start()
    assert holding.wait(30)
    worker = threading.Thread(target=operate)
    worker.start()
    worker.join(0.5)
    blocked = worker.is_alive()
    release.set()
    owner.join(30)
    worker.join(30)
    assert not worker.is_alive()
    assert blocked, f"{operation} did not wait for {lib.__name__}._lock"


def test_handlers_registry_is_live() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.Handler()
        in_list = any(ref() is handler for ref in m._handlerList)
        handler.name = "levels-registry"
        named = m._handlers.get("levels-registry") is handler
        handler.name = "levels-renamed"
        renamed = ("levels-registry" in m._handlers, m._handlers.get("levels-renamed") is handler)
        handler.close()
        closed = "levels-renamed" in m._handlers
        reference = weakref.ref(handler)
        del handler
        return (
            in_list,
            named,
            renamed,
            closed,
            reference() is None,
            type(m._handlers).__name__,
            type(m._handlerList).__name__,
        )

    assert assert_same(scenario)[:4] == (True, True, (False, True), False)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="getHandlerByName is 3.12+")
def test_get_handler_by_name_and_names() -> None:
    def scenario(m: ModuleType) -> Any:
        first = m.StreamHandler()
        first.set_name("levels-first")
        second = m.NullHandler()
        second.name = "levels-second"
        names = m.getHandlerNames()
        found = m.getHandlerByName("levels-first") is first, m.getHandlerByName("missing")
        second.close()
        return (
            type(names).__name__,
            sorted(n for n in names if n.startswith("levels-")),
            found,
            "levels-second" in m.getHandlerNames(),
        )

    assert_same(scenario)


def test_public_names_include_the_stdlib_ones() -> None:
    missing = [name for name in STD.__all__ if not hasattr(FEM, name)]
    assert missing == []
    assert set(STD.__all__) <= set(FEM.__all__)


class _Level(enum.IntEnum):
    NOTICE = 25
    INFO2 = 20


@pytest.mark.parametrize("level", [_Level.NOTICE, _Level.INFO2, True], ids=repr)
def test_level_objects_are_kept(level: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, "%(levelname)s|%(levelno)s|%(levelno)r|%(message)s")
        logger = support.isolated_logger(m, "levels.objects", handler)
        logger.log(level, "object level")
        return handler.stream.getvalue()

    assert "object level" in assert_same(scenario)


@pytest.mark.parametrize("level", [_Level.NOTICE, True], ids=repr)
def test_level_objects_reach_python_handlers(level: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        records = support.list_handler(m)
        logger = support.isolated_logger(m, "levels.objects.py", records)
        logger.log(level, "object level")
        record = records.records[0]
        return record.levelno, type(record.levelno).__name__, record.levelname

    assert_same(scenario)
