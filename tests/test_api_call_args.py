"""Differential tests: the arguments of a logging call (`*args` with %
formatting, exc_info, stack_info, stacklevel, extra) and the caller
information of records; stdlib `logging` vs femtologging.

Both libraries log from the same source lines: every scenario receives the
module to test as a parameter, so pathname/lineno/funcName must be equal.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import functools
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same

CALLER_FMT = "%(pathname)s|%(filename)s|%(module)s|%(lineno)d|%(funcName)s|%(message)s"


def _logger(m: ModuleType, name: str, fmt: str = CALLER_FMT) -> tuple[Any, Any, Any]:
    """A logger with a record-keeping handler and a text handler."""
    records = support.list_handler(m)
    text = support.stream_handler(m, fmt)
    return support.isolated_logger(m, name, records, text), records, text


def _caller(record: Any) -> tuple[Any, ...]:
    return (record.pathname, record.filename, record.module, record.lineno, record.funcName)


# --------------------------------------------------------------------------
# % formatting


class _Box:
    def __str__(self) -> str:
        return "boxed %s"

    def __repr__(self) -> str:
        return "<Box>"


class _FrozenMapping(Mapping[str, Any]):
    def __init__(self, **items: Any) -> None:
        self._items = items

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


FORMAT_CASES: list[tuple[Any, tuple[Any, ...]]] = [
    ("plain", ()),
    ("100% sure", ()),
    ("a %s b %d", ("x", 2)),
    ("%(key)s is %(num)05.1f", ({"key": "k", "num": 3.14159},)),
    ("%(a)s", (collections.OrderedDict(a=1),)),
    ("%(a)s", (types.MappingProxyType({"a": "proxy"}),)),
    ("%(a)s", (_FrozenMapping(a="custom mapping"),)),
    ("%s", ({},)),
    ("%s and %s", ({"a": 1}, 2)),
    ("%s", ((1, 2),)),
    ("%r %a", ("é", "é")),
    ("%x %o %e %c %%", (255, 8, 1.5, 65)),
    ("%-10s|%10s|", ("left", "right")),
    ("%(a)s %%", ({"a": 1},)),
    (42, ()),
    (_Box(), ("inside",)),
    (b"bytes %s", ()),
    ({"a": 1}, ()),
    (None, ()),
    ("%d", ("not a number",)),
    ("%s %s", (1,)),
    ("%s", (1, 2)),
    ("%(a)s", ({},)),
    ("x", (None,)),
]


@pytest.mark.parametrize(("msg", "args"), FORMAT_CASES, ids=repr)
def test_percent_formatting(msg: Any, args: tuple[Any, ...]) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.format", "%(message)s|%(args)r|%(msg)r")
        with support.captured_stderr() as err:
            logger.warning(msg, *args)
        record = records.records[0]
        return (
            text.stream.getvalue(),
            support.outcome(lambda _: record.getMessage(), m),
            record.args,
            support.strip_library_frames(err.getvalue()),
        )

    assert_same(scenario)


class _StrSub(str):
    def __str__(self) -> str:
        return "from __str__"

    def __format__(self, spec: str) -> str:
        return "from __format__"


class _IntSub(int):
    def __str__(self) -> str:
        return "int __str__"

    def __repr__(self) -> str:
        return "int __repr__"

    def __index__(self) -> int:
        return 7


class _FloatSub(float):
    def __str__(self) -> str:
        return "float __str__"

    def __repr__(self) -> str:
        return "float __repr__"


class _IntLevel(enum.IntEnum):
    A = 25


class _StrEnum(str, enum.Enum):
    X = "x"


#: One argument of each kind, through each conversion: the fast path formats a
#: lone str/int/float argument without a tuple.
LONE_ARGUMENTS: list[tuple[str, Any]] = [
    ("%s", _StrSub("raw")),
    ("%r", _StrSub("raw")),
    ("%5s|", _StrSub("raw")),
    ("%s", _IntSub(3)),
    ("%d", _IntSub(3)),
    ("%x", _IntSub(3)),
    ("%r", _IntSub(3)),
    ("%s", _FloatSub(1.5)),
    ("%f", _FloatSub(1.5)),
    ("%r", _FloatSub(1.5)),
    ("%s", True),
    ("%d", True),
    ("%r", True),
    ("%s", _IntLevel.A),
    ("%d", _IntLevel.A),
    ("%r", _IntLevel.A),
    ("%s", _StrEnum.X),
    ("%r", _StrEnum.X),
    ("%d", 3.7),
    ("%c", 65),
    ("%c", "ab"),
    ("%x", 1.5),
    ("%d", "s"),
    ("%s %s", "one"),
    ("%(a)s", "s"),
    ("%%", 1),
    ("%5.2f", 3),
    ("%s", 10**30),
    ("%d", 10**30),
    ("%e", 1e300),
    ("%g", float("nan")),
    ("%s", float("-inf")),
    ("%i", -0.0),
    ("%s", -0.0),
    ("%.3s", "abcdef"),
    ("%-8s|", "ab"),
    ("%08.3f", -1.5),
    ("%+d", 5),
    ("% d", 5),
    ("%#x", 255),
    ("%#o", 8),
    ("%X", 255),
    ("%E", 1.5),
    ("%G", 1e-10),
    ("%a", "é"),
    ("%u", 5),
    ("%*d", 5),
    ("%s", "\udcff"),
    ("%c", 0x110000),
    ("%c", -1),
    ("%o", -8),
    ("%.0f", 0.5),
    ("%.0f", 1.5),
    ("%.1f", 0.05),
    ("%s", 1e16),
    ("%s", 1e-5),
    ("%s", 123456789012345678.0),
    ("%s", ""),
    ("%s", None),
]


@pytest.mark.parametrize(("msg", "arg"), LONE_ARGUMENTS, ids=repr)
def test_one_argument(msg: str, arg: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.lone", "%(message)s")
        with support.captured_stderr() as err:
            logger.warning(msg, arg)
        return text.stream.getvalue(), support.strip_library_frames(err.getvalue())

    assert_same(scenario)


# --------------------------------------------------------------------------
# exc_info


def _raise_value_error() -> None:
    raise ValueError("bad value")


def _exc_info_cases() -> list[str]:
    return [
        "true_in_except",
        "true_outside",
        "instance",
        "instance_no_tb",
        "tuple",
        "false",
        "zero",
        "class",
        "one_in_except",
        "chained",
    ]


def _log_with_exc_info(logger: Any, case: str) -> None:
    if case == "true_outside":
        logger.error("no active exception", exc_info=True)
    elif case == "instance_no_tb":
        logger.error("fresh instance", exc_info=KeyError("never raised"))
    elif case == "false":
        logger.error("false", exc_info=False)
    else:
        try:
            try:
                _raise_value_error()
            except ValueError as inner:
                if case != "chained":
                    raise
                raise RuntimeError("outer") from inner
        except Exception as error:
            value: Any = {
                "true_in_except": True,
                "instance": error,
                "tuple": (type(error), error, error.__traceback__),
                "zero": 0,
                "class": ValueError,
                "one_in_except": 1,
                "chained": True,
            }[case]
            logger.error("with %s", case, exc_info=value)


@pytest.mark.parametrize("case", _exc_info_cases())
def test_exc_info(case: str) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.exc", "%(levelname)s %(message)s")
        _log_with_exc_info(logger, case)
        record = records.records[0]
        return text.stream.getvalue(), support.exc_info_view(record.exc_info), record.exc_text

    assert_same(scenario)


def test_exc_text_is_cached_on_the_record() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.cache", "%(message)s")
        second = support.stream_handler(m, "second %(message)s")
        logger.addHandler(second)
        try:
            _raise_value_error()
        except ValueError:
            logger.exception("once")
        record = records.records[0]
        return record.exc_text, text.stream.getvalue(), second.stream.getvalue()

    exc_text, first, second = assert_same(scenario)
    assert exc_text is not None and exc_text in first and exc_text in second


# --------------------------------------------------------------------------
# stack_info and stacklevel


def _emit(logger: Any, method: str, **kwargs: Any) -> None:
    if method == "log":
        logger.log(30, "stacked", **kwargs)
    elif method == "exception":
        logger.exception("stacked", **kwargs)
    else:
        getattr(logger, method)("stacked", **kwargs)


def _helper_one(logger: Any, method: str, **kwargs: Any) -> None:
    _emit(logger, method, **kwargs)


def _helper_two(logger: Any, method: str, **kwargs: Any) -> None:
    _helper_one(logger, method, **kwargs)


def _helper_three(logger: Any, method: str, **kwargs: Any) -> None:
    _helper_two(logger, method, **kwargs)


def _stacklevel_cases() -> list[Any]:
    cases = []
    for via in ["logger", "logger.log", "logger.exception", "adapter", "adapter.log", "module"]:
        for stacklevel in [None, -1, 0, 1, 2, 3, 4, 500]:
            for stack_info in [False, True]:
                cases.append(pytest.param(via, stacklevel, stack_info))
    return cases


@pytest.mark.parametrize(("via", "stacklevel", "stack_info"), _stacklevel_cases())
def test_stacklevel_and_stack_info(via: str, stacklevel: int | None, stack_info: bool) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.stack")
        target: Any = logger
        method = "warning"
        if via.startswith("adapter"):
            target = m.LoggerAdapter(logger, {"ctx": 1})
        if via == "module":
            target = m
            m.root.handlers[:] = [records]
        if via.endswith(".log"):
            method = "log"
        if via.endswith(".exception"):
            method = "exception"
        kwargs: dict[str, Any] = {"stack_info": stack_info}
        if stacklevel is not None:
            kwargs["stacklevel"] = stacklevel
        _helper_three(target, method, **kwargs)
        record = records.records[0]
        caller = _caller(record)
        if support.is_library_path(record.pathname):
            # stacklevel <= 0 names the library's own findCaller: its file and
            # line differ legitimately between the two libraries.
            caller = ("<library>", record.funcName)
        stack = record.stack_info and support.strip_library_frames(record.stack_info)
        return caller, stack, support.strip_library_frames(text.stream.getvalue().split("|")[-1])

    caller, stack, _ = assert_same(scenario)
    if stacklevel in (None, 1):
        assert caller[4] == "_emit"
    assert (stack is not None) == stack_info


def test_stack_info_text() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.stacktext", "%(message)s")
        _helper_one(logger, "info", stack_info=True)
        return records.records[0].stack_info, text.stream.getvalue()

    stack, output = assert_same(scenario)
    assert stack.startswith("Stack (most recent call last):\n") and stack in output


# --------------------------------------------------------------------------
# extra

RECORD_KEYS = [
    "name",
    "msg",
    "args",
    "levelname",
    "levelno",
    "pathname",
    "filename",
    "module",
    "exc_info",
    "exc_text",
    "stack_info",
    "lineno",
    "funcName",
    "created",
    "msecs",
    "relativeCreated",
    "thread",
    "threadName",
    "processName",
    "process",
    "message",
    "asctime",
]
if sys.version_info >= (3, 12):
    RECORD_KEYS.append("taskName")


@pytest.mark.parametrize("key", RECORD_KEYS)
def test_extra_cannot_overwrite_record_attributes(key: str) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _logger(m, "args.extra")
        result = support.outcome(lambda _: logger.warning("x", extra={"fine": 1, key: "v"}), m)
        return result, len(records.records)

    result, emitted = assert_same(scenario)
    assert result.type_name == "KeyError" and emitted == 0


@pytest.mark.parametrize(
    "extra",
    [None, {}, {"user": "ann", "ip": "10.0.0.1"}, {1: "int key"}, {"taskname": "lower"}],
    ids=repr,
)
def test_extra_values_reach_the_record(extra: Any) -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _logger(m, "args.extra.ok")
        text = support.stream_handler(m, "%(message)s %(user)s", defaults={"user": "-"})
        logger.addHandler(text)
        logger.warning("hello", extra=extra)
        return support.record_view(records.records[0]), text.stream.getvalue()

    assert_same(scenario)


def test_unknown_keyword_arguments() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _logger(m, "args.kw")
        return (
            support.outcome(lambda _: logger.warning("x", colour="red"), m),
            support.outcome(lambda _: logger.warning(), m),
            support.outcome(lambda _: logger.log(msg="x", level=30), m),
            len(records.records),
        )

    assert_same(scenario)


# --------------------------------------------------------------------------
# Caller information


class _Service:
    def method(self, logger: Any) -> None:
        logger.warning("from a method")

    @staticmethod
    def static(logger: Any) -> None:
        logger.warning("from a staticmethod")

    @property
    def prop(self) -> None:
        self._logger.warning("from a property")
        return None


def _decorated(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args[0].warning("from the wrapper")
        return function(*args, **kwargs)

    return wrapper


@_decorated
def _wrapped(logger: Any) -> None:
    logger.warning("from the wrapped function")


def _generator(logger: Any) -> Iterator[int]:
    logger.warning("from a generator")
    yield 1


def _call_sites(logger: Any) -> None:
    logger.warning("direct")

    def nested() -> None:
        logger.warning("nested")

    nested()
    (lambda: logger.warning("lambda"))()
    _Service().method(logger)
    _Service.static(logger)
    service = _Service()
    service._logger = logger  # type: ignore[attr-defined]
    _ = service.prop
    _wrapped(logger)
    list(_generator(logger))
    [logger.warning("comprehension") for _ in range(1)]
    namespace = {"logger": logger}
    exec(compile("logger.warning('exec')\n", "/virtual/dir/generated_mod.py", "exec"), namespace)
    exec(compile("logger.warning('string')", "<string>", "exec"), namespace)
    # Called from C code: the Python frame below is the caller.
    list(map(logger.warning, ["via map"]))
    functools.partial(logger.warning, "via partial")()
    sorted([1], key=lambda _: logger.warning("via a key function"))
    worker = threading.Thread(target=logger.warning, args=("as a thread target",))
    worker.start()
    worker.join()

    class _Body:
        logger.warning("in a class body")

    @contextlib.contextmanager
    def managed() -> Iterator[None]:
        logger.warning("entering")
        yield

    with managed():
        pass


def test_caller_information() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, text = _logger(m, "args.caller")
        _call_sites(logger)
        return [_caller(record) for record in records.records], text.stream.getvalue()

    callers, _ = assert_same(scenario)
    assert callers[0][0] == __file__ and callers[0][4] == "_call_sites"
    assert ("/virtual/dir/generated_mod.py", "generated_mod.py", "generated_mod") == callers[10][:3]


def test_caller_information_through_module_functions_and_adapters() -> None:
    def scenario(m: ModuleType) -> Any:
        logger, records, _ = _logger(m, "args.caller2")
        m.root.addHandler(records)
        m.warning("module function")
        m.log(30, "module log")
        try:
            _raise_value_error()
        except ValueError:
            m.exception("module exception")
        adapter = m.LoggerAdapter(logger, None)
        adapter.warning("adapter")
        adapter.log(30, "adapter log")
        m.LoggerAdapter(adapter, None).warning("adapter of adapter")
        return [_caller(record) for record in records.records]

    callers = assert_same(scenario)
    assert {caller[4] for caller in callers} == {"scenario"}
