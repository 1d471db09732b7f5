"""Compiling a JSON formatter for the Rust core.

python-json-logger's `JsonFormatter` (also reached as
`pythonjsonlogger.jsonlogger.JsonFormatter`) and femtologging's own
`femtologging.json.JsonFormatter` write the same bytes. When one of them is
used as shipped (its class, no method replaced on the instance, the stock
encoder and `json.dumps`, no indent), its options are compiled into a
`NativeFormat` whose layout follows `add_fields` step for step (see
src/core/format/json.rs); anything else keeps the formatter in Python.
Static and default values are encoded here once, with the formatter's
encoder; `extra` values of other than the JSON scalar types are encoded on
the logging thread, per record, by `json_text`.
"""

import sys

from . import _formatter
from ._femtologging_rs import NativeFormat
from ._globals import set_on_instance
from ._record import STDLIB_RECORD_ATTRIBUTES

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    import json
    from typing import Any

#: The attributes of a stdlib LogRecord of this Python, in `__dict__` order
#: (as at `import femtologging`, though this module is loaded later): what
#: python-json-logger merges when they are not reserved.
RECORD_ATTRS = STDLIB_RECORD_ATTRIBUTES

#: Fields of `fmt` that are the record's own: the others are looked up
#: among its `extra` values (`record.__dict__.get`).
_OWN_FIELDS = frozenset(RECORD_ATTRS) | {"message", "asctime"}

#: Methods whose stock behaviour the layout reproduces: one replaced on the
#: instance sends the formatter through Python.
_HOOKS = (
    "format",
    "parse",
    "add_fields",
    "process_log_record",
    "jsonify_log_record",
    "serialize_log_record",
    "formatTime",
    "formatException",
    "formatStack",
    "_get_rename",
)


def _stock_classes() -> "dict[type, type]":
    """The JSON formatter classes imported so far, with their stock encoder."""
    classes: dict[type, type] = {}
    for name in _formatter.JSON_FORMATTER_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            classes[module.JsonFormatter] = module.JsonEncoder
    return classes


def is_json_formatter(formatter: "Any") -> bool:
    return type(formatter) in _stock_classes()


def _encoder() -> "type[json.JSONEncoder]":
    from .json import JsonEncoder

    return JsonEncoder


def json_text(value: "Any", encoder: "type[json.JSONEncoder] | None" = None) -> "str | None":
    """`value` as the stock encoder writes it with non-ASCII left as is (the
    layout escapes it when `json_ensure_ascii` asks); None when the text
    cannot reach Rust (a lone surrogate) or the encoder raises."""
    import json  # loaded with the first JSON formatter, not at start-up

    try:
        text = json.dumps(value, cls=encoder or _encoder(), ensure_ascii=False)
        text.encode("utf-8")
    except Exception:  # the Python path reports what the formatter raises
        return None
    return text


def compile_json(formatter: "Any") -> "NativeFormat | None":
    """The layout of a stock JSON formatter, or None for Python."""
    import json

    encoder = _stock_classes().get(type(formatter))
    if encoder is None:
        return None
    if any(set_on_instance(formatter, hook) for hook in _HOOKS):
        return None
    if (
        formatter.json_serializer is not json.dumps
        or formatter.json_default is not None
        or formatter.json_encoder is not encoder
        or formatter.json_indent is not None
    ):
        return None
    utc = _formatter.converter_is_utc(formatter)
    if utc is None:
        return None
    rename = formatter.rename_fields
    prefix = formatter.prefix
    if not isinstance(rename, dict) or not isinstance(prefix, str):
        return None
    if not all(isinstance(key, str) and isinstance(to, str) for key, to in rename.items()):
        return None
    required = formatter._required_fields
    skip = formatter._skip_fields
    if not all(isinstance(field, str) for field in required):
        return None
    if not all(isinstance(field, str) for field in skip):
        return None

    def renamed(key: str) -> str:
        return rename.get(key, key)

    def encoded(values: "Any") -> "list[tuple[str, str, str]] | None":
        entries = []
        for key, value in values.items():
            if not isinstance(key, str):
                return None
            text = json_text(value, encoder)
            if text is None:
                return None
            entries.append((renamed(key), "raw", text))
        return entries

    defaults = encoded(formatter.defaults)
    static = encoded(formatter.static_fields)
    if defaults is None or static is None:
        return None
    fields = [
        (renamed(field), "field" if field in _OWN_FIELDS else "extra", field) for field in required
    ]
    merged_before = [
        (renamed(name), name)
        for name in RECORD_ATTRS
        if name not in skip and not name.startswith("_")
    ]
    merged_after = [(renamed("message"), "message")] if "message" not in skip else []
    timestamp = formatter.timestamp
    timestamp_key = None
    if timestamp:
        timestamp_key = renamed(timestamp if isinstance(timestamp, str) else "timestamp")
    keep_missing = list(rename.values()) if formatter.rename_fields_keep_missing else []
    try:
        return NativeFormat.json(
            defaults + fields + static,
            renamed("exc_info"),
            renamed("stack_info"),
            bool(formatter.exc_info_as_array),
            bool(formatter.stack_info_as_array),
            merged_before,
            merged_after,
            list(skip),
            list(rename.items()),
            timestamp_key,
            keep_missing,
            prefix,
            bool(formatter.json_ensure_ascii),
            formatter.datefmt,
            utc,
            formatter.default_time_format,
            formatter.default_msec_format,
        )
    except (ValueError, TypeError):
        return None
