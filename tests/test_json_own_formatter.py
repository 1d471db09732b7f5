"""femtologging.json.JsonFormatter, differentially: the same records are
formatted by it and by python-json-logger's `pythonjsonlogger.json.JsonFormatter`
built with the same arguments, and the strings must be equal.

Records come from four sources: the stdlib's and femtologging's loggers
(called under a frozen clock) and their `makeLogRecord`. Configuration by
dotted name runs in fresh interpreters, one per library. python-json-logger
is only the reference here: femtologging.json must import without it.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import decimal
import enum
import inspect
import json
import logging
import os
import pathlib
import subprocess
import sys
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import femtologging
from femtologging import json as femto_json

pjl_json = pytest.importorskip("pythonjsonlogger.json")
pjl_core = pytest.importorskip("pythonjsonlogger.core")

LOGGER_NAME = "femtologging.tests.json_own"
# 2023-11-14 22:13:20.25 UTC; the ns value is written out, a float would round.
FROZEN_SECONDS = 1_700_000_000.25
FROZEN_NS = 1_700_000_000_250_000_000
PY312 = sys.version_info >= (3, 12)


@contextmanager
def frozen_clock() -> Iterator[None]:
    with (
        patch("time.time", return_value=FROZEN_SECONDS),
        patch("time.time_ns", return_value=FROZEN_NS),
    ):
        yield


def caught_exc_info() -> Any:
    """A real exc_info triple, with a chained cause and a traceback."""
    try:
        try:
            {}["missing"]
        except KeyError as error:
            raise ValueError('bad value: "quoted" é \U0001f600') from error
    except ValueError:
        return sys.exc_info()


EXC_INFO = caught_exc_info()
STACK_TEXT = (
    "Stack (most recent call last):\n"
    '  File "app.py", line 3, in <module>\n'
    "    main()\x0bvertical tab\u2028line separator\r\n"
    '  File "app.py", line 1, in main\n'
)


# Records ----------------------------------------------------------------------

RecordMaker = Callable[..., Any]


def _capturing(library: Any) -> Any:
    class Capture(library.Handler):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.records: list[Any] = []

        def emit(self, record: Any) -> None:
            self.records.append(record)

    return Capture()


def _logged_with(library: Any) -> RecordMaker:
    def make(
        msg: Any = "hello %s",
        *args: Any,
        extra: dict[str, Any] | None = None,
        exc: bool = False,
        stack: bool = False,
    ) -> Any:
        if not args and msg == "hello %s":
            args = ("world",)
        logger = library.getLogger(LOGGER_NAME)
        handler = _capturing(library)
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(library.DEBUG)
        try:
            with frozen_clock():
                if exc:
                    try:
                        raise EXC_INFO[1]
                    except ValueError:
                        logger.error(msg, *args, extra=extra, exc_info=True, stack_info=stack)
                else:
                    logger.info(msg, *args, extra=extra, stack_info=stack)
        finally:
            logger.removeHandler(handler)
        (record,) = handler.records
        return record

    return make


def _made_with(library: Any) -> RecordMaker:
    def make(
        msg: Any = "hello %s",
        *args: Any,
        extra: dict[str, Any] | None = None,
        exc: bool = False,
        stack: bool = False,
    ) -> Any:
        if not args and msg == "hello %s":
            args = ("world",)
        if len(args) == 1 and isinstance(args[0], dict):
            args = args[0]  # as the record's constructor unwraps a mapping
        attributes: dict[str, Any] = {
            "name": LOGGER_NAME,
            "msg": msg,
            "args": args,
            "levelname": "ERROR" if exc else "INFO",
            "levelno": 40 if exc else 20,
            "pathname": "/srv/app/module.py",
            "filename": "module.py",
            "module": "module",
            "lineno": 42,
            "funcName": "handle",
        }
        if exc:
            attributes["exc_info"] = EXC_INFO
        if stack:
            attributes["stack_info"] = STACK_TEXT
        attributes.update(extra or {})
        with frozen_clock():
            return library.makeLogRecord(attributes)

    return make


SOURCES = {
    "stdlib-logger": _logged_with(logging),
    "femtologging-logger": _logged_with(femtologging),
    "stdlib-makeLogRecord": _made_with(logging),
    "femtologging-makeLogRecord": _made_with(femtologging),
}


@pytest.fixture(params=list(SOURCES))
def make_record(request: pytest.FixtureRequest) -> RecordMaker:
    return SOURCES[request.param]


def same_output(record: Any, *args: Any, **kwargs: Any) -> str:
    """Formats `record` with both formatters built from the same arguments;
    returns the (equal) text."""
    expected = pjl_json.JsonFormatter(*args, **kwargs).format(record)
    ours = femto_json.JsonFormatter(*args, **kwargs)
    assert ours.format(record) == expected
    # Formatting leaves nothing behind that changes the next line.
    assert ours.format(record) == expected
    return expected


def outcome(factory: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("ok", factory())
    except Exception as error:
        return ("error", type(error), str(error))


# The constructor ------------------------------------------------------------


def test_the_constructor_takes_the_same_parameters() -> None:
    base = list(inspect.signature(pjl_core.BaseJsonFormatter.__init__).parameters.values())
    extra = inspect.signature(pjl_json.JsonFormatter.__init__).parameters.values()
    expected = base + [p for p in extra if p.kind is inspect.Parameter.KEYWORD_ONLY]
    ours = list(inspect.signature(femto_json.JsonFormatter.__init__).parameters.values())
    assert [(p.name, p.kind, p.default) for p in ours] == [
        (p.name, p.kind, p.default) for p in expected
    ]


def test_the_methods_have_the_same_signatures() -> None:
    for name in (
        "format",
        "parse",
        "add_fields",
        "process_log_record",
        "jsonify_log_record",
        "serialize_log_record",
        "formatException",
        "formatStack",
        "formatTime",
    ):
        ours = inspect.signature(getattr(femto_json.JsonFormatter, name))
        theirs = inspect.signature(getattr(pjl_json.JsonFormatter, name))
        assert list(ours.parameters) == list(theirs.parameters), name
    assert issubclass(femto_json.JsonFormatter, femtologging.Formatter)
    assert issubclass(femto_json.JsonEncoder, json.JSONEncoder)
    assert callable(femto_json.JsonEncoder().format_datetime_obj)


ATTRIBUTES = (
    "prefix",
    "rename_fields",
    "static_fields",
    "rename_fields_keep_missing",
    "reserved_attrs",
    "timestamp",
    "defaults",
    "exc_info_as_array",
    "stack_info_as_array",
    "json_default",
    "json_serializer",
    "json_indent",
    "json_ensure_ascii",
    "datefmt",
    "_required_fields",
    "_skip_fields",
    "_fmt",
)

CONFIGURATIONS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((), {}),
    (("%(asctime)s %(levelname)s %(message)s", "%H:%M"), {}),
    (("{levelname} {message}", None, "{"), {"timestamp": "@ts"}),
    (("${levelname} $message", None, "$"), {"reserved_attrs": ["msg"]}),
    (("levelname, message", None, ","), {"rename_fields": {"levelname": "level"}}),
    ((["name", "message"],), {"static_fields": {"app": "x"}, "defaults": {"env": "prod"}}),
    ((("name",), None, "bogus"), {"json_indent": 2, "json_ensure_ascii": False}),
    ((None, None, "custom", False), {"prefix": "> ", "exc_info_as_array": True}),
    (("%(message)s",), {"json_default": str, "stack_info_as_array": True}),
    (("%(message)s",), {"json_encoder": json.JSONEncoder, "rename_fields_keep_missing": True}),
]


@pytest.mark.parametrize(("args", "kwargs"), CONFIGURATIONS)
def test_the_attributes_are_the_same(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours = femto_json.JsonFormatter(*args, **kwargs)
    theirs = pjl_json.JsonFormatter(*args, **kwargs)
    for name in ATTRIBUTES:
        assert getattr(ours, name) == getattr(theirs, name), name
    if isinstance(theirs._style, str):
        assert ours._style == theirs._style
    else:
        assert type(ours._style).__name__ == type(theirs._style).__name__
        assert ours._style._fmt == theirs._style._fmt
    if theirs.json_encoder is pjl_json.JsonEncoder:
        assert ours.json_encoder is femto_json.JsonEncoder
    else:
        assert ours.json_encoder is theirs.json_encoder
    # Mappings are copied, `defaults` is kept as given.
    if "rename_fields" in kwargs:
        assert ours.rename_fields is not kwargs["rename_fields"]
    if "defaults" in kwargs:
        assert ours.defaults is kwargs["defaults"]


def test_reserved_attrs_are_the_record_attributes() -> None:
    assert isinstance(femto_json.RESERVED_ATTRS, list)
    assert set(femto_json.RESERVED_ATTRS) == set(pjl_core.RESERVED_ATTRS)
    assert ("taskName" in femto_json.RESERVED_ATTRS) is PY312
    for library in (logging, femtologging):
        attributes = set(vars(library.makeLogRecord({})))
        assert set(femto_json.RESERVED_ATTRS) == attributes | {"message", "asctime"}
    assert femto_json.JsonFormatter().reserved_attrs == set(femto_json.RESERVED_ATTRS)


class Unhashable(str):
    __hash__ = None  # type: ignore[assignment]


BAD_CONSTRUCTIONS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("%(message)s", None, "x"), {}),
    (("%(message)s", None, "x", False), {}),
    (("no fields here",), {}),
    (("%(message)",), {}),
    (("{message!x}", None, "{"), {}),
    (("{message:%%}", None, "{"), {}),
    (("{}", None, "{"), {}),
    (("no fields", None, "{"), {}),
    (("$", None, "$"), {}),
    (("cost: $5", None, "$"), {}),
    (("plain", None, "$"), {}),
    ((5,), {}),
    ((object(),), {}),
    (("%(message)s", None, ["%"]), {}),
    ((), {"rename_fields": [("levelname", "level")]}),
    ((), {"static_fields": 5}),
    ((), {"reserved_attrs": 5}),
    ((), {"reserved_attrs": [["list"]]}),
    ((5,), {"rename_fields": 5}),
    ((), {"no_such_option": 1}),
]


@pytest.mark.parametrize(("args", "kwargs"), BAD_CONSTRUCTIONS)
def test_bad_arguments_raise_the_same_errors(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    theirs = outcome(lambda: pjl_json.JsonFormatter(*args, **kwargs))
    ours = outcome(lambda: femto_json.JsonFormatter(*args, **kwargs))
    assert theirs[0] == "error"
    assert ours[:2] == theirs[:2]
    if "no_such_option" in kwargs:
        # Named after the class whose __init__ rejects it: theirs is a base.
        assert ours[2].endswith("got an unexpected keyword argument 'no_such_option'")
    else:
        assert ours[2] == theirs[2]


def test_a_custom_style_is_accepted_without_validation() -> None:
    record = _made_with(femtologging)()
    same_output(record, None, None, "custom", False)
    same_output(record, "a,b", None, ",", True)
    with pytest.raises(ValueError, match="Style 'custom' is not supported"):
        femto_json.JsonFormatter("%(message)s", None, "custom", False)
    formatter = femto_json.JsonFormatter(["message"])
    with pytest.raises(RuntimeError, match="Must not call parse when fmt is a sequence"):
        formatter.parse()


# Fields -------------------------------------------------------------------------

FORMATS: list[tuple[Any, ...]] = [
    (None,),
    (None, None, "{"),
    (None, None, "$"),
    (None, None, ","),
    ("",),
    ("%(levelname)s %(name)s %(message)s",),
    ("%(asctime)s %(message)s %(asctime)s %(missing)s",),
    ("%(message)-10s %(lineno)05d %%(escaped)s %(created)f %(levelno)r",),
    ("%(funcName)s %(module)s %(filename)s %(pathname)s %(exc_info)s %(stack_info)s",),
    ("%(process)d %(thread)d %(msecs)d %(relativeCreated)d %(args)s %(msg)s",),
    ("%(user)s %(message)s",),
    ("{levelname} {message!r} {created:.3f} {{literal}} {asctime}", None, "{"),
    ("{name}{name}{message}", None, "{"),
    ("${levelname} $message $$name ${missing} $asctime", None, "$"),
    ("$levelname$message", None, "$"),
    ("levelname, message,, name , asctime", None, ","),
    (["name", "message", "missing", "asctime"],),
    (("levelname", "levelname", "user"),),
    ([],),
    (b"ab",),
    ("%(message)s", None, "%", False),
    ("raw text %(message)", None, "%", False),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_pick_the_same_fields(make_record: RecordMaker, fmt: tuple[Any, ...]) -> None:
    record = make_record(extra={"user": "alice", "request_id": 7})
    same_output(record, *fmt)


@pytest.mark.parametrize("datefmt", [None, "%Y-%m-%dT%H:%M:%S%z", "%d/%b/%Y %j", ""])
def test_asctime_and_datefmt(make_record: RecordMaker, datefmt: str | None) -> None:
    record = make_record()
    text = same_output(record, "%(asctime)s %(message)s", datefmt)
    assert '"asctime"' in text
    same_output(record, "{asctime}", datefmt, "{")
    same_output(record, ["asctime", "message"], datefmt)


RENAMES: list[dict[str, Any]] = [
    {"rename_fields": {"levelname": "level", "message": "msg_text"}},
    # Two fields renamed onto one key: the first place, the last value.
    {"rename_fields": {"levelname": "message"}},
    {"rename_fields": {"user": "name", "request_id": "levelname"}},
    {"rename_fields": {"app": "message", "env": "user"}},
    {"rename_fields": {"timestamp": "@timestamp"}, "timestamp": True},
    {"rename_fields": {"missing": "gone", "absent": "levelname"}},
    {
        "rename_fields": {"missing": "gone", "absent": "levelname"},
        "rename_fields_keep_missing": True,
    },
    {"rename_fields": {"levelname": "level"}, "rename_fields_keep_missing": True},
    {"rename_fields": {"exc_info": "error", "stack_info": "stack"}},
    {"rename_fields": {"k": "user", "_private": "visible"}},
]


@pytest.mark.parametrize("options", RENAMES)
def test_rename_fields(make_record: RecordMaker, options: dict[str, Any]) -> None:
    extra = {"user": "alice", "request_id": 7, "_private": "hidden"}
    for record in (
        make_record(extra=extra),
        make_record(extra=extra, exc=True, stack=True),
        make_record({"k": "v", "message": "in dict"}, extra=extra),
    ):
        same_output(
            record,
            "%(levelname)s %(message)s",
            static_fields={"app": "svc", "user": "static"},
            defaults={"env": "prod", "levelname": "default"},
            **options,
        )


def test_static_fields_and_defaults(make_record: RecordMaker) -> None:
    record = make_record(extra={"user": "alice", "env": "from extra"})
    same_output(record, defaults={"env": "prod", "region": "eu"})
    same_output(record, static_fields={"user": "static", "version": [1, 2]})
    same_output(
        record,
        "%(message)s %(region)s",
        defaults={"region": "eu", "message": "default message"},
        static_fields={"region": "us", "message": "static message"},
    )
    # A mapping that is not a dict (read through keys and `[]`).
    same_output(record, static_fields=OrderedDict([("b", 1), ("a", 2)]))


@pytest.mark.parametrize(
    "reserved",
    [
        [],
        ["user"],
        ["message", "levelname"],
        ("name", "msg", "args", "created", "levelname"),
        [*pjl_core.RESERVED_ATTRS, "user"],
        ["taskName"],
    ],
)
def test_reserved_attrs(make_record: RecordMaker, reserved: list[str]) -> None:
    extra = {"user": "alice", "request_id": 7, "_private": 1}
    same_output(make_record(extra=extra), reserved_attrs=reserved)
    same_output(make_record(extra=extra), "%(levelname)s", reserved_attrs=reserved)
    # With nothing reserved the raw exc_info triple (a class, an exception,
    # a traceback) is written over the formatted text.
    text = same_output(make_record(exc=True, stack=True), reserved_attrs=reserved)
    if not reserved:
        assert '"exc_info": ["ValueError", "ValueError: bad value' in text


@pytest.mark.parametrize("timestamp", [True, False, "ts", "", 1, 0, "message"])
def test_timestamp(make_record: RecordMaker, timestamp: bool | str) -> None:
    record = make_record()
    text = same_output(record, "%(message)s", timestamp=timestamp)
    if timestamp:
        assert "2023-11-14T22:13:20.250000+00:00" in text
    same_output(record, timestamp=timestamp, rename_fields={"timestamp": "@t", "ts": "T"})


def test_timestamp_of_unusual_creation_times() -> None:
    for created in (0.0, 1e-7, 1_700_000_000.9999999, 4_102_444_800.5, -1.5):
        record = logging.makeLogRecord({"msg": "x", "created": created})
        same_output(record, timestamp=True)


# Exceptions and stacks -----------------------------------------------------------


@pytest.mark.parametrize("as_array", [False, True])
def test_exc_info_and_stack_info(make_record: RecordMaker, as_array: bool) -> None:
    record = make_record(exc=True, stack=True)
    text = same_output(record, exc_info_as_array=as_array, stack_info_as_array=as_array)
    assert "The above exception was the direct cause" in text
    assert '"stack_info"' in text
    same_output(
        record, "%(levelname)s %(exc_info)s", exc_info_as_array=as_array, stack_info_as_array=True
    )
    # exc_text set by an earlier formatter: the exception is formatted again.
    record.exc_text = "from an earlier formatter"
    same_output(record, exc_info_as_array=as_array)
    record.exc_info = None
    text = same_output(record, exc_info_as_array=as_array)
    assert "from an earlier formatter" in text


def test_exc_text_alone_and_empty_exc_info() -> None:
    for library in (logging, femtologging):
        same_output(library.makeLogRecord({"msg": "m", "exc_text": "line 1\nline 2"}))
        same_output(library.makeLogRecord({"msg": "m", "exc_info": (None, None, None)}))
        same_output(
            library.makeLogRecord({"msg": "m", "exc_info": (None, None, None)}),
            exc_info_as_array=True,
        )
        same_output(library.makeLogRecord({"msg": "m", "stack_info": ""}))
        same_output(library.makeLogRecord({"msg": "m", "exc_info": ()}))


def test_exception_groups() -> None:
    group_type = getattr(builtins, "ExceptionGroup", None)
    if group_type is None:
        pytest.skip("ExceptionGroup is Python 3.11+")
    try:
        raise group_type("several", [ValueError("one"), TypeError("two")])
    except group_type:
        info = sys.exc_info()
    for library in (logging, femtologging):
        record = library.makeLogRecord({"msg": "m", "exc_info": info, "group": info[1]})
        same_output(record)
        same_output(record, exc_info_as_array=True)


MESSAGE_DICTS: list[dict[Any, Any]] = [
    {},
    {"event": "login", "user": {"id": 1, "roles": ["a", "b"]}},
    {"exc_info": "my own exc", "stack_info": ["mine"]},
    {"exc_info": "", "stack_info": None},
    {"exc_info": 0, "k": 1},
    {"message": "explicit", "levelname": "NOPE", "_private": 1},
    {1: "int key", None: "none key", 2.5: "float", False: "bool"},
]


@pytest.mark.parametrize("message", MESSAGE_DICTS)
def test_dict_messages(make_record: RecordMaker, message: dict[Any, Any]) -> None:
    original = dict(message)
    for exc in (False, True):
        record = make_record(message, extra={"user": "alice"}, exc=exc, stack=exc)
        same_output(record)
        same_output(record, "%(levelname)s %(message)s", rename_fields={"event": "evt"})
        same_output(record, exc_info_as_array=True, stack_info_as_array=True)
    # The caller's dict is not changed.
    assert message == original


def test_dict_subclass_messages() -> None:
    for message in (OrderedDict([("b", 1), ("a", 2)]), _CountingDict(z=1)):
        for library in (logging, femtologging):
            same_output(library.makeLogRecord({"msg": message, "exc_info": EXC_INFO}))


class _CountingDict(dict):  # type: ignore[type-arg]
    def copy(self) -> dict[Any, Any]:
        return {**self, "copied": True}


# Values -------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Level(enum.IntEnum):
    LOW = 1


class Perm(enum.Flag):
    R = 4
    W = 2


class Nested(enum.Enum):
    INNER = Color.RED
    STAMP = datetime.date(2020, 1, 2)


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list[str]
    when: datetime.datetime
    inner: Any = None


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        return "<Unprintable>"


class Hopeless:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class NotAString:
    def __str__(self) -> Any:
        return 5

    def __repr__(self) -> str:
        return "NotAString()"


class Text(str):
    pass


class Number(float):
    pass


_TIMEZONE = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

VALUES: dict[str, Any] = {
    "datetime": datetime.datetime(2024, 2, 29, 23, 59, 59, 123456),
    "datetime_aware": datetime.datetime(2024, 1, 1, tzinfo=_TIMEZONE),
    "datetime_utc": datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.timezone.utc),
    "date": datetime.date(1999, 12, 31),
    "time": datetime.time(1, 2, 3, 4),
    "time_aware": datetime.time(1, 2, tzinfo=datetime.timezone.utc),
    "exception": ValueError("bad value"),
    "exception_without_args": KeyError(),
    "key_error": KeyError("k"),
    "exception_two_args": OSError(2, "No such file"),
    "exception_class": ValueError,
    "traceback": EXC_INFO[2],
    "enum_member": Color.RED,
    "enum_member_int_value": Color.BLUE,
    "enum_class": Color,
    "int_enum": Level.LOW,
    "int_enum_class": Level,
    "flag": Perm.R | Perm.W,
    "flag_class": Perm,
    "enum_of_enums": Nested.INNER,
    "enum_of_date": Nested.STAMP,
    "bytes": b"\x00\xfb\xff?>",
    "bytearray": bytearray(b"abc"),
    "empty_bytes": b"",
    "memoryview": memoryview(b"ab"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "dataclass": Point(1, 2.5, ["a"], datetime.datetime(2020, 1, 1), Point(0, 0, [], None)),
    "dataclass_class": Point,
    "class": dict,
    "custom_class": Unprintable,
    "set": {1},
    "frozenset": frozenset(),
    "complex": 1 + 2j,
    "decimal": decimal.Decimal("1.10"),
    "path": pathlib.PurePosixPath("/a/b"),
    "unprintable": Unprintable(),
    "hopeless": Hopeless(),
    "str_not_a_string": NotAString(),
    "nan": float("nan"),
    "inf": float("inf"),
    "minus_inf": float("-inf"),
    "negative_zero": -0.0,
    "float": 0.1,
    "float_subclass": Number(1.5),
    "big_int": 2**100,
    "bool": True,
    "none": None,
    "str_subclass": Text("text"),
    "controls": '\x00\x01\x1f\x7f\x80\x9f"\\/\b\f\n\r\t',
    "non_ascii": "é€\u2028\u2029\ufeff",
    "non_bmp": "\U0001f600\U00010000\U0010ffff",
    "lone_surrogates": "\ud800 \udfff",
    "tuple": (1, "a", (None,)),
    "nested": {"a": [1, (2, 3), {"b": None}], 5: "int key", None: "none", 1.5: "float key"},
    "list_of_specials": [uuid.UUID(int=0), b"x", datetime.date(2000, 1, 1), Color, Hopeless()],
}


@pytest.mark.parametrize("name", list(VALUES))
def test_extra_values(make_record: RecordMaker, name: str) -> None:
    record = make_record(extra={name: VALUES[name]})
    text = same_output(record)
    assert f'"{name}": ' in text
    same_output(record, json_ensure_ascii=False)
    same_output(record, json_indent=2)


def test_special_values_are_written_as_python_json_logger_writes_them() -> None:
    record = femtologging.makeLogRecord({"msg": "m", **VALUES})
    written = json.loads(same_output(record))
    assert written["datetime_aware"] == "2024-01-01T00:00:00+05:30"
    assert written["exception"] == "ValueError: bad value"
    assert written["exception_without_args"] == "KeyError: "
    assert written["enum_class"] == ["red", 2]
    assert written["bytes"] == "APv_Pz4="
    assert written["uuid"] == "12345678-1234-5678-1234-567812345678"
    assert written["dataclass_class"] == "Point"
    assert written["unprintable"] == "<Unprintable>"
    assert written["hopeless"] == "__could_not_encode__"
    assert written["str_not_a_string"] == "NotAString()"
    assert written["enum_of_enums"] == "red"
    assert written["traceback"].startswith('File "')


def test_unusual_keys_in_the_record_dict() -> None:
    for library in (logging, femtologging):
        record = library.makeLogRecord({"msg": "m", "_hidden": 1, "__dunder": 2})
        record.__dict__[3] = "int key"
        record.__dict__[None] = "none key"
        record.__dict__[Text("_sub")] = "private str subclass"
        text = same_output(record)
        assert '"3": "int key"' in text
        same_output(record, rename_fields={3: "three"})  # type: ignore[dict-item]


def test_messages_with_arguments(make_record: RecordMaker) -> None:
    same_output(make_record("%(a)s and %(b)d", {"a": "x", "b": 2}))
    same_output(make_record("%s %s", "é", b"\xff"))
    same_output(make_record(12345))
    same_output(make_record(["not", "a", "dict"]))
    same_output(make_record(Color.RED))


# JSON options and hooks ------------------------------------------------------------


@pytest.mark.parametrize("indent", [None, 0, 2, "\t", "--"])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("prefix", ["", "json: ", "\u00e9\n"])
def test_json_options(
    make_record: RecordMaker, indent: int | str | None, ensure_ascii: bool, prefix: str
) -> None:
    extra = {"text": VALUES["non_bmp"] + VALUES["controls"], "nested": VALUES["nested"]}
    same_output(
        make_record(extra=extra, exc=True),
        prefix=prefix,
        json_indent=indent,
        json_ensure_ascii=ensure_ascii,
        exc_info_as_array=True,
    )


class OwnEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return f"<{type(o).__name__}>"


def own_serializer(data: Any, **options: Any) -> str:
    # The default encoder is each library's own class: shown by name.
    shown = {name: getattr(value, "__name__", value) for name, value in options.items()}
    return repr(sorted(shown.items())) + json.dumps(data, default=repr)


@pytest.mark.parametrize(
    "options",
    [
        {"json_default": repr},
        {"json_encoder": OwnEncoder},
        {"json_default": repr, "json_encoder": OwnEncoder},
        {"json_serializer": own_serializer},
        {"json_encoder": None, "json_default": None},
    ],
)
def test_custom_json_callables(make_record: RecordMaker, options: dict[str, Any]) -> None:
    extra = {"uuid": VALUES["uuid"], "when": VALUES["date"], "blob": b"x"}
    text = same_output(make_record(extra=extra), **options)
    assert '"blob": ' in text


def test_a_custom_serializer_sees_the_same_options() -> None:
    # The default encoder is each library's own class: compare by name.
    seen: list[tuple[Any, ...]] = []

    def spy(data: Any, **options: Any) -> str:
        seen.append((data, {k: getattr(v, "__name__", v) for k, v in options.items()}))
        return "x"

    record = logging.makeLogRecord({"msg": "m", "user": 1})
    for formatter_class in (pjl_json.JsonFormatter, femto_json.JsonFormatter):
        formatter_class(json_serializer=spy, json_indent=3).format(record)
    assert seen[0] == seen[1]


class EncoderProbe:
    """Mixed into both encoders' subclasses."""

    def format_datetime_obj(self, o: Any) -> str:
        return "when:" + o.isoformat()


