"""Differential tests: Formatter (the three styles, validation, defaults,
field specs, times, converters, exception and stack text), the style classes
and BufferingFormatter; stdlib `logging` vs femtologging."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import api_support as support
import pytest

isolate_logging = support.isolate_logging
STD, FEM = support.STD, support.FEM
assert_same = support.assert_same


KINDS = ["stream", "file"]


def _handler(m: ModuleType, kind: str, directory: Path) -> tuple[Any, Any]:
    """A StreamHandler on a StringIO, or a FileHandler (written by femtologging's
    worker), and a function that returns what it wrote."""
    if kind == "stream":
        handler = support.stream_handler(m)
        return handler, handler.stream.getvalue
    path = directory / f"{m.__name__}.log"
    path.unlink(missing_ok=True)
    handler = m.FileHandler(path, encoding="utf-8")

    def read() -> str:
        handler.flush()
        return path.read_text(encoding="utf-8")

    return handler, read


def _log_a_few(logger: Any) -> None:
    logger.warning("plain")
    logger.error("args %s %d", "x", 7)
    logger.critical("unicode é ☃ %r", "q")
    try:
        raise ValueError("formatted traceback")
    except ValueError:
        logger.exception("with exception")
    logger.warning("with stack", stack_info=True)
    logger.warning("")
    logger.warning("trailing newline\n")


FORMATS: list[tuple[str | None, str]] = [
    (None, "%"),
    (None, "{"),
    (None, "$"),
    ("%(levelname)-8s|%(name).3s|%(lineno)5d|%(message)10.4s|", "%"),
    ("%(levelno)x %(levelno)#o %(levelno)+d %(levelno)-4d| %(message)r", "%"),
    ("%(process)08d %(thread)d %(threadName)s %(processName)s %(funcName)s", "%"),
    ("%(pathname)s %(filename)s %(module)s %(message)s %%", "%"),
    ("%(msg)s %(args)s %(exc_info).0s %(stack_info).5s", "%"),
    ("{levelname:>8}|{name:.3}|{lineno:05d}|{message!r:^30}|", "{"),
    ("{levelname!s:*<10} {levelno:x} {{literal}} {message}", "{"),
    ("{name}{funcName}{module}{filename}{message:>{levelno}}", "{"),
    ("${levelname} $name $$ ${message}", "$"),
    ("$levelname:$message:${lineno}", "$"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fmt", "style"), FORMATS, ids=repr)
def test_formats_through_a_logger(tmp_path: Path, fmt: str | None, style: str, kind: str) -> None:
    def scenario(m: ModuleType) -> Any:
        handler, read = _handler(m, kind, tmp_path)
        handler.setFormatter(m.Formatter(fmt, style=style))
        logger = support.isolated_logger(m, "fmt.logger", handler)
        _log_a_few(logger)
        return support.strip_library_frames(read())

    assert "plain" in assert_same(scenario)


ASCTIME_FORMATS: list[tuple[str, str]] = [
    ("%(asctime)s %(message)s", "%"),
    ("%(asctime)-30s|%(message)s", "%"),
    ("{asctime} {message}", "{"),
    ("${asctime} ${message}", "$"),
]


def _mask_digits(text: str) -> str:
    return re.sub(r"\d", "9", text)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("msec_format", ["unset", None, "%s.%03d", "%s,%06.2f"])
@pytest.mark.parametrize("time_format", ["unset", "%H:%M:%S", "%Y"])
@pytest.mark.parametrize(("fmt", "style"), ASCTIME_FORMATS)
def test_asctime_through_a_logger(
    tmp_path: Path, fmt: str, style: str, time_format: str, msec_format: str | None, kind: str
) -> None:
    """The time itself differs between the two runs: digits are masked."""

    def scenario(m: ModuleType) -> Any:
        formatter = m.Formatter(fmt, style=style)
        if time_format != "unset":
            formatter.default_time_format = time_format
        if msec_format != "unset":
            formatter.default_msec_format = msec_format
        handler, read = _handler(m, kind, tmp_path)
        handler.setFormatter(formatter)
        logger = support.isolated_logger(m, "fmt.asctime", handler)
        logger.warning("timed")
        return _mask_digits(read()), formatter.usesTime()

    assert "timed" in assert_same(scenario)[0]


@pytest.fixture
def timezone() -> Iterator[None]:
    """A zone with a half-hour offset, so local time and UTC differ in %z and %M."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "IST-05:30"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["instance", "class", "subclass"])
