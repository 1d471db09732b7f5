"""The measured bodies, run inside the subprocess against one `logging`-shaped module.

Each body configures the library with the stdlib's own calls (`getLogger`,
`FileHandler`, `Formatter`, `StreamHandler`, `LoggerAdapter`, `basicConfig`),
so femtologging is exercised through its drop-in path. Set-up is not timed:
the timed section starts right before the logging loop and ends after the
handler was flushed (and, for files, closed), so queued work is included.
The ids match `catalogue.SCENARIOS`.
"""

from __future__ import annotations

import contextvars
import importlib
import io
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter_ns
from types import ModuleType
from typing import Any

from .sinks import DiscardStream, KeepingStream, stderr_redirected, written_bytes
from .verify import Arrival, count_headers, count_lines, count_numbered, line_pattern

STD_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
EXTRA_FORMAT = "%(asctime)s %(levelname)s %(user)s %(request_id)s %(message)s"
BRACE_FORMAT = "{asctime} {levelname} {name} {message}"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_CONTEXT = {"user": "alice", "request_id": "r-1234"}
NAME = "bench"
THREADS = 4

STD_LINE = line_pattern(rb" INFO bench msg 42")
_PRESENCE_LINE = line_pattern(rb" INFO presence msg 42")
# One formatted record of STD_FORMAT: every field has a fixed width, so the
# bytes written to /dev/null tell whether all records arrived.
STD_LINE_CHARS = len("2000-01-01 00:00:00,000 INFO bench msg 42\n")


@dataclass(frozen=True)
class Context:
    n: int  # records (or calls) to make
    workdir: Path  # the subprocess's private directory
    verify: bool  # untimed content run: discarding sinks keep what they get


@dataclass
class Outcome:
    elapsed_ns: int  # the timed section
    ops: int  # calls made in it
    arrival: Arrival
    output: Path | None = None  # compared with the stdlib's output, timestamps masked
    order_free: bool = False  # compare sorted lines (several writing threads)
    metrics: dict[str, float] = field(default_factory=dict)


Body = Callable[[ModuleType, Context], Outcome]


def _formatter(logging: ModuleType, fmt: str, style: str = "%") -> Any:
    return logging.Formatter(fmt) if style == "%" else logging.Formatter(fmt, style=style)


def _file_logger(
    logging: ModuleType,
    ctx: Context,
    fmt: str = STD_FORMAT,
    style: str = "%",
) -> tuple[Any, Any, Path]:
    path = ctx.workdir / "out.log"
    handler = logging.FileHandler(str(path))
    handler.setFormatter(_formatter(logging, fmt, style))
    logger = logging.getLogger(NAME)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler, path


def _log_until_closed(logger: Any, handler: Any, n: int) -> int:
    """The timed section of most file scenarios: `n` calls, then the handler
    flushed and closed (so queued work counts)."""
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42)
    handler.flush()
    handler.close()
    return perf_counter_ns() - start


