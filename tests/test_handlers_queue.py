"""BufferingHandler, MemoryHandler, QueueHandler and QueueListener against
the stdlib: what reaches the target handlers, when, and in which order."""

from __future__ import annotations

import itertools
import logging as std_logging
import logging.handlers as std_handlers
import queue
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import femtologging
import femtologging.handlers as femto_handlers

IMPLEMENTATIONS = {
    "stdlib": (std_logging, std_handlers),
    "femtologging": (femtologging, femto_handlers),
}
_names = itertools.count()


def private_logger(logging_module: ModuleType, *handlers: Any) -> Any:
    logger = logging_module.getLogger(f"queue-test-{next(_names)}")
    logger.propagate = False
    logger.setLevel(logging_module.DEBUG)
    for handler in handlers:
        logger.addHandler(handler)
    return logger


def recording_handler(logging_module: ModuleType, level: int = 0) -> Any:
    """A handler of `logging_module` that keeps (level, message) pairs."""

    class Recording(logging_module.Handler):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__(level)
            self.seen: list[tuple[int, str]] = []

        def emit(self, record: Any) -> None:
            self.seen.append((record.levelno, record.getMessage()))

    return Recording()


def both(scenario: Callable[[ModuleType, ModuleType], Any]) -> None:
    results = {
        label: scenario(logging_module, handlers_module)
        for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items()
    }
    assert results["femtologging"] == results["stdlib"]


LEVELS = [10, 20, 30, 40, 20, 20, 50, 10, 10, 10, 10, 30]


@pytest.mark.parametrize("capacity", [1, 3, 5, 100])
@pytest.mark.parametrize("flush_level", [30, 40, 50])
def test_memory_handler_forwards_when_the_stdlib_does(capacity: int, flush_level: int) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        target = recording_handler(logging_module)
        memory = handlers_module.MemoryHandler(capacity, flushLevel=flush_level, target=target)
        logger = private_logger(logging_module, memory)
        timeline = []
        for index, level in enumerate(LEVELS):
            logger.log(level, "event %d", index)
            timeline.append((len(memory.buffer), len(target.seen)))
        memory.close()
        left = [record.getMessage() for record in memory.buffer]
        return timeline, target.seen, left, memory.target

    both(scenario)


@pytest.mark.parametrize("flush_on_close", [True, False])
def test_memory_handler_without_target_then_set_target(flush_on_close: bool) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        memory = handlers_module.MemoryHandler(2, flushOnClose=flush_on_close)
        logger = private_logger(logging_module, memory)
        for index, level in enumerate(LEVELS[:6]):
            logger.log(level, "kept %d", index)
        # Without a target nothing is sent and the buffer keeps growing.
        buffered = len(memory.buffer)
        target = recording_handler(logging_module)
        memory.setTarget(target)
        logger.debug("below capacity? no: the buffer is already past it")
        after_target = list(target.seen)
        logger.debug("one more")
        memory.flush()
        flushed = list(target.seen)
        logger.debug("left at close")
        memory.close()
        left = [record.getMessage() for record in memory.buffer]
        return buffered, after_target, flushed, target.seen, left

    both(scenario)


def test_memory_handler_target_level_and_filters_apply() -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        target = recording_handler(logging_module, level=30)
        target.addFilter(lambda record: "skip" not in record.getMessage())
        memory = handlers_module.MemoryHandler(3, target=target)
        logger = private_logger(logging_module, memory)
        for message, level in [("a", 10), ("skip me", 40), ("b", 30), ("c", 20), ("d", 50)]:
            logger.log(level, message)
        memory.close()
        return target.seen

    both(scenario)


def test_buffering_handler_discards_at_capacity() -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        buffering = handlers_module.BufferingHandler(3)
        logger = private_logger(logging_module, buffering)
        sizes = []
        for index in range(8):
            logger.info("n%d", index)
            sizes.append([record.getMessage() for record in buffering.buffer])
        buffering.close()
        return sizes, len(buffering.buffer)

    both(scenario)


def test_buffering_handler_custom_should_flush() -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        flushed: list[list[str]] = []

        class OnMarker(handlers_module.BufferingHandler):  # type: ignore[name-defined,misc]
            def shouldFlush(self, record: Any) -> bool:
                return record.getMessage() == "flush"

            def flush(self) -> None:
                with self.lock:
                    flushed.append([record.getMessage() for record in self.buffer])
                    self.buffer.clear()

        handler = OnMarker(1000)
        logger = private_logger(logging_module, handler)
        for message in ["a", "b", "flush", "c", "flush", "d"]:
            logger.info(message)
        handler.close()
        return flushed

    both(scenario)


def prepared_view(record: Any) -> dict[str, Any]:
    keys = ("msg", "message", "args", "exc_info", "exc_text", "stack_info", "levelno")
    return {key: getattr(record, key, "<missing>") for key in keys}


