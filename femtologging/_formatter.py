"""Formatters: the three format styles, `Formatter` and `BufferingFormatter`.

These are the Python-visible formatters. When a handler is served by the Rust
fast path, its formatter is compiled into a native template instead
(see `native_template`), which prints the same bytes.
"""

import io
import re
import string
import sys
import time
import traceback
from collections.abc import Callable

from . import _femtologging_rs as _rs
from . import _globals

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

    from ._femtologging_rs import NativeFormat

BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"

#: The modules of the JSON formatter classes `_json_native` compiles: no
#: formatter is of one of those classes before its module is imported.
JSON_FORMATTER_MODULES = ("femtologging.json", "pythonjsonlogger.json")


#: The traceback module's functions as they are at import. `_exception_text`
#: (loaded later) memoizes only while these are still in place: one replaced
#: in the meantime is called, as by the stdlib's Formatter.
TRACEBACK_AT_IMPORT = (
    traceback.print_exception,
    traceback.format_exception_only,
    traceback.TracebackException,
    getattr(traceback.StackSummary, "format_frame_summary", None),
)


def exception_text(exc_info: "Any") -> str:
    """The stdlib `Formatter.formatException` text, from `_exception_text`
    (its stack part memoized), loaded with the first exception formatted."""
    memoizing = _globals.optional_submodule("_exception_text")
    if memoizing is None:
        return traceback_text(exc_info)
    return memoizing.exception_text(exc_info)  # type: ignore[no-any-return]


def traceback_text(exc_info: "Any") -> str:
    """What the stdlib's `Formatter.formatException` returns, made the way
    it makes it."""
    with io.StringIO() as buffer:
        # Positional, as the stdlib's Formatter calls it (a patched
        # print_exception may depend on that).
        traceback.print_exception(exc_info[0], exc_info[1], exc_info[2], None, buffer)
        text = buffer.getvalue()
    return text[:-1] if text.endswith("\n") else text


def is_json_formatter(formatter: "Any") -> bool:
    """Whether `formatter` is a JSON formatter `_json_native` compiles; that
    module is loaded only once a module defining one is imported. (If that
    is too late, at exit, the formatter runs in Python: the same bytes.)"""
    if not any(name in sys.modules for name in JSON_FORMATTER_MODULES):
        return False
    json_native = _globals.optional_submodule("_json_native")
    return json_native is not None and json_native.is_json_formatter(formatter)


class PercentStyle:
    """`%(name)s` formats, merged with `%` against the record's dict."""

    default_format = "%(message)s"
    asctime_format = "%(asctime)s"
    asctime_search = "%(asctime)"
    validation_pattern = re.compile(r"%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]", re.I)

    def __init__(self, fmt: "str | None", *, defaults: "dict[str, Any] | None" = None) -> None:
        self._fmt = fmt or self.default_format
        self._defaults = defaults

    def usesTime(self) -> bool:
        return self.asctime_search in self._fmt

    def validate(self) -> None:
        """Raises ValueError unless the format names at least one field."""
        if not self.validation_pattern.search(self._fmt):
            raise ValueError(f"Invalid format '{self._fmt}' for '{self.default_format[0]}' style")

    def _values(self, record: "Any") -> "dict[str, Any]":
        if self._defaults:
            return {**self._defaults, **record.__dict__}
        return record.__dict__

    def _format(self, record: "Any") -> str:
        return self._fmt % self._values(record)

    def format(self, record: "Any") -> str:
        try:
            return self._format(record)
        except KeyError as missing:
            # Chained, as the stdlib's: tracebacks show the KeyError too.
            raise ValueError(f"Formatting field not found in record: {missing}")  # noqa: B904

    def __setattr__(self, name: str, value: "Any") -> None:
        # Code in the wild edits `formatter._style._fmt`: compiled formats
        # made from the old value must not be used any more.
        object.__setattr__(self, name, value)
        _globals.configuration_changed()