@pytest.mark.parametrize("converter", ["localtime", "gmtime"])
def test_converter_through_a_logger(
    tmp_path: Path, where: str, converter: str, kind: str, timezone: None
) -> None:
    def scenario(m: ModuleType) -> Any:
        chosen = getattr(time, converter)
        if where == "subclass":
            klass = type("Converted", (m.Formatter,), {"converter": chosen})
            formatter = klass("%(asctime)s %(message)s", datefmt="%z|%Z")
        else:
            formatter = m.Formatter("%(asctime)s %(message)s", datefmt="%z|%Z")
            target = formatter if where == "instance" else m.Formatter
            target.converter = chosen
        handler, read = _handler(m, kind, tmp_path)
        handler.setFormatter(formatter)
        logger = support.isolated_logger(m, "fmt.converter", handler)
        logger.warning("zoned")
        return read()

    result = assert_same(scenario)
    assert result.startswith("+0530" if converter == "localtime" else "+0000")


CREATED = [0.0, 1_700_000_000.0, 1_700_000_000.9995, 1_699_999_999.123456, 951_782_400.5]
DATEFMTS = [None, "", "%Y-%m-%d", "%d/%m/%y %I:%M:%S %p", "%j %U %w %a %b", "%H:%M:%S.%%f", "%z"]


@pytest.mark.parametrize("datefmt", DATEFMTS, ids=repr)
@pytest.mark.parametrize("created", CREATED)
@pytest.mark.parametrize("converter", ["localtime", "gmtime"])
def test_format_time(created: float, datefmt: str | None, converter: str, timezone: None) -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.makeLogRecord({"created": created, "msecs": (created % 1) * 1000})
        formatter = m.Formatter("%(asctime)s|%(message)s", datefmt=datefmt)
        formatter.converter = getattr(time, converter)
        text = formatter.format(record)
        return formatter.formatTime(record), formatter.formatTime(record, datefmt), text

    assert_same(scenario)


def test_format_time_class_attributes() -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.makeLogRecord({"created": 1_700_000_000.25, "msecs": 250.0})
        results = []
        m.Formatter.default_time_format = "%Y/%m/%d"
        results.append(m.Formatter().formatTime(record))
        m.Formatter.default_msec_format = None
        results.append(m.Formatter().formatTime(record))
        m.Formatter.converter = time.gmtime
        m.Formatter.default_time_format = "%H:%M:%S"
        m.Formatter.default_msec_format = "%s+%03d"
        results.append(m.Formatter("%(asctime)s").format(record))
        return results

    assert assert_same(scenario)[2].startswith("22:13:20+250")


def test_python_function_as_class_converter() -> None:
    """A plain function set on the class becomes a method: called with self."""

    def scenario(m: ModuleType) -> Any:
        def convert(*args: Any) -> Any:
            return time.gmtime(args[-1])

        m.Formatter.converter = convert
        record = m.makeLogRecord({"created": 0.0, "msecs": 0.0})
        return support.outcome(lambda _: m.Formatter().formatTime(record), m)

    assert_same(scenario)


USES_TIME = [
    ("%(asctime)s", "%"),
    ("%(asctime)-10s", "%"),
    ("%(asctime)", "%"),
    ("asctime", "%"),
    ("{asctime}", "{"),
    ("{asctime:>20}", "{"),
    ("{asctime!r}", "{"),
    ("{message}", "{"),
    ("$asctime", "$"),
    ("${asctime}", "$"),
    ("$asctimes", "$"),
    ("${message}", "$"),
]


@pytest.mark.parametrize(("fmt", "style"), USES_TIME)
def test_uses_time(fmt: str, style: str) -> None:
    assert_same(lambda m: m.Formatter(fmt, style=style, validate=False).usesTime())


INVALID = [
    ("%(message)", "%"),
    ("no fields", "%"),
    ("%(message)z", "%"),
    ("%s", "%"),
    pytest.param("{message", "{"),
    ("{}", "{"),
    ("{0}", "{"),
    pytest.param("{message!x}", "{"),
    pytest.param("{message:>>>}", "{"),
    ("{a.b[c]}", "{"),
    pytest.param("{a-b}", "{"),
    ("plain", "{"),
    ("$", "$"),
    ("plain", "$"),
    ("${message", "$"),
    ("$1", "$"),
    ("$message $", "$"),
    ("%(message)s", "?"),
    ("%(message)s", ""),
]


@pytest.mark.parametrize(("fmt", "style"), INVALID, ids=repr)
def test_validation_errors(fmt: str, style: str) -> None:
    def scenario(m: ModuleType) -> Any:
        return support.outcome(lambda _: m.Formatter(fmt, style=style)._fmt, m)

    assert_same(scenario)


