"""Process-wide hooks: `shutdown`, and the Rust core's exit and fork hooks.

At import, the core's own shutdown (closing every native worker) is
registered with `atexit`, then `shutdown` (flushing and closing the Python
handlers, newest first). `atexit` runs in reverse order, so `shutdown`
runs first and the core's hook closes whatever native handler remains.
"""

import atexit
import os
import sys

from . import _femtologging_rs as _rs
from . import _globals, _record
from ._handler import _handlerList

TYPE_CHECKING = False  # typing is not imported at run time (import cost)
if TYPE_CHECKING:
    from typing import Any, NoReturn

_FLUSH_ON_CLOSE_FLAG = sys.version_info >= (3, 12)


def shutdown(handlerList: "list[Any]" = _handlerList) -> None:
    """Flushes and closes every handler, newest first."""
    for reference in reversed(handlerList[:]):
        try:
            handler = reference()
            if not handler:
                continue
            try:
                handler.acquire()
                # Before 3.12 the stdlib flushed even handlers that ask not to be.
                if not _FLUSH_ON_CLOSE_FLAG or getattr(handler, "flushOnClose", True):
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
    # A process that dies before its exit hooks run still writes every
    # record: fatal signals (and SIGTERM left at its default) go through a
    # handler that writes the journals out first, and so does os._exit.
    _rs._install_crash_handlers()
    _write_journals_before_os_exit()
    # Imported inside a multiprocessing child (forkserver/spawn re-run the
    # main module there): this process may end with os._exit() too.
    _flush_when_multiprocessing_child_exits()
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )


def _write_journals_before_os_exit() -> None:
    """Wraps `os._exit` (multiprocessing's children, forked workers and
    servers end with it, skipping atexit) so that every journal is written
    out first. Once per process; the exit status is untouched."""
    exit_now = os._exit
    if getattr(exit_now, "_femtologging_wrapped", False):
        return

    def _exit(status: int) -> "NoReturn":
        _rs._flush_before_exit()
        exit_now(status)

    _exit.__doc__ = exit_now.__doc__
    _exit._femtologging_wrapped = True  # type: ignore[attr-defined]
    os._exit = _exit


#: Set from this process's before-fork hook to its after-fork hook: hooks
#: registered while another thread's fork was under way see its after-fork
#: call without the before-fork one.
_fork_prepared = False


def _before_fork() -> None:
    """The module lock first (the child gets it unheld), then the workers
    parked inside it: forks made from several threads at once park and
    resume them one fork after another (core/registry.rs)."""
    global _fork_prepared
    _globals.prepare_fork()
    _fork_prepared = True
    _rs._before_fork()


def _after_fork_in_parent() -> None:
    """The workers resume before the module lock is let go, so the next
    fork's hook never finds them half resumed."""
    global _fork_prepared
    if not _fork_prepared:
        return
    _fork_prepared = False
    try:
        _rs._after_fork_in_parent()
    finally:
        _globals.after_fork()


def _after_fork_in_child() -> None:
    global _fork_prepared
    _fork_prepared = False
    _globals.reinit_locks_after_fork()
    _rs._after_fork_in_child()
    _flush_when_multiprocessing_child_exits()


def _flush_when_multiprocessing_child_exits() -> None:
    """multiprocessing's children (fork and forkserver) end with os._exit(),
    skipping atexit: their queued records must be written by one of its exit
    finalizers. A child clears the finalizers it inherits, then runs its
    after-fork callbacks: the finalizer is registered from one of those."""
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        multiprocessing_util.register_after_fork(_AFTER_FORK_TOKEN, _flush_at_process_exit)


class _AfterForkToken:
    """multiprocessing keeps after-fork callbacks while their object lives."""


_AFTER_FORK_TOKEN = _AfterForkToken()


def _flush_at_process_exit(_token: object) -> None:
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        # Lowest priority: runs after the user's own exit finalizers.
        multiprocessing_util.Finalize(None, _rs._flush_all, exitpriority=-(2**30))