class StrFormatStyle(PercentStyle):
    """`{name}` formats, merged with `str.format`."""

    default_format = "{message}"
    asctime_format = "{asctime}"
    asctime_search = "{asctime"

    fmt_spec = re.compile(
        r"^(.?[<>=^])?[+ -]?#?0?(\d+|{\w+})?[,_]?(\.(\d+|{\w+}))?[bcdefgnosx%]?$", re.I
    )
    field_spec = re.compile(r"^(\d+|\w+)(\.\w+|\[[^]]+\])*$")

    def _format(self, record: "Any") -> str:
        return self._fmt.format(**self._values(record))

    def validate(self) -> None:
        fields = set()
        try:
            for _, field, spec, conversion in string.Formatter().parse(self._fmt):
                if field:
                    if not self.field_spec.match(field):
                        raise ValueError(f"invalid field name/expression: {field!r}")
                    fields.add(field)
                if conversion and conversion not in "rsa":
                    raise ValueError(f"invalid conversion: {conversion!r}")
                if spec and not self.fmt_spec.match(spec):
                    raise ValueError(f"bad specifier: {spec!r}")
        except ValueError as error:
            raise ValueError(f"invalid format: {error}")  # noqa: B904
        if not fields:
            raise ValueError("invalid format: no fields")


class StringTemplateStyle(PercentStyle):
    """`${name}` formats, merged with `string.Template.substitute`."""

    default_format = "${message}"
    asctime_format = "${asctime}"
    asctime_search = "${asctime}"

    def __init__(self, *args: "Any", **kwargs: "Any") -> None:
        super().__init__(*args, **kwargs)
        self._tpl = string.Template(self._fmt)

    def usesTime(self) -> bool:
        return "$asctime" in self._fmt or self.asctime_search in self._fmt

    def validate(self) -> None:
        fields = set()
        for match in string.Template.pattern.finditer(self._fmt):
            groups = match.groupdict()
            if groups["named"]:
                fields.add(groups["named"])
            elif groups["braced"]:
                fields.add(groups["braced"])
            elif match.group(0) == "$":
                raise ValueError("invalid format: bare '$' not allowed")
        if not fields:
            raise ValueError("invalid format: no fields")

    def _format(self, record: "Any") -> str:
        return self._tpl.substitute(**self._values(record))


_STYLES: "dict[str, tuple[type[PercentStyle], str]]" = {
    "%": (PercentStyle, BASIC_FORMAT),
    "{": (StrFormatStyle, "{levelname}:{name}:{message}"),
    "$": (StringTemplateStyle, "${levelname}:${name}:${message}"),
}


class Formatter:
    """Turns a record into text: message, time, traceback and stack."""

    converter: "Callable[..., time.struct_time]" = time.localtime
    default_time_format = "%Y-%m-%d %H:%M:%S"
    default_msec_format: "str | None" = "%s,%03d"

    def __init__(
        self,
        fmt: "str | None" = None,
        datefmt: "str | None" = None,
        style: str = "%",
        validate: bool = True,
        *,
        defaults: "dict[str, Any] | None" = None,
    ) -> None:
        if style not in _STYLES:
            raise ValueError("Style must be one of: " + ",".join(_STYLES))
        self._style = _STYLES[style][0](fmt, defaults=defaults)
        if validate:
            self._style.validate()
        self._fmt = self._style._fmt
        self.datefmt = datefmt

    def formatTime(self, record: "Any", datefmt: "str | None" = None) -> str:
        moment = self.converter(record.created)
        if datefmt:
            return time.strftime(datefmt, moment)
        text = time.strftime(self.default_time_format, moment)
        if self.default_msec_format:
            text = self.default_msec_format % (text, record.msecs)
        return text

    def formatException(self, ei: "Any") -> str:
        return exception_text(ei)

    def usesTime(self) -> bool:
        return self._style.usesTime()

    def formatMessage(self, record: "Any") -> str:
        return self._style.format(record)

    def formatStack(self, stack_info: str) -> str:
        return stack_info

    def format(self, record: "Any") -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            if not text.endswith("\n"):
                text += "\n"
            text += record.exc_text
        if record.stack_info:
            if not text.endswith("\n"):
                text += "\n"
            text += self.formatStack(record.stack_info)
        return text

    def __setattr__(self, name: str, value: "Any") -> None:
        object.__setattr__(self, name, value)
        _globals.configuration_changed()