def disabled(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    logger.setLevel(logging.WARNING)
    for _ in range(10_000):
        logger.debug("msg %s", 42)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.debug("msg %s", 42)
    middle = perf_counter_ns()
    for _ in range(n):
        pass
    end = perf_counter_ns()
    handler.close()
    calls, loop = middle - start, end - middle
    return Outcome(
        max(calls - loop, 0),
        n,
        count_lines(path, STD_LINE, 0),
        output=path,
        metrics={"raw_ns": calls / n, "loop_ns": loop / n},
    )


def file(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    n = ctx.n
    elapsed = _log_until_closed(logger, handler, n)
    return Outcome(elapsed, n, count_lines(path, STD_LINE, n), output=path)


def latency(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    n = ctx.n
    clock = perf_counter_ns
    samples = [0] * n
    start = clock()
    for i in range(n):
        before = clock()
        logger.info("msg %s", 42)
        samples[i] = clock() - before
    handler.flush()
    handler.close()
    elapsed = clock() - start
    samples.sort()
    metrics = {
        "p50_ns": float(samples[n // 2]),
        "p99_ns": float(samples[min(n - 1, n * 99 // 100)]),
        "max_ns": float(samples[-1]),
        "timer_ns": float(_timer_overhead()),
    }
    return Outcome(elapsed, n, count_lines(path, STD_LINE, n), output=path, metrics=metrics)


def _timer_overhead() -> int:
    """Median of two back-to-back perf_counter_ns() reads: included in every latency sample."""
    clock = perf_counter_ns
    gaps = []
    for _ in range(10_001):
        first = clock()
        gaps.append(clock() - first)
    gaps.sort()
    return gaps[len(gaps) // 2]


def threads(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    share = ctx.n // THREADS
    n = share * THREADS
    barrier = threading.Barrier(THREADS + 1)

    def work(first: int) -> None:
        barrier.wait()
        for k in range(first, first + share):
            logger.info("msg %s", k)

    workers = [threading.Thread(target=work, args=(t * share,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = perf_counter_ns()
    for worker in workers:
        worker.join()
    handler.flush()
    handler.close()
    elapsed = perf_counter_ns() - start
    arrival = count_numbered(path, line_pattern(rb" INFO bench msg (\d+)"), n)
    return Outcome(elapsed, n, arrival, output=path, order_free=True)


def _stream_logger(logging: ModuleType, stream: Any) -> tuple[Any, Any]:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_formatter(logging, STD_FORMAT))
    logger = logging.getLogger(NAME)
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger, handler


def stream_discard(logging: ModuleType, ctx: Context) -> Outcome:
    sink = KeepingStream() if ctx.verify else DiscardStream()
    logger, handler = _stream_logger(logging, sink)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42)
    handler.flush()
    elapsed = perf_counter_ns() - start
    handler.close()
    arrival = Arrival(n, sink.lines, unit="lines")
    output = None
    if isinstance(sink, KeepingStream):
        output = ctx.workdir / "kept.log"
        output.write_bytes(sink.getvalue().encode())
    return Outcome(elapsed, n, arrival, output=output)


def stream_stringio(logging: ModuleType, ctx: Context) -> Outcome:
    sink = io.StringIO()
    logger, handler = _stream_logger(logging, sink)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42)
    handler.flush()
    elapsed = perf_counter_ns() - start
    handler.close()
    output = ctx.workdir / "stringio.log"
    output.write_bytes(sink.getvalue().encode())
    return Outcome(elapsed, n, count_lines(output, STD_LINE, n), output=output)


def stream_devnull(logging: ModuleType, ctx: Context) -> Outcome:
    kept = ctx.workdir / "stderr.log" if ctx.verify else None
    n = ctx.n
    with stderr_redirected(kept):
        logger, handler = _stream_logger(logging, sys.stderr)
        before = written_bytes()
        start = perf_counter_ns()
        for _ in range(n):
            logger.info("msg %s", 42)
        handler.flush()
        elapsed = perf_counter_ns() - start
        after = written_bytes()
        handler.close()
    if kept is not None:
        return Outcome(elapsed, n, count_lines(kept, STD_LINE, n), output=kept)
    if before is None or after is None:
        arrival = Arrival(n, None, problem="/proc/self/io is not readable")
    else:
        expected, written = n * STD_LINE_CHARS, after - before
        note = "" if written == expected else f"{n} lines of {STD_LINE_CHARS} bytes expected"
        arrival = Arrival(expected, written, unit="bytes written to fd 2", problem=note)
    return Outcome(elapsed, n, arrival)


def exception(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed %s", 42)
    handler.flush()
    handler.close()
    elapsed = perf_counter_ns() - start
    arrival = count_headers(path, line_pattern(rb" ERROR bench failed 42"), n)
    return Outcome(elapsed, n, arrival, output=path)


def extra(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx, EXTRA_FORMAT)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42, extra={"user": "alice", "request_id": "r-1234"})
    handler.flush()
    handler.close()
    elapsed = perf_counter_ns() - start
    arrival = count_lines(path, line_pattern(rb" INFO alice r-1234 msg 42"), n)
    return Outcome(elapsed, n, arrival, output=path)


def _json_logger(logging: ModuleType, ctx: Context) -> tuple[Any, Any, Path]:
    from pythonjsonlogger.json import JsonFormatter

    logger, handler, path = _file_logger(logging, ctx)
    handler.setFormatter(JsonFormatter(JSON_FIELDS, timestamp=True))
    return logger, handler, path


def _json_lines(path: Path, n: int) -> Arrival:
    body = rb', "levelname": "INFO", "name": "bench", "message": "msg 42", "user": "alice", '
    body += rb'"request_id": "r-1234", "timestamp": "[^"]+"\}'
    return count_lines(path, line_pattern(body), n)


def json(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _json_logger(logging, ctx)
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42, extra=JSON_CONTEXT)
    handler.flush()
    handler.close()
    elapsed = perf_counter_ns() - start
    return Outcome(elapsed, n, _json_lines(path, n), output=path)


def json_context(logging: ModuleType, ctx: Context) -> Outcome:
    """Request-scoped values: femtologging binds them (its contextvars
    module); the others copy them from a ContextVar in a logger Filter, the
    usual stdlib recipe."""
    logger, handler, path = _json_logger(logging, ctx)
    if logging.__name__ == "femtologging":
        from femtologging.contextvars import bind_contextvars

        bind_contextvars(**JSON_CONTEXT)
    else:
        logger.addFilter(_context_filter(logging))
        _BOUND.set(JSON_CONTEXT)
    n = ctx.n
    elapsed = _log_until_closed(logger, handler, n)
    return Outcome(elapsed, n, _json_lines(path, n), output=path)


_BOUND: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("bench_bound")


def _context_filter(logging: ModuleType) -> Any:
    class ContextFilter(logging.Filter):  # type: ignore[name-defined,misc]
        def filter(self, record: Any) -> bool:
            for key, value in _BOUND.get({}).items():
                if not hasattr(record, key):
                    setattr(record, key, value)
            return True

    return ContextFilter()


def otlp(logging: ModuleType, ctx: Context) -> Outcome:
    """OTLP/HTTP export to a receiver process: femtologging's OTLPHandler,
    against the stdlib with OpenTelemetry's SDK handler, BatchLogRecordProcessor
    and OTLP/HTTP exporter. The time is the callers' (the loop of log calls);
    delivery is then awaited and counted. Both queues hold every record, so
    neither drops any."""
    if logging.__name__ == "picologging":
        return logging.OTLPHandler  # type: ignore[no-any-return]  # unsupported: AttributeError
    receiver = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.otlp_receiver"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{int(receiver.stdout.readline())}"
        flush, close = _otlp_handler(logging, ctx, url)
        logger = logging.getLogger(NAME)
        n = ctx.n
        start = perf_counter_ns()
        for _ in range(n):
            logger.info("msg %s", 42, extra={"user": "alice"})
        elapsed = perf_counter_ns() - start
        flush()
        received = _received(url, n)
        close()
    finally:
        receiver.kill()
        receiver.wait()
    return Outcome(elapsed, n, Arrival(n, received, unit="records received"))


def _otlp_handler(logging: ModuleType, ctx: Context, url: str) -> tuple[Callable[[], Any], ...]:
    logger = logging.getLogger(NAME)
    logger.setLevel(logging.INFO)
    if logging.__name__ == "femtologging":
        from femtologging.handlers import OTLPHandler

        handler = OTLPHandler(endpoint=url, max_queue_size=ctx.n)
        logger.addHandler(handler)
        return handler.flush, handler.close
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    try:
        from opentelemetry.instrumentation.logging.handler import LoggingHandler
    except ImportError:
        from opentelemetry.sdk._logs import LoggingHandler
    provider = LoggerProvider()
    exporter = OTLPLogExporter(endpoint=url + "/v1/logs")
    processor = BatchLogRecordProcessor(
        exporter, max_queue_size=ctx.n, max_export_batch_size=min(512, ctx.n)
    )
    provider.add_log_record_processor(processor)
    logger.addHandler(LoggingHandler(logger_provider=provider))
    return provider.force_flush, provider.shutdown


def _received(url: str, expected: int, patience: float = 60.0) -> int:
    """Records the receiver counted once they stop coming (or all came)."""
    import json
    import time
    import urllib.request

    deadline = time.monotonic() + patience
    count = -1
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url + "/count") as response:
            now = json.load(response)["records"]
        if now >= expected or (now == count and now > 0):
            return int(now)
        count = now
        time.sleep(0.5)
    return count


def brace(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx, BRACE_FORMAT, style="{")
    n = ctx.n
    elapsed = _log_until_closed(logger, handler, n)
    return Outcome(elapsed, n, count_lines(path, STD_LINE, n), output=path)


def adapter(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    wrapped = logging.LoggerAdapter(logger, {"connection": 7})
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        wrapped.info("msg %s", 42)
    handler.flush()
    handler.close()
    elapsed = perf_counter_ns() - start
    return Outcome(elapsed, n, count_lines(path, STD_LINE, n), output=path)


def propagate(logging: ModuleType, ctx: Context) -> Outcome:
    path = ctx.workdir / "out.log"
    logging.basicConfig(filename=str(path), format=STD_FORMAT, level=logging.INFO)
    logger = logging.getLogger("a.b.c")
    root = logging.getLogger()
    n = ctx.n
    start = perf_counter_ns()
    for _ in range(n):
        logger.info("msg %s", 42)
    for handler in list(root.handlers):
        handler.flush()
        handler.close()
    elapsed = perf_counter_ns() - start
    arrival = count_lines(path, line_pattern(rb" INFO a\.b\.c msg 42"), n)
    return Outcome(elapsed, n, arrival, output=path)


def memory(logging: ModuleType, ctx: Context) -> Outcome:
    logger, handler, path = _file_logger(logging, ctx)
    baseline = _high_water_kb()
    n = ctx.n
    elapsed = _log_until_closed(logger, handler, n)
    peak = _high_water_kb()
    metrics = {
        "rss_peak_kb": float(peak),
        "rss_baseline_kb": float(baseline),
        "rss_growth_kb": float(peak - baseline),
    }
    return Outcome(elapsed, n, count_lines(path, STD_LINE, n), output=path, metrics=metrics)


def _status_field(name: str) -> int:
    """A number from this process's /proc status (VmRSS in KiB, Threads)."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise LookupError(name)


def _open_descriptors() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


def _fresh_runs(ctx: Context, args: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """`ctx.n` runs of this interpreter with `args`, from the private directory
    (the repository's sources must not shadow the installed build)."""
    return [
        subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, cwd=ctx.workdir, timeout=120
        )
        for _ in range(ctx.n)
    ]


def _cumulative_import_us(report: str, module: str) -> float | None:
    """The cumulative time `-X importtime` gives the top-level `module`."""
    for line in report.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == module and parts[2].startswith(" " + module):
            return float(parts[1])
    return None


def presence_import(logging: ModuleType, ctx: Context) -> Outcome:
    module = logging.__name__
    start = perf_counter_ns()
    runs = _fresh_runs(ctx, ["-X", "importtime", "-c", f"import {module}"])
    elapsed = perf_counter_ns() - start
    times = [_cumulative_import_us(run.stderr, module) for run in runs]
    measured = sorted(time for time in times if time is not None)
    metrics = {"import_us": measured[len(measured) // 2]} if measured else {}
    return Outcome(elapsed, ctx.n, Arrival(ctx.n, len(measured), unit="imports"), metrics=metrics)


RSS_AFTER_IMPORT = """
import {module}
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmRSS:")))
"""


def presence_rss(logging: ModuleType, ctx: Context) -> Outcome:
    code = RSS_AFTER_IMPORT.format(module=logging.__name__)
    start = perf_counter_ns()
    runs = _fresh_runs(ctx, ["-c", code])
    elapsed = perf_counter_ns() - start
    values = sorted(float(run.stdout) for run in runs if run.returncode == 0)
    metrics = {"rss_import_kb": values[len(values) // 2]} if values else {}
    return Outcome(elapsed, ctx.n, Arrival(ctx.n, len(values), unit="imports"), metrics=metrics)


def _idle_handlers(logging: ModuleType, kind: str, ctx: Context) -> list[Any]:
    handlers = importlib.import_module(logging.__name__ + ".handlers")
    folder = ctx.workdir / kind
    folder.mkdir()
    make = {
        "file": lambda path: logging.FileHandler(path),
        "stream": lambda path: logging.StreamHandler(sys.stderr),
        "rotating": lambda path: handlers.RotatingFileHandler(path, maxBytes=10**6, backupCount=1),
        "timed": lambda path: handlers.TimedRotatingFileHandler(path, when="D"),
        "watched": lambda path: handlers.WatchedFileHandler(path),
        # femtologging's core classes (AttributeError elsewhere: unsupported).
        "core_file": lambda path: logging.FemtoFileHandler(path),
        "core_stream": lambda path: logging.FemtoStreamHandler.stderr(),
    }[kind]
    return [make(str(folder / f"{index}.log")) for index in range(ctx.n)]


def _idle(logging: ModuleType, ctx: Context, kinds: tuple[str, ...]) -> Outcome:
    """`ctx.n` idle handlers of each kind: RSS per handler, threads started."""
    metrics: dict[str, float] = {}
    threads_before = _status_field("Threads")
    start = perf_counter_ns()
    made: list[Any] = []
    for kind in kinds:
        before = _status_field("VmRSS")
        handlers = _idle_handlers(logging, kind, ctx)
        metrics[f"idle_{kind}_kb"] = (_status_field("VmRSS") - before) / ctx.n
        made.extend(handlers)
    metrics["threads_added"] = float(_status_field("Threads") - threads_before)
    elapsed = perf_counter_ns() - start
    for handler in made:
        handler.close()
    arrival = Arrival(len(made), len(made), unit="handlers")
    return Outcome(elapsed, len(made), arrival, metrics=metrics)


def presence_idle(logging: ModuleType, ctx: Context) -> Outcome:
    return _idle(logging, ctx, ("file", "stream", "rotating", "timed", "watched"))


def presence_idle_core(logging: ModuleType, ctx: Context) -> Outcome:
    return _idle(logging, ctx, ("core_file", "core_stream"))


def presence_thousand(logging: ModuleType, ctx: Context) -> Outcome:
    logger = logging.getLogger("presence")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    rss, threads, descriptors = (
        _status_field("VmRSS"),
        _status_field("Threads"),
        _open_descriptors(),
    )
    start = perf_counter_ns()
    paths = [ctx.workdir / f"h{index}.log" for index in range(ctx.n)]
    handlers = [logging.FileHandler(str(path)) for path in paths]
    for handler in handlers:
        handler.setFormatter(_formatter(logging, STD_FORMAT))
        logger.addHandler(handler)
    logger.info("msg %s", 42)
    metrics = {
        "rss_after_kb": float(_status_field("VmRSS")),
        "rss_growth_kb": float(_status_field("VmRSS") - rss),
        "threads_added": float(_status_field("Threads") - threads),
        "fds_added": float(_open_descriptors() - descriptors),
    }
    for handler in handlers:
        handler.close()
        logger.removeHandler(handler)
    elapsed = perf_counter_ns() - start
    arrived = sum(count_lines(path, _PRESENCE_LINE, 1).ok is True for path in paths)
    return Outcome(elapsed, ctx.n, Arrival(ctx.n, arrived, unit="files"), metrics=metrics)


def _high_water_kb() -> int:
    """The process's peak RSS so far (VmHWM), in KiB.

    VmHWM rather than getrusage's ru_maxrss: on Linux, ru_maxrss keeps the peak
    of the image replaced by exec, i.e. of the forked copy of the parent harness.
    """
    try:
        with open(f"/proc/{os.getpid()}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


BODIES: dict[str, Body] = {
    "disabled": disabled,
    "file": file,
    "latency": latency,
    "threads": threads,
    "stream_discard": stream_discard,
    "stream_stringio": stream_stringio,
    "stream_devnull": stream_devnull,
    "exception": exception,
    "extra": extra,
    "json": json,
    "json_context": json_context,
    "otlp": otlp,
    "brace": brace,
    "adapter": adapter,
    "propagate": propagate,
    "memory": memory,
    "presence_import": presence_import,
    "presence_rss": presence_rss,
    "presence_idle": presence_idle,
    "presence_idle_core": presence_idle_core,
    "presence_thousand": presence_thousand,
}
