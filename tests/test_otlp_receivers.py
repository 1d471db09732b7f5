"""Self-tests of tests/otlp_support.py: its OTLP/HTTP `Receiver` and the `Rotel`
collector wrapper, driven by the OpenTelemetry Python SDK's own OTLP/HTTP log
exporter (and by plain HTTP clients for the receiver's refusals)."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import logging
import os
import ssl
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.proto", reason="opentelemetry-proto is not installed")

import otlp_support as support  # noqa: E402
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2  # noqa: E402

Receiver = support.Receiver
Rotel = support.Rotel
otlp_receiver = support.otlp_receiver
otlp_tls_receiver = support.otlp_tls_receiver

ATTRS = {"user": "ann", "count": 3, "ratio": 0.5, "ok": True, "tags": ["a", "b"]}


def _receiver_threads() -> list[str]:
    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith("otlp-receiver-") and t.is_alive()
    ]


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    before = set(_receiver_threads())
    yield
    left = [name for name in _receiver_threads() if name not in before]
    assert not left, f"receiver threads left running: {left}"


# ---------------------------------------------------------------------------
# The SDK as the client
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def sdk_logger(
    url: str,
    name: str,
    *,
    batch: bool = False,
    resource: dict[str, Any] | None = None,
    **exporter_kwargs: Any,
) -> Iterator[tuple[logging.Logger, Any]]:
    """A stdlib logger whose records go through the SDK's LoggingHandler and
    OTLPLogExporter to `url`; yields (logger, LoggerProvider)."""
    sdk_logs = pytest.importorskip("opentelemetry.sdk._logs", reason="opentelemetry-sdk missing")
    sdk_export = pytest.importorskip("opentelemetry.sdk._logs.export")
    resources = pytest.importorskip("opentelemetry.sdk.resources")
    http_exporter = pytest.importorskip(
        "opentelemetry.exporter.otlp.proto.http._log_exporter",
        reason="opentelemetry-exporter-otlp-proto-http is not installed",
    )
    provider = sdk_logs.LoggerProvider(resource=resources.Resource.create(resource or {}))
    exporter = http_exporter.OTLPLogExporter(endpoint=url, timeout=5, **exporter_kwargs)
    if batch:
        processor = sdk_export.BatchLogRecordProcessor(exporter, schedule_delay_millis=50)
    else:
        processor = sdk_export.SimpleLogRecordProcessor(exporter)
    provider.add_log_record_processor(processor)
    with warnings.catch_warnings():
        # The SDK's handler is deprecated in favour of
        # opentelemetry-instrumentation-logging's; both do here.
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = sdk_logs.LoggingHandler(logger_provider=provider)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, provider
    finally:
        logger.removeHandler(handler)
        provider.shutdown()


def _post(url: str, body: bytes, content_type: str = "application/x-protobuf", **headers: str):
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _message(*bodies: str) -> bytes:
    request = logs_service_pb2.ExportLogsServiceRequest()
    scope_logs = request.resource_logs.add().scope_logs.add()
    scope_logs.scope.name = "raw"
    for body in bodies:
        scope_logs.log_records.add().body.string_value = body
    return request.SerializeToString()


# ---------------------------------------------------------------------------
# (a)-(d): SDK -> Receiver
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [False, True], ids=["simple", "batch"])
def test_sdk_records_arrive_decoded(otlp_receiver: Any, batch: bool) -> None:
    trace = pytest.importorskip("opentelemetry.sdk.trace")
    resource = {"service.name": "selftest", "service.version": "1.2"}
    before = time.time_ns()
    with sdk_logger(otlp_receiver.logs_url, "otlp.selftest.a", batch=batch, resource=resource) as (
        logger,
        provider,
    ):
        logger.warning("hello %s", "world", extra=ATTRS)
        tracer = trace.TracerProvider().get_tracer("t")
        with tracer.start_as_current_span("span") as span:
            logger.info("in a span")
            context = span.get_span_context()
        provider.force_flush()
        first, second = otlp_receiver.wait_for(2)
    assert first.body == "hello world"
    assert first.severity_number == 13
    assert first.severity_text.startswith("WARN")
    assert {k: first.attributes[k] for k in ATTRS} == ATTRS
    assert first.attributes["ok"] is True and first.raw.attributes  # raw proto kept
    assert first.resource["service.name"] == "selftest"
    assert first.resource["service.version"] == "1.2"
    assert first.resource["telemetry.sdk.language"] == "python"
    assert first.scope_name == "otlp.selftest.a"
    assert before <= first.time_unix_nano <= time.time_ns()
    assert first.observed_time_unix_nano >= first.time_unix_nano
    assert first.trace_id == "" and first.span_id == ""
    assert second.body == "in a span" and second.severity_number == 9
    assert second.trace_id == format(context.trace_id, "032x")
    assert second.span_id == format(context.span_id, "016x")
    assert second.flags & 0xFF == int(context.trace_flags)
    request = otlp_receiver.requests[0]
    assert request.headers["content-type"] == "application/x-protobuf"
    assert request.accepted and request.status == 200
    assert not otlp_receiver.errors


def test_sdk_gzip(otlp_receiver: Any) -> None:
    http_common = pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    message = "x" * 2000
    with sdk_logger(
        otlp_receiver.logs_url, "otlp.selftest.gzip", compression=http_common.Compression.Gzip
    ) as (logger, _):
        logger.error(message)
        (record,) = otlp_receiver.wait_for(1)
    assert record.body == message
    request = otlp_receiver.requests[0]
    assert request.headers["content-encoding"] == "gzip"
    assert request.raw_size < request.size
    assert request.raw_size == int(request.headers["content-length"])


def test_sdk_retries_after_503_with_retry_after(otlp_receiver: Any) -> None:
    otlp_receiver.fail_next(1, 503, retry_after=1)
    with sdk_logger(otlp_receiver.logs_url, "otlp.selftest.retry") as (logger, _):
        logger.warning("retried")
        (record,) = otlp_receiver.wait_for(1)
    assert record.body == "retried"
    failed, ok = otlp_receiver.requests
    assert (failed.status, failed.accepted, ok.status, ok.accepted) == (503, False, 200, True)
    assert failed.records[0].body == "retried"
    assert ok.received_at - failed.received_at >= 0.9  # Retry-After: 1 was honoured
    assert (otlp_receiver.rejected, otlp_receiver.rejected_requests) == (1, 1)
    assert len(otlp_receiver.records) == 1


def test_sdk_tls_certificate_file(otlp_tls_receiver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets these (set machine-wide here) override a session's
    # `verify`, i.e. the exporter's certificate_file.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert otlp_tls_receiver.logs_url.startswith("https://127.0.0.1:")
    with sdk_logger(
        otlp_tls_receiver.logs_url,
        "otlp.selftest.tls",
        certificate_file=otlp_tls_receiver.ca_pem_path,
    ) as (logger, _):
        logger.info("over tls")
        (record,) = otlp_tls_receiver.wait_for(1)
    assert record.body == "over tls"
    assert not otlp_tls_receiver.errors


def test_tls_ssl_cert_file_and_untrusted_client(
    otlp_tls_receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the CA: the handshake fails and the receiver notes it.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(
            urllib.request.Request(otlp_tls_receiver.logs_url, data=_message("no")),
            context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),  # verifies, trusts no CA
            timeout=5,
        )
    otlp_tls_receiver.wait_until(lambda r: r.errors, 5, "a TLS error")
    assert otlp_tls_receiver.errors[0].reason.startswith("TLS handshake failed")
    # With SSL_CERT_FILE, OpenSSL's default verify paths trust it.
    monkeypatch.setenv("SSL_CERT_FILE", otlp_tls_receiver.ca_pem_path)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    context = ssl.create_default_context()
    for host in ("127.0.0.1", "localhost"):
        url = otlp_tls_receiver.logs_url.replace("127.0.0.1", host)
        request = urllib.request.Request(
            url, data=_message(host), headers={"Content-Type": "application/x-protobuf"}
        )
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            assert response.status == 200
    assert [r.body for r in otlp_tls_receiver.wait_for(2)] == ["127.0.0.1", "localhost"]


# ---------------------------------------------------------------------------
# The receiver's switches and refusals, with plain HTTP clients
# ---------------------------------------------------------------------------


def test_refusals_are_errors(otlp_receiver: Any) -> None:
    status, _, _ = _post(otlp_receiver.endpoint + "/v1/traces", _message("a"))
    assert status == 404
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(otlp_receiver.logs_url, timeout=5)
    assert info.value.code == 404
    status, _, _ = _post(otlp_receiver.logs_url, b"{}", "application/json")
    assert status == 415
    status, _, _ = _post(otlp_receiver.logs_url, b"not gzip", **{"Content-Encoding": "gzip"})
    assert status == 400
    status, _, _ = _post(otlp_receiver.logs_url, b"\xff\xff\xff")
    assert status == 400
    assert [(e.method, e.status) for e in otlp_receiver.errors] == [
        ("POST", 404),
        ("GET", 404),
        ("POST", 415),
        ("POST", 400),
        ("POST", 400),
    ]
    assert otlp_receiver.requests == [] and otlp_receiver.records == []


def test_status_partial_success_and_chunked(otlp_receiver: Any) -> None:
    response_type = logs_service_pb2.ExportLogsServiceResponse
    gzipped = gzip.compress(_message("a", "b"))
    status, _, body = _post(otlp_receiver.logs_url, gzipped, **{"Content-Encoding": "gzip"})
    assert status == 200 and response_type.FromString(body) == response_type()
    otlp_receiver.partial_success(1, "one dropped")
    status, _, body = _post(otlp_receiver.logs_url, _message("c"))
    partial = response_type.FromString(body).partial_success
    assert (partial.rejected_log_records, partial.error_message) == (1, "one dropped")
    otlp_receiver.status = 429
    otlp_receiver.retry_after = 7
    status, headers, body = _post(otlp_receiver.logs_url, _message("d"))
    assert status == 429 and headers["Retry-After"] == "7"
    otlp_receiver.reset_behaviour()
    otlp_receiver.fail_next(2, 500)
    assert _post(otlp_receiver.logs_url, _message("e"))[0] == 500
    assert _post(otlp_receiver.logs_url, _message("f"))[0] == 500
    connection = http.client.HTTPConnection("127.0.0.1", otlp_receiver.port, timeout=5)
    try:
        connection.request(
            "POST",
            "/v1/logs",
            body=iter([_message("g")]),
            headers={"Content-Type": "application/x-protobuf", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert [r.body for r in otlp_receiver.wait_for(4)] == ["a", "b", "c", "g"]
    assert otlp_receiver.rejected == 3 and otlp_receiver.rejected_requests == 3
    assert [r.status for r in otlp_receiver.requests] == [200, 200, 429, 500, 500, 200]


def test_hang_and_release(otlp_receiver: Any) -> None:
    otlp_receiver.hang = True
    results: list[Any] = []
    body = _message("held")
    client = threading.Thread(target=lambda: results.append(_post(otlp_receiver.logs_url, body)))
    client.start()
    otlp_receiver.wait_hanging(1)
    time.sleep(0.2)
    assert results == [] and otlp_receiver.records == []
    otlp_receiver.release()
    client.join(5)
    assert results[0][0] == 200
    assert [r.body for r in otlp_receiver.wait_for(1)] == ["held"]


def test_stop_while_hanging_closes_without_answer() -> None:
    receiver = Receiver()
    try:
        receiver.hang = True
        connection = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=5)
        headers = {"Content-Type": "application/x-protobuf"}
        connection.request("POST", "/v1/logs", body=_message("x"), headers=headers)
        receiver.wait_hanging(1)
    finally:
        receiver.stop()
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.getresponse()
    connection.close()
    assert receiver.requests[0].status == 0 and receiver.records == []


def test_wait_for_times_out_with_a_clear_message(otlp_receiver: Any) -> None:
    with pytest.raises(AssertionError, match=r"1 OTLP log record.*0 record\(s\) accepted"):
        otlp_receiver.wait_for(1, timeout=0.2)


# ---------------------------------------------------------------------------
# (e): SDK -> rotel -> Receiver
# ---------------------------------------------------------------------------


@pytest.fixture
def rotel_ok() -> None:
    reason = support.rotel_available()
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.usefixtures("rotel_ok")
def test_through_rotel(otlp_receiver: Any, tmp_path: Path) -> None:
    resource = {"service.name": "via-rotel"}
    with Rotel(otlp_receiver, log_dir=tmp_path) as rotel:
        assert rotel.logs_url.startswith("http://127.0.0.1:")
        with sdk_logger(rotel.logs_url, "otlp.selftest.rotel", resource=resource) as (logger, _):
            logger.warning("through %s", "rotel", extra=ATTRS)
            (record,) = otlp_receiver.wait_for(1)
    assert record.body == "through rotel"
    assert record.severity_number == 13
    assert {k: record.attributes[k] for k in ATTRS} == ATTRS
    assert record.resource["service.name"] == "via-rotel"
    assert record.scope_name == "otlp.selftest.rotel"
    assert otlp_receiver.requests[0].headers["user-agent"].startswith("Rotel")
    assert "Starting Rotel" in rotel.log_text()


@pytest.mark.usefixtures("rotel_ok")
def test_through_rotel_tls_and_retry(otlp_tls_receiver: Any) -> None:
    otlp_tls_receiver.fail_next(1, 503)
    with Rotel(otlp_tls_receiver) as rotel:
        with sdk_logger(rotel.logs_url, "otlp.selftest.rotel.tls") as (logger, _):
            logger.info("rotel over tls")
            (record,) = otlp_tls_receiver.wait_for(1)
        pid = rotel.pid
    assert record.body == "rotel over tls"
    assert [r.status for r in otlp_tls_receiver.requests] == [503, 200]
    assert rotel.pid is None and pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.usefixtures("rotel_ok")
def test_rotel_bad_settings_fail_clearly(otlp_receiver: Any) -> None:
    with pytest.raises(support.RotelError, match="exited with"):
        Rotel(otlp_receiver, extra_args=["--otlp-exporter-tls-cert-file", "/nonexistent"])
