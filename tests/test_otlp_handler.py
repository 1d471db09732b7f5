"""`femtologging.handlers.OTLPHandler` against real OTLP receivers.

The receiver (tests/otlp_support.py) decodes every request with the
`opentelemetry-proto` package; one scenario goes through the `rotel`
collector first. The mapping of a record is compared with what
OpenTelemetry's own SDK (`LoggingHandler` + `OTLPLogExporter`) sends for the
same calls from the same source lines.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import otlp_support as support
import pytest

import femtologging
import femtologging.config
from femtologging._femtologging_rs import _path_counts
from femtologging.handlers import OTLPHandler

pytest.importorskip("opentelemetry.proto", reason="opentelemetry-proto is not installed")


Receiver = support.Receiver
otlp_receiver = support.otlp_receiver

#: Attributes femtologging adds that the SDK's handler does not.
OURS_ONLY = ("thread.id", "thread.name")


@pytest.fixture
def handlers() -> Iterator[Callable[..., OTLPHandler]]:
    """OTLPHandlers on fresh loggers, closed afterwards."""
    made: list[tuple[Any, OTLPHandler]] = []

    def make(receiver_or_url: Any, name: str = "otlp.app", **options: Any) -> OTLPHandler:
        options.setdefault("schedule_delay", 0.05)
        url = getattr(receiver_or_url, "endpoint", receiver_or_url)
        handler = OTLPHandler(endpoint=url, **options)
        logger = femtologging.getLogger(name)
        logger.propagate = False
        logger.setLevel(femtologging.DEBUG)
        logger.addHandler(handler)
        made.append((logger, handler))
        return handler

    yield make
    for logger, handler in made:
        logger.removeHandler(handler)
        handler.close()


def log_scenario(logger: Any) -> None:
    """The calls both handlers receive, one source line each."""
    logger.info("plain message")
    logger.warning("args %s and %d", "text", 42)
    logger.error("typed extras", extra={"user": "ann", "count": 3, "ratio": 0.5, "ok": True})
    logger.info("nested extras", extra={"tags": ["a", 1, 2.5], "where": {"k": "v", "n": 1}})
    logger.critical("bytes and none", extra={"raw": b"\x00\x01", "missing": None})
    logger.log(25, "custom level")
    logger.debug("unicode ✓ é 中文")
    try:
        raise ValueError("bad value", 7)
    except ValueError:
        logger.exception("failed")


def comparable(record: Any) -> dict[str, Any]:
    attributes = {k: v for k, v in record.attributes.items() if k not in OURS_ONLY}
    if "exception.stacktrace" in attributes:
        attributes["exception.stacktrace"] = attributes["exception.stacktrace"].splitlines()[-1]
    return {
        "body": record.body,
        "severity_number": record.severity_number,
        "severity_text": record.severity_text,
        "scope": record.scope_name,
        "attributes": attributes,
        "traced": bool(record.trace_id),
    }


def sdk_records(receiver: Any, name: str) -> list[Any]:
    """The scenario through the stdlib and OpenTelemetry's SDK handler."""
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    provider = LoggerProvider()
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=receiver.logs_url))
    )
    handler = LoggingHandler(logger_provider=provider, log_code_attributes=True)
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log_scenario(logger)
    logger.removeHandler(handler)
    provider.shutdown()
    return receiver.wait_for(8)


