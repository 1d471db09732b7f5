"""A handler's `lock` (issue 17): femtologging's handlers get a native lock
that a log call takes without calling into Python. It must behave as the
`threading.RLock` the stdlib's `createLock` makes, for code that holds it,
waits on it, builds a `Condition` on it, or forks while it is held.
"""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import api_support as support
import pytest

import femtologging

RLOCK_METHODS = sorted(
    name
    for name in dir(threading.RLock())
    if not name.startswith("__") or name in ("__enter__", "__exit__")
)


HAS_RECURSION_COUNT = hasattr(threading.RLock(), "_recursion_count")


def outcome(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        return ("returned", repr(call()))
    except Exception as error:  # noqa: BLE001 - the outcome is what is compared
        return (type(error).__name__, str(error))


def test_the_lock_is_native_and_has_every_method_of_an_rlock() -> None:
    handler = femtologging.StreamHandler(sys.stderr)
    assert type(handler.lock).__module__ == "femtologging"
    assert type(handler.lock).__name__ == "RLock"
    for name in RLOCK_METHODS:
        assert callable(getattr(handler.lock, name)), name


BAD_CALLS: list[Callable[[Any], Any]] = [
    lambda lock: lock.release(),
    lambda lock: lock._release_save(),
    lambda lock: lock.acquire(False, 1),
    lambda lock: lock.acquire(True, -2),
    lambda lock: lock.acquire(True, -1.5),
    lambda lock: lock.acquire(timeout=1e300),
    lambda lock: lock.acquire(timeout=10**30),
    lambda lock: lock.acquire(timeout=9223372037),
    lambda lock: lock.acquire(timeout=9223372036.9),
    lambda lock: lock.acquire(timeout=float("inf")),
    lambda lock: lock.acquire(timeout=-1e300),
    lambda lock: lock.acquire(timeout=float("nan")),
    lambda lock: lock.acquire(timeout=None),
    lambda lock: lock.acquire(True, "1"),
    lambda lock: lock._acquire_restore(5),
    lambda lock: lock.__exit__(None, None, None),
]


@pytest.mark.parametrize("call", BAD_CALLS, ids=range(len(BAD_CALLS)))
def test_bad_calls_raise_what_an_rlock_raises(call: Callable[[Any], Any]) -> None:
    native = femtologging.StreamHandler(sys.stderr).lock
    assert outcome(lambda: call(native)) == outcome(lambda: call(threading.RLock()))


@pytest.mark.parametrize("kind", ["stdlib", "femtologging"])
def test_reentry_counts_and_ownership_match_an_rlock(kind: str) -> None:
    lock = threading.RLock() if kind == "stdlib" else femtologging.Handler().lock
    seen = []
    assert lock.acquire() is True
    assert lock.acquire(False) is True
    # RLock has _recursion_count from 3.11 (femtologging's has it on 3.10 too).
    seen.append((lock._is_owned(), lock._recursion_count() if HAS_RECURSION_COUNT else None))
    other: list[Any] = []
    thread = threading.Thread(
        target=lambda: other.extend(
            [lock.acquire(False), lock.acquire(True, 0.05), lock._is_owned()]
        )
    )
    thread.start()
    thread.join()
    seen.append(tuple(other))
    lock.release()
    lock.release()
    seen.append((lock._is_owned(), outcome(lock.release)))
    assert seen == [
        (True, 2 if HAS_RECURSION_COUNT else None),
        (False, False, False),
        (False, ("RuntimeError", "cannot release un-acquired lock")),
    ]


def test_a_condition_on_the_lock_waits_and_is_notified() -> None:
    lock = femtologging.Handler().lock
    condition = threading.Condition(lock)
    ready: list[int] = []

    def producer() -> None:
        with condition:
            ready.append(1)
            condition.notify()

    with lock:
        # Held twice: wait() gives both acquires back, then restores them.
        with condition:
            thread = threading.Thread(target=producer)
            thread.start()
            assert condition.wait_for(lambda: ready, timeout=30)
            assert lock._recursion_count() == 2
    thread.join()
    assert not lock._is_owned()
    assert lock.acquire(False)
    lock.release()


class RecordingStream:
    """A Python stream whose write lets other threads run, and which notes
    what it was given and whether writes overlapped."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.inside = False
        self.overlaps = 0

    def write(self, text: str) -> None:
        if self.inside:
            self.overlaps += 1
        self.inside = True
        time.sleep(0)
        self.lines.append(text)
        self.inside = False

    def flush(self) -> None:
        pass


def run_holding_the_lock(module: Any) -> list[str]:
    """Another thread holds the handler's lock and writes to the stream; a
    record logged meanwhile waits for the release."""
    stream = RecordingStream()
    handler = module.StreamHandler(stream)
    handler.setFormatter(module.Formatter("%(levelname)s %(message)s"))
    logger = support.isolated_logger(module, f"lock-holder-{module.__name__}", handler)
    holding, logged = threading.Event(), threading.Event()

    def holder() -> None:
        with handler.lock:
            stream.write("holder in\n")
            holding.set()
            # The logging thread must be waiting for the lock by now.
            logged.wait(0.3)
            stream.write("holder out\n")

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait()
    caller = threading.Thread(target=lambda: (logger.info("logged"), logged.set()))
    caller.start()
    caller.join()
    thread.join()
    logger.removeHandler(handler)
    return stream.lines


def test_a_record_waits_for_a_thread_holding_the_handlers_lock() -> None:
    import logging

    expected = ["holder in\n", "holder out\n", "INFO logged\n"]
    assert run_holding_the_lock(logging) == expected
    assert run_holding_the_lock(femtologging) == expected


def test_threads_logging_to_one_stream_never_overlap_in_write() -> None:
    stream = RecordingStream()
    handler = femtologging.StreamHandler(stream)
    handler.setFormatter(femtologging.Formatter("%(threadName)s %(message)s"))
    logger = support.isolated_logger(femtologging, "lock-threads", handler)

    def work(index: int) -> None:
        for number in range(500):
            logger.info("%d %d", index, number)

    threads = [threading.Thread(target=work, args=(index,), name=f"t{index}") for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    logger.removeHandler(handler)
    assert stream.overlaps == 0
    for index in range(4):
        mine = [line for line in stream.lines if line.startswith(f"t{index} ")]
        assert mine == [f"t{index} {index} {number}\n" for number in range(500)]


def test_a_patched_threading_rlock_is_what_handlers_get(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    stock = threading.RLock

    def patched() -> Any:
        made.append(stock())
        return made[-1]

    monkeypatch.setattr(threading, "RLock", patched)
    handler = femtologging.StreamHandler(sys.stderr)
    assert made and handler.lock is made[-1]


INTERRUPTED = """
import signal, sys, threading, time
if KIND == "stdlib":
    lock = threading.RLock()
else:
    import femtologging
    lock = femtologging.Handler().lock

class Alarm(Exception):
    pass

def on_alarm(signum, frame):
    raise Alarm()

signal.signal(signal.SIGALRM, on_alarm)
held = threading.Event()
threading.Thread(target=lambda: (lock.acquire(), held.set(), time.sleep(30)), daemon=True).start()
held.wait()
signal.setitimer(signal.ITIMER_REAL, 0.2)
start = time.monotonic()
try:
    lock.acquire()
except Alarm:
    print("interrupted", time.monotonic() - start < 10)
"""


@pytest.mark.parametrize("kind", ["stdlib", "femtologging"])
def test_a_signal_handler_that_raises_ends_a_blocked_acquire(
    kind: str, run_python: Callable[..., Any]
) -> None:
    result = run_python(f"KIND = {kind!r}\n" + textwrap.dedent(INTERRUPTED))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "interrupted True\n"


FORKED_WHILE_HELD = """
import os, sys, threading
import femtologging as logging
handler = logging.StreamHandler(sys.stdout)
logging.getLogger().addHandler(handler)
held, done = threading.Event(), threading.Event()

def holder():
    with handler.lock:
        held.set()
        done.wait()

thread = threading.Thread(target=holder)
thread.start()
held.wait()
pid = os.fork()
if pid == 0:
    # The holder does not exist here: the lock was reset at the fork.
    logging.getLogger().warning("child logs")
    sys.stdout.flush()
    os._exit(0)
_, status = os.waitpid(pid, 0)
done.set()
thread.join()
logging.getLogger().warning("parent logs, exit %d", os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_child_forked_while_another_thread_holds_the_lock_can_log(
    run_python: Callable[..., Any],
) -> None:
    # 3.12+ warns of a fork with threads running.
    result = run_python(FORKED_WHILE_HELD, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "child logs\nparent logs, exit 0\n"
