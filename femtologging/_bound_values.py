"""The context variable holding the values bound with
`femtologging.contextvars`, and how a record takes them.

Both are needed from the first record on: Rust's fast path reads the
variable in the caller's context (src/bindings/fast_path/extras.rs) and the
Python paths apply it to every record they make, bound values or not. The
binding API itself (`femtologging.contextvars`) is loaded on first use.

The variable holds a dict that is never changed once set: binding replaces
it with a new one, which lets the fast path read it without copying.
"""

from __future__ import annotations

# The extension module behind the stdlib's `contextvars`, which only
# re-exports it: one module fewer to load with `import femtologging`.
from _contextvars import ContextVar

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any

#: What the variable holds while nothing is bound.
EMPTY: dict[str, Any] = {}

#: Read by the fast path in the caller's context (src/bindings/fast_path/extras.rs).
BOUND: ContextVar[dict[str, Any]] = ContextVar("femtologging_bound", default=EMPTY)


def apply_bound(record: Any) -> None:
    """Gives `record` the current context's bound values it does not have
    yet (a key its `extra` set keeps that value)."""
    bound = BOUND.get()
    if bound:
        attributes = record.__dict__
        for key, value in bound.items():
            if key not in attributes:
                attributes[key] = value