_defaultFormatter = Formatter()

#: Formatter methods whose stock behaviour the native template reproduces.
_NATIVE_METHODS = (
    "format",
    "formatTime",
    "formatMessage",
    "formatException",
    "formatStack",
    "usesTime",
)
#: Captured at import, so a later `Formatter.format = ...` is not "stock".
_STOCK_METHODS = {name: getattr(Formatter, name) for name in _NATIVE_METHODS}
#: Style classes the core renders natively, by the key NativeFormat takes.
_NATIVE_STYLES = {PercentStyle: "%", StrFormatStyle: "{", StringTemplateStyle: "$"}
#: Each native style's methods as defined here, captured at import.
_STOCK_STYLE_METHODS = {
    cls: tuple((name, getattr(cls, name)) for name in ("format", "usesTime", "_values", "_format"))
    for cls in _NATIVE_STYLES
}
_HAS_TASK_NAME = sys.version_info >= (3, 12)


def converter_is_utc(formatter: "Any") -> "bool | None":
    """Whether the formatter's `converter` is `time.gmtime` (True) or
    `time.localtime` (False); None for any other, which only Python follows."""
    converter = formatter.converter
    if converter is time.gmtime:
        return True
    if converter is time.localtime:
        return False
    return None


def native_format(formatter: "Formatter | None") -> "NativeFormat | None":
    """The formatter compiled for the Rust core, or None when only Python can
    reproduce its output (a subclass with its own methods, `defaults`, a
    custom converter, a field spec the core does not reproduce, ...).
    Compiled once per setting."""
    if formatter is None:
        formatter = _defaultFormatter
    if is_json_formatter(formatter):
        return _globals.submodule("_json_native").compile_json(formatter)  # type: ignore[no-any-return]
    cls = type(formatter)
    if any(getattr(cls, name, None) is not _STOCK_METHODS[name] for name in _NATIVE_METHODS):
        return None
    style = getattr(formatter, "_style", None)
    style_key = _NATIVE_STYLES.get(type(style))
    if style_key is None or style._defaults:
        return None
    stock_methods = _STOCK_STYLE_METHODS[type(style)]
    if any(getattr(type(style), name) is not stock for name, stock in stock_methods):
        return None
    # What the style formats with: `$` styles compiled their Template at init.
    source = style._tpl.template if style_key == "$" else style._fmt
    utc = converter_is_utc(formatter)
    if utc is None:
        return None
    key = (
        source,
        formatter.datefmt,
        utc,
        formatter.default_time_format,
        formatter.default_msec_format,
        style_key,
    )
    cached = formatter.__dict__.get("_femto_native")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        native = _rs.NativeFormat(*key[:5], _HAS_TASK_NAME, style_key)
    except (ValueError, TypeError):
        native = None
    # Stored without __setattr__: a cache entry changes no routing.
    object.__setattr__(formatter, "_femto_native", (key, native))
    return native


class BufferingFormatter:
    """Formats a batch of records: header, each record, footer."""

    def __init__(self, linefmt: "Formatter | None" = None) -> None:
        self.linefmt = linefmt or _defaultFormatter

    def formatHeader(self, records: "list[Any]") -> str:
        return ""

    def formatFooter(self, records: "list[Any]") -> str:
        return ""

    def format(self, records: "list[Any]") -> str:
        if not records:
            return ""
        return (
            self.formatHeader(records)
            + "".join(self.linefmt.format(record) for record in records)
            + self.formatFooter(records)
        )
