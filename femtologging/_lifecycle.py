"""Process-wide hooks: `shutdown`, and the Rust core's exit and fork hooks.

At import, the core's own shutdown (closing every native worker) is
registered with `atexit`, then `shutdown` (flushing and closing the Python
handlers, newest first). `atexit` runs in reverse order, so `shutdown`
runs first and the core's hook closes whatever native handler remains.
"""

from __future__ import annotations

import atexit
import os
from typing import Any

from . import _femtologging_rs as _rs
from . import _globals, _record
from ._handler import _handlerList


def shutdown(handlerList: list[Any] = _handlerList) -> None:
    """Flushes and closes every handler, newest first."""
    for reference in reversed(handlerList[:]):
        try:
            handler = reference()
            if not handler:
                continue
            try:
                handler.acquire()
                if getattr(handler, "flushOnClose", True):
                    handler.flush()
                handler.close()
            except (OSError, ValueError):
                # A stream closed elsewhere, often by the interpreter shutting down.
                pass
            finally:
                handler.release()
        except:  # noqa: E722 - shutting down: ignore everything, as the stdlib does
            if _globals.flag("raiseExceptions"):
                raise


def install() -> None:
    # 3.13 derives msecs/relativeCreated from time.time_ns(); earlier versions
    # from the float time.time(). The core reproduces whichever runs here.
    start = _record._startTime
    if isinstance(start, int):
        _rs._configure_clock(True, start, start / 1e9)
    else:
        _rs._configure_clock(False, int(start * 1e9), start)
    atexit.register(_rs._shutdown)
    atexit.register(shutdown)
    os.register_at_fork(
        before=_rs._before_fork,
        after_in_parent=_rs._after_fork_in_parent,
        after_in_child=_rs._after_fork_in_child,
    )
