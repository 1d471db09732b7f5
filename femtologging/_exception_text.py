"""The text `Formatter.formatException` prints, with the stack part memoized.

`traceback.print_exception` spends most of its time on the stack: walking
frames, reading source lines, and (3.11+) parsing each line to place the
carets. An application that logs an exception tends to log it again from the
same place, and that stack part is then the same text. It is a function of:

- each traceback entry's code object, instruction offset and line number;
- the `linecache` entry of each file on the stack, after the same
  `linecache.checkcache` the traceback module runs (entries are tuples that
  are replaced, never changed, when a file changes or is reloaded);
- `sys.tracebacklimit`, and the traceback module's functions themselves.

Only exceptions with no cause and no shown context, that are not exception
groups, use the memo; everything else is rendered by
`traceback.print_exception` itself, and a first sighting by the
`TracebackException` it builds. The exception's own lines (its type,
`str()`, notes) are always rendered fresh, and `__str__` runs once per call
as with the stdlib.
"""

import builtins
import linecache
import sys
import traceback

from ._formatter import TRACEBACK_AT_IMPORT, traceback_text

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any


_MEMO_LIMIT = 256

_print_exception, _format_exception_only, _TracebackException, _format_frame_summary = (
    TRACEBACK_AT_IMPORT
)
_ExceptionGroup: "Any" = getattr(builtins, "BaseExceptionGroup", None)

#: key -> (stack text, the objects whose ids make up the key, kept alive so
#: that no other object can take one of those ids while the entry exists).
_memo: "dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]]" = {}


def exception_text(exc_info: "Any") -> str:
    """`Formatter.formatException(exc_info)` of the stdlib's Formatter."""
    value, tb = exc_info[1], exc_info[2]
    key = _memo_key(value, tb)
    if key is None:
        return traceback_text(exc_info)
    memo = _memo.get(key[0])
    if memo is not None:
        text = memo[0] + "".join(_format_exception_only(type(value), value))
    else:
        text = _render_and_remember(key, value, tb)
    return text[:-1] if text.endswith("\n") else text


def _render_and_remember(
    key: "tuple[tuple[Any, ...], tuple[Any, ...]]", value: "Any", tb: "Any"
) -> str:
    """What `print_exception` writes (it prints each line of this very
    `format`), keeping the stack part apart from the exception's lines."""
    rendered = _TracebackException(type(value), value, tb, limit=None, compact=True)
    lines = list(rendered.format(chain=True))
    exception_only = list(rendered.format_exception_only())
    if exception_only and lines[len(lines) - len(exception_only) :] == exception_only:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        stack = "".join(lines[: len(lines) - len(exception_only)])
        _memo[key[0]] = (stack, key[1])
    return "".join(lines)


def _memo_key(value: "Any", tb: "Any") -> "tuple[tuple[Any, ...], tuple[Any, ...]] | None":
    """The memo key and the objects it refers to by id, or None when this
    exception's text must be rendered in full."""
    if (
        tb is None
        or not isinstance(value, BaseException)
        or value.__cause__ is not None
        or (value.__context__ is not None and not value.__suppress_context__)
        or (_ExceptionGroup is not None and isinstance(value, _ExceptionGroup))
        or traceback.print_exception is not _print_exception
        or traceback.format_exception_only is not _format_exception_only
        or traceback.TracebackException is not _TracebackException
        or getattr(traceback.StackSummary, "format_frame_summary", None)
        is not _format_frame_summary
    ):
        return None
    ids: list[Any] = [getattr(sys, "tracebacklimit", None)]
    kept: list[Any] = []
    files: dict[str, None] = {}
    while tb is not None:
        code = tb.tb_frame.f_code
        ids.append((id(code), tb.tb_lasti, tb.tb_lineno))
        kept.append(code)
        files[code.co_filename] = None
        tb = tb.tb_next
    cache = linecache.cache
    for filename in files:
        linecache.checkcache(filename)
        entry = cache.get(filename)
        if entry is None:
            # Not loaded yet (or just dropped): the full rendering loads it.
            return None
        ids.append(id(entry))
        kept.append(entry)
    return tuple(ids), tuple(kept)
