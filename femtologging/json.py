"""JSON lines: femtologging's own JSON formatter, with no third-party dependency.

This module owns:

- `JsonFormatter`, a `femtologging.Formatter` that writes each record as one
  JSON object. It takes the arguments of python-json-logger's
  `pythonjsonlogger.json.JsonFormatter`, has its overridable methods and
  attributes, and writes the same text, so an application can swap one for
  the other (in code, or by dotted name in `dictConfig`/`fileConfig`) and
  keep its log lines byte for byte;
- `JsonEncoder`, the `json.JSONEncoder` it serializes with by default, which
  writes the values the `json` module cannot (dates and times, exceptions,
  tracebacks, enums, bytes, dataclasses, classes, anything else as text) the
  way python-json-logger's encoder does;
- `RESERVED_ATTRS`, the record attributes left out of the output unless the
  format asks for them.

What goes into the object, in this order (a key that comes again keeps its
first place and takes the later value, as a dict does):

1. `defaults`;
2. the fields the format names, read from the record's `__dict__` (None when
   missing);
3. `static_fields`, then the keys of a dict logged as the message, and the
   formatted `exc_info`/`stack_info`;
4. every other record attribute not reserved and not starting with "_"
   (the `extra` values);
5. the UTC `timestamp`, when asked for;
6. with `rename_fields_keep_missing`, None for each renamed field still absent.

`rename_fields` applies to every key on the way in.
"""

import base64
import dataclasses
import datetime
import enum
import json
import logging as _stdlib_logging
import re
import sys
import traceback
import types
from collections.abc import Callable, Sequence
from typing import Any

from . import _STYLES, Formatter, PercentStyle, StrFormatStyle, StringTemplateStyle

__all__ = ["RESERVED_ATTRS", "JsonEncoder", "JsonFormatter", "LogData"]

#: The data a record turns into before it is serialized.
LogData = dict[str, Any]

#: The attributes every record has (and the two `format` adds): not written
#: as `extra` values. Sorted; `taskName` exists on records from Python 3.12.
RESERVED_ATTRS: "list[str]" = sorted(
    [
        "args",
        "asctime",
        "created",
        "exc_info",
        "exc_text",
        "filename",
        "funcName",
        "levelname",
        "levelno",
        "lineno",
        "message",
        "module",
        "msecs",
        "msg",
        "name",
        "pathname",
        "process",
        "processName",
        "relativeCreated",
        "stack_info",
        "thread",
        "threadName",
    ]
    + (["taskName"] if sys.version_info >= (3, 12) else [])
)

# The field names a format string refers to. These are deliberately loose
# scans, not the styles' own parsers: whatever looks like a field is a field,
# even `%%(name)s` or the inside of `{{...}}`, because that is what
# python-json-logger outputs and the output must not change on a switch.
# `.` (no DOTALL) keeps a field name on one line.
_PERCENT_FIELD = re.compile(r"%\((.+?)\)")
_BRACE_FIELD = re.compile(r"\{(.+?)\}")
# `$$` is consumed as an escape so that `$$name` is not a field. IGNORECASE
# with a Unicode pattern also lets `[a-z]` match the Kelvin sign and a few
# other letters that case-fold into ASCII: kept, for the same reason.
_DOLLAR_FIELD = re.compile(
    r"\$(?:\$|\{(?P<braced>.+?)\}|(?P<named>[_a-z][_a-z0-9]*))", re.IGNORECASE
)

# The `_style` value that marks a format given as a list of field names.
_SEQUENCE_STYLE = "__sequence__"
# python-json-logger's own style: field names separated by commas.
_COMMA_STYLE = ","

# Style objects are recognised in both worlds: femtologging's, and the
# stdlib's for a subclass that installs one itself. The template and brace
# styles derive from the percent style, so they are tested first.
_TEMPLATE_STYLES = (StringTemplateStyle, _stdlib_logging.StringTemplateStyle)
_BRACE_STYLES = (StrFormatStyle, _stdlib_logging.StrFormatStyle)
_PERCENT_STYLES = (PercentStyle, _stdlib_logging.PercentStyle)


def _copy_mapping(mapping: Any) -> "dict[Any, Any]":
    """A plain dict of `mapping`, read key by key through `__getitem__`.

    `dictConfig` hands over its own dict subclass, which resolves `ext://` and
    `cfg://` values only when an item is read with `[]`: `dict(mapping)` or
    `.items()` would keep the unresolved strings.
    """
    return {key: mapping[key] for key in mapping}


def _is_private(key: Any) -> bool:
    # Keys that are not strings (put in a record's `__dict__` by hand) have
    # no "_" prefix to test and are written like any other.
    return hasattr(key, "startswith") and key.startswith("_")


def _as_text(value: Any) -> str:
    """The last resort for a value no rule knows: its str, else its repr."""
    for render in (str, repr):
        try:
            return render(value)
        except Exception:
            continue
    return "__could_not_encode__"