def test_records_map_as_the_opentelemetry_sdk_maps_them(
    handlers: Callable[..., OTLPHandler],
) -> None:
    pytest.importorskip("opentelemetry.instrumentation.logging.handler")
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    with Receiver() as theirs, Receiver() as ours:
        expected = sdk_records(theirs, "otlp.compare")
        handler = handlers(ours, "otlp.compare")
        log_scenario(femtologging.getLogger("otlp.compare"))
        handler.flush()
        actual = ours.wait_for(8)
    assert [comparable(r) for r in actual] == [comparable(r) for r in expected]
    first = actual[0]
    assert first.attributes["thread.name"] == threading.current_thread().name
    assert first.attributes["thread.id"] == threading.get_ident()
    assert first.attributes["code.file.path"] == __file__
    assert first.attributes["code.function.name"] == "log_scenario"
    assert first.resource["service.name"] == "unknown_service"
    assert first.resource["telemetry.sdk.name"] == "femtologging"
    assert abs(first.time_unix_nano - time.time_ns()) < 60 * 10**9
    assert first.observed_time_unix_nano >= first.time_unix_nano
    assert [r.severity_number for r in actual] == [9, 13, 17, 9, 21, 12, 5, 17]
    assert actual[7].attributes["exception.type"] == "ValueError"
    assert actual[7].attributes["exception.message"] == "bad value"