@pytest.mark.parametrize(
    ("fmt", "style"), [getattr(case, "values", case) for case in INVALID], ids=repr
)
def test_validation_error_types_and_messages(fmt: str, style: str) -> None:
    """The type and message of the validation error (its chain is tested above)."""

    def scenario(m: ModuleType) -> Any:
        result = support.outcome(lambda _: m.Formatter(fmt, style=style)._fmt, m)
        return (result.type_name, result.message) if isinstance(result, support.Raised) else result

    assert_same(scenario)


FORMAT_TIME_ERRORS = [
    ("%(missing)s", "%"),
    ("%(message)d", "%"),
    ("%(message)", "%"),
    ("{missing}", "{"),
    ("{message:d}", "{"),
    ("{message.attr}", "{"),
    ("${missing}", "$"),
    ("$", "$"),
]


def _format_failure(m: ModuleType, fmt: str, style: str) -> Any:
    handler = support.stream_handler(m)
    handler.setFormatter(m.Formatter(fmt, style=style, validate=False))
    logger = support.isolated_logger(m, "fmt.broken", handler)
    with support.captured_stderr() as err:
        logger.warning("message %s", "arg")
    direct = support.outcome(
        lambda _: handler.formatter.format(m.makeLogRecord({"msg": "direct"})), m
    )
    return handler.stream.getvalue(), direct, support.strip_library_frames(err.getvalue())


@pytest.mark.parametrize(
    ("fmt", "style"),
    [case for case in FORMAT_TIME_ERRORS],
    ids=repr,
)
def test_errors_at_format_time(fmt: str, style: str) -> None:
    """Format-time failures reach handleError; the same text on stderr."""
    output, direct, stderr = assert_same(lambda m: _format_failure(m, fmt, style))
    assert output == "" and "--- Logging error ---" in stderr


@pytest.mark.parametrize("style", ["%", "{", "$"])
def test_format_time_missing_field_message(style: str) -> None:
    """Type and message of the missing-field error (its chain is tested above)."""
    fmt = {"%": "%(missing)s", "{": "{missing}", "$": "${missing}"}[style]

    def scenario(m: ModuleType) -> Any:
        _, direct, stderr = _format_failure(m, fmt, style)
        return direct.type_name, direct.message, stderr.splitlines()[-5:]

    assert_same(scenario)