class JsonEncoder(json.JSONEncoder):
    """`json.JSONEncoder` that writes every value instead of raising.

    Only values the `json` module cannot write itself reach `default` (so an
    `IntEnum` or `StrEnum` member is written as its int or str). The rules are
    tried in order; the first that applies gives the value written.
    """

    def default(self, o: Any) -> Any:
        # `datetime` derives from `date`, so this covers all three types.
        if isinstance(o, (datetime.date, datetime.time)):
            return self.format_datetime_obj(o)
        if isinstance(o, BaseException):
            return f"{o.__class__.__name__}: {o}"
        if isinstance(o, types.TracebackType):
            return "".join(traceback.format_tb(o)).strip()
        if isinstance(o, enum.Enum):
            # The value may itself need this method: json calls it again.
            return o.value
        if isinstance(o, enum.EnumMeta):
            # An enum class (before the class rule below): its members' values.
            return [member.value for member in o]
        if isinstance(o, (bytes, bytearray)):
            return base64.urlsafe_b64encode(o).decode("ascii")
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        if isinstance(o, type):
            return o.__name__
        try:
            # Cooperative: an encoder mixed in after this one gets its turn.
            return super().default(o)
        except TypeError:
            return _as_text(o)

    def format_datetime_obj(self, o: "datetime.time | datetime.date | datetime.datetime") -> str:
        """The text of a `datetime`, `date` or `time`: ISO 8601.

        Override this to write them differently.
        """
        return o.isoformat()


