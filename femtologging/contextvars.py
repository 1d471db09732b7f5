"""Values bound to the current context that every record logged in it carries.

The names are structlog's (`structlog.contextvars`), so code written for it
reads the same::

    from femtologging.contextvars import bind_contextvars, bound_contextvars

    bind_contextvars(request_id="4f1c", user="ada")
    log.info("served")            # record.request_id == "4f1c", record.user == "ada"
    with bound_contextvars(step="charge"):
        log.info("charged")       # also record.step

Each bound value becomes an attribute of the records logged in that context,
as an `extra` value does, after the call's own `extra` values; a key the call
passes in `extra` keeps the call's value. The values live in one
`contextvars.ContextVar`, so each thread and each asyncio task sees its own
(a task starts with a copy of its creator's; a new thread starts with none).

The variable (`_record.BOUND`) holds a dict that is never changed once
set: binding replaces it with a new one, which lets the Rust fast path read
it without copying. It exists from `import femtologging` on; this module,
the API that binds, is loaded on first use.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ._record import (
    BOUND,
    EMPTY,
    RECORD_ATTRIBUTE_NAMES,
    apply_bound,  # noqa: F401 - defined here before, still found here
)

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "bind_contextvars",
    "bound_contextvars",
    "clear_contextvars",
    "get_contextvars",
    "reset_contextvars",
    "unbind_contextvars",
]

#: What a bound key may not be: the record's own attributes, as for `extra`.
_RESERVED = RECORD_ATTRIBUTE_NAMES

_UNBOUND = object()


class BoundToken:
    """What `bind_contextvars` returns per key: the key's value before, which
    `reset_contextvars` restores."""

    __slots__ = ("key", "previous")

    def __init__(self, key: str, previous: "Any") -> None:
        self.key = key
        self.previous = previous

    def __repr__(self) -> str:
        return f"<BoundToken {self.key!r}>"


def bind_contextvars(**values: "Any") -> "Mapping[str, BoundToken]":
    """Binds `values` in the current context; returns a token per key for
    `reset_contextvars`."""
    for key in values:
        if key in _RESERVED:
            raise KeyError(f"Attempt to overwrite {key!r} in LogRecord")
    current = BOUND.get()
    tokens = {key: BoundToken(key, current.get(key, _UNBOUND)) for key in values}
    BOUND.set({**current, **values})
    return tokens


def reset_contextvars(**tokens: BoundToken) -> None:
    """Restores each key to what it was before the `bind_contextvars` call
    that returned its token."""
    updated = dict(BOUND.get())
    for key, token in tokens.items():
        if token.previous is _UNBOUND:
            updated.pop(key, None)
        else:
            updated[key] = token.previous
    BOUND.set(updated)


def unbind_contextvars(*keys: str) -> None:
    """Removes `keys` from the current context; keys not bound are ignored."""
    current = BOUND.get()
    if any(key in current for key in keys):
        BOUND.set({key: value for key, value in current.items() if key not in keys})


def clear_contextvars() -> None:
    """Removes every bound value from the current context."""
    BOUND.set(EMPTY)


def get_contextvars() -> "dict[str, Any]":
    """A copy of the values bound in the current context."""
    return dict(BOUND.get())


@contextmanager
def bound_contextvars(**values: "Any") -> "Iterator[None]":
    """Binds `values` for the duration of the block, then restores the keys
    to what they were before it."""
    tokens = bind_contextvars(**values)
    try:
        yield
    finally:
        reset_contextvars(**tokens)
