"""Differential tests: Filter name-prefix semantics, callables and objects as
filters, and (3.12+) filters that return a replacement record; stdlib
`logging` vs femtologging."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

RECORDS_RETURNED = sys.version_info >= (3, 12)

NAMES = ["", "a", "a.b", "a.b.c", "a.bc", "a.b.c.d", "ab", "b", "a.", ".a", "A.b"]


@pytest.mark.parametrize("filter_name", ["", "a", "a.b", "a.b.c", "b", "a."])
def test_filter_name_prefix(filter_name: str) -> None:
    def scenario(m: ModuleType) -> Any:
        filter_ = m.Filter(filter_name)
        results = []
        for name in NAMES:
            record = m.makeLogRecord({"name": name})
            results.append((name, support.outcome(lambda _, r=record: filter_.filter(r), m)))
        return filter_.name, filter_.nlen, results

    assert_same(scenario)


def test_filter_default_name() -> None:
    assert_same(
        lambda m: (m.Filter().name, m.Filter().nlen, m.Filter().filter(m.makeLogRecord({})))
    )


def test_filters_on_loggers_and_handlers() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, "%(name)s %(message)s")
        logger = support.isolated_logger(m, "flt", handler)
        child = m.getLogger("flt.child")
        other = m.getLogger("flt.other")
        handler.addFilter(m.Filter("flt.child"))
        logger.warning("parent: dropped by the handler filter")
        child.warning("child: passes")
        other.warning("other: dropped")
        logger.addFilter(lambda record: "secret" not in record.getMessage())
        logger.warning("secret: dropped by the logger filter")
        child.warning("secret: logger filters do not apply to propagated records")

        class Object:
            def filter(self, record: Any) -> bool:
                return record.levelno >= 40

        handler.addFilter(Object())
        child.warning("warning: dropped by the object")
        child.error("error: passes")
        return handler.stream.getvalue()

    assert assert_same(scenario).count("\n") == 3


@pytest.mark.parametrize("verdict", [True, False, 1, 0, "", "yes", None, [], [0]], ids=repr)
def test_filter_return_values(verdict: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.list_handler(m)
        handler.addFilter(lambda record: verdict)
        logger = support.isolated_logger(m, "flt.verdict", handler)
        logger.warning("x")
        record = m.makeLogRecord({})
        logger_verdict = logger.filter(record)
        handler_verdict = handler.handle(record)
        return (
            len(handler.records),
            type(logger_verdict).__name__,
            logger_verdict is record,
            handler_verdict is record,
            handler_verdict if not isinstance(handler_verdict, (m.LogRecord, bool)) else None,
        )

    assert_same(scenario)


def test_filterer_return_values_without_filters() -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.makeLogRecord({})
        filterer = m.Filterer()
        verdict = filterer.filter(record)
        handled = m.NullHandler().handle(record)
        return type(verdict).__name__, verdict is record, handled

    assert_same(scenario)


def test_filter_that_modifies_the_record_in_place() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m, "%(levelname)s %(message)s %(tag)s")
        logger = support.isolated_logger(m, "flt.modify", handler)

        def tag(record: Any) -> bool:
            record.tag = "tagged"
            record.msg = "changed " + record.msg
            return True

        logger.addFilter(tag)
        logger.warning("hello %s", "you")
        return handler.stream.getvalue()

    assert assert_same(scenario) == "WARNING changed hello you tagged\n"


@pytest.mark.parametrize("where", ["logger", "handler"])
def test_filter_returning_a_replacement_record(where: str) -> None:
    def scenario(m: ModuleType) -> Any:
        records = support.list_handler(m)
        text = support.stream_handler(m, "%(name)s %(message)s")
        logger = support.isolated_logger(m, "flt.replace", records, text)

        def replace(record: Any) -> Any:
            copy = m.makeLogRecord(record.__dict__)
            copy.msg = "replaced " + record.msg
            return copy

        target = logger if where == "logger" else records
        target.addFilter(replace)
        logger.warning("original")
        record = records.records[0]
        return record.getMessage(), text.stream.getvalue()

    message, output = assert_same(scenario)
    if RECORDS_RETURNED:
        assert message == "replaced original"
        assert output == (
            "flt.replace replaced original\n" if where == "logger" else ("flt.replace original\n")
        )
    else:
        assert message == "original"


def test_add_and_remove_filters() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = m.Handler()
        one = m.Filter("x")
        handler.addFilter(one)
        handler.addFilter(one)
        handler.addFilter(m.Filter("x"))
        count = len(handler.filters)
        handler.removeFilter(m.Filter("y"))
        handler.removeFilter(one)
        return count, len(handler.filters), type(handler.filters).__name__

    assert assert_same(scenario)[0] == 2


def test_non_callable_filter_raises() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.list_handler(m)
        handler.addFilter(42)
        logger = support.isolated_logger(m, "flt.bad", handler)
        return support.outcome(lambda _: logger.warning("x"), m)

    assert assert_same(scenario).type_name == "TypeError"


def test_filter_attribute_that_is_not_callable() -> None:
    def scenario(m: ModuleType) -> Any:
        class Odd:
            filter = None

        handler = m.Handler()
        handler.addFilter(Odd())
        return support.outcome(lambda _: handler.filter(m.makeLogRecord({})), m)

    assert assert_same(scenario).type_name == "TypeError"