def test_queue_handler_prepares_a_formatted_copy() -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        q: queue.Queue[Any] = queue.Queue()
        queue_handler = handlers_module.QueueHandler(q)
        queue_handler.setFormatter(logging_module.Formatter("%(levelname)s|%(message)s"))
        # A second handler after the queue handler must see the untouched record.
        after = recording_handler(logging_module)
        logger = private_logger(logging_module, queue_handler, after)
        logger.warning("plain %s", "args")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("with traceback")
        logger.info("stack", stack_info=True)
        prepared = [q.get_nowait() for _ in range(3)]
        views = [prepared_view(record) for record in prepared]
        for view in views:
            # Traceback and stack text differ in paths only through line numbers
            # of this file, identical for both runs; keep just their first line.
            view["msg"] = view["msg"].splitlines()[:2]
            view["message"] = view["message"].splitlines()[:2]
        return (
            views,
            after.seen,
            [type(record).__name__ for record in prepared],
            hasattr(queue_handler, "listener"),
            getattr(queue_handler, "listener", "<absent>"),
        )

    both(scenario)


def test_queue_handler_custom_enqueue_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        full: queue.Queue[Any] = queue.Queue(maxsize=1)
        handler = handlers_module.QueueHandler(full)
        logger = private_logger(logging_module, handler)
        logger.info("fits")
        logger.info("queue.Full is reported through handleError")
        reported = capsys.readouterr().err.count("--- Logging error ---")

        collected: list[str] = []

        class ToList(handlers_module.QueueHandler):  # type: ignore[name-defined,misc]
            def enqueue(self, record: Any) -> None:
                collected.append(record.msg)

            def prepare(self, record: Any) -> Any:
                return record  # unformatted: the original record

        custom = ToList(None)
        private_logger(logging_module, custom).error("raw %d", 5)
        return reported, full.qsize(), collected

    both(scenario)


def run_listener(
    logging_module: ModuleType,
    handlers_module: ModuleType,
    *,
    respect_handler_level: bool,
    threads: int,
    per_thread: int,
) -> tuple[Any, Any, queue.Queue[Any]]:
    q: queue.Queue[Any] = queue.Queue()
    everything = recording_handler(logging_module)
    errors_only = recording_handler(logging_module, level=40)
    listener = handlers_module.QueueListener(
        q, everything, errors_only, respect_handler_level=respect_handler_level
    )
    logger = private_logger(logging_module, handlers_module.QueueHandler(q))
    listener.start()
    levels = [10, 20, 30, 40, 50]

    def work(worker: int) -> None:
        for index in range(per_thread):
            logger.log(levels[index % 5], "%d:%d", worker, index)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    listener.stop()
    return everything.seen, errors_only.seen, q


@pytest.mark.parametrize("respect_handler_level", [False, True])
def test_queue_listener_delivers_everything_before_stop_returns(
    respect_handler_level: bool,
) -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        everything, errors_only, q = run_listener(
            logging_module,
            handlers_module,
            respect_handler_level=respect_handler_level,
            threads=4,
            per_thread=500,
        )
        per_worker: dict[str, list[int]] = {}
        for _, message in everything:
            worker, index = message.split(":")
            per_worker.setdefault(worker, []).append(int(index))
        # stop() drained the queue, in each thread's order, and every task
        # was marked done (join() would block otherwise).
        assert all(indexes == list(range(500)) for indexes in per_worker.values())
        assert q.unfinished_tasks == 0 and q.empty()
        return len(everything), sorted(per_worker), sorted(errors_only)

    both(scenario)


def test_queue_listener_hooks_and_repeated_stop() -> None:
    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        seen: list[str] = []

        class Listener(handlers_module.QueueListener):  # type: ignore[name-defined,misc]
            def prepare(self, record: Any) -> Any:
                record.msg = record.msg.upper()
                return record

            def dequeue(self, block: bool) -> Any:
                item = super().dequeue(block)
                seen.append("sentinel" if item is self._sentinel else "record")
                return item

        q: queue.Queue[Any] = queue.Queue()
        target = recording_handler(logging_module)
        listener = Listener(q, target)
        listener.start()
        logger = private_logger(logging_module, handlers_module.QueueHandler(q))
        logger.info("one")
        logger.info("two")
        listener.stop()
        try:
            listener.stop()  # 3.13+: a no-op; before: AttributeError
            second_stop = None
        except AttributeError as error:
            second_stop = type(error).__name__
        return (
            seen,
            target.seen,
            second_stop,
            handlers_module.QueueListener._sentinel,
            listener.handlers == (target,),
        )

    both(scenario)


def test_queue_listener_with_a_queue_without_task_done() -> None:
    class PlainQueue:
        """Only get/put_nowait, like a custom or simple queue."""

        def __init__(self) -> None:
            self.inner: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def put_nowait(self, item: Any) -> None:
            self.inner.put_nowait(item)

        def get(self, block: bool = True) -> Any:
            return self.inner.get(block)

    def scenario(logging_module: ModuleType, handlers_module: ModuleType) -> Any:
        q = PlainQueue()
        target = recording_handler(logging_module)
        listener = handlers_module.QueueListener(q, target)
        listener.start()
        logger = private_logger(logging_module, handlers_module.QueueHandler(q))
        for index in range(50):
            logger.warning("p%d", index)
        listener.stop()
        return target.seen

    both(scenario)
