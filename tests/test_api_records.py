"""Differential tests: LogRecord attributes, getMessage, makeLogRecord and the
record factory hooks; stdlib `logging` vs femtologging."""

from __future__ import annotations

import asyncio
import pickle
import sys
import threading
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

HAS_TASK_NAME = sys.version_info >= (3, 12)
ALL_ATTRIBUTES = (
    "%(name)s|%(msg)s|%(args)s|%(levelname)s|%(levelno)s|%(pathname)s|%(filename)s|"
    "%(module)s|%(exc_info)s|%(exc_text)s|%(stack_info)s|%(lineno)d|%(funcName)s|"
    "%(thread)d|%(threadName)s|%(processName)s|%(process)d|%(message)s"
    + ("|%(taskName)s" if HAS_TASK_NAME else "")
)


def _capture(m: ModuleType, name: str = "records") -> tuple[Any, Any, Any]:
    records = support.list_handler(m)
    text = support.stream_handler(m, ALL_ATTRIBUTES)
    return support.isolated_logger(m, name, records, text), records, text


def test_every_record_attribute() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _capture(m)
        logger.warning("hello %s", "world")
        logger.error("mapping %(a)s", {"a": 1})
        try:
            raise OSError(2, "No such file")
        except OSError:
            logger.exception("failed")
        logger.info("stack", stack_info=True)
        for record in records.records:
            support.check_record_times(m, record)
        output = support.mask_addresses(text.stream.getvalue())
        return [support.record_view(r) for r in records.records], output

    views, _ = assert_same(scenario)
    keys = [key for key, _ in views[0]]
    assert keys[:5] == ["name", "msg", "args", "levelname", "levelno"]


def test_record_times_are_increasing_and_relative_to_import() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _capture(m)
        for index in range(50):
            logger.warning("tick %d", index)
        created = [r.created for r in records.records]
        relative = [r.relativeCreated for r in records.records]
        for record in records.records:
            support.check_record_times(m, record)
        return (
            created == sorted(created),
            relative == sorted(relative),
            type(m._startTime).__name__,
        )

    assert assert_same(scenario)[:2] == (True, True)


def test_record_in_a_named_thread() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _capture(m)
        worker = threading.Thread(target=lambda: logger.warning("threaded"), name="Worker-7")
        worker.start()
        worker.join()
        record = records.records[0]
        return record.threadName, record.thread == worker.ident, record.processName

    assert assert_same(scenario) == ("Worker-7", True, "MainProcess")


@pytest.mark.skipif(not HAS_TASK_NAME, reason="taskName is 3.12+")
@pytest.mark.parametrize("log_tasks", [True, False])
def test_task_name(log_tasks: bool) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _capture(m)
        m.logAsyncioTasks = log_tasks

        async def job() -> None:
            logger.warning("in task")

        async def main() -> None:
            # Unnamed tasks are numbered by a process-wide counter: name this one.
            task = asyncio.current_task()
            assert task is not None
            task.set_name("the-main")
            logger.warning("in main")
            await asyncio.create_task(job(), name="the-job")

        asyncio.run(main())
        logger.warning("outside")
        return [r.taskName for r in records.records], text.stream.getvalue().count("the-job")

    names, _ = assert_same(scenario)
    assert names[2] is None


MESSAGES: list[tuple[Any, Any]] = [
    ("plain", ()),
    ("%s-%s", (1, 2)),
    ("%(x)s", {"x": "mapped"}),
    (7, ()),
    ("%s", [1, 2]),
    ("%s", "s"),
    ("no args %s", None),
    ("%d", ("bad",)),
]


