"""JSON lines: python-json-logger's `JsonFormatter` and femtologging's own
`femtologging.json.JsonFormatter`, differentially against the stdlib.

Each scenario puts the same JSON formatter configuration on the stdlib's
handlers and on femtologging's, makes the same calls from the same source
lines (so `lineno`, `funcName`, tracebacks and `stack_info` agree) under a
frozen clock, and compares the bytes written and what `handleError` reported.

- Output: every constructor option of python-json-logger's formatter, on a
  StringIO `StreamHandler` and on a `FileHandler`, configured in code and
  through `dictConfig`/`fileConfig`; subclasses and custom serializers too.
- Fast path: for the stock options, `_path_counts()` must show femtologging
  serving every call natively. Counted in fresh interpreters: in this one,
  other tests' class patching can force the Python path on purpose (see
  test_fast_path.py).
- femtologging's own formatter must write python-json-logger's bytes for
  every configuration, without python-json-logger installed.
- Hypothesis: string escaping and number formats.

python-json-logger is a test dependency: the tests that need it skip without
it. `femtologging.json` is imported inside the tests that use it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime
import decimal
import enum
import importlib
import io
import itertools
import json
import logging
import math
import os
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import femtologging

NS_CLOCK = sys.version_info >= (3, 13)

#: The frozen clock, 2023-11-14 22:13:20.123456 UTC, as `time.time()` and
#: `time.time_ns()` return it (3.13 stamps records from the latter).
FROZEN_SECONDS = 1_700_000_000.123456
FROZEN_NS = 1_700_000_000_123_456_000

#: A custom level with a name (registered for each test) and one without.
NOTICE = 26
UNNAMED_LEVEL = 27

#: Every attribute of a stdlib record, plus the two `format` adds: the
#: default `reserved_attrs` of python-json-logger on this Python version.
RECORD_ATTRIBUTES = [
    *logging.LogRecord("", 0, "", 0, "", (), None).__dict__,
    "message",
    "asctime",
]

PERCENT = "%(levelname)s %(name)s %(message)s"
RECORD_FIELDS = (
    "%(asctime)s %(created)f %(msecs)d %(relativeCreated)d %(levelname)s %(levelno)s "
    "%(name)s %(pathname)s %(filename)s %(module)s %(funcName)s %(lineno)d %(process)d "
    "%(processName)s %(thread)d %(threadName)s %(taskName)s %(message)s %(stack_info)s"
)
#: The record's raw attributes: the message template, its arguments and the
#: exception tuple, not their rendered forms.
RAW_ATTRIBUTES = ["msg", "args", "exc_info", "exc_text"]
RAW_RECORD_FIELDS = " ".join(f"%({name})s" for name in RAW_ATTRIBUTES)


# --- Values logged as `extra` -------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Priority(enum.IntEnum):
    HIGH = 1


class Label(str):
    """A str subclass: `json` writes it as the string."""


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list[str]
    when: datetime.date


class OnlyStr:
    def __str__(self) -> str:
        return "only __str__ ✓"


class BrokenStr:
    """`str()` raises: python-json-logger falls back to `repr()`."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        # Without an address: configuration scenarios compare two processes.
        return "BrokenStr(repr ✓)"


