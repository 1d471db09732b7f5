"""Differential tests: LoggerAdapter; stdlib `logging` vs femtologging."""

from __future__ import annotations

import sys
import warnings
from collections.abc import MutableMapping
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

HAS_MERGE_EXTRA = sys.version_info >= (3, 13)
FMT = "%(levelname)s|%(name)s|%(message)s|%(ctx)s|%(funcName)s|%(lineno)d"


def _adapter_and_logger(m: ModuleType, extra: Any = None, **kwargs: Any) -> tuple[Any, Any, Any]:
    records = support.list_handler(m)
    text = support.stream_handler(m, FMT, defaults={"ctx": "-"})
    logger = support.isolated_logger(m, "adapt", records, text)
    return m.LoggerAdapter(logger, extra, **kwargs), records, text


ADAPTER_METHODS: list[tuple[str, tuple[Any, ...]]] = [
    ("debug", ()),
    ("info", ()),
    ("warning", ()),
    ("warn", ()),
    ("error", ()),
    ("exception", ()),
    ("critical", ()),
    ("log", (33,)),
]


@pytest.mark.parametrize(("method", "prefix"), ADAPTER_METHODS)
@pytest.mark.parametrize("level", [1, 20, 40])
def test_adapter_methods(method: str, prefix: tuple[Any, ...], level: int) -> None:
    def scenario(m: ModuleType) -> Any:
        adapter, records, text = _adapter_and_logger(m, {"ctx": "request-1"})
        adapter.setLevel(level)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                raise LookupError("adapted")
            except LookupError:
                getattr(adapter, method)(*prefix, "msg %s", "arg", stack_info=False)
        return (
            text.stream.getvalue(),
            [support.record_view(r) for r in records.records],
            [(w.category.__name__, str(w.message), w.lineno) for w in caught],
        )

    assert_same(scenario)


def test_adapter_delegation() -> None:
    def scenario(m: ModuleType) -> Any:
        adapter, _, _ = _adapter_and_logger(m, {"ctx": 1})
        logger = adapter.logger
        results = [
            adapter.name,
            adapter.manager is logger.manager,
            adapter.isEnabledFor(m.DEBUG),
            adapter.getEffectiveLevel(),
            adapter.hasHandlers(),
            repr(adapter),
            adapter.extra,
        ]
        adapter.setLevel("ERROR")
        results += [logger.level, adapter.isEnabledFor(m.WARNING), repr(adapter)]
        logger.disabled = True
        results.append(adapter.isEnabledFor(m.CRITICAL))
        logger.disabled = False
        fresh = m.getLogger("adapt.nohandlers")
        fresh.propagate = False
        results.append(m.LoggerAdapter(fresh).hasHandlers())
        manager = m.Logger.manager
        adapter.manager = manager
        results.append(logger.manager is manager)
        return results

    assert assert_same(scenario)[0] == "adapt"


def test_adapter_process_and_subclass() -> None:
    def scenario(m: ModuleType) -> Any:
        class Prefixing(m.LoggerAdapter):  # type: ignore[name-defined,misc]
            def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> Any:
                msg, kwargs = super().process(msg, kwargs)
                return f"[{self.extra['ctx']}] {msg}", kwargs

        adapter, records, text = _adapter_and_logger(m, {"ctx": "c1"})
        prefixed = Prefixing(adapter.logger, {"ctx": "c2"})
        prefixed.warning("hello %s", "there")
        adapter.warning("overridden", extra={"ctx": "ignored"})
        direct = m.LoggerAdapter(adapter.logger, {"ctx": 3}).process("m", {"exc_info": 1})
        no_extra = m.LoggerAdapter(adapter.logger).process("m", {"extra": {"a": 1}})
        return text.stream.getvalue(), direct, no_extra

    assert "[c2] hello there|c2" in assert_same(scenario)[0]


@pytest.mark.skipif(not HAS_MERGE_EXTRA, reason="merge_extra is 3.13+")
@pytest.mark.parametrize("merge", [True, False])
def test_merge_extra(merge: bool) -> None:
    def scenario(m: ModuleType) -> Any:
        adapter, records, text = _adapter_and_logger(m, {"ctx": "base", "a": 1}, merge_extra=merge)
        adapter.warning("call extra", extra={"ctx": "call", "b": 2})
        adapter.warning("no call extra")
        record = records.records[0]
        return (
            text.stream.getvalue(),
            getattr(record, "a", None),
            getattr(record, "b", None),
            adapter.merge_extra,
        )

    assert_same(scenario)


@pytest.mark.skipif(HAS_MERGE_EXTRA, reason="merge_extra exists from 3.13 on")
def test_merge_extra_is_rejected_before_3_13() -> None:
    def scenario(m: ModuleType) -> Any:
        logger = m.getLogger("adapt.merge")
        return support.outcome(lambda _: m.LoggerAdapter(logger, {}, merge_extra=True), m)

    assert_same(scenario)


def test_adapter_of_an_adapter() -> None:
    def scenario(m: ModuleType) -> Any:
        inner, records, text = _adapter_and_logger(m, {"ctx": "inner"})
        outer = m.LoggerAdapter(inner, {"ctx": "outer"})
        outer.warning("nested")
        outer.log(45, "nested log")
        return text.stream.getvalue(), outer.name, repr(outer)

    assert "nested" in assert_same(scenario)[0]


def test_adapter_private_log() -> None:
    def scenario(m: ModuleType) -> Any:
        adapter, records, text = _adapter_and_logger(m, {"ctx": "p"})
        adapter._log(30, "private %s", ("call",), extra={"ctx": "given"})
        adapter._log(30, "private stack", (), stack_info=True)
        return text.stream.getvalue().split("\n")[0], records.records[1].stack_info is not None

    assert assert_same(scenario)[0].startswith("WARNING|adapt|private call|given")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="LoggerAdapter[...] is 3.11+")
def test_adapter_is_generic() -> None:
    assert_same(lambda m: repr(m.LoggerAdapter[m.Logger]).replace(m.__name__, "<module>"))