def test_scalar_records_are_encoded_on_the_fast_path(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    handler = handlers(otlp_receiver, "otlp.fast")
    logger = femtologging.getLogger("otlp.fast")
    before = _path_counts()
    for i in range(50):
        logger.info("n=%d", i, extra={"i": i, "even": i % 2 == 0})
    after = _path_counts()
    handler.flush()
    records = otlp_receiver.wait_for(50)
    assert (after[0] - before[0], after[1] - before[1]) == (50, 0)
    assert [r.body for r in records] == [f"n={i}" for i in range(50)]
    assert [r.attributes["even"] for r in records] == [i % 2 == 0 for i in range(50)]
    assert handler.stats["exported"] == 50 and handler.stats["queued"] == 0


def test_trace_context_is_taken_from_the_current_span(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    trace = pytest.importorskip("opentelemetry.trace")
    sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
    tracer = sdk_trace.TracerProvider().get_tracer("tests")
    handler = handlers(otlp_receiver, "otlp.traced")
    logger = femtologging.getLogger("otlp.traced")
    logger.info("outside")
    with tracer.start_as_current_span("work") as span:
        logger.info("inside, fast path")
        logger.info("inside, python path", extra={"list": [1]})
        context = span.get_span_context()
    handler.flush()
    outside, fast, slow = otlp_receiver.wait_for(3)
    assert outside.trace_id == "" and outside.span_id == ""
    for record in (fast, slow):
        assert record.trace_id == format(context.trace_id, "032x")
        assert record.span_id == format(context.span_id, "016x")
        assert record.flags == int(context.trace_flags)
        assert record.flags & int(trace.TraceFlags.SAMPLED)


def test_four_threads_deliver_every_record_exactly_once(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    handler = handlers(otlp_receiver, "otlp.threads", max_queue_size=50_000)
    logger = femtologging.getLogger("otlp.threads")
    start = threading.Barrier(4)

    def work(worker: int) -> None:
        start.wait()
        for i in range(10_000):
            logger.info("record", extra={"id": worker * 10_000 + i})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.flush()
    records = otlp_receiver.wait_for(40_000, timeout=60)
    ids = sorted(record.attributes["id"] for record in records)
    assert ids == list(range(40_000))
    assert handler.stats["dropped"] == 0 and handler.stats["failed"] == 0
    assert max(len(r.records) for r in otlp_receiver.requests) <= 512


def test_a_collector_that_comes_up_later_gets_what_was_buffered(
    handlers: Callable[..., OTLPHandler],
) -> None:
    port = support.free_port()
    handler = handlers(f"http://127.0.0.1:{port}", "otlp.late")
    logger = femtologging.getLogger("otlp.late")
    for i in range(100):
        logger.info("early %d", i)
    time.sleep(2)
    with Receiver(port=port) as receiver:
        handler.flush()
        records = receiver.wait_for(100, timeout=20)
    assert [r.body for r in records] == [f"early {i}" for i in range(100)]
    assert handler.stats["retries"] >= 1 and handler.stats["failed"] == 0


def test_retry_after_is_honoured_and_the_batch_sent_once(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    otlp_receiver.fail_next(1, status=503, retry_after=1)
    handler = handlers(otlp_receiver, "otlp.retry")
    femtologging.getLogger("otlp.retry").warning("once")
    handler.flush()
    records = otlp_receiver.wait_for(1)
    requests = otlp_receiver.requests
    assert [r.body for r in records] == ["once"]
    assert [r.status for r in requests] == [503, 200]
    assert requests[1].received_at - requests[0].received_at >= 0.9
    assert handler.stats["retries"] == 1


def test_partial_success_is_counted(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    otlp_receiver.partial_success(2, "two too many")
    handler = handlers(otlp_receiver, "otlp.partial")
    for i in range(5):
        femtologging.getLogger("otlp.partial").info("r%d", i)
    handler.flush()
    otlp_receiver.wait_for(5)
    assert handler.stats["rejected"] == 2 and handler.stats["exported"] == 3


def test_a_full_queue_drops_counts_and_reports_once(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    otlp_receiver.hang = True
    handler = handlers(
        otlp_receiver, "otlp.full", max_queue_size=100, export_timeout=1.0, timeout=0.5
    )
    logger = femtologging.getLogger("otlp.full")
    started = time.monotonic()
    for i in range(1000):
        logger.info("r%d", i)
    # No call waited for the collector (the export timeout alone is 1 s).
    assert time.monotonic() - started < 0.9
    otlp_receiver.release()
    otlp_receiver.hang = False
    handler.flush()
    stats = handler.stats
    assert stats["dropped"] >= 800
    assert stats["dropped"] + stats["exported"] + stats["failed"] == 1000
    err = capfd.readouterr().err
    assert err.count("a record was dropped: the export queue is full") == 1


EXIT_SCRIPT = """
import sys, time
import femtologging as logging
from femtologging.handlers import OTLPHandler
handler = OTLPHandler(endpoint=sys.argv[1], export_timeout=2, timeout=1, schedule_delay=0.01)
logger = logging.getLogger("exit")
logger.addHandler(handler)
started = time.monotonic()
for i in range(2000):
    logger.warning("r%d", i)
print(time.monotonic() - started, flush=True)
"""


def test_a_collector_that_never_answers_does_not_hold_the_exit(
    otlp_receiver: Any, tmp_path: Path
) -> None:
    import subprocess

    otlp_receiver.hang = True
    script = tmp_path / "exit.py"
    script.write_text(EXIT_SCRIPT)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(script), otlp_receiver.endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    took = time.monotonic() - started
    otlp_receiver.release()
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 2.0  # the log calls did not wait
    assert took < 15, f"exit took {took:.1f} s with a 2 s export timeout"
    assert "not exported" in result.stderr


def test_gzip_bodies(handlers: Callable[..., OTLPHandler], otlp_receiver: Any) -> None:
    handler = handlers(otlp_receiver, "otlp.gzip", compression="gzip")
    for i in range(200):
        femtologging.getLogger("otlp.gzip").info("compressible message %d", i)
    handler.flush()
    records = otlp_receiver.wait_for(200)
    assert [r.body for r in records] == [f"compressible message {i}" for i in range(200)]
    for request in otlp_receiver.requests:
        assert request.headers["content-encoding"] == "gzip"
        assert request.raw_size < request.size


TLS_SCRIPT = """
import sys
import femtologging as logging
from femtologging.handlers import OTLPHandler
handler = OTLPHandler(endpoint=sys.argv[1], schedule_delay=0.01)
logging.getLogger("tls").addHandler(handler)
logging.getLogger("tls").warning("over tls")
handler.flush()
print(handler.stats["exported"], handler.stats["failed"])
"""


def test_https_with_the_system_ca_store(tmp_path: Path) -> None:
    import subprocess

    pytest.importorskip("trustme")
    with Receiver(tls=True) as receiver:
        script = tmp_path / "tls.py"
        script.write_text(TLS_SCRIPT)
        env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_DIR",)}

        def run(**changes: str) -> Any:
            return subprocess.run(
                [sys.executable, str(script), receiver.endpoint],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=tmp_path,
                env={**env, **changes},
            )

        result = run(SSL_CERT_FILE=receiver.ca_pem_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["1", "0"]
        assert [r.body for r in receiver.wait_for(1)] == ["over tls"]
        # Without the test CA in the store, the certificate is refused.
        env.pop("SSL_CERT_FILE", None)
        refused = run()
        assert refused.stdout.split() == ["0", "1"]


def test_dict_config_by_dotted_name(otlp_receiver: Any) -> None:
    femtologging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "otlp": {
                    "class": "femtologging.handlers.OTLPHandler",
                    "endpoint": otlp_receiver.endpoint,
                    "schedule_delay": 0.01,
                    "resource": {"service.name": "configured"},
                    "level": "INFO",
                }
            },
            "loggers": {
                "otlp.configured": {"handlers": ["otlp"], "propagate": False, "level": "DEBUG"}
            },
        }
    )
    logger = femtologging.getLogger("otlp.configured")
    handler = logger.handlers[0]
    try:
        logger.debug("below the handler's level")
        logger.info("configured")
        handler.flush()
        (record,) = otlp_receiver.wait_for(1)
        assert record.body == "configured"
        assert record.resource["service.name"] == "configured"
    finally:
        logger.removeHandler(handler)
        handler.close()


ENV_SCRIPT = """
import femtologging as logging
from femtologging.handlers import OTLPHandler
handler = OTLPHandler()
logging.getLogger("env").addHandler(handler)
logging.getLogger("env").warning("from the environment")
handler.flush()
print(handler.endpoint)
"""


def test_settings_default_to_the_opentelemetry_environment(
    otlp_receiver: Any, run_python: Callable[..., Any]
) -> None:
    env = dict(os.environ)
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint + "/",
        OTEL_EXPORTER_OTLP_HEADERS="x-api-key=s%20ecret,tenant=blue",
        OTEL_SERVICE_NAME="checkout",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=prod,service.name=ignored",
        OTEL_EXPORTER_OTLP_COMPRESSION="gzip",
        OTEL_BLRP_SCHEDULE_DELAY="10",
    )
    result = run_python(ENV_SCRIPT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == otlp_receiver.logs_url
    (record,) = otlp_receiver.wait_for(1)
    (request,) = otlp_receiver.requests
    assert request.headers["x-api-key"] == "s ecret" and request.headers["tenant"] == "blue"
    assert request.headers["content-encoding"] == "gzip"
    assert record.resource["service.name"] == "checkout"
    assert record.resource["deployment.environment"] == "prod"


FORK_SCRIPT = """
import os, sys
import femtologging as logging
from femtologging.handlers import OTLPHandler
handler = OTLPHandler(endpoint=sys.argv[1], schedule_delay=30)
logger = logging.getLogger("fork")
logger.addHandler(handler)
for i in range(10):
    logger.warning("parent before %d", i)
pid = os.fork()
if pid == 0:
    for i in range(5):
        logger.warning("child %d", i)
    handler.flush()
    os._exit(0)
os.waitpid(pid, 0)
logger.warning("parent after")
handler.flush()
"""


def test_after_fork_each_process_exports_its_own_records_once(
    otlp_receiver: Any, run_python: Callable[..., Any], tmp_path: Path
) -> None:
    script = tmp_path / "fork.py"
    script.write_text(FORK_SCRIPT)
    result = run_python(
        f"import runpy, sys; sys.argv = ['fork', {otlp_receiver.endpoint!r}]; "
        f"runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    assert result.returncode == 0, result.stderr
    bodies = sorted(r.body for r in otlp_receiver.wait_for(16))
    expected = [f"child {i}" for i in range(5)]
    expected += ["parent after"] + [f"parent before {i}" for i in range(10)]
    assert bodies == sorted(expected)


def test_through_the_rotel_collector(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    reason = support.rotel_available()
    if reason is not None:
        pytest.skip(f"rotel cannot run here: {reason}")
    with support.Rotel(otlp_receiver) as rotel:
        handler = handlers(rotel.endpoint, "otlp.rotel", resource={"service.name": "via-rotel"})
        logger = femtologging.getLogger("otlp.rotel")
        for i in range(20):
            logger.warning("through rotel %d", i, extra={"i": i, "ratio": i / 2})
        logger.error("nested", extra={"tags": ["x", 2], "map": {"a": True}})
        handler.flush()
        records = otlp_receiver.wait_for(21, timeout=20)
    by_body = {r.body: r for r in records}
    assert sorted(by_body) == sorted([f"through rotel {i}" for i in range(20)] + ["nested"])
    assert by_body["through rotel 3"].attributes["ratio"] == 1.5
    assert by_body["nested"].attributes["map"] == {"a": True}
    assert by_body["nested"].scope_name == "otlp.rotel"
    assert by_body["nested"].resource["service.name"] == "via-rotel"
    assert by_body["nested"].severity_number == 17


@pytest.mark.parametrize(
    ("options", "culprit"),
    [
        ({"compression": "zip"}, "compression"),
        ({"max_queue_size": 0}, "max_queue_size"),
        ({"timeout": -1}, "timeout"),
    ],
)
def test_bad_settings_raise_naming_the_culprit(options: dict[str, Any], culprit: str) -> None:
    with pytest.raises(ValueError, match=culprit):
        OTLPHandler(endpoint="http://127.0.0.1:9", **options)


def test_stats_are_json_serializable(handlers: Callable[..., OTLPHandler]) -> None:
    handler = handlers("http://127.0.0.1:9", "otlp.stats")
    assert json.loads(json.dumps(handler.stats))["exported"] == 0


def test_file_config_by_dotted_name(otlp_receiver: Any, tmp_path: Path) -> None:
    ini = tmp_path / "logging.ini"
    ini.write_text(
        "[loggers]\nkeys=root,app\n\n[handlers]\nkeys=otlp\n\n[formatters]\nkeys=\n\n"
        "[logger_root]\nhandlers=\n\n"
        "[logger_app]\nlevel=INFO\nhandlers=otlp\nqualname=otlp.ini\npropagate=0\n\n"
        "[handler_otlp]\nclass=femtologging.handlers.OTLPHandler\nlevel=WARNING\n"
        f"args=()\nkwargs={{'endpoint': {otlp_receiver.endpoint!r}, 'schedule_delay': 0.01}}\n"
    )
    femtologging.config.fileConfig(ini, disable_existing_loggers=False)
    logger = femtologging.getLogger("otlp.ini")
    handler = logger.handlers[0]
    try:
        logger.info("below the handler's level")
        logger.warning("from an ini file")
        handler.flush()
        assert [r.body for r in otlp_receiver.wait_for(1)] == ["from an ini file"]
        assert isinstance(handler, OTLPHandler)
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_filters_and_bound_context_apply(
    handlers: Callable[..., OTLPHandler], otlp_receiver: Any
) -> None:
    from femtologging.contextvars import bound_contextvars

    handler = handlers(otlp_receiver, "otlp.filtered")

    def only_even(record: Any) -> bool:
        return record.args[0] % 2 == 0

    handler.addFilter(only_even)
    logger = femtologging.getLogger("otlp.filtered")
    with bound_contextvars(request_id="r-9"):
        for i in range(6):
            logger.info("n=%d", i)
    handler.removeFilter(only_even)
    with bound_contextvars(request_id="r-10", user="ann"):
        logger.info("fast again", extra={"user": "explicit"})
    handler.flush()
    records = otlp_receiver.wait_for(4)
    assert [r.body for r in records] == ["n=0", "n=2", "n=4", "fast again"]
    assert [r.attributes["request_id"] for r in records] == ["r-9", "r-9", "r-9", "r-10"]
    assert records[3].attributes["user"] == "explicit"