class Unprintable:
    """Neither `str()` nor `repr()` works: `"__could_not_encode__"`."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _caught() -> BaseException:
    try:
        raise LookupError("logged as a value")
    except LookupError as error:
        return error


CAUGHT = _caught()

#: Values of the JSON types, written by `json.dumps` itself.
JSON_EXTRAS: dict[str, Any] = {
    "text": 'quote " backslash \\ slash / nul \x00 esc \x1b us \x1f del \x7f é ✓ 😀 \u2028',
    "empty": "",
    "int": 42,
    "negative": -7,
    "zero": 0,
    "int64_max": 2**63 - 1,
    "int64_min": -(2**63),
    "beyond_64_bits": 2**64 + 1,
    "huge_negative": -(10**40),
    "float": 1.5,
    "tenth": 0.1,
    "float_integral": 3.0,
    "large": 1e300,
    "exponent": 1e16,
    "small": 1e-7,
    "subnormal": 5e-324,
    "max_float": 1.7976931348623157e308,
    "nan": math.nan,
    "inf": math.inf,
    "minus_inf": -math.inf,
    "minus_zero": -0.0,
    "true": True,
    "false": False,
    "none": None,
    "list": [1, "two", 3.0, None, True, [], {}],
    "tuple": (1, (2, 3), ()),
    "dict": {"a": {"b": [1, {"c": None}]}, "empty": {}},
    "keys": {1: "int key", 2.5: "float key", False: "bool key", None: "none key", "s": "str"},
    "int_subclass": Priority.HIGH,
    "str_subclass": Label("label"),
}

#: Values python-json-logger's `JsonEncoder.default` turns into JSON.
ENCODED_EXTRAS: dict[str, Any] = {
    "datetime": datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
    "aware": datetime.datetime(
        2024, 1, 2, 3, 4, 5, 600, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    ),
    "utc": datetime.datetime(2001, 9, 9, 1, 46, 40, tzinfo=datetime.timezone.utc),
    "date": datetime.date(1999, 12, 31),
    "time": datetime.time(12, 34, 56, 789),
    "aware_time": datetime.time(1, 2, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=-3))),
    "exception": ValueError("bad value ✓"),
    "caught": CAUGHT,
    "traceback": CAUGHT.__traceback__,
    "enum_member": Color.RED,
    "enum_class": Color,
    "bytes": b"\x00\xfb\xff binary",
    "bytearray": bytearray(b"\xfb\xef"),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "dataclass": Point(1, 2.5, ["a", "é"], datetime.date(2020, 2, 29)),
    "class": OnlyStr,
    "only_str": OnlyStr(),
    "broken_str": BrokenStr(),
    "unprintable": Unprintable(),
    "decimal": decimal.Decimal("1.10"),
    "complex": 1 + 2j,
    "frozenset": frozenset({"single"}),
    "nested": [Color.BLUE, {"when": datetime.date(2000, 1, 1), "raw": b"\x01"}],
}


# --- The calls ----------------------------------------------------------------

#: A call: the name of one of `log_call`'s calls, or a function of the logger.
Call = str | Callable[[Any], None]

#: The calls of the stock scenarios; "hidden" is below the logger's level.
STOCK_CALLS = (
    "hidden",
    "message",
    "args",
    "mapping",
    "number_message",
    "exception_message",
    "unnamed_level",
    "named_level",
    "unicode",
    "extra_json",
    "extra_fields",
    "exception",
    "chained",
    "stack",
)
NOT_LOGGED = {"hidden", "change_settings"}


def enabled_calls(calls: Sequence[Call]) -> int:
    return sum(1 for call in calls if call not in NOT_LOGGED)


def log_call(logger: Any, call: str, formatter: Any) -> None:
    """One call per kind, each from its own fixed source line."""
    if call == "hidden":
        logger.debug("below the logger's level")
    elif call == "message":
        logger.info("plain message")
    elif call == "args":
        logger.warning("args %s and %d", "text", 42)
    elif call == "mapping":
        logger.error("mapping %(user)s/%(id)03d", {"user": "ann", "id": 7})
    elif call == "number_message":
        logger.critical(12345)
    elif call == "exception_message":
        logger.error(ValueError("an exception as the message"))
    elif call == "unnamed_level":
        logger.log(UNNAMED_LEVEL, "custom level %r", ("a", 1))
    elif call == "named_level":
        logger.log(NOTICE, "named custom level")
    elif call == "unicode":
        logger.info(
            'unicode é 中文 😀 "quoted" back\\slash nul\x00 \x01\x1f del\x7f \u2028 \t\n end'
        )
    elif call == "extra_json":
        logger.info("JSON values", extra=JSON_EXTRAS)
    elif call == "extra_encoded":
        logger.info("encoded values", extra=ENCODED_EXTRAS)
    elif call == "extra_fields":
        logger.warning("named extras", extra={"user": "ann", "request_id": 7, "_private": 1})
    elif call == "numeric_key":
        logger.info("numeric key", extra={1: "one", "user": "ann"})
    elif call == "exception":
        try:
            raise ValueError("boom ✓")
        except ValueError:
            logger.exception("failed %s", "operation")
    elif call == "chained":
        try:
            try:
                raise KeyError("inner")
            except KeyError as inner:
                raise RuntimeError("outer") from inner
        except RuntimeError:
            logger.error("chained", exc_info=True)
    elif call == "stack":
        logger.warning("stack %d", 1, stack_info=True)
    elif call == "dict_message":
        logger.info({"event": "dict", "message": "in the dict", "n": [1, 2.5, None]})
    elif call == "dict_exception":
        try:
            raise OSError("dict with exception")
        except OSError:
            logger.error({"event": "failure", "stack_info": "given"}, exc_info=True)
    elif call == "change_settings":
        change_settings(formatter)
    else:
        raise AssertionError(f"unknown call {call!r}")


def change_settings(formatter: Any) -> None:
    """Edits a formatter's settings after it has formatted records: later
    records must show the new settings, as python-json-logger reads them on
    every call."""
    formatter.prefix = "changed: "
    formatter.json_ensure_ascii = not formatter.json_ensure_ascii
    formatter.rename_fields["levelname"] = "level"
    formatter.static_fields["late"] = True
    formatter.timestamp = "late_timestamp"
    formatter.exc_info_as_array = True


# --- Running a scenario --------------------------------------------------------


@dataclasses.dataclass
class Output:
    """What a scenario wrote: the StringIO's text, the file's bytes, the
    errors `handleError` reported and the exceptions the calls raised."""

    stream: str = ""
    file: bytes = b""
    errors: list[str] = dataclasses.field(default_factory=list)
    raised: list[str] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "file": self.file.decode("latin-1")}

    def lines(self) -> dict[str, Any]:
        """The parts split into lines, for `assert_same`."""
        return {
            "stream": self.stream.splitlines(keepends=True),
            "file": self.file.splitlines(keepends=True),
            "errors": self.errors,
            "raised": self.raised,
        }


def clock_pair(reading: float | int) -> tuple[float, int]:
    """`time.time()` and `time.time_ns()` for a clock reading: an int of
    nanoseconds from 3.13 on, a float of seconds before."""
    if NS_CLOCK:
        return int(reading) / 1e9, int(reading)
    seconds = float(reading)
    return seconds, int(seconds * 1e9) if math.isfinite(seconds) else 0


FROZEN = (FROZEN_SECONDS, FROZEN_NS)


@contextlib.contextmanager
def frozen_clock(seconds: float, ns: int) -> Iterator[None]:
    """Both modules stamp records from the replaced clock. The stdlib's
    `relativeCreated` is made to count from femtologging's start time (its
    `_startTime` is read at each record), so that field compares too."""
    with (
        mock.patch("time.time", return_value=seconds),
        mock.patch("time.time_ns", return_value=ns),
        mock.patch.object(logging, "_startTime", femtologging._startTime),
    ):
        yield


def error_summary(report: str) -> list[str]:
    """What `handleError` printed, without the traceback's frames (those are
    each module's own code): the exception line, `Message:`, `Arguments:`."""
    lines = report.splitlines()
    return [
        line
        for line, following in itertools.zip_longest(lines, lines[1:], fillvalue="")
        if following == "Call stack:" or line.startswith(("Message: ", "Arguments: "))
    ]


def make_calls(
    logger: Any,
    calls: Sequence[Call],
    formatter: Any,
    clock: tuple[float, int],
    report: io.StringIO,
) -> list[str]:
    """Makes the calls under the frozen clock with stderr going to `report`;
    returns the exceptions they raised."""
    raised: list[str] = []
    with frozen_clock(*clock), mock.patch("sys.stderr", report):
        for call in calls:
            try:
                if isinstance(call, str):
                    log_call(logger, call, formatter)
                else:
                    call(logger)
            except Exception as error:
                raised.append(f"{type(error).__name__}: {error}")
    return raised


_files = itertools.count()