class JsonFormatter(Formatter):
    """Formats each record as one JSON object (see the module docstring).

    `fmt` names the fields to write, in order: a format string in the `%`,
    `{` or `$` style (only the field names are used, not the text around
    them), comma-separated names with `style=","`, or a list of names. With
    `validate=False` any other `style` is accepted, for a subclass whose
    `parse` understands it.
    """

    def __init__(
        self,
        fmt: "str | Sequence[str] | None" = None,
        datefmt: "str | None" = None,
        style: str = "%",
        validate: bool = True,
        *,
        prefix: str = "",
        rename_fields: "dict[str, str] | None" = None,
        rename_fields_keep_missing: bool = False,
        static_fields: "dict[str, Any] | None" = None,
        reserved_attrs: "Sequence[str] | None" = None,
        timestamp: "bool | str" = False,
        defaults: "dict[str, Any] | None" = None,
        exc_info_as_array: bool = False,
        stack_info_as_array: bool = False,
        json_default: "Callable[[Any], Any] | None" = None,
        json_encoder: "Callable[..., Any] | None" = None,
        json_serializer: "Callable[..., str]" = json.dumps,
        json_indent: "int | str | None" = None,
        json_ensure_ascii: bool = True,
    ) -> None:
        # Formatter.__init__ is not called: the style rules differ (the comma
        # style, any style when not validating, the error text), and the
        # attributes it would set are all set here.
        if fmt is None or isinstance(fmt, str):
            if style in _STYLES:
                style_object = _STYLES[style][0](fmt)
                if validate:
                    style_object.validate()
                self._style = style_object
                self._fmt = style_object._fmt
            elif style == _COMMA_STYLE or not validate:
                # Kept as the string itself: `parse` (or a subclass's) reads it.
                self._style = style
                self._fmt = fmt
            else:
                raise ValueError("Style must be one of: '%{$,'")
            self._required_fields = self.parse()
        elif isinstance(fmt, Sequence):
            # A list of names needs no parsing; `_fmt` keeps a printable form.
            self._style = _SEQUENCE_STYLE
            self._fmt = str(fmt)
            self._required_fields = list(fmt)
        self.datefmt = datefmt

        self.prefix = prefix
        self.rename_fields = _copy_mapping(rename_fields) if rename_fields is not None else {}
        self.static_fields = _copy_mapping(static_fields) if static_fields is not None else {}
        self.rename_fields_keep_missing = rename_fields_keep_missing
        self.reserved_attrs = set(RESERVED_ATTRS if reserved_attrs is None else reserved_attrs)
        self.timestamp = timestamp
        # Fixed here: later changes to `reserved_attrs` do not change it. Any
        # `fmt` not handled above left `_required_fields` unset: this raises
        # AttributeError, as python-json-logger does.
        self._skip_fields = set(self._required_fields) | self.reserved_attrs
        # Kept as given, not copied: read through `[]` at each record, so
        # `dictConfig` conversions apply.
        self.defaults = defaults if defaults is not None else {}
        self.exc_info_as_array = exc_info_as_array
        self.stack_info_as_array = stack_info_as_array

        self.json_default = json_default
        self.json_encoder = json_encoder
        self.json_serializer = json_serializer
        self.json_indent = json_indent
        self.json_ensure_ascii = json_ensure_ascii
        if not json_encoder and not json_default:
            self.json_encoder = JsonEncoder

    def format(self, record: Any) -> str:
        """The record as a JSON object, after `prefix`.

        Sets `record.message` ("" when the message is a dict, whose keys are
        written as fields) and, when the format names it, `record.asctime`.
        """
        message_dict: dict[str, Any] = {}
        if isinstance(record.msg, dict):
            # A copy: exc_info/stack_info must not land in the caller's dict.
            message_dict = record.msg.copy()
            record.message = ""
        else:
            record.message = record.getMessage()

        if "asctime" in self._required_fields:
            record.asctime = self.formatTime(record, self.datefmt)

        # Formatted afresh on every call, not cached in `exc_text`; a
        # message dict with a truthy "exc_info" of its own keeps it.
        if record.exc_info and not message_dict.get("exc_info"):
            message_dict["exc_info"] = self.formatException(record.exc_info)
        if not message_dict.get("exc_info") and record.exc_text:
            message_dict["exc_info"] = record.exc_text
        if record.stack_info and not message_dict.get("stack_info"):
            message_dict["stack_info"] = self.formatStack(record.stack_info)

        log_data: LogData = {}
        self.add_fields(log_data, record, message_dict)
        log_data = self.process_log_record(log_data)
        return self.serialize_log_record(log_data)

    def parse(self) -> "list[str]":
        """The names of the fields `fmt` refers to, in order.

        Override this to support a style of your own (pass `validate=False`;
        `self._style` is then the style string).
        """
        text = self._fmt
        if text is None:
            return []
        style = self._style
        if isinstance(style, str):
            if style == _SEQUENCE_STYLE:
                raise RuntimeError("Must not call parse when fmt is a sequence of strings")
            if style == _COMMA_STYLE:
                names = (part.strip() for part in text.split(","))
                return [name for name in names if name]
        elif isinstance(style, _TEMPLATE_STYLES):
            # `$$` matches with neither group set: an escape, not a field.
            return [
                match["braced"] or match["named"]
                for match in _DOLLAR_FIELD.finditer(text)
                if match["braced"] or match["named"]
            ]
        elif isinstance(style, _BRACE_STYLES):
            return _BRACE_FIELD.findall(text)
        elif isinstance(style, _PERCENT_STYLES):
            return _PERCENT_FIELD.findall(text)
        raise ValueError(f"Style {style!r} is not supported")

    def add_fields(
        self,
        log_data: "dict[str, Any]",
        record: Any,
        message_dict: "dict[str, Any]",
    ) -> None:
        """Puts the record's fields into `log_data` (see the module docstring).

        Override this to add or change fields.
        """
        # Each key goes through `_get_rename`, except the `extra` values,
        # which read `rename_fields` directly: a subclass that overrides
        # `_get_rename` (code written for python-json-logger does) sees the
        # same calls there as here.
        rename = self._get_rename
        defaults = self.defaults
        for key in defaults:
            log_data[rename(key)] = defaults[key]

        attributes = record.__dict__
        for name in self._required_fields:
            log_data[rename(name)] = attributes.get(name)

        for source in (self.static_fields, message_dict):
            for key, value in source.items():
                log_data[rename(key)] = value

        renames = self.rename_fields
        skip = self._skip_fields
        for key, value in attributes.items():
            if key not in skip and not _is_private(key):
                log_data[renames.get(key, key)] = value

        if self.timestamp:
            key = self.timestamp if isinstance(self.timestamp, str) else "timestamp"
            log_data[rename(key)] = datetime.datetime.fromtimestamp(
                record.created, tz=datetime.timezone.utc
            )

        if self.rename_fields_keep_missing:
            for target in self.rename_fields.values():
                if target not in log_data:
                    log_data[target] = None

    def _get_rename(self, key: str) -> str:
        """The output name of `key`."""
        return self.rename_fields.get(key, key)

    def process_log_record(self, log_data: LogData) -> LogData:
        """The data to serialize: override this to change it last."""
        return log_data

    def jsonify_log_record(self, log_data: LogData) -> str:
        """`log_data` as JSON, through `json_serializer` and the json options."""
        return self.json_serializer(
            log_data,
            default=self.json_default,
            cls=self.json_encoder,
            indent=self.json_indent,
            ensure_ascii=self.json_ensure_ascii,
        )

    def serialize_log_record(self, log_data: LogData) -> str:
        """The formatted line: `prefix` then the JSON."""
        return self.prefix + self.jsonify_log_record(log_data)

    def formatException(self, ei: Any) -> "str | list[str]":  # type: ignore[override]
        """The traceback text, or its lines with `exc_info_as_array`."""
        text = super().formatException(ei)
        return text.splitlines() if self.exc_info_as_array else text

    def formatStack(self, stack_info: str) -> "str | list[str]":  # type: ignore[override]
        """The stack text, or its lines with `stack_info_as_array`."""
        text = super().formatStack(stack_info)
        return text.splitlines() if self.stack_info_as_array else text