@pytest.mark.parametrize("name", list(VALUES))
def test_the_encoder_alone(name: str) -> None:
    value = VALUES[name]
    for options in ({}, {"indent": 1, "ensure_ascii": False}):
        results = [
            outcome(lambda cls=cls, options=options: json.dumps({"v": value}, cls=cls, **options))
            for cls in (pjl_json.JsonEncoder, femto_json.JsonEncoder)
        ]
        assert results[1] == results[0]

    class Theirs(EncoderProbe, pjl_json.JsonEncoder):
        pass

    class Ours(EncoderProbe, femto_json.JsonEncoder):
        pass

    assert json.dumps(value, cls=Ours) == json.dumps(value, cls=Theirs)


class Hooks:
    """Overrides of the documented hooks, mixed into both formatters."""

    def parse(self) -> list[str]:
        if self._style == "csv":  # type: ignore[attr-defined]
            return [name for name in self._fmt.split(";") if name]  # type: ignore[attr-defined]
        return super().parse()  # type: ignore[misc]

    def add_fields(self, log_data: dict[str, Any], record: Any, message_dict: Any) -> None:
        super().add_fields(log_data, record, message_dict)  # type: ignore[misc]
        log_data["added"] = sorted(self._required_fields)  # type: ignore[attr-defined]
        log_data.pop("r_levelname", None)

    def _get_rename(self, key: str) -> str:
        # Private, but overridden in the wild: not applied to `extra` keys.
        return "r_" + super()._get_rename(key)  # type: ignore[misc]

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {"wrapped": super().process_log_record(log_data)}  # type: ignore[misc]

    def formatException(self, ei: Any) -> Any:
        return ["custom", super().formatException(ei)]  # type: ignore[misc]

    def formatStack(self, stack_info: Any) -> Any:
        return {"stack": super().formatStack(stack_info)}  # type: ignore[misc]

    def jsonify_log_record(self, log_data: Any) -> str:
        return "[" + super().jsonify_log_record(log_data) + "]"  # type: ignore[misc]

    def serialize_log_record(self, log_data: Any) -> str:
        return super().serialize_log_record(log_data) + "!"  # type: ignore[misc]