@pytest.mark.parametrize(("msg", "args"), MESSAGES, ids=repr)
def test_get_message(msg: Any, args: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.LogRecord("n", 20, "/p/mod.py", 3, msg, args, None)
        return support.outcome(lambda _: record.getMessage(), m), record.args

    assert_same(scenario)


@pytest.mark.parametrize(
    "pathname", ["/abs/path/mod.py", "rel/pkg/thing.pyc", "noext", "", None, 42], ids=repr
)
def test_log_record_constructor(pathname: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.LogRecord(
            "ctor", 25, pathname, 9, "m %s", ({"k": 1},), None, "fn", "sinfo", extra_kw=1
        )
        support.check_record_times(m, record)
        return support.record_view(record)

    assert_same(scenario)


def test_single_mapping_argument_rules() -> None:
    def scenario(m: ModuleType) -> Any:
        def args_of(*args: Any) -> Any:
            return m.LogRecord("a", 20, "p", 1, "m", args, None).args

        return [args_of({"a": 1}), args_of({}), args_of({"a": 1}, 2), args_of(), args_of([1])]

    assert_same(scenario)


def test_log_record_repr() -> None:
    def scenario(m: ModuleType) -> Any:
        return [
            repr(m.LogRecord("r", 20, "/p/mod.py", 3, "hi %s", (1,), None)),
            repr(m.LogRecord("r", 20, "/p/mod.py", 3, 42, (), None)),
        ]

    assert_same(scenario)


def test_make_log_record() -> None:
    def scenario(m: ModuleType) -> Any:
        empty = m.makeLogRecord({})
        filled = m.makeLogRecord(
            {
                "name": "made",
                "msg": "x=%s",
                "args": (5,),
                "levelno": 40,
                "levelname": "ERROR",
                "custom": [1],
                "created": 1_700_000_000.5,
            }
        )
        handler = support.stream_handler(m, "%(levelname)s %(name)s %(message)s %(custom)s")
        handler.handle(filled)
        return (
            support.record_view(empty),
            support.record_view(filled),
            filled.created,
            filled.getMessage(),
            handler.stream.getvalue(),
            type(empty).__name__,
        )

    assert assert_same(scenario)[4] == "ERROR made x=5 [1]\n"


def test_records_pickle_like_the_stdlib() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _capture(m)
        logger.warning("pickled %s", "args")
        record = records.records[0]
        copy = pickle.loads(pickle.dumps(record))
        return support.record_view(copy) == support.record_view(record), type(copy).__name__

    assert assert_same(scenario)[0] is True


def test_record_factory_hooks() -> None:
    def scenario(m: ModuleType) -> Any:
        old = m.getLogRecordFactory()
        calls: list[Any] = []

        def factory(*args: Any, **kwargs: Any) -> Any:
            calls.append((args[0], args[1], args[4], args[5], len(args), sorted(kwargs)))
            record = old(*args, **kwargs)
            record.request_id = "req-1"
            return record

        m.setLogRecordFactory(factory)
        logger, records, _ = _capture(m)
        text = support.stream_handler(m, "%(request_id)s %(message)s")
        logger.addHandler(text)
        logger.warning("made by %s", "factory")
        made = m.makeLogRecord({"msg": "direct"})
        current = m.getLogRecordFactory() is factory
        m.setLogRecordFactory(old)
        logger.warning("plain")
        return (
            calls,
            text.stream.getvalue(),
            made.request_id,
            current,
            m.getLogRecordFactory() is m.LogRecord,
            hasattr(records.records[-1], "request_id"),
        )

    result = assert_same(scenario)
    assert result[1].startswith("req-1 made by factory\n")


def test_record_factory_returning_a_subclass() -> None:
    def scenario(m: ModuleType) -> Any:
        class Custom(m.LogRecord):  # type: ignore[name-defined,misc]
            def getMessage(self) -> str:
                return "custom:" + super().getMessage()

        m.setLogRecordFactory(Custom)
        logger, records, text = _capture(m)
        logger.warning("x %d", 1)
        return type(records.records[0]).__name__, text.stream.getvalue().split("|")[-1]

    assert assert_same(scenario)[0] == "Custom"