def run_json_logging(
    library: Any,
    make_formatter: Callable[[], Any],
    calls: Sequence[Call],
    directory: Path,
    name: str,
    *,
    kinds: Sequence[str] = ("stream", "file"),
    clock: tuple[float, int] = FROZEN,
) -> Output:
    """Logs `calls` through a logger whose handlers (a StringIO stream
    handler and a UTF-8 file handler) share one formatter."""
    formatter = make_formatter()
    stream = io.StringIO()
    path = directory / f"{library.__name__}-{next(_files)}.log"
    handlers = []
    if "stream" in kinds:
        handlers.append(library.StreamHandler(stream))
    if "file" in kinds:
        handlers.append(library.FileHandler(path, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
    logger = library.getLogger(name)
    logger.propagate = False
    logger.setLevel(library.INFO)
    for handler in handlers:
        logger.addHandler(handler)
    report = io.StringIO()
    try:
        raised = make_calls(logger, calls, formatter, clock, report)
    finally:
        # Closing writes out what a worker thread may still hold.
        with mock.patch("sys.stderr", report):
            for handler in handlers:
                logger.removeHandler(handler)
                handler.close()
        # pytest attaches its capture handlers to the stdlib's non-propagating
        # loggers as each test phase starts; they would format records first
        # (setting `exc_text`) in later tests.
        logger.propagate = True
    return Output(
        stream=stream.getvalue(),
        file=path.read_bytes() if "file" in kinds else b"",
        errors=error_summary(report.getvalue()),
        raised=raised,
    )


Variant = tuple[Any, Callable[[], Any]]


def run_variants(
    variants: Sequence[Variant],
    calls: Sequence[Call],
    directory: Path,
    name: str,
    **options: Any,
) -> list[Output]:
    """Each (module, formatter factory)'s output, all run from this one line
    so that `stack_info` lists the same frames."""
    return [
        run_json_logging(library, make, calls, directory, name, **options)
        for library, make in variants
    ]


def register_named_level() -> None:
    for library in (logging, femtologging):
        library.addLevelName(NOTICE, "NOTICE")


@pytest.fixture(autouse=True)
def _named_level() -> Iterator[None]:
    register_named_level()
    yield
    for library in (logging, femtologging):
        library._levelToName.pop(NOTICE, None)
        library._nameToLevel.pop("NOTICE", None)


# --- Formatter configurations ---------------------------------------------------


def tag_default(value: Any) -> Any:
    return {"type": type(value).__name__}


class TaggingEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return f"<{type(o).__name__}>"


def compact_dumps(value: Any, **options: Any) -> str:
    return json.dumps(value, separators=(",", ":"), **options)


@dataclasses.dataclass
class Case:
    """A formatter configuration and the calls logged through it."""

    id: str
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    calls: tuple[str, ...] = STOCK_CALLS
    #: Whether femtologging must serve every call natively (stock options).
    fast: bool = True
    #: Attributes set on the formatter after construction.
    attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: python-json-logger's module for this case (its deprecated one works too).
    module: str = "pythonjsonlogger.json"
    #: Uses python-json-logger's instance attributes: not for femtologging.json.
    python_json_logger_only: bool = False


CASES = [
    Case("no_options"),
    Case("percent", {"fmt": PERCENT}),
    Case("percent_record_fields", {"fmt": RECORD_FIELDS}),
    # The raw `msg`, `args`, `exc_info` and `exc_text` attributes as fields:
    # Python objects the native record does not keep, so Python writes them.
    Case(
        "percent_every_record_field",
        {"fmt": RECORD_FIELDS + " " + RAW_RECORD_FIELDS},
        fast=False,
    ),
    Case("brace", {"fmt": "{levelname} {name} {message}", "style": "{"}),
    # python-json-logger takes everything between braces as the field name.
    Case(
        "brace_with_specs", {"fmt": "{asctime} {levelname:>8} {message!r} {lineno:d}", "style": "{"}
    ),
    Case("dollar", {"fmt": "$levelname ${name} $$ $message", "style": "$"}),
    Case("field_list", {"fmt": ["levelname", "name", "message", "user", "missing"]}),
    Case("field_tuple", {"fmt": ("message", "levelno")}),
    Case("comma_style", {"fmt": "levelname, name,message ,, user", "style": ","}),
    Case("validate_false", {"fmt": "no fields at all", "validate": False}, fast=False),
    Case("asctime_default_datefmt", {"fmt": "%(asctime)s %(message)s"}),
    Case("datefmt", {"fmt": "%(asctime)s %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z %a %j %%"}),
    Case("extras_named_in_fmt", {"fmt": "%(message)s %(user)s %(request_id)s %(missing)s"}),
    Case(
        "rename_fields",
        {
            "fmt": PERCENT,
            "rename_fields": {
                "levelname": "level",
                "message": "msg_text",
                "user": "usr",
                "exc_info": "error",
                "stack_info": "stack",
            },
        },
    ),
    # Two fields renamed to one key: the later value, at the first place.
    Case(
        "rename_collision", {"fmt": PERCENT, "rename_fields": {"levelname": "tag", "name": "tag"}}
    ),
    Case(
        "rename_onto_other_fields",
        {
            "fmt": PERCENT,
            "rename_fields": {"user": "message", "request_id": "levelname", "message": "name"},
        },
    ),
    Case(
        "rename_fields_keep_missing",
        {
            "fmt": PERCENT,
            "rename_fields": {"levelname": "level", "absent": "was_absent", "user": "usr"},
            "rename_fields_keep_missing": True,
        },
    ),
    Case(
        "static_fields",
        {
            "fmt": PERCENT,
            "static_fields": {
                "app": "demo ✓",
                "version": 3,
                "ratio": 0.5,
                "nested": {"a": [1, None, True]},
                "when": datetime.date(2024, 1, 2),
            },
        },
    ),
    Case(
        "static_fields_override_fields",
        {
            "fmt": PERCENT,
            "static_fields": {"message": "static message", "levelname": "STATIC"},
            "rename_fields": {"levelname": "level"},
        },
    ),
    # Every record attribute but the raw ones written as an extra value.
    Case("reserved_attrs_custom", {"fmt": "%(message)s", "reserved_attrs": RAW_ATTRIBUTES}),
    # Reserving fewer attributes than the raw ones: Python writes them.
    Case("reserved_attrs_empty", {"reserved_attrs": []}, fast=False),
    Case(
        "reserved_attrs_custom_with_raw_attributes",
        {"fmt": "%(message)s", "reserved_attrs": ["args", "msg", "relativeCreated"]},
        fast=False,
    ),
    Case("reserved_attrs_extended", {"reserved_attrs": [*RECORD_ATTRIBUTES, "user"]}),
    Case("timestamp_true", {"fmt": PERCENT, "timestamp": True}),
    Case("timestamp_key", {"timestamp": "@timestamp"}),
    Case("timestamp_renamed", {"timestamp": True, "rename_fields": {"timestamp": "ts"}}),
    # Defaults come first; a field named in fmt but missing from the record
    # overwrites its default with null, as python-json-logger does.
    Case(
        "defaults",
        {
            "fmt": "%(message)s %(user)s %(service)s",
            "defaults": {"service": "api", "region": "eu", "user": "nobody", "message": "unused"},
        },
    ),
    Case("prefix", {"fmt": PERCENT, "prefix": "JSON: "}),
    Case("ensure_ascii_false", {"fmt": PERCENT, "json_ensure_ascii": False}),
    Case("ensure_ascii_true", {"fmt": PERCENT, "json_ensure_ascii": True}),
    Case("exc_info_as_array", {"exc_info_as_array": True}),
    Case("stack_info_as_array", {"stack_info_as_array": True}),
    Case(
        "both_as_arrays",
        {"fmt": PERCENT, "exc_info_as_array": True, "stack_info_as_array": True},
    ),
    Case(
        "every_option",
        {
            "fmt": ["asctime", "levelname", "name", "message", "user", "absent"],
            "datefmt": "%d/%m/%Y %H:%M:%S",
            "rename_fields": {"asctime": "time", "levelname": "level", "absent": "gone"},
            "rename_fields_keep_missing": True,
            "static_fields": {"app": "demo", "build": [1, 2]},
            "reserved_attrs": [*RAW_ATTRIBUTES, "process", "thread"],
            "timestamp": "ts",
            "defaults": {"env": "prod"},
            "prefix": "@",
            "json_ensure_ascii": False,
            "exc_info_as_array": True,
            "stack_info_as_array": True,
        },
    ),
    Case(
        "deprecated_module",
        {"fmt": PERCENT, "timestamp": True},
        module="pythonjsonlogger.jsonlogger",
    ),
    Case("encoded_extras", calls=("extra_encoded",)),
    Case(
        "encoded_extras_not_ascii",
        {"json_ensure_ascii": False, "static_fields": {"enum": Color.BLUE}},
        calls=("extra_encoded",),
    ),
    Case(
        "encoded_values_everywhere",
        {
            "fmt": ["message", "when"],
            "static_fields": {"id": uuid.UUID(int=7), "color": Color, "raw": b"\xff"},
            "defaults": {"when": datetime.time(23, 59)},
            "rename_fields": {"dataclass": "point"},
            "timestamp": True,
        },
        calls=("extra_encoded", "exception_message", "exception"),
    ),
    Case(
        "encoded_raw_attributes",
        {"reserved_attrs": [], "timestamp": True},
        calls=("extra_encoded", "exception_message", "exception"),
        fast=False,
    ),
    # Edge cases beyond the stock options: same bytes, on either path.
    Case("numeric_extra_keys", {"rename_fields": {1: "one"}}, calls=("numeric_key",), fast=False),
    Case("dict_message", {"fmt": PERCENT}, calls=("dict_message", "dict_exception"), fast=False),
    Case(
        "dict_message_renamed",
        {"rename_fields": {"event": "evt", "message": "msg"}, "exc_info_as_array": True},
        calls=("dict_message", "dict_exception", "message"),
        fast=False,
    ),
    Case("indent_2", {"fmt": PERCENT, "json_indent": 2}, fast=False),
    Case("indent_0_not_ascii", {"json_indent": 0, "json_ensure_ascii": False}, fast=False),
    Case("indent_text", {"json_indent": "\t"}, calls=("extra_json",), fast=False),
    Case(
        "json_default",
        {"json_default": tag_default},
        calls=(*STOCK_CALLS, "extra_encoded"),
        fast=False,
    ),
    Case(
        "json_encoder",
        {"json_encoder": TaggingEncoder},
        calls=(*STOCK_CALLS, "extra_encoded"),
        fast=False,
    ),
    Case("json_serializer", {"json_serializer": compact_dumps}, fast=False),
    Case(
        "formatter_attributes",
        {"fmt": "%(asctime)s %(message)s"},
        attributes={
            "converter": time.gmtime,
            "default_time_format": "%Y-%m-%dT%H:%M:%S",
            "default_msec_format": "%s.%03dZ",
        },
        fast=False,
    ),
    Case(
        "settings_changed_after_logging",
        {"fmt": PERCENT},
        calls=(
            "message",
            "extra_fields",
            "change_settings",
            "message",
            "extra_fields",
            "exception",
        ),
        fast=False,
        python_json_logger_only=True,
    ),
]
CASE_IDS = [case.id for case in CASES]
OWN_CASES = [case for case in CASES if not case.python_json_logger_only]


def build(cls: Any, case: Case) -> Any:
    formatter = cls(**case.kwargs)
    for attribute, value in case.attributes.items():
        setattr(formatter, attribute, value)
    return formatter


def python_json_logger_classes() -> dict[str, Any]:
    """python-json-logger's JsonFormatter, by the module it is imported from
    (`jsonlogger` is the deprecated name; importing it warns)."""
    current = importlib.import_module("pythonjsonlogger.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        deprecated = importlib.import_module("pythonjsonlogger.jsonlogger")
    return {
        "pythonjsonlogger.json": current.JsonFormatter,
        "pythonjsonlogger.jsonlogger": deprecated.JsonFormatter,
    }


def own_formatter_class() -> Any:
    return importlib.import_module("femtologging.json").JsonFormatter


@pytest.fixture
def json_logger() -> dict[str, Any]:
    pytest.importorskip("pythonjsonlogger")
    return python_json_logger_classes()


@pytest.fixture
def own_formatter() -> Any:
    return own_formatter_class()


def first_difference(mine: Any, theirs: Any) -> str:
    """Where two outputs first differ: the line, and the text around the
    first differing character (whole dicts of long JSON lines are unreadable)."""
    if not (isinstance(mine, list) and isinstance(theirs, list)):
        return f"femtologging: {mine!r}\n  expected:     {theirs!r}"
    index, line, wanted = next(
        (index, line, wanted)
        for index, (line, wanted) in enumerate(itertools.zip_longest(mine, theirs))
        if line != wanted
    )
    if not (isinstance(line, (str, bytes)) and isinstance(wanted, (str, bytes))):
        return f"line {index}:\n  femtologging: {line!r}\n  expected:     {wanted!r}"
    at = next(
        (at for at, (a, b) in enumerate(zip(line, wanted, strict=False)) if a != b),
        min(len(line), len(wanted)),
    )
    window = slice(max(at - 100, 0), at + 100)
    return (
        f"line {index}, from character {at}:\n"
        f"  femtologging: {line[window]!r}\n  expected:     {wanted[window]!r}"
    )


def assert_same(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal, or a failure showing the first difference of each part."""
    if actual == expected:
        return
    pytest.fail(
        "\n".join(
            f"{key}, {first_difference(actual.get(key), expected.get(key))}"
            for key in sorted(expected.keys() | actual.keys())
            if actual.get(key) != expected.get(key)
        )
    )


def check_nonempty(output: Output) -> None:
    """The reference wrote something: the comparison is not vacuous."""
    assert output.stream or output.errors or output.raised, output


# --- 1. python-json-logger: same bytes ----------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_python_json_logger_writes_the_same_bytes(
    case: Case, json_logger: dict[str, Any], tmp_path: Path
) -> None:
    cls = json_logger[case.module]
    expected, actual = run_variants(
        [(logging, lambda: build(cls, case)), (femtologging, lambda: build(cls, case))],
        case.calls,
        tmp_path,
        f"json.{case.id}",
    )
    check_nonempty(expected)
    assert expected.stream.encode() == expected.file
    assert_same(actual.lines(), expected.lines())


# --- 3. Subclasses: Python's behaviour, same bytes ------------------------------


def subclassed_formatter(kind: str, base: Any) -> Any:
    """python-json-logger's extension points, overridden as its docs show."""
    if kind == "add_fields":

        class AddFields(base):  # type: ignore[misc, valid-type]
            def add_fields(
                self, log_data: dict[str, Any], record: Any, message_dict: dict[str, Any]
            ) -> None:
                super().add_fields(log_data, record, message_dict)
                log_data["level"] = record.levelname.lower()
                log_data.pop("name", None)

        return AddFields(PERCENT, timestamp=True)
    if kind == "process_log_record":

        class ProcessLogRecord(base):  # type: ignore[misc, valid-type]
            def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
                return {str(key).upper(): value for key, value in log_data.items()}

        return ProcessLogRecord(PERCENT)
    if kind == "jsonify_log_record":

        class JsonifyLogRecord(base):  # type: ignore[misc, valid-type]
            def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
                return " ".join(f"{key}={value!r}" for key, value in log_data.items())

        return JsonifyLogRecord(PERCENT)
    if kind == "serialize_log_record":

        class SerializeLogRecord(base):  # type: ignore[misc, valid-type]
            def serialize_log_record(self, log_data: dict[str, Any]) -> str:
                return "<" + super().serialize_log_record(log_data) + ">"

        return SerializeLogRecord(PERCENT, prefix="p:")
    if kind == "format":

        class Format(base):  # type: ignore[misc, valid-type]
            def format(self, record: Any) -> str:
                return super().format(record) + " #" + record.levelname

        return Format(PERCENT)
    if kind == "format_time_exception_stack":

        class FormatParts(base):  # type: ignore[misc, valid-type]
            def formatTime(self, record: Any, datefmt: str | None = None) -> str:
                return f"t={record.created:.3f}"

            def formatException(self, ei: Any) -> str:
                return f"exception {ei[0].__name__}"

            def formatStack(self, stack_info: str) -> str:
                return f"stack of {len(stack_info.splitlines())} lines"

        return FormatParts("%(asctime)s %(message)s")
    if kind == "parse":

        class Parse(base):  # type: ignore[misc, valid-type]
            def parse(self) -> list[str]:
                return ["message", "levelno", "request_id"]

        return Parse(PERCENT)
    if kind == "class_attributes":

        class Utc(base):  # type: ignore[misc, valid-type]
            converter = time.gmtime
            default_msec_format = "%s.%03d"

        return Utc("%(asctime)s %(message)s")
    if kind == "encoder_subclass":
        encoder = importlib.import_module("pythonjsonlogger.json").JsonEncoder

        class DayFirst(encoder):  # type: ignore[misc, valid-type]
            def format_datetime_obj(self, o: Any) -> str:
                return o.strftime("%d/%m/%Y")

        return base(json_encoder=DayFirst)
    if kind == "json_default_and_encoder":
        return base(json_default=tag_default, json_encoder=json.JSONEncoder)
    raise AssertionError(kind)


SUBCLASS_KINDS = [
    "add_fields",
    "process_log_record",
    "jsonify_log_record",
    "serialize_log_record",
    "format",
    "format_time_exception_stack",
    "parse",
    "class_attributes",
    "encoder_subclass",
    "json_default_and_encoder",
]


@pytest.mark.parametrize("kind", SUBCLASS_KINDS)
def test_subclasses_and_custom_serializers_write_the_same_bytes(
    kind: str, json_logger: dict[str, Any], tmp_path: Path
) -> None:
    """Overridden hooks keep the exact Python behaviour (femtologging may
    serve these on its Python path)."""
    base = json_logger["pythonjsonlogger.json"]
    calls = (*STOCK_CALLS, "extra_encoded", "dict_message", "dict_exception")
    expected, actual = run_variants(
        [
            (logging, lambda: subclassed_formatter(kind, base)),
            (femtologging, lambda: subclassed_formatter(kind, base)),
        ],
        calls,
        tmp_path,
        f"json.subclass.{kind}",
    )
    check_nonempty(expected)
    assert_same(actual.lines(), expected.lines())


# --- 5. femtologging.json: python-json-logger's bytes -----------------------------


@pytest.mark.parametrize("handlers", ["stdlib_handlers", "femtologging_handlers"])
@pytest.mark.parametrize("case", OWN_CASES, ids=[case.id for case in OWN_CASES])
def test_femtologging_json_writes_python_json_loggers_bytes(
    case: Case, handlers: str, json_logger: dict[str, Any], own_formatter: Any, tmp_path: Path
) -> None:
    reference = json_logger[case.module]
    library = logging if handlers == "stdlib_handlers" else femtologging
    expected, actual = run_variants(
        [(logging, lambda: build(reference, case)), (library, lambda: build(own_formatter, case))],
        case.calls,
        tmp_path,
        f"json.own.{case.id}",
    )
    check_nonempty(expected)
    assert_same(actual.lines(), expected.lines())


def test_femtologging_json_works_without_python_json_logger(
    run_python: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """femtologging and its own JSON formatter import and run while
    python-json-logger cannot be imported."""
    result = run_python(
        """
        import io, sys
        from unittest import mock
        sys.modules["pythonjsonlogger"] = None  # any import of it fails
        import femtologging
        from femtologging.json import JsonFormatter
        assert "pythonjsonlogger" not in [m.split(".")[0] for m in sys.modules if sys.modules[m]]
        stream = io.StringIO()
        handler = femtologging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter("%(levelname)s %(message)s", timestamp=True))
        logger = femtologging.getLogger("standalone")
        logger.propagate = False
        logger.addHandler(handler)
        with mock.patch("time.time", return_value=1_700_000_000.123456), \\
                mock.patch("time.time_ns", return_value=1_700_000_000_123_456_000):
            logger.warning("hé %s", "there", extra={"n": [1, 2.5, None]})
        plain = io.StringIO()
        logger.removeHandler(handler)
        logger.addHandler(femtologging.StreamHandler(plain))
        logger.warning("plain")
        print(stream.getvalue() + plain.getvalue(), end="")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        '{"levelname": "WARNING", "message": "h\\u00e9 there", "n": [1, 2.5, null], '
        '"timestamp": "2023-11-14T22:13:20.123456+00:00"}\nplain\n'
    )


# --- Fresh interpreters: configuration files and the fast path ------------------

#: Runs a function of this file in a fresh interpreter, this file loaded as
#: a module; the function's result is written as JSON to `directory`.
CHILD = """
import importlib.util, json, sys
path, function, directory, *arguments = sys.argv[1:]
spec = importlib.util.spec_from_file_location("json_formatter_child", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
result = getattr(module, function)(directory, *arguments)
with open(directory + "/result.json", "w", encoding="utf-8") as file:
    json.dump(result, file)
"""


@dataclasses.dataclass
class ConfigScenario:
    """A formatter in a configuration: dictConfig with `"()"` (factory) or
    `"class"`, or fileConfig; `options` are the formatter's keys."""

    id: str
    form: str
    options: dict[str, Any]
    json_logger_class: str = "pythonjsonlogger.json.JsonFormatter"
    fast: bool = True


CONFIG_SCENARIOS = [
    ConfigScenario("factory_no_options", "factory", {}),
    ConfigScenario(
        "factory_format_key",
        "factory",
        {
            "format": "%(asctime)s %(levelname)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S",
            "rename_fields": {"levelname": "level", "user": "usr"},
            "static_fields": {"app": "demo", "nested": {"a": [1, 2]}},
            "timestamp": True,
            "json_ensure_ascii": False,
            "prefix": "json: ",
            "exc_info_as_array": True,
            "stack_info_as_array": True,
        },
    ),
    ConfigScenario(
        "factory_field_list",
        "factory",
        {
            "fmt": ["levelname", "name", "message", "user", "absent"],
            "rename_fields": {"absent": "gone", "name": "logger"},
            "rename_fields_keep_missing": True,
            "timestamp": "@timestamp",
            "reserved_attrs": [
                "args",
                "msg",
                "exc_info",
                "exc_text",
                "stack_info",
                "created",
                "msecs",
                "relativeCreated",
                "process",
                "thread",
            ],
        },
    ),
    # Values dictConfig converts when the formatter reads them.
    ConfigScenario(
        "factory_converted_values",
        "factory",
        {
            "fmt": "{levelname} {message} {service}",
            "style": "{",
            "defaults": {"service": "cfg://custom.service", "region": "eu"},
            "static_fields": {"owner": "cfg://custom.owner", "limit": "ext://sys.maxsize"},
        },
    ),
    ConfigScenario("factory_dollar", "factory", {"fmt": "$levelname $message", "style": "$"}),
    ConfigScenario("factory_comma", "factory", {"fmt": "levelname,message", "style": ","}),
    ConfigScenario("factory_indent", "factory", {"json_indent": 2}, fast=False),
    ConfigScenario(
        "class_percent",
        "class",
        {"format": "%(asctime)s %(levelname)s %(message)s", "datefmt": "%H:%M:%S"},
    ),
    ConfigScenario(
        "class_brace_not_validated",
        "class",
        {"format": "{levelname} {message}", "style": "{", "validate": False},
    ),
    # `defaults` is passed from 3.12 on (and ignored before, by both).
    ConfigScenario(
        "class_defaults",
        "class",
        {"format": "%(message)s %(service)s", "defaults": {"service": "api"}},
    ),
    ConfigScenario(
        "class_deprecated_module",
        "class",
        {"format": "%(levelname)s %(message)s"},
        json_logger_class="pythonjsonlogger.jsonlogger.JsonFormatter",
    ),
    ConfigScenario(
        "file_deprecated_module",
        "file",
        {"format": "%(asctime)s %(levelname)s %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S"},
        json_logger_class="pythonjsonlogger.jsonlogger.JsonFormatter",
    ),
    ConfigScenario("file_brace", "file", {"format": "{levelname} {name} {message}", "style": "{"}),
    ConfigScenario("file_no_format", "file", {}),
    ConfigScenario(
        "file_defaults",
        "file",
        {"format": "%(message)s %(service)s", "defaults": "{'service': 'api'}"},
    ),
]
CONFIG_IDS = [scenario.id for scenario in CONFIG_SCENARIOS]
FAST_CONFIG_IDS = [scenario.id for scenario in CONFIG_SCENARIOS if scenario.fast]
CONFIG_CALLS = (*STOCK_CALLS, "extra_encoded")
#: The class named in a configuration, per formatter source.
SOURCES = ["pythonjsonlogger", "femtologging.json"]


def dict_settings(scenario: ConfigScenario, class_name: str, path: Path, name: str) -> dict:
    formatter = copy.deepcopy(scenario.options)
    formatter["()" if scenario.form == "factory" else "class"] = class_name
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "custom": {"service": "billing", "owner": ["team", 7]},
        "formatters": {"json": formatter},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(path),
                "encoding": "utf-8",
                "formatter": "json",
            }
        },
        "loggers": {name: {"handlers": ["file"], "level": "INFO", "propagate": False}},
    }


def ini_text(scenario: ConfigScenario, class_name: str, path: Path, name: str) -> str:
    options = "".join(f"{key}={value}\n" for key, value in scenario.options.items())
    return (
        "[loggers]\nkeys=root,json\n\n[handlers]\nkeys=file\n\n[formatters]\nkeys=json\n\n"
        "[logger_root]\nhandlers=\n\n"
        f"[logger_json]\nlevel=INFO\nhandlers=file\npropagate=0\nqualname={name}\n\n"
        f"[handler_file]\nclass=FileHandler\nformatter=json\nargs=({str(path)!r}, 'a', 'utf-8')\n\n"
        f"[formatter_json]\nclass={class_name}\n{options}"
    )


def config_report(directory: str, library_name: str) -> dict[str, Any]:
    """Runs in a fresh interpreter: configures each scenario with
    `library_name`'s `dictConfig`/`fileConfig` (replacing the previous one)
    naming each formatter source's class, logs the calls, and reports the
    files' contents, the errors and, for femtologging, the path counts."""
    library: Any = femtologging if library_name == "femtologging" else logging
    config: Any = importlib.import_module(library_name + ".config")
    counts: Any = None
    if library is femtologging:
        counts = importlib.import_module("femtologging._femtologging_rs")._path_counts
    register_named_level()
    folder = Path(directory)
    report: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    for scenario, source in itertools.product(CONFIG_SCENARIOS, SOURCES):
        class_name = (
            scenario.json_logger_class
            if source == "pythonjsonlogger"
            else "femtologging.json.JsonFormatter"
        )
        key = f"{source}:{scenario.id}"
        path = folder / f"{source}-{scenario.id}.log"
        name = f"config.{scenario.id}"
        entry: dict[str, Any] = report.setdefault(key, {})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if scenario.form == "file":
                    ini = folder / f"{source}-{scenario.id}.ini"
                    ini.write_text(ini_text(scenario, class_name, path, name))
                    config.fileConfig(ini, disable_existing_loggers=False)
                else:
                    config.dictConfig(dict_settings(scenario, class_name, path, name))
        except Exception as error:
            entry["configured"] = f"{type(error).__name__}: {error}"
            continue
        paths[key] = path
        before = counts() if counts else (0, 0)
        stderr = io.StringIO()
        raised = make_calls(library.getLogger(name), CONFIG_CALLS, None, FROZEN, stderr)
        after = counts() if counts else (0, 0)
        entry["errors"] = error_summary(stderr.getvalue())
        entry["raised"] = raised
        entry["served"] = [after[0] - before[0], after[1] - before[1]]
    library.shutdown()
    for key, path in paths.items():
        report[key]["output"] = path.read_bytes().decode("latin-1")
    return report


#: Handler kinds the fast path is checked on, one at a time.
KINDS = ["stream", "file"]


def fast_cases(source: str) -> list[Case]:
    return [
        case
        for case in CASES
        if case.fast and (source == "pythonjsonlogger" or not case.python_json_logger_only)
    ]


def fast_path_report(directory: str, source: str) -> dict[str, Any]:
    """Runs in a fresh interpreter, the stdlib bridge on as after a plain
    `import femtologging`: for each stock case and handler kind, the stdlib's
    output with python-json-logger, then femtologging's with `source`'s
    formatter, and the path counts of femtologging's calls."""
    counts = importlib.import_module("femtologging._femtologging_rs")._path_counts
    register_named_level()
    references = python_json_logger_classes()
    report: dict[str, Any] = {}
    for case in fast_cases(source):
        reference = references[case.module]
        actual = reference if source == "pythonjsonlogger" else own_formatter_class()
        for kind in KINDS:
            outputs: list[Output] = []
            served = [0, 0]
            for library, cls in ((logging, reference), (femtologging, actual)):
                before = counts()
                outputs.append(
                    run_json_logging(
                        library,
                        lambda cls=cls, case=case: build(cls, case),
                        case.calls,
                        Path(directory),
                        f"fast.{case.id}",
                        kinds=(kind,),
                    )
                )
                after = counts()
                served = [after[0] - before[0], after[1] - before[1]]
            report[f"{case.id}-{kind}"] = {
                "calls": enabled_calls(case.calls),
                "served": served,
                "expected": outputs[0].as_json(),
                "actual": outputs[1].as_json(),
            }
    return report


def start_child(
    function: str, directory: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    directory.mkdir(parents=True)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, __file__, function, str(directory), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Not the repository root: its sources would shadow the built package.
        cwd=directory,
        env={**os.environ, **(env or {})},
    )


def child_result(child: subprocess.Popen[str], directory: Path) -> dict[str, Any]:
    """The child's report, or {"error": ...} so that each test fails with it."""
    try:
        _, stderr = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        return {"error": "timed out\n" + stderr[-3000:]}
    if child.returncode != 0:
        return {"error": f"exit status {child.returncode}\n" + stderr[-3000:]}
    return json.loads((directory / "result.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def children(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """All fresh-interpreter reports, run side by side."""
    pytest.importorskip("pythonjsonlogger")
    root = tmp_path_factory.mktemp("json_children")
    jobs = {
        # The reference: the stdlib alone (femtologging, loaded with this
        # file, leaves the stdlib's tree untouched).
        "config-logging": ("config_report", "logging", {"FEMTOLOGGING_STDLIB_BRIDGE": "0"}),
        "config-femtologging": ("config_report", "femtologging", {}),
        "fast-pythonjsonlogger": ("fast_path_report", "pythonjsonlogger", {}),
        "fast-femtologging.json": ("fast_path_report", "femtologging.json", {}),
    }
    started = {
        key: start_child(function, root / key, argument, env=env)
        for key, (function, argument, env) in jobs.items()
    }
    return {key: child_result(child, root / key) for key, child in started.items()}


def report_of(children: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    report = children[key]
    assert "error" not in report, f"the {key} child failed: {report.get('error')}"
    return report


# --- 2. Configuration files --------------------------------------------------------


def config_outcome(entry: dict[str, Any]) -> dict[str, Any]:
    """A configuration scenario's result, its output split into lines."""
    outcome = {key: value for key, value in entry.items() if key != "served"}
    if "output" in outcome:
        outcome["output"] = outcome["output"].splitlines(keepends=True)
    return outcome


@pytest.mark.parametrize("scenario", CONFIG_IDS)
def test_configured_python_json_logger_writes_the_same_bytes(
    scenario: str, children: dict[str, dict[str, Any]]
) -> None:
    key = f"pythonjsonlogger:{scenario}"
    expected = report_of(children, "config-logging")[key]
    actual = report_of(children, "config-femtologging")[key]
    assert "configured" not in expected, expected
    assert expected["output"], expected
    assert_same(config_outcome(actual), config_outcome(expected))


@pytest.mark.parametrize("library", ["logging", "femtologging"])
@pytest.mark.parametrize("scenario", CONFIG_IDS)
def test_femtologging_json_by_dotted_name_in_configurations(
    scenario: str, library: str, children: dict[str, dict[str, Any]]
) -> None:
    """`femtologging.json.JsonFormatter` named in a configuration, read by
    the stdlib's config and by femtologging's, writes python-json-logger's
    bytes."""
    expected = report_of(children, "config-logging")[f"pythonjsonlogger:{scenario}"]
    actual = report_of(children, f"config-{library}")[f"femtologging.json:{scenario}"]
    assert_same(config_outcome(actual), config_outcome(expected))


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("scenario", FAST_CONFIG_IDS)
def test_fast_path_serves_configured_json_formatters(
    scenario: str, source: str, children: dict[str, dict[str, Any]]
) -> None:
    entry = report_of(children, "config-femtologging")[f"{source}:{scenario}"]
    assert "configured" not in entry, entry
    calls = enabled_calls(CONFIG_CALLS)
    fast, python = entry["served"]
    assert fast == calls, f"{fast} of {calls} calls served natively ({python} by Python)"


# --- 4. The fast path ------------------------------------------------------------------


def fast_keys(source: str) -> list[str]:
    return [f"{case.id}-{kind}" for case in fast_cases(source) for kind in KINDS]


def lines_of(output: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.splitlines(keepends=True) if isinstance(value, str) else value
        for key, value in output.items()
    }


def check_served(entry: dict[str, Any]) -> None:
    fast, python = entry["served"]
    calls = entry["calls"]
    assert fast == calls, f"{fast} of {calls} calls served natively ({python} by Python)"


@pytest.mark.parametrize("key", fast_keys("pythonjsonlogger"))
def test_fast_path_serves_python_json_logger(key: str, children: dict[str, dict[str, Any]]) -> None:
    check_served(report_of(children, "fast-pythonjsonlogger")[key])


@pytest.mark.parametrize("key", fast_keys("pythonjsonlogger"))
def test_fast_path_writes_python_json_loggers_bytes(
    key: str, children: dict[str, dict[str, Any]]
) -> None:
    """The output of the fast-path run (in its fresh interpreter) is the
    stdlib's too."""
    entry = report_of(children, "fast-pythonjsonlogger")[key]
    assert_same(lines_of(entry["actual"]), lines_of(entry["expected"]))


@pytest.mark.parametrize("key", fast_keys("femtologging.json"))
def test_fast_path_serves_femtologging_json(key: str, children: dict[str, dict[str, Any]]) -> None:
    check_served(report_of(children, "fast-femtologging.json")[key])


@pytest.mark.parametrize("key", fast_keys("femtologging.json"))
def test_fast_path_of_femtologging_json_writes_python_json_loggers_bytes(
    key: str, children: dict[str, dict[str, Any]]
) -> None:
    entry = report_of(children, "fast-femtologging.json")[key]
    assert_same(lines_of(entry["actual"]), lines_of(entry["expected"]))


# --- 6. Hypothesis: escaping and numbers ----------------------------------------------

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

SPECIAL_CHARACTERS = (
    '"\\/%{}$\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f \x7f\x80\x9f\xa0\xe9\xff'
    "\u0100\u2028\u2029\ufeff\ufffd\uffff\U0001f600\U0010ffff\ud800\udbff\udc00\udfff"
)
#: Any code point, lone surrogates included, with the special ones often.
CHARACTERS = st.sampled_from(SPECIAL_CHARACTERS) | st.characters(exclude_categories=())
TEXT = st.text(CHARACTERS, max_size=12)
KEYS = st.text(CHARACTERS, min_size=1, max_size=6)

INTEGERS = st.integers() | st.sampled_from(
    [0, -1, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, -(10**40), 10**4299, 10**4300]
)
FLOATS = st.floats() | st.sampled_from(
    [
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1e-7,
        1e16,
        1e22,
        0.1,
        1.7976931348623157e308,
        # Exactly halfway between two 17-digit decimals: repr() rounds to even.
        272103164043305.12,
        -3271931664.5039062,
        math.nan,
        math.inf,
        -math.inf,
    ]
)
CLOCK_READINGS = (
    st.integers(min_value=-(10**17), max_value=2 * 10**18)
    | st.sampled_from([0, -1, 1, 999_999_999, FROZEN_NS, 1_700_000_000_999_999_999])
    if NS_CLOCK
    else st.floats(min_value=-1e11, max_value=1e11)
    | st.sampled_from(
        [0.0, -0.0, 5e-324, 1e-7, -1e-7, FROZEN_SECONDS, 1_700_000_000.999_999_9]
        + [-3271931664.5039062, 253402300800.0]
        + [math.nan, math.inf, -math.inf]
    )
)


@pytest.fixture(params=SOURCES)
def formatter_classes(request: pytest.FixtureRequest, json_logger: dict[str, Any]) -> tuple:
    """(python-json-logger's class, the class under test)."""
    reference = json_logger["pythonjsonlogger.json"]
    if request.param == "pythonjsonlogger":
        return reference, reference
    return reference, own_formatter_class()


def compare_json(
    formatter_classes: tuple,
    options: dict[str, Any],
    calls: Sequence[Call],
    directory: Path,
    name: str,
    clock: tuple[float, int] = FROZEN,
) -> None:
    reference, cls = formatter_classes
    expected, actual = run_variants(
        [(logging, lambda: reference(**options)), (femtologging, lambda: cls(**options))],
        calls,
        directory,
        name,
        clock=clock,
    )
    check_nonempty(expected)
    assert_same(actual.lines(), expected.lines())


@SETTINGS
@given(text=TEXT, ensure_ascii=st.booleans())
def test_escaping_in_messages(
    formatter_classes: tuple, tmp_path: Path, text: str, ensure_ascii: bool
) -> None:
    compare_json(
        formatter_classes,
        {"fmt": PERCENT, "json_ensure_ascii": ensure_ascii},
        [lambda logger: logger.warning(text), lambda logger: logger.info("%s|%r", text, text)],
        tmp_path,
        "json.escaping.message",
    )


@SETTINGS
@given(key=KEYS, value=TEXT, ensure_ascii=st.booleans())
def test_escaping_in_extra_keys_and_values(
    formatter_classes: tuple, tmp_path: Path, key: str, value: str, ensure_ascii: bool
) -> None:
    compare_json(
        formatter_classes,
        {"json_ensure_ascii": ensure_ascii},
        [lambda logger: logger.info("extra", extra={key: value, "nested": {key: [value]}})],
        tmp_path,
        "json.escaping.extra",
    )


@SETTINGS
@given(key=KEYS, value=TEXT, ensure_ascii=st.booleans())
def test_escaping_in_static_fields(
    formatter_classes: tuple, tmp_path: Path, key: str, value: str, ensure_ascii: bool
) -> None:
    compare_json(
        formatter_classes,
        {"static_fields": {key: value, "list": [value]}, "json_ensure_ascii": ensure_ascii},
        [lambda logger: logger.info("static")],
        tmp_path,
        "json.escaping.static",
    )


@SETTINGS
@given(number=INTEGERS | FLOATS)
def test_number_formats_of_extra_values(
    formatter_classes: tuple, tmp_path: Path, number: float | int
) -> None:
    compare_json(
        formatter_classes,
        {"fmt": "%(message)s %(number)s"},
        [
            lambda logger: logger.info(
                "n", extra={"number": number, "in_list": [number, {"n": number}]}
            )
        ],
        tmp_path,
        "json.numbers.extra",
    )


@SETTINGS
@given(reading=CLOCK_READINGS)
def test_number_formats_of_the_clock(
    formatter_classes: tuple, tmp_path: Path, reading: float | int
) -> None:
    """created/msecs/relativeCreated, asctime and the timestamp under any
    clock reading; readings Python cannot stamp or date raise or report."""
    compare_json(
        formatter_classes,
        {
            "fmt": "%(created)s %(msecs)s %(relativeCreated)s %(asctime)s %(message)s",
            "timestamp": True,
        },
        [lambda logger: logger.info("clock")],
        tmp_path,
        "json.numbers.clock",
        clock=clock_pair(reading),
    )