class TheirHooks(Hooks, pjl_json.JsonFormatter):
    pass


class OurHooks(Hooks, femto_json.JsonFormatter):
    pass


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("%(levelname)s %(message)s",), {}),
        (("levelname;message;user", None, "csv", False), {"exc_info_as_array": True}),
        ((["message"],), {"prefix": "@", "stack_info_as_array": True}),
        (
            ("%(message)s",),
            {
                "rename_fields": {"user": "who", "message": "msg", "ts": "when"},
                "rename_fields_keep_missing": True,
                "defaults": {"d": 1},
                "static_fields": {"s": 2},
                "timestamp": "ts",
            },
        ),
    ],
)
def test_overridden_hooks(make_record: RecordMaker, args: Any, kwargs: dict[str, Any]) -> None:
    record = make_record(extra={"user": "alice"}, exc=True, stack=True)
    expected = TheirHooks(*args, **kwargs).format(record)
    assert OurHooks(*args, **kwargs).format(record) == expected
    assert expected.startswith(kwargs.get("prefix", "") + '[{"wrapped": ')


def test_changed_attributes_after_construction() -> None:
    record = femtologging.makeLogRecord({"msg": "m", "user": "alice"})
    formatters = [cls("%(message)s") for cls in (pjl_json.JsonFormatter, femto_json.JsonFormatter)]
    for formatter in formatters:
        formatter.prefix = "> "
        formatter.json_indent = 1
        formatter.timestamp = "at"
        formatter.reserved_attrs = set()  # not used: `_skip_fields` was fixed at init
        formatter._skip_fields.add("user")
        formatter.static_fields["static"] = 1
        formatter.datefmt = "%Y"
    assert formatters[0].format(record) == formatters[1].format(record)


