"""What is measured: scenario ids, record counts, reported metrics, units and targets.

This module is imported by the parent process only; it never imports a logging
library. The bodies that run in the subprocess live in `scenarios`, under the
same ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from .targets import Target
from .variants import VARIANTS

LIBRARIES: tuple[str, ...] = ("stdlib", "picologging", "femtologging")
# What a full run runs, in the order of each round: the libraries, then the
# variants (a library under another environment, see `variants`).
ALL_LIBRARIES: tuple[str, ...] = LIBRARIES + tuple(variant.key for variant in VARIANTS)
REFERENCE = "stdlib"

NS = 1.0
US = 1000.0
MIB = 1024.0  # metrics in KiB, shown in MiB

TEN_X = Target(">= 10x", min_ratio=10)


@dataclass(frozen=True)
class Metric:
    """One row of the report: a value the child returns, how to show it, its target."""

    key: str  # "per_op_ns" or a key of the child's `metrics`
    label: str
    unit: str
    scale: float  # shown value = raw value / scale
    target: Target | None = None
    has_ratio: bool = True
    lower_is_better: bool = True


@dataclass(frozen=True)
class Scenario:
    id: str
    issue: str  # the item of the issue it answers, e.g. "2" or "5b"
    title: str
    full: int  # records (or calls) in a full run
    quick: int  # ... in a --quick run
    metrics: tuple[Metric, ...]
    repeated: bool = True  # False: measured once per run, whatever --repeat says
    verify_n: int = 300  # records in the untimed content-verification run

    def size(self, quick: bool) -> int:
        return self.quick if quick else self.full


def _per_record(label: str, target: Target | None) -> tuple[Metric, ...]:
    return (Metric("per_op_ns", label, "us/record", US, target),)


def _idle_metrics(*kinds: tuple[str, str]) -> tuple[Metric, ...]:
    """RSS per idle handler of each (kind, label), within issue 17's 128 KiB."""
    return tuple(
        Metric(
            f"idle_{kind}_kb",
            f"idle {label}, RSS each",
            "KiB",
            1.0,
            Target("<= 128 KiB", max_ns=128),
            has_ratio=False,
        )
        for kind, label in kinds
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "disabled",
        "1",
        'logger at WARNING, logger.debug("msg %s", 42)',
        1_000_000,
        200_000,
        (
            Metric(
                "per_op_ns",
                "disabled debug() call (empty loop subtracted)",
                "ns/call",
                NS,
                Target(">= 3x and < picologging", min_ratio=3, beat="picologging"),
            ),
        ),
        verify_n=1000,
    ),
    Scenario(
        "file",
        "2",
        "info() to a FileHandler, asctime format, until flushed and closed",
        100_000,
        20_000,
        _per_record("FileHandler, end to end", Target(">= 20x", min_ratio=20)),
    ),
    Scenario(
        "latency",
        "2",
        "the same, perf_counter_ns around each call (separate run)",
        100_000,
        20_000,
        (
            Metric(
                "p50_ns",
                "FileHandler, caller-visible p50",
                "us/call",
                US,
                Target("<= 1.5 us", max_ns=1500),
            ),
            Metric("p99_ns", "FileHandler, caller-visible p99", "us/call", US),
        ),
    ),
    Scenario(
        "threads",
        "3",
        "4 threads x 1/4 of the records to one FileHandler",
        100_000,
        20_000,
        _per_record("FileHandler, 4 threads", Target(">= 15x", min_ratio=15)),
    ),
    Scenario(
        "stream_discard",
        "4",
        "StreamHandler on a Python object whose write() only counts",
        100_000,
        20_000,
        _per_record("StreamHandler, discarding object", TEN_X),
    ),
    Scenario(
        "stream_stringio",
        "4",
        "StreamHandler on io.StringIO",
        100_000,
        20_000,
        _per_record("StreamHandler, io.StringIO", TEN_X),
    ),
    Scenario(
        "stream_devnull",
        "4",
        "StreamHandler(sys.stderr), fd 2 dup2'ed to /dev/null",
        100_000,
        20_000,
        _per_record("StreamHandler, stderr -> /dev/null", TEN_X),
    ),
    Scenario(
        "exception",
        "5a",
        "logger.exception() inside except, to a FileHandler",
        20_000,
        4_000,
        _per_record("logger.exception()", Target(">= 2x", min_ratio=2)),
        verify_n=50,
    ),
    Scenario(
        "extra",
        "5b",
        "extra={...} printed by %(user)s %(request_id)s, to a FileHandler",
        100_000,
        20_000,
        _per_record("extra fields", TEN_X),
    ),
    Scenario(
        "json",
        "14",
        "python-json-logger JsonFormatter (4 fields, 2 extra, timestamp=True) to a FileHandler",
        100_000,
        20_000,
        _per_record("JSON lines, python-json-logger", Target(">= 15x", min_ratio=15)),
    ),
    Scenario(
        "json_context",
        "14",
        "the same JSON, 2 values bound to the context (stdlib and picologging: a Filter)",
        100_000,
        20_000,
        _per_record("JSON lines, bound context", Target(">= 15x", min_ratio=15)),
    ),
    Scenario(
        "otlp",
        "15",
        "OTLP/HTTP to a receiver process (stdlib: the OpenTelemetry SDK's handler and exporter)",
        20_000,
        5_000,
        _per_record("OTLP export, caller-visible", Target(">= 20x", min_ratio=20)),
        verify_n=300,
    ),
    Scenario(
        "brace",
        "5c",
        'Formatter(style="{"), to a FileHandler',
        100_000,
        20_000,
        _per_record('"{" style formatter', TEN_X),
    ),
    Scenario(
        "adapter",
        "6a",
        "LoggerAdapter.info() to a FileHandler",
        100_000,
        20_000,
        _per_record("LoggerAdapter", TEN_X),
    ),
    Scenario(
        "propagate",
        "6b",
        'getLogger("a.b.c") propagating to basicConfig(filename=...) on the root',
        100_000,
        20_000,
        _per_record('"a.b.c" -> root handler', TEN_X),
    ),
    Scenario(
        "memory",
        "M",
        "burst of records to a FileHandler; peak RSS of the process",
        1_000_000,
        100_000,
        (
            Metric(
                "rss_peak_kb",
                "peak RSS during the burst",
                "MiB",
                MIB,
                Target("<= stdlib + 6 MiB", max_over=6 * MIB),
                has_ratio=False,
            ),
            Metric("rss_growth_kb", "RSS growth during the burst", "MiB", MIB, has_ratio=False),
            Metric("per_op_ns", "burst, end to end", "us/record", US),
        ),
        repeated=False,
    ),
    # The cost of being there (issue 17): each figure itself a median
    # where it is noisy; import time and RSS after import in every round.
    Scenario(
        "presence_import",
        "17",
        "`python -X importtime -c 'import <library>'`, median of fresh interpreters",
        15,
        5,
        (
            Metric(
                "import_us",
                "import time (cumulative)",
                "ms",
                1000.0,
                Target("<= stdlib + 3 ms", max_over=3000),
                has_ratio=False,
            ),
        ),
        # In every round, interleaved with the other libraries like the
        # per-call scenarios: measured once, the stdlib's figure and ours
        # came from different minutes of a shared machine's load.
        verify_n=2,
    ),
    Scenario(
        "presence_rss",
        "17",
        "RSS of a fresh interpreter after `import <library>`, median",
        9,
        3,
        (
            Metric(
                "rss_import_kb",
                "RSS after import",
                "MiB",
                MIB,
                Target("<= stdlib + 2 MiB", max_over=2 * MIB),
                has_ratio=False,
            ),
        ),
        verify_n=2,
    ),
    Scenario(
        "presence_idle",
        "17",
        "N idle handlers of each kind (file, stream, rotating, timed, watched): RSS per handler",
        100,
        20,
        _idle_metrics(
            ("file", "FileHandler"),
            ("stream", "StreamHandler(sys.stderr)"),
            ("rotating", "RotatingFileHandler"),
            ("timed", "TimedRotatingFileHandler"),
            ("watched", "WatchedFileHandler"),
        )
        + (
            Metric(
                "threads_added",
                "threads started, all kinds",
                "threads",
                1.0,
                Target("<= stdlib + 4", max_over=4),
                has_ratio=False,
            ),
        ),
        repeated=False,
        verify_n=5,
    ),
    Scenario(
        "presence_idle_core",
        "17",
        "N idle handlers of femtologging's core classes (FemtoFileHandler, "
        "FemtoStreamHandler): RSS per handler",
        100,
        20,
        _idle_metrics(
            ("core_file", "FemtoFileHandler"),
            ("core_stream", "FemtoStreamHandler"),
        )
        + (
            Metric(
                "threads_added",
                "threads started, core classes",
                "threads",
                1.0,
                None,
                has_ratio=False,
            ),
        ),
        repeated=False,
        verify_n=5,
    ),
    Scenario(
        "presence_thousand",
        "17",
        "1,000 FileHandlers on one logger, one record each: RSS, threads, descriptors",
        1000,
        200,
        (
            Metric(
                "rss_after_kb",
                "RSS after one record each",
                "MiB",
                MIB,
                Target("<= stdlib + 64 MiB", max_over=64 * MIB),
                has_ratio=False,
            ),
            # Beyond what the stdlib uses: it keeps the 1,000 files open too.
            Metric(
                "threads_added",
                "threads started",
                "threads",
                1.0,
                Target("<= stdlib + 4", max_over=4),
                has_ratio=False,
            ),
            Metric(
                "fds_added",
                "descriptors opened",
                "fds",
                1.0,
                Target("<= stdlib + 8", max_over=8),
                has_ratio=False,
            ),
        ),
        repeated=False,
        verify_n=20,
    ),
)

BY_ID: dict[str, Scenario] = {scenario.id: scenario for scenario in SCENARIOS}
