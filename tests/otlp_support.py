"""OTLP/HTTP logs receivers for the tests of `femtologging.handlers.OTLPHandler`.

This is a helper module, not a test file; test files import it by name
(`import otlp_support as support`: the tests directory is on pytest's
`pythonpath`).

It provides:

* `Receiver`: an in-process OTLP/HTTP (protobuf) logs receiver on 127.0.0.1
  that decodes every request and keeps it, with switches to make it fail,
  answer with a partial success, hang, or serve HTTPS.
* `Rotel`: the real `rotel-agent` collector (from the `rotel` wheel) as a
  subprocess that receives OTLP/HTTP and forwards OTLP/HTTP to a `Receiver`.
* `free_port()`, `rotel_available()`, and the fixtures `otlp_receiver` and
  `otlp_tls_receiver`.

The OpenTelemetry protobuf modules (`opentelemetry-proto`) and `trustme` are
imported when first needed, through `pytest.importorskip`: a test that uses a
receiver is skipped, saying why, where a package is missing.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import importlib.util
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import sysconfig
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    import trustme
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

LOGS_PATH = "/v1/logs"
PROTOBUF = "application/x-protobuf"
HOST = "127.0.0.1"

#: gRPC status codes put in the `google.rpc.Status` body of error responses,
#: as the OTLP/HTTP specification asks (UNAVAILABLE for the retryable ones).
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8}
_GRPC_UNAVAILABLE = 14
_GRPC_UNKNOWN = 2


def free_port(host: str = HOST) -> int:
    """A TCP port that was free on `host` a moment ago (bound to port 0, then
    released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _module(name: str) -> ModuleType:
    """Imports an optional test dependency, or skips the calling test."""
    return pytest.importorskip(name, reason=f"{name} is not installed")


def _logs_service_pb2() -> ModuleType:
    return _module("opentelemetry.proto.collector.logs.v1.logs_service_pb2")


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


def any_value(value: AnyValue) -> Any:
    """The Python value of an OTLP `AnyValue`: str, int, float, bool, bytes,
    list (array_value), dict (kvlist_value), or None when unset."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return key_values(value.kvlist_value.values)
    return getattr(value, kind)


def key_values(items: Sequence[KeyValue]) -> dict[str, Any]:
    """A repeated `KeyValue` field as a dict (a repeated key keeps its last
    value)."""
    return {item.key: any_value(item.value) for item in items}


@dataclass(frozen=True)
class ReceivedRecord:
    """One decoded OTLP log record, with its resource and scope."""

    resource: dict[str, Any]
    scope_name: str
    scope_version: str
    time_unix_nano: int
    observed_time_unix_nano: int
    severity_number: int
    severity_text: str
    body: Any
    attributes: dict[str, Any]
    #: Lower-case hex, "" when the record carries no trace context.
    trace_id: str
    span_id: str
    flags: int
    event_name: str
    dropped_attributes_count: int
    scope_attributes: dict[str, Any] = field(default_factory=dict)
    #: The protobuf message itself, for checks the converted fields can't
    #: make (e.g. int_value vs bool_value: `True == 1` in Python).
    raw: LogRecord | None = field(default=None, compare=False, repr=False)


def flatten(message: ExportLogsServiceRequest) -> list[ReceivedRecord]:
    """The log records of an `ExportLogsServiceRequest`, in order."""
    out: list[ReceivedRecord] = []
    for resource_logs in message.resource_logs:
        resource = key_values(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            scope = scope_logs.scope
            scope_attributes = key_values(scope.attributes)
            for record in scope_logs.log_records:
                out.append(
                    ReceivedRecord(
                        resource=dict(resource),
                        scope_name=scope.name,
                        scope_version=scope.version,
                        time_unix_nano=record.time_unix_nano,
                        observed_time_unix_nano=record.observed_time_unix_nano,
                        severity_number=int(record.severity_number),
                        severity_text=record.severity_text,
                        body=any_value(record.body) if record.HasField("body") else None,
                        attributes=key_values(record.attributes),
                        trace_id=record.trace_id.hex(),
                        span_id=record.span_id.hex(),
                        flags=record.flags,
                        event_name=getattr(record, "event_name", ""),
                        dropped_attributes_count=record.dropped_attributes_count,
                        scope_attributes=dict(scope_attributes),
                        raw=record,
                    )
                )
    return out


@dataclass(frozen=True)
class ReceivedRequest:
    """One well-formed POST /v1/logs, whatever the receiver answered."""

    method: str
    path: str
    http_version: str
    #: Header names in lower case; repeated headers joined with ", ".
    headers: dict[str, str]
    #: Size of the body as sent (compressed, if it was).
    raw_size: int
    #: Size of the protobuf message (after decompression).
    size: int
    message: ExportLogsServiceRequest = field(repr=False)
    records: tuple[ReceivedRecord, ...] = field(repr=False)
    #: The HTTP status the receiver answered with (0: never answered).
    status: int
    #: Whether the records were kept (status 200).
    accepted: bool
    received_at: float = field(default_factory=time.monotonic, compare=False)


@dataclass(frozen=True)
class ReceiverError:
    """A request the receiver refused (404, 415, 400) or a failed TLS
    handshake (status 0)."""

    method: str
    path: str
    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    retry_after: float | int | str | None


# ---------------------------------------------------------------------------
# The HTTP side
# ---------------------------------------------------------------------------


def _headers(message: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    # Threads are tracked and joined (with a timeout) by Receiver.stop().
    block_on_close = False
    allow_reuse_address = False

    def __init__(
        self, receiver: Receiver, ssl_context: ssl.SSLContext | None, port: int = 0
    ) -> None:
        self.receiver = receiver
        self.ssl_context = ssl_context
        self.threads: list[threading.Thread] = []
        super().__init__((HOST, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() resolves the host name: skip that.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = int(self.server_address[1])

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs in the connection's own thread (_Handler.handle).
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"otlp-receiver-{self.server_port}",
            daemon=True,
        )
        self.threads = [t for t in self.threads if t.is_alive()]
        self.threads.append(thread)
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-request is not the receiver's failure.
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        receiver = self.server.receiver
        if not receiver._track(self.connection):
            return
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.settimeout(10)
                try:
                    self.connection.do_handshake()
                except (OSError, ValueError) as exc:
                    receiver._error(ReceiverError("", "", 0, f"TLS handshake failed: {exc}"))
                    return
                self.connection.settimeout(None)
            super().handle()
        except (OSError, ValueError):
            pass
        finally:
            receiver._untrack(self.connection)

    # -- helpers ----------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = PROTOBUF,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()

    def _refuse(self, status: int, reason: str) -> None:
        self.server.receiver._error(
            ReceiverError(self.command, self.path, status, reason, _headers(self.headers))
        )
        self._reply(status, reason.encode(), "text/plain; charset=utf-8")

    def _not_found(self) -> None:
        self._read_body()
        self._refuse(404, f"{self.command} {self.path}: only POST {LOGS_PATH} is served")

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_found

    # -- POST ---------------------------------------------------------------

    def do_POST(self) -> None:
        receiver = self.server.receiver
        raw = self._read_body()
        if urlsplit(self.path).path != LOGS_PATH:
            self._refuse(404, f"POST {self.path}: only POST {LOGS_PATH} is served")
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != PROTOBUF:
            self._refuse(415, f"unsupported Content-Type {content_type!r}, expected {PROTOBUF}")
            return
        encoding = self.headers.get("Content-Encoding", "").strip().lower()
        try:
            if encoding == "gzip":
                data = gzip.decompress(raw)
            elif encoding == "deflate":
                data = zlib.decompress(raw)
            elif encoding in ("", "identity"):
                data = raw
            else:
                self._refuse(415, f"unsupported Content-Encoding {encoding!r}")
                return
        except (OSError, EOFError, zlib.error) as exc:
            self._refuse(400, f"cannot decompress the {encoding} body: {exc}")
            return
        pb2 = receiver._pb2
        try:
            message = pb2.ExportLogsServiceRequest.FromString(data)
        except Exception as exc:  # google.protobuf.message.DecodeError
            self._refuse(400, f"cannot decode ExportLogsServiceRequest: {exc}")
            return
        records = tuple(flatten(message))
        info = {
            "method": self.command,
            "path": self.path,
            "http_version": self.request_version,
            "headers": _headers(self.headers),
            "raw_size": len(raw),
            "size": len(data),
            "message": message,
            "records": records,
        }
        if not receiver._wait_while_hanging():
            # Stopped while hanging: close the connection without an answer.
            receiver._add_request(ReceivedRequest(status=0, accepted=False, **info))
            self.close_connection = True
            return
        status, headers, body = receiver._decide(info)
        if receiver.delay > 0:
            time.sleep(receiver.delay)
        self._reply(status, body, PROTOBUF, headers)


# ---------------------------------------------------------------------------
# Receiver
# ---------------------------------------------------------------------------


class Receiver:
    """An OTLP/HTTP logs receiver on 127.0.0.1 (a free port), in threads of
    this process.

        with Receiver() as receiver:
            ...  # point a client at receiver.logs_url
            records = receiver.wait_for(1)

    It serves POST /v1/logs with Content-Type application/x-protobuf (body
    gzip, deflate or uncompressed) and answers anything else with 404 (other
    method or path), 415 (other Content-Type or Content-Encoding) or 400
    (undecodable body), each noted in `errors`. Every well-formed request is
    kept in `requests`; the records of the accepted ones (status 200) in
    `records`.

    Switches, settable at any time:
      status       answer with this status (default 200); non-200 answers
                   carry a google.rpc.Status body and `retry_after`, if set,
                   as a Retry-After header, and their records are not kept.
      fail_next()  the next n requests get a status (default 503).
      partial_success()  200 answers carry ExportLogsPartialSuccess.
      hang         True: read each request, then answer nothing until
                   `hang = False` / `release()` (or stop()).
      delay        seconds to wait before each answer.
    `rejected` counts the records refused (non-200), `rejected_requests` the
    requests.

    `port` binds a given port (a collector that comes up late); 0 a free one.

    `Receiver(tls=ca)` (a `trustme.CA`, or True for a new one) serves HTTPS
    with a certificate for 127.0.0.1 and localhost; `ca_pem_path` is the CA
    certificate to trust (SSL_CERT_FILE, certificate_file, ...).
    """

    def __init__(
        self, *, tls: trustme.CA | bool | None = None, start: bool = True, port: int = 0
    ) -> None:
        self._pb2 = _logs_service_pb2()
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._records: list[ReceivedRecord] = []
        self._errors: list[ReceiverError] = []
        self._connections: set[Any] = set()
        self._stopping = False
        self._failures: list[_Failure] = []
        self._partial: tuple[int, str] | None = None
        self._release = threading.Event()
        self._release.set()
        self._hanging = 0
        self.rejected = 0
        self.rejected_requests = 0
        self.status = 200
        self.retry_after: float | int | str | None = None
        self.delay = 0.0
        self._tmpdir: str | None = None
        self._ca: trustme.CA | None = None
        self._ca_pem_path: str | None = None
        ssl_context = None
        if tls:
            ssl_context = self._make_ssl_context(tls)
        self._server = _Server(self, ssl_context, port)
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def _make_ssl_context(self, tls: trustme.CA | bool) -> ssl.SSLContext:
        trustme_module = _module("trustme")
        ca = trustme_module.CA() if tls is True else tls
        self._ca = ca
        self._tmpdir = tempfile.mkdtemp(prefix="otlp-receiver-")
        path = os.path.join(self._tmpdir, "ca.pem")
        ca.cert_pem.write_to_path(path)
        self._ca_pem_path = path
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST, "localhost").configure_cert(context)
        context.set_alpn_protocols(["http/1.1"])
        return context

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> Receiver:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"otlp-receiver-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, releases hanging requests without an answer, closes
        the open connections and joins every thread."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        with self._lock:
            self._stopping = True
            connections = list(self._connections)
            self._lock.notify_all()
        self._release.set()
        for connection in connections:
            with contextlib.suppress(OSError, ValueError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        stuck = []
        for thread in self._server.threads:
            thread.join(5)
            if thread.is_alive():
                stuck.append(thread.name)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if stuck:
            raise RuntimeError(f"receiver threads did not stop: {stuck}")

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self._server.ssl_context is not None else "http"

    @property
    def endpoint(self) -> str:
        """e.g. "http://127.0.0.1:PORT" (no trailing slash)."""
        return f"{self.scheme}://{HOST}:{self.port}"

    @property
    def logs_url(self) -> str:
        return self.endpoint + LOGS_PATH

    @property
    def ca(self) -> trustme.CA | None:
        return self._ca

    @property
    def ca_pem_path(self) -> str:
        """Path of the PEM file of the CA that issued the server certificate
        (TLS mode only)."""
        if self._ca_pem_path is None:
            raise AttributeError("this Receiver does not serve TLS: use Receiver(tls=...)")
        return self._ca_pem_path

    # -- what arrived ---------------------------------------------------------

    @property
    def records(self) -> list[ReceivedRecord]:
        """Records of the accepted requests, in arrival order (a copy)."""
        with self._lock:
            return list(self._records)

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every well-formed POST /v1/logs, accepted or not (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[ReceiverError]:
        """Refused requests (404/415/400) and failed TLS handshakes (a copy)."""
        with self._lock:
            return list(self._errors)

    @property
    def hanging(self) -> int:
        """How many requests are being held by `hang` right now."""
        with self._lock:
            return self._hanging

    def clear(self) -> None:
        """Forgets what arrived (requests, records, errors, rejected counts)."""
        with self._lock:
            self._requests.clear()
            self._records.clear()
            self._errors.clear()
            self.rejected = self.rejected_requests = 0

    def wait_until(
        self, predicate: Callable[[Receiver], bool], timeout: float = 10.0, what: str = ""
    ) -> None:
        """Blocks until `predicate(self)` holds (checked whenever something
        arrives), or raises AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout:g}s waiting for {what or predicate!r} at "
                        f"{self.logs_url}: {self._summary()}"
                    )
                self._lock.wait(min(remaining, 0.1))

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedRecord]:
        """Blocks until at least `count` records were accepted; returns all
        the records accepted so far."""
        self.wait_until(lambda r: len(r._records) >= count, timeout, f"{count} OTLP log record(s)")
        return self.records

    def wait_for_requests(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedRequest]:
        """Blocks until at least `count` well-formed requests arrived
        (accepted or not); returns them all."""
        self.wait_until(lambda r: len(r._requests) >= count, timeout, f"{count} request(s)")
        return self.requests

    def wait_hanging(self, count: int = 1, timeout: float = 10.0) -> None:
        """Blocks until `count` requests are held by `hang`."""
        self.wait_until(lambda r: r._hanging >= count, timeout, f"{count} hanging request(s)")

    def _summary(self) -> str:
        errors = "; ".join(f"{e.status} {e.reason}" for e in self._errors[-3:])
        return (
            f"{len(self._records)} record(s) accepted in "
            f"{sum(1 for r in self._requests if r.accepted)} request(s), "
            f"{self.rejected_requests} request(s) rejected ({self.rejected} record(s)), "
            f"{len(self._errors)} error(s){': ' + errors if errors else ''}, "
            f"{self._hanging} hanging"
        )

    # -- behaviour switches ---------------------------------------------------

    def fail_next(
        self, n: int = 1, status: int = 503, retry_after: float | int | str | None = None
    ) -> None:
        """The next `n` requests are answered with `status` (and a Retry-After
        header if `retry_after` is not None); their records are not kept."""
        with self._lock:
            self._failures.extend(_Failure(status, retry_after) for _ in range(n))

    def partial_success(self, rejected_count: int, message: str = "") -> None:
        """200 answers carry ExportLogsPartialSuccess(rejected_log_records=
        rejected_count, error_message=message). The records are kept all the
        same. `partial_success(0, "")` stops it."""
        with self._lock:
            self._partial = (rejected_count, message) if rejected_count or message else None

    @property
    def hang(self) -> bool:
        return not self._release.is_set()

    @hang.setter
    def hang(self, value: bool) -> None:
        if value:
            self._release.clear()
        else:
            self._release.set()

    def release(self) -> None:
        """Lets the held requests go on: they are answered according to the
        switches at that moment (a client that gave up meanwhile sees
        nothing)."""
        self.hang = False

    def reset_behaviour(self) -> None:
        """Back to answering 200 at once to everything."""
        with self._lock:
            self._failures.clear()
            self._partial = None
            self.status = 200
            self.retry_after = None
            self.delay = 0.0
        self.release()

    # -- called by the handler threads ---------------------------------------

    def _track(self, connection: Any) -> bool:
        with self._lock:
            if self._stopping:
                return False
            self._connections.add(connection)
            return True

    def _untrack(self, connection: Any) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _error(self, error: ReceiverError) -> None:
        with self._lock:
            self._errors.append(error)
            self._lock.notify_all()

    def _add_request(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            if request.accepted:
                self._records.extend(request.records)
            else:
                self.rejected_requests += 1
                self.rejected += len(request.records)
            self._lock.notify_all()

    def _wait_while_hanging(self) -> bool:
        """False if the receiver stopped while the request was held."""
        if self._release.is_set():
            return not self._stopping
        with self._lock:
            self._hanging += 1
            self._lock.notify_all()
        try:
            self._release.wait()
        finally:
            with self._lock:
                self._hanging -= 1
                self._lock.notify_all()
        return not self._stopping

    def _decide(self, info: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            if self._failures:
                failure = self._failures.pop(0)
            elif self.status != 200:
                failure = _Failure(self.status, self.retry_after)
            else:
                failure = None
            partial = self._partial
        if failure is None:
            response = self._pb2.ExportLogsServiceResponse()
            if partial is not None:
                response.partial_success.rejected_log_records = partial[0]
                response.partial_success.error_message = partial[1]
            self._add_request(ReceivedRequest(status=200, accepted=True, **info))
            return 200, {}, response.SerializeToString()
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        self._add_request(ReceivedRequest(status=failure.status, accepted=False, **info))
        return failure.status, headers, _status_body(failure.status)


def _status_body(status: int) -> bytes:
    """A serialized google.rpc.Status for an error answer (empty when
    googleapis-common-protos is missing)."""
    try:
        from google.rpc import status_pb2
    except ImportError:
        return b""
    if status in (502, 503, 504):
        code = _GRPC_UNAVAILABLE
    else:
        code = _GRPC_CODES.get(status, _GRPC_UNKNOWN)
    message = f"test receiver answers {status}"
    return status_pb2.Status(code=code, message=message).SerializeToString()


@pytest.fixture
def otlp_receiver() -> Iterator[Receiver]:
    """A plain-HTTP `Receiver`, stopped after the test."""
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def otlp_tls_receiver() -> Iterator[Receiver]:
    """An HTTPS `Receiver` with a fresh trustme CA (`ca_pem_path`)."""
    with Receiver(tls=True) as receiver:
        yield receiver


# ---------------------------------------------------------------------------
# Rotel
# ---------------------------------------------------------------------------


def rotel_agent_path() -> Path | None:
    """The `rotel-agent` binary inside the installed `rotel` package (found
    without importing the package)."""
    spec = importlib.util.find_spec("rotel")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "rotel-agent"
        if candidate.is_file():
            return candidate
    return None


def _rotel_environment(base: dict[str, str]) -> dict[str, str]:
    """rotel-agent links against this interpreter's libpython (it embeds
    Python for its processors): a pyenv build keeps it in LIBDIR, which the
    loader does not search by itself."""
    env = dict(base)
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            filter(None, [str(libdir), env.get("LD_LIBRARY_PATH", "")])
        )
    return env


@functools.lru_cache(maxsize=1)
def rotel_available() -> str | None:
    """None if `rotel-agent` can run here, else why not (for pytest.skip)."""
    path = rotel_agent_path()
    if path is None:
        if importlib.util.find_spec("rotel") is None:
            return "the rotel package (pip install rotel) is not installed"
        return "the rotel package has no rotel-agent binary"
    if not os.access(path, os.X_OK):
        return f"{path} is not executable"
    try:
        result = subprocess.run(
            [str(path), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_rotel_environment(dict(os.environ)),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{path} cannot run: {exc}"
    if result.returncode != 0:
        return f"{path} --version failed ({result.returncode}): {result.stderr.strip()[-500:]}"
    return None


class RotelError(RuntimeError):
    """rotel-agent could not be started, or died."""


class Rotel:
    """The `rotel-agent` collector as a subprocess: receives OTLP/HTTP on
    127.0.0.1:<free port> (`endpoint`, `logs_url`) and exports logs over
    OTLP/HTTP protobuf to `exporter` (a `Receiver`, trusted through its CA if
    it serves TLS, or a base URL).

        with Receiver() as sink, Rotel(sink) as rotel:
            ...  # point a client at rotel.logs_url
            sink.wait_for(1)

    Its output goes to `log_path` (in `log_dir`, or a temporary folder removed
    by stop(); `log_text()` still answers after that). Batches leave after
    `batch_timeout`; failed exports are retried after `retry_initial_backoff`.
    """

    def __init__(
        self,
        exporter: Receiver | str,
        *,
        compression: str = "none",
        batch_timeout: str = "50ms",
        batch_max_size: int | None = None,
        request_timeout: str = "5s",
        retry_initial_backoff: str = "100ms",
        retry_max_backoff: str = "1s",
        retry_max_elapsed_time: str = "10s",
        resource_attributes: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log_dir: str | os.PathLike[str] | None = None,
        startup_timeout: float = 15.0,
        start: bool = True,
    ) -> None:
        reason = rotel_available()
        if reason is not None:
            raise RotelError(reason)
        path = rotel_agent_path()
        assert path is not None
        self._agent = path
        self._exporter = exporter
        self._options = {
            "compression": compression,
            "batch_timeout": batch_timeout,
            "batch_max_size": batch_max_size,
            "request_timeout": request_timeout,
            "retry_initial_backoff": retry_initial_backoff,
            "retry_max_backoff": retry_max_backoff,
            "retry_max_elapsed_time": retry_max_elapsed_time,
            "resource_attributes": resource_attributes,
        }
        self._extra_args = list(extra_args)
        self._env = dict(env or {})
        self._owns_log_dir = log_dir is None
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._log_cache: str | None = None
        self.http_port = 0
        self.grpc_port = 0
        self.command: list[str] = []
        if start:
            self.start()

    # -- addresses ------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def logs_url(self) -> str:
        return self.endpoint + LOGS_PATH

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        assert self._log_dir is not None, "rotel-agent was never started"
        return self._log_dir / "rotel-agent.out"

    def log_text(self) -> str:
        """What rotel-agent printed so far (stdout and stderr)."""
        if self._log_cache is not None:
            return self._log_cache
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, AssertionError):
            return ""

    # -- lifecycle ------------------------------------------------------------

    def _build_command(self) -> list[str]:
        options = self._options
        exporter = self._exporter
        base_url = exporter.endpoint if isinstance(exporter, Receiver) else exporter
        assert self._log_dir is not None
        command = [
            str(self._agent),
            "start",
            "--otlp-http-endpoint",
            f"{HOST}:{self.http_port}",
            "--otlp-grpc-endpoint",
            f"{HOST}:{self.grpc_port}",
            "--otlp-receiver-traces-disabled",
            "--otlp-receiver-metrics-disabled",
            "--exporter",
            "otlp",
            "--otlp-exporter-endpoint",
            base_url,
            "--otlp-exporter-protocol",
            "http",
            "--otlp-exporter-compression",
            str(options["compression"]),
            "--batch-timeout",
            str(options["batch_timeout"]),
            "--otlp-exporter-request-timeout",
            str(options["request_timeout"]),
            "--otlp-exporter-retry-initial-backoff",
            str(options["retry_initial_backoff"]),
            "--otlp-exporter-retry-max-backoff",
            str(options["retry_max_backoff"]),
            "--otlp-exporter-retry-max-elapsed-time",
            str(options["retry_max_elapsed_time"]),
            "--pid-file",
            str(self._log_dir / "rotel-agent.pid"),
            "--log-file",
            str(self._log_dir / "rotel-agent.log"),
        ]
        if options["batch_max_size"] is not None:
            command += ["--batch-max-size", str(options["batch_max_size"])]
        attributes = options["resource_attributes"]
        if attributes:
            pairs = ",".join(f"{key}={value}" for key, value in attributes.items())
            command += ["--otel-resource-attributes", pairs]
        return command + self._extra_args

    def start(self) -> Rotel:
        if self._process is not None:
            return self
        self._log_cache = None
        if self._log_dir is None:
            self._log_dir = Path(tempfile.mkdtemp(prefix="rotel-"))
        self._log_dir.mkdir(parents=True, exist_ok=True)
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("ROTEL_")}
        env = _rotel_environment(inherited)
        no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), HOST, "localhost"]))
        env["NO_PROXY"] = env["no_proxy"] = no_proxy
        env["NO_COLOR"] = "1"  # plain text in log_path
        if isinstance(self._exporter, Receiver) and self._exporter.scheme == "https":
            # rotel-agent 0.0.1-alpha10 refuses --otlp-exporter-tls-ca-file
            # ("Either both or neither of cert and key must be provided"), but
            # its exporter trusts the native roots, which SSL_CERT_FILE sets.
            env["SSL_CERT_FILE"] = self._exporter.ca_pem_path
            env.pop("SSL_CERT_DIR", None)
        env.update(self._env)
        last_error = ""
        for _attempt in range(3):  # a free port can be taken meanwhile
            self.http_port = free_port()
            self.grpc_port = free_port()
            self.command = self._build_command()
            self._log_file = open(self.log_path, "ab")
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self._log_dir,
            )
            try:
                self._wait_listening()
                return self
            except RotelError as exc:
                last_error = str(exc)
                self._shutdown_process()
                if "in use" not in last_error.lower():
                    break
        self._cleanup_dir()
        raise RotelError(last_error)

    def _wait_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                raise RotelError(
                    f"rotel-agent exited with {code} while starting; command: "
                    f"{' '.join(self.command)}\n--- its output ---\n{self.log_text()[-3000:]}"
                )
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                listening = sock.connect_ex((HOST, self.http_port)) == 0
            if listening:
                # It binds its receivers before it checks its exporter's
                # settings: give a bad setting the time to show.
                settle = time.monotonic() + 0.3
                while time.monotonic() < settle and self._process.poll() is None:
                    time.sleep(0.02)
                if self._process.poll() is None:
                    return
                continue
            if time.monotonic() > deadline:
                raise RotelError(
                    f"rotel-agent did not listen on {self.endpoint} within "
                    f"{self._startup_timeout:g}s\n--- its output ---\n{self.log_text()[-3000:]}"
                )
            time.sleep(0.05)

    def _shutdown_process(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _cleanup_dir(self) -> None:
        if self._owns_log_dir and self._log_dir is not None:
            self._log_cache = self.log_text()
            shutil.rmtree(self._log_dir, ignore_errors=True)

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def stop(self, *, check: bool = True) -> None:
        """SIGTERM (rotel-agent then exports what it holds), SIGKILL after
        5 s. With `check`, raises RotelError if rotel-agent had died by
        itself before."""
        died = self._process.poll() if self._process is not None else None
        self._shutdown_process()
        self._cleanup_dir()
        if check and died is not None:
            raise RotelError(
                f"rotel-agent died with {died} during the test\n--- its output ---\n"
                f"{self.log_text()[-3000:]}"
            )

    def __enter__(self) -> Rotel:
        return self.start()

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        self.stop(check=exc_type is None)