# Configuration by dotted name ---------------------------------------------------

CONFIG_SCENARIO = """
import os, sys, tempfile
from unittest import mock

library, mode = sys.argv[1], sys.argv[2]
if library == "femtologging":
    import femtologging as logging
    import femtologging.config as config
    FORMATTER = "femtologging.json.JsonFormatter"
else:
    import logging
    import logging.config as config
    FORMATTER = "pythonjsonlogger.json.JsonFormatter"

FORMATTERS = {
    "full": {
        "()": FORMATTER,
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "datefmt": "%Y-%m-%dT%H:%M:%S",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "rename_fields_keep_missing": True,
        "static_fields": {"service": "api", "limit": "ext://sys.maxsize"},
        "defaults": {"env": "prod", "limit": "ext://sys.maxsize"},
        "reserved_attrs": ["msg", "args", "levelno", "pathname", "lineno", "process",
                           "thread", "threadName", "processName", "relativeCreated",
                           "created", "msecs", "filename", "module", "funcName",
                           "exc_text", "stack_info", "taskName", "asctime", "message"],
        "timestamp": "@timestamp",
        "json_ensure_ascii": False,
        "exc_info_as_array": True,
        "prefix": "json: ",
    },
    "braces": {"()": FORMATTER, "fmt": "{levelname} {message}", "style": "{"},
    "listed": {"()": FORMATTER, "fmt": ["levelname", "message"], "json_indent": 2},
    "by_class": {"class": FORMATTER, "format": "${levelname} ${message}", "style": "$"},
    "plain": {"()": FORMATTER},
}

if mode == "dict":
    config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": FORMATTERS,
        "handlers": {
            name: {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                   "formatter": name}
            for name in FORMATTERS
        },
        "loggers": {
            "app." + name: {"handlers": [name], "level": "DEBUG", "propagate": False}
            for name in FORMATTERS
        },
    })
    names = list(FORMATTERS)
else:
    ini = '''
[loggers]
keys=root,file
[handlers]
keys=out
[formatters]
keys=json
[logger_root]
handlers=
[logger_file]
qualname=app.file
handlers=out
level=DEBUG
propagate=0
[handler_out]
class=StreamHandler
args=(sys.stdout,)
formatter=json
[formatter_json]
class=%s
format=%%%%(levelname)s %%%%(name)s %%%%(message)s
datefmt=%%%%H
''' % FORMATTER
    path = os.path.join(tempfile.mkdtemp(), "logging.ini")
    with open(path, "w") as file:
        file.write(ini)
    config.fileConfig(path, disable_existing_loggers=False)
    names = ["file"]

with mock.patch("time.time", return_value=1_700_000_000.25), \\
        mock.patch("time.time_ns", return_value=1_700_000_000_250_000_000):
    for name in names:
        logger = logging.getLogger("app." + name)
        logger.info("hello %s", "w\\u00f6rld", extra={"user": "\\u00fc", "n": 1.5})
        logger.warning({"event": "dict message", "id": 7})
        try:
            1 / 0
        except ZeroDivisionError:
            logger.exception("failed")
logging.shutdown()
"""