DEFAULTS_CASES = [
    ("%(ip)s %(user)s %(message)s", "%"),
    ("{ip} {user:>6} {message}", "{"),
    ("${ip} ${user} ${message}", "$"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fmt", "style"), DEFAULTS_CASES)
def test_defaults(tmp_path: Path, fmt: str, style: str, kind: str) -> None:
    def scenario(m: ModuleType) -> Any:
        formatter = m.Formatter(fmt, style=style, defaults={"ip": "-", "user": "anon"})
        handler, read = _handler(m, kind, tmp_path)
        handler.setFormatter(formatter)
        logger = support.isolated_logger(m, "fmt.defaults", handler)
        logger.warning("none")
        logger.warning("both", extra={"ip": "10.0.0.1", "user": "ann"})
        logger.warning("ip only", extra={"ip": "10.0.0.2"})
        return read()

    assert "anon" in assert_same(scenario)


def test_formatter_attributes() -> None:
    def scenario(m: ModuleType) -> Any:
        results = []
        for args, kwargs in [
            ((), {}),
            (("%(message)s", "%H"), {}),
            ((None,), {"style": "{"}),
            ((None,), {"style": "$"}),
            (("{message}",), {"style": "{", "validate": False, "defaults": {"a": 1}}),
        ]:
            formatter = m.Formatter(*args, **kwargs)
            results.append(
                (
                    formatter._fmt,
                    formatter.datefmt,
                    type(formatter._style).__name__,
                    formatter._style._fmt,
                    formatter._style._defaults,
                    formatter.default_time_format,
                    formatter.default_msec_format,
                    formatter.converter is time.localtime,
                )
            )
        return results

    assert_same(scenario)


def test_subclass_hooks() -> None:
    def scenario(m: ModuleType) -> Any:
        calls: list[Any] = []

        class Hooked(m.Formatter):  # type: ignore[name-defined,misc]
            def formatMessage(self, record: Any) -> str:
                calls.append("formatMessage")
                return "<" + super().formatMessage(record) + ">"

            def formatException(self, ei: Any) -> str:
                calls.append(("formatException", ei[0].__name__))
                return "EXC:" + ei[0].__name__

            def formatStack(self, stack_info: str) -> str:
                calls.append("formatStack")
                return "STACK:" + str(len(stack_info) > 0)

            def formatTime(self, record: Any, datefmt: str | None = None) -> str:
                calls.append(("formatTime", datefmt))
                return "TIME"

            def usesTime(self) -> bool:
                calls.append("usesTime")
                return True

        handler = support.stream_handler(m)
        handler.setFormatter(Hooked("%(levelname)s %(message)s %(asctime)s", "%Y"))
        logger = support.isolated_logger(m, "fmt.hooks", handler)
        logger.warning("one")
        try:
            raise KeyError("k")
        except KeyError:
            logger.exception("two")
        logger.warning("three", stack_info=True)
        return handler.stream.getvalue(), calls

    assert "EXC:KeyError" in assert_same(scenario)[0]


def test_handler_format_uses_the_default_formatter() -> None:
    def scenario(m: ModuleType) -> Any:
        handler = support.stream_handler(m)
        logger = support.isolated_logger(m, "fmt.default", handler)
        logger.warning("default %s", "format")
        record = m.makeLogRecord({"msg": "direct", "levelname": "INFO", "name": "n"})
        return handler.stream.getvalue(), handler.format(record), m._defaultFormatter._fmt

    assert assert_same(scenario)[0] == "default format\n"


def test_format_exception_and_stack() -> None:
    def scenario(m: ModuleType) -> Any:
        formatter = m.Formatter()
        try:
            try:
                raise KeyError("inner")
            except KeyError as error:
                raise RuntimeError("outer") from error
        except RuntimeError:
            text = formatter.formatException(sys.exc_info())
        record = m.makeLogRecord({"msg": "m", "exc_info": sys.exc_info(), "stack_info": "S"})
        return text, formatter.formatStack("abc\n"), formatter.format(record)

    assert "The above exception was the direct cause" in assert_same(scenario)[0]


def test_exc_text_set_elsewhere_is_used() -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.makeLogRecord({"msg": "m", "exc_text": "precomputed", "stack_info": "st"})
        formatter = m.Formatter("%(message)s|%(exc_text)s")
        return formatter.format(record), record.message

    assert assert_same(scenario)[0] == "m|precomputed\nprecomputed\nst"


def test_style_classes() -> None:
    def scenario(m: ModuleType) -> Any:
        record = m.makeLogRecord({"msg": "hi", "levelname": "INFO", "name": "n"})
        record.message = record.getMessage()
        record.asctime = "T"
        results = []
        for klass, fmt in [
            (m.PercentStyle, "%(levelname)s:%(message)s"),
            (m.StrFormatStyle, "{levelname}:{message}"),
            (m.StringTemplateStyle, "${levelname}:$message"),
        ]:
            style = klass(fmt)
            default = klass(None)
            with_defaults = klass(
                fmt.replace("levelname", "extra_field"), defaults={"extra_field": 1}
            )
            results.append(
                (
                    style.format(record),
                    style.usesTime(),
                    support.outcome(lambda _, s=style: s.validate(), m),
                    default._fmt,
                    klass.default_format,
                    klass.asctime_format,
                    klass.asctime_search,
                    with_defaults.format(record),
                )
            )
        styles = {key: (value[0].__name__, value[1]) for key, value in m._STYLES.items()}
        return results, styles, m.BASIC_FORMAT

    assert_same(scenario)


def test_buffering_formatter() -> None:
    def scenario(m: ModuleType) -> Any:
        class Framed(m.BufferingFormatter):  # type: ignore[name-defined,misc]
            def formatHeader(self, records: list[Any]) -> str:
                return f"[{len(records)}:"

            def formatFooter(self, records: list[Any]) -> str:
                return ":end]"

        records = [m.makeLogRecord({"msg": f"r{i}", "levelname": "INFO"}) for i in range(3)]
        line = m.Formatter("%(levelname)s %(message)s;")
        return (
            m.BufferingFormatter().format(records),
            m.BufferingFormatter(line).format(records),
            Framed(line).format(records),
            Framed(line).format([]),
            m.BufferingFormatter().linefmt is m._defaultFormatter,
        )

    assert assert_same(scenario)[2] == "[3:INFO r0;INFO r1;INFO r2;:end]"


def test_changing_a_formatter_after_attaching_it() -> None:
    """Formatters are read at each record: later changes apply."""

    def scenario(m: ModuleType) -> Any:
        formatter = m.Formatter("A %(message)s")
        handler = support.stream_handler(m)
        handler.setFormatter(formatter)
        logger = support.isolated_logger(m, "fmt.mutate", handler)
        logger.warning("1")
        formatter._style._fmt = "B %(message)s"
        logger.warning("2")
        handler.formatter = m.Formatter("C %(message)s")
        logger.warning("3")
        handler.setFormatter(None)
        logger.warning("4")
        m.StreamHandler.terminator = "|\n"
        logger.warning("5")
        handler.terminator = ";"
        logger.warning("6")
        return handler.stream.getvalue()

    assert assert_same(scenario) == "A 1\nB 2\nC 3\n4\n5|\n6;"