def run_config(library: str, mode: str, tmp_path: Path) -> str:
    script = tmp_path / f"config_{library}_{mode}.py"
    script.write_text(CONFIG_SCENARIO)
    result = subprocess.run(
        [sys.executable, str(script), library, mode],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TZ": "Europe/Paris", "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.replace(str(script), "<script>")


@pytest.mark.parametrize("mode", ["dict", "file"])
def test_configured_by_dotted_name(tmp_path: Path, mode: str) -> None:
    expected = run_config("logging", mode, tmp_path)
    assert run_config("femtologging", mode, tmp_path) == expected
    assert '"exc_info": ' in expected
    if mode == "dict":
        assert f'"limit": {sys.maxsize}' in expected
        assert 'json: {"env": "prod", "limit": ' in expected
        assert '"asctime": "2023-11-14T23:13:20", "level": "INFO"' in expected


def test_imports_without_python_json_logger(run_python: Callable[..., Any]) -> None:
    result = run_python(
        """
        import json, sys
        sys.modules["pythonjsonlogger"] = None  # any import of it fails
        import femtologging
        import femtologging.config
        from femtologging.json import RESERVED_ATTRS, JsonEncoder, JsonFormatter

        record = femtologging.makeLogRecord({"msg": "hi", "blob": b"\\x00", "created": 0.0})
        print(JsonFormatter("%(levelname)s %(message)s", timestamp=True).format(record))
        femtologging.config.dictConfig({
            "version": 1,
            "formatters": {"j": {"()": "femtologging.json.JsonFormatter", "prefix": "> "}},
            "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "j",
                               "stream": "ext://sys.stdout"}},
            "root": {"handlers": ["h"], "level": "INFO"},
        })
        femtologging.getLogger("x").info("configured", extra={"k": [1]})
        femtologging.shutdown()
        print(sorted(name for name in sys.modules if "jsonlogger" in name))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        '{"levelname": "Level None", "message": "hi", "blob": "AA==", '
        '"timestamp": "1970-01-01T00:00:00+00:00"}',
        '> {"message": "configured", "k": [1]}',
        "['pythonjsonlogger']",
    ]


# Random configurations ------------------------------------------------------------

_CHARACTERS = st.characters(exclude_categories=())  # surrogates and controls too
_TEXT = st.text(_CHARACTERS, max_size=8) | st.sampled_from(
    ['"', "\\", "\x00", "\x1f\u2028", "\U0001f600", "\ud83d", "é\r\n", "%(message)s"]
)
_NAMES = [*femto_json.RESERVED_ATTRS, "taskName", "user", "missing", "timestamp", "ts"]
_NAME = st.sampled_from(_NAMES) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_EXTRA_KEY = (st.sampled_from(["user", "request_id", "_private", "é"]) | _TEXT).filter(
    lambda key: key not in _NAMES and key not in ("message", "asctime")
)
_SPECIAL = st.sampled_from(
    [VALUES[name] for name in ("datetime_aware", "enum_class", "uuid", "dataclass", "unprintable")]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | _TEXT
    | st.binary(max_size=6)
    | st.datetimes(timezones=st.none() | st.just(datetime.timezone.utc))
    | _SPECIAL
)
_KEYS = _TEXT | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(_KEYS, children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def configurations(draw: st.DrawFn) -> tuple[tuple[Any, ...], dict[str, Any]]:
    names = draw(st.lists(_NAME, max_size=5))
    shape = draw(st.sampled_from(["default", "%", "{", "$", ",", "list"]))
    args: tuple[Any, ...] = ()
    if shape == "%" and names:
        args = (" ".join(f"%({name})s" for name in names),)
    elif shape == "{" and names:
        args = ("".join("{" + name + "}" for name in names), None, "{")
    elif shape == "$" and names:
        args = ("-".join("${" + name + "}" for name in names), None, "$")
    elif shape == ",":
        args = (" , ".join(names), None, ",")
    elif shape == "list":
        args = (names,)
    if args and draw(st.booleans()):
        args = (args[0], draw(st.sampled_from(["%Y-%m-%d %H:%M:%S", "%j|%p", "é%%"])), *args[2:])
    options = {
        "prefix": _TEXT,
        "rename_fields": st.dictionaries(_NAME | _EXTRA_KEY, _NAME | _TEXT, max_size=4),
        "rename_fields_keep_missing": st.booleans(),
        "static_fields": st.dictionaries(_NAME | _TEXT, _VALUES, max_size=3),
        "reserved_attrs": st.lists(_NAME | _EXTRA_KEY, max_size=6),
        "timestamp": st.booleans() | _NAME | _TEXT,
        "defaults": st.dictionaries(_NAME | _TEXT, _VALUES, max_size=3),
        "exc_info_as_array": st.booleans(),
        "stack_info_as_array": st.booleans(),
        "json_indent": st.none() | st.integers(0, 3) | st.sampled_from(["\t", " - "]),
        "json_ensure_ascii": st.booleans(),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(options)), unique=True))
    return args, {name: draw(options[name]) for name in chosen}


@st.composite
def records(draw: st.DrawFn) -> Any:
    library = draw(st.sampled_from([logging, femtologging]))
    attributes: dict[str, Any] = {
        "name": draw(_TEXT),
        "msg": draw(_TEXT | st.dictionaries(_KEYS, _VALUES, max_size=3)),
        "levelname": draw(st.sampled_from(["INFO", "WARNING", "é"])),
        "created": draw(st.floats(0, 4e9)),
    }
    attributes["msecs"] = float(int(attributes["created"] % 1 * 1000))
    if draw(st.booleans()):
        attributes["exc_info"] = EXC_INFO
    if draw(st.booleans()):
        attributes["exc_text"] = draw(_TEXT)
    if draw(st.booleans()):
        attributes["stack_info"] = draw(st.sampled_from([STACK_TEXT, "one\x1ctwo\x85three"]))
    attributes.update(draw(st.dictionaries(_EXTRA_KEY, _VALUES, max_size=4)))
    return library.makeLogRecord(attributes)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configuration=configurations(), record=records())
def test_random_configurations(
    configuration: tuple[tuple[Any, ...], dict[str, Any]], record: Any
) -> None:
    args, kwargs = configuration
    theirs = outcome(lambda: pjl_json.JsonFormatter(*args, **kwargs).format(record))
    ours = outcome(lambda: femto_json.JsonFormatter(*args, **kwargs).format(record))
    assert ours == theirs


def test_tracebacks_in_values_match_the_traceback_module() -> None:
    # A sanity check of the reference itself: the traceback value is the
    # stack part of the exception, stripped.
    text = "".join(traceback.format_tb(EXC_INFO[2])).strip()
    assert json.loads(same_output(logging.makeLogRecord({"tb": EXC_INFO[2]})))["tb"] == text
