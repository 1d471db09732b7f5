"""Socket, datagram, syslog, HTTP, SMTP and NT event log handlers against
the stdlib, read by receivers the tests open on loopback or unix sockets.

The same logging call runs through `logging.handlers` and through
`femtologging.handlers`; what the receiver gets must be the same, with only
the timestamps masked. The payloads are decoded the way a stdlib receiver
decodes them (length prefix, then `pickle.loads`).
"""

from __future__ import annotations

import http.server
import itertools
import logging as std_logging
import logging.handlers as std_handlers
import os
import pickle
import shutil
import smtplib
import socket
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
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
HAS_UNIX = hasattr(socket, "AF_UNIX")
TIME_FIELDS = ("created", "msecs", "relativeCreated")


def private_logger(logging_module: ModuleType, handler: Any) -> Any:
    logger = logging_module.getLogger(f"network-test-{next(_names)}")
    logger.propagate = False
    logger.setLevel(logging_module.DEBUG)
    logger.addHandler(handler)
    return logger


def masked(fields: dict[str, Any]) -> dict[str, Any]:
    result = dict(fields)
    for key in TIME_FIELDS:
        if key in result:
            result[key] = "<time>"
    result.pop("name", None)  # each logger has its own name
    return result


def log_sample(logger: Any) -> None:
    """The same calls, from the same source line, for both implementations."""
    logger.info("hello %s, %d", "world", 42, extra={"request": "abc"})
    logger.debug("percent %% and unicode ünï ✓")
    try:
        {}["missing"]
    except KeyError:
        logger.exception("failed with %r", "details")
    logger.critical("%(a)s and %(b)s", {"a": 1, "b": [2]})


@pytest.fixture
def socket_dir() -> Iterator[str]:
    # Unix socket paths must be short (about 100 bytes): not under tmp_path.
    directory = tempfile.mkdtemp(prefix="fl-")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sock_path(socket_dir: str) -> str:
    return os.path.join(socket_dir, "sock")


class StreamReceiver:
    """Serves connections one after another, in the order they were made,
    and keeps every byte received."""

    STOP = b"\0stop-receiver\0"

    def __init__(self, family: int, address: Any) -> None:
        self.family = family
        self.server = socket.socket(family, socket.SOCK_STREAM)
        self.server.bind(address)
        self.server.listen()
        self.address = self.server.getsockname()
        self.chunks: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            connection, _ = self.server.accept()
            with connection:
                received = []
                while chunk := connection.recv(65536):
                    received.append(chunk)
            if b"".join(received) == self.STOP:
                return
            self.chunks.extend(received)

    def close(self) -> bytes:
        # Connections are accepted in order, so once the reader gets to this
        # last one it has read every connection the handler made before.
        with socket.socket(self.family, socket.SOCK_STREAM) as stopper:
            stopper.connect(self.address)
            stopper.sendall(self.STOP)
        self.thread.join()
        self.server.close()
        return b"".join(self.chunks)


def decode_frames(data: bytes) -> list[dict[str, Any]]:
    """Splits length-prefixed pickles, as logging's socket receivers do."""
    records = []
    while data:
        (length,) = struct.unpack(">L", data[:4])
        records.append(pickle.loads(data[4 : 4 + length]))
        data = data[4 + length :]
    return records


def stream_socket_scenario(family: int, address_of: Callable[[], Any]) -> dict[str, Any]:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = StreamReceiver(family, address_of())
        if family == socket.AF_INET:
            handler = handlers_module.SocketHandler(*receiver.address)
        else:
            handler = handlers_module.SocketHandler(receiver.address, None)
        log_sample(private_logger(logging_module, handler))
        handler.close()
        data = receiver.close()
        results[label] = [masked(record) for record in decode_frames(data)]
    return results


def test_socket_handler_sends_the_stdlib_pickles_over_tcp() -> None:
    results = stream_socket_scenario(socket.AF_INET, lambda: ("127.0.0.1", 0))
    assert len(results["stdlib"]) == 4
    assert results["femtologging"] == results["stdlib"]
    first = results["femtologging"][0]
    assert (first["msg"], first["args"], first["request"]) == ("hello world, 42", None, "abc")


@pytest.mark.skipif(not HAS_UNIX, reason="needs unix sockets")
def test_socket_handler_over_a_unix_socket(socket_dir: str) -> None:
    names = itertools.count()
    results = stream_socket_scenario(
        socket.AF_UNIX, lambda: os.path.join(socket_dir, f"s{next(names)}")
    )
    assert len(results["stdlib"]) == 4
    assert results["femtologging"] == results["stdlib"]


def test_socket_handler_frame_layout() -> None:
    """4-byte big-endian length, then a protocol-1 pickle of the record dict."""
    frames = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        handler = handlers_module.SocketHandler("127.0.0.1", None)
        record = logging_module.makeLogRecord(
            {"msg": "n=%d", "args": (7,), "levelno": 20, "created": 1.5, "msecs": 500.0}
        )
        record.relativeCreated = 0.0
        frame = handler.makePickle(record)
        frames[label] = (frame[:4], frame[4:])
        handler.close()
    length, payload = frames["femtologging"]
    assert struct.unpack(">L", length)[0] == len(payload)
    femto_fields = pickle.loads(payload)
    # Protocol 1, as the stdlib sends: re-pickling gives the same bytes, and
    # there is no protocol-2+ PROTO opcode.
    assert pickle.dumps(femto_fields, 1) == payload
    assert payload[:1] != pickle.PROTO
    std_fields = pickle.loads(frames["stdlib"][1])
    # Same keys and same values, except the process-level defaults a fresh
    # record takes from its own module.
    assert femto_fields.keys() == std_fields.keys()
    assert femto_fields["msg"] == std_fields["msg"] == "n=7"
    assert "message" not in femto_fields


def test_socket_handler_backoff_follows_the_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens: each attempt fails and the retry period grows by
    retryFactor up to retryMax; no attempt is made before retryTime."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # the port is now (very likely) closed
    clock = {"now": 1000.0}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    histories = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        clock["now"] = 1000.0
        attempts = []
        handler = handlers_module.SocketHandler("127.0.0.1", port)
        handler.retryFactor = 3.0
        handler.retryMax = 20.0
        real_make = handler.makeSocket

        def counting_make(
            timeout: float = 1, real_make: Any = real_make, attempts: list[float] = attempts
        ) -> Any:
            attempts.append(clock["now"])
            return real_make(timeout)

        handler.makeSocket = counting_make
        logger = private_logger(logging_module, handler)
        states = []
        for step in (0, 0.5, 1, 2, 4, 4, 10, 20, 40, 41, 100):
            clock["now"] = 1000.0 + step
            logger.error("attempt at %s", step)
            states.append((handler.retryTime, getattr(handler, "retryPeriod", None), handler.sock))
        handler.close()
        histories[label] = (attempts, states)
    assert histories["femtologging"] == histories["stdlib"]
    attempts, states = histories["femtologging"]
    assert len(attempts) < 11  # some calls fell inside the backoff window


@pytest.mark.parametrize("close_on_error", [False, True])
def test_socket_handler_close_on_error(
    close_on_error: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unpicklable extra makes emit fail: either the error is reported,
    or (closeOnError) the socket is dropped silently for a reconnect."""
    outcomes = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = StreamReceiver(socket.AF_INET, ("127.0.0.1", 0))
        handler = handlers_module.SocketHandler(*receiver.address)
        handler.closeOnError = close_on_error
        logger = private_logger(logging_module, handler)
        logger.info("fine")
        connected = handler.sock is not None
        logger.info("broken", extra={"callback": lambda: None})
        after_error = handler.sock is None
        logger.info("fine again")
        handler.close()
        frames = [record["msg"] for record in decode_frames(receiver.close())]
        error_output = capsys.readouterr().err
        outcomes[label] = (
            connected,
            after_error,
            frames,
            error_output.count("--- Logging error ---"),
        )
    assert outcomes["femtologging"] == outcomes["stdlib"]


class DatagramReceiver:
    def __init__(self, family: int, address: Any) -> None:
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.address = self.sock.getsockname()

    def drain(self) -> list[bytes]:
        packets = []
        self.sock.setblocking(False)
        while True:
            try:
                packets.append(self.sock.recv(65536))
            except BlockingIOError:
                return packets

    def close(self) -> None:
        self.sock.close()


def datagram_scenario(family: int, address_of: Callable[[], Any]) -> dict[str, Any]:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = DatagramReceiver(family, address_of())
        if family == socket.AF_INET:
            handler = handlers_module.DatagramHandler(*receiver.address)
        else:
            handler = handlers_module.DatagramHandler(receiver.address, None)
        log_sample(private_logger(logging_module, handler))
        handler.close()
        packets = receiver.drain()
        receiver.close()
        results[label] = [masked(record) for packet in packets for record in decode_frames(packet)]
    return results


def test_datagram_handler_sends_one_stdlib_frame_per_packet() -> None:
    results = datagram_scenario(socket.AF_INET, lambda: ("127.0.0.1", 0))
    assert len(results["stdlib"]) == 4
    assert results["femtologging"] == results["stdlib"]


@pytest.mark.skipif(not HAS_UNIX, reason="needs unix sockets")
def test_datagram_handler_over_a_unix_socket(socket_dir: str) -> None:
    names = itertools.count()
    results = datagram_scenario(socket.AF_UNIX, lambda: os.path.join(socket_dir, f"d{next(names)}"))
    assert len(results["stdlib"]) == 4
    assert results["femtologging"] == results["stdlib"]


# 27 has no name ("Level 27"): mapPriority falls back to "warning".
SYSLOG_LEVELS = [10, 20, 30, 40, 50, 27]


def syslog_sample(logging_module: ModuleType, handler: Any) -> None:
    handler.setFormatter(logging_module.Formatter("%(levelname)s %(message)s"))
    logger = private_logger(logging_module, handler)
    for number in SYSLOG_LEVELS:
        logger.log(number, "syslog %s ✓", logging_module.getLevelName(number).lower())
    handler.ident = "app[42]: "
    handler.append_nul = False
    logger.warning("with ident, no NUL")


@pytest.mark.parametrize("facility", ["local3", 5, "user"])
def test_syslog_udp_datagrams_match_the_stdlib(facility: Any) -> None:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = DatagramReceiver(socket.AF_INET, ("127.0.0.1", 0))
        handler = handlers_module.SysLogHandler(receiver.address, facility=facility)
        syslog_sample(logging_module, handler)
        handler.close()
        results[label] = receiver.drain()
        receiver.close()
    assert results["femtologging"] == results["stdlib"]
    assert len(results["femtologging"]) == len(SYSLOG_LEVELS) + 1


def test_syslog_tcp_stream_matches_the_stdlib() -> None:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = StreamReceiver(socket.AF_INET, ("127.0.0.1", 0))
        handler = handlers_module.SysLogHandler(
            receiver.address, facility="daemon", socktype=socket.SOCK_STREAM
        )
        syslog_sample(logging_module, handler)
        handler.close()
        results[label] = receiver.close()
    assert results["femtologging"] == results["stdlib"]
    assert results["femtologging"].startswith(b"<31>DEBUG syslog debug")


@pytest.mark.skipif(not HAS_UNIX, reason="needs unix sockets")
def test_syslog_unix_datagram_socket(sock_path: str) -> None:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = DatagramReceiver(socket.AF_UNIX, sock_path)
        handler = handlers_module.SysLogHandler(sock_path, facility="auth")
        socktype = handler.socktype
        syslog_sample(logging_module, handler)
        handler.close()
        results[label] = (socktype, handler.unixsocket, receiver.drain())
        receiver.close()
        os.unlink(sock_path)
    assert results["femtologging"] == results["stdlib"]


@pytest.mark.skipif(not HAS_UNIX, reason="needs unix sockets")
def test_syslog_unix_stream_fallback(sock_path: str) -> None:
    """Without a socktype, a datagram connect is tried first, then a stream."""
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = StreamReceiver(socket.AF_UNIX, sock_path)
        handler = handlers_module.SysLogHandler(sock_path)
        socktype = handler.socktype
        handler.append_nul = False
        private_logger(logging_module, handler).error("over a stream")
        handler.close()
        results[label] = (socktype, receiver.close())
        os.unlink(sock_path)
    assert results["femtologging"] == results["stdlib"]
    assert results["femtologging"] == (socket.SOCK_STREAM, b"<11>over a stream")


@pytest.mark.skipif(not HAS_UNIX, reason="needs unix sockets")
def test_syslog_daemon_started_after_the_handler(
    sock_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Connecting fails at construction (ignored, like openlog()); the first
    record reconnects once the daemon listens."""
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        handler = handlers_module.SysLogHandler(sock_path, socktype=socket.SOCK_DGRAM)
        receiver = DatagramReceiver(socket.AF_UNIX, sock_path)
        private_logger(logging_module, handler).warning("late daemon")
        handler.close()
        results[label] = (receiver.drain(), capsys.readouterr().err.count("Logging error"))
        receiver.close()
        os.unlink(sock_path)
    assert results["femtologging"] == results["stdlib"]
    assert results["femtologging"][0] == [b"<12>late daemon\x00"]


def test_syslog_emit_after_close(capsys: pytest.CaptureFixture[str]) -> None:
    """3.11+ makes a new socket for a record sent after close(); 3.10 fails
    and reports the error. Either way as the stdlib of this Python does."""
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        receiver = DatagramReceiver(socket.AF_INET, ("127.0.0.1", 0))
        handler = handlers_module.SysLogHandler(receiver.address)
        logger = private_logger(logging_module, handler)
        logger.info("before close")
        handler.close()
        handler.emit(logging_module.makeLogRecord({"msg": "after", "levelname": "INFO"}))
        errors = capsys.readouterr().err.count("--- Logging error ---")
        results[label] = (receiver.drain(), errors, handler.socket is None)
        if handler.socket:
            handler.socket.close()
        receiver.close()
    assert results["femtologging"] == results["stdlib"]


def test_syslog_tables_and_priority_encoding_match_the_stdlib() -> None:
    std, femto = std_handlers.SysLogHandler, femto_handlers.SysLogHandler
    constants = {name for name in vars(std) if name.startswith("LOG_")}
    assert {name: getattr(femto, name) for name in constants} == {
        name: getattr(std, name) for name in constants
    }
    assert femto.priority_names == std.priority_names
    assert femto.facility_names == std.facility_names
    assert femto.priority_map == std.priority_map
    assert (femto.ident, femto.append_nul) == (std.ident, std.append_nul)
    receiver = DatagramReceiver(socket.AF_INET, ("127.0.0.1", 0))
    handlers = [std(receiver.address), femto(receiver.address)]
    try:
        for facility in [*std.facility_names, 0, 23]:
            for priority in [*std.priority_names, 0, 7]:
                encoded = {h.encodePriority(facility, priority) for h in handlers}
                assert len(encoded) == 1
        for level_name in ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "TRACE", "Level 5"]:
            assert handlers[1].mapPriority(level_name) == handlers[0].mapPriority(level_name)
        with pytest.raises(KeyError):
            handlers[1].encodePriority("nonsense", "info")
    finally:
        for handler in handlers:
            handler.close()
        receiver.close()


class RecordingHTTPServer(http.server.ThreadingHTTPServer):
    requests: list[tuple[str, str, dict[str, str], bytes]]


class RecordingRequestHandler(http.server.BaseHTTPRequestHandler):
    def _record(self) -> None:
        length = int(self.headers.get("Content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {
            key: value
            for key, value in self.headers.items()
            # Host names each server's own port; Content-length varies with
            # the digits of the timestamps.
            if key.lower() in ("content-type", "authorization")
        }
        self.server.requests.append((self.command, self.path, headers, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = _record
    do_POST = _record

    def log_message(self, format: str, *args: Any) -> None:
        pass


def mask_query(text: str) -> list[tuple[str, str]]:
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    return [
        (key, "<time>" if key in TIME_FIELDS else value) for key, value in pairs if key != "name"
    ]


@pytest.mark.parametrize(
    ("method", "url", "credentials"),
    [("GET", "/log", None), ("POST", "/log", ("user", "pässword")), ("get", "/log?x=1", None)],
)
def test_http_handler_requests_match_the_stdlib(
    method: str, url: str, credentials: tuple[str, str] | None
) -> None:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        server = RecordingHTTPServer(("127.0.0.1", 0), RecordingRequestHandler)
        server.requests = []
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        host = f"127.0.0.1:{server.server_address[1]}"
        handler = handlers_module.HTTPHandler(host, url, method=method, credentials=credentials)
        logger = private_logger(logging_module, handler)
        logger.warning("over http %s", "ok")
        handler.close()
        server.shutdown()
        server.server_close()
        thread.join()
        decoded = []
        for command, path, headers, body in server.requests:
            query = path.split("?", 1)[1] if "?" in path else ""
            decoded.append(
                (command, path.split("?", 1)[0], mask_query(query), mask_query(body.decode()))
            )
            decoded.append(sorted(headers.items()))
        results[label] = decoded
    assert results["femtologging"] == results["stdlib"]
    assert len(results["femtologging"]) == 2


def test_http_handler_argument_errors_match_the_stdlib() -> None:
    for arguments in (
        {"host": "h", "url": "/", "method": "PUT"},
        {"host": "h", "url": "/", "secure": False, "context": object()},
    ):
        messages = []
        for _, handlers_module in IMPLEMENTATIONS.values():
            with pytest.raises(ValueError) as caught:
                handlers_module.HTTPHandler(**arguments)
            messages.append(str(caught.value))
        assert messages[0] == messages[1]


class FakeSMTP:
    """Stands in for smtplib.SMTP and records what the handler asks of it."""

    log: list[tuple[Any, ...]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.log.append(("connect", host, port, timeout))

    def ehlo(self) -> None:
        self.log.append(("ehlo",))

    def starttls(self, *args: Any) -> None:
        self.log.append(("starttls", *args))

    def login(self, user: str, password: str) -> None:
        self.log.append(("login", user, password))

    def send_message(self, message: Any) -> None:
        headers = [(key, value) for key, value in message.items() if key != "Date"]
        self.log.append(("send", headers, message.get_content(), "Date" in message))

    def quit(self) -> None:
        self.log.append(("quit",))


@pytest.mark.parametrize(
    ("mailhost", "toaddrs", "credentials", "secure", "timeout"),
    [
        ("mail.example", "one@example.com", None, None, 5.0),
        (("mail.example", 2525), ["a@x", "b@y"], ("me", "secret"), (), 2.5),
        (["mail.example", 465], ("a@x",), ["me", "pw"], ("key.pem", "cert.pem"), 1),
        ("mail.example", ["a@x"], ("me", "pw"), None, 5.0),
    ],
)
def test_smtp_handler_talks_like_the_stdlib(
    monkeypatch: pytest.MonkeyPatch,
    mailhost: Any,
    toaddrs: Any,
    credentials: Any,
    secure: Any,
    timeout: float,
) -> None:
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        FakeSMTP.log = []
        handler = handlers_module.SMTPHandler(
            mailhost,
            "from@example.com",
            toaddrs,
            "Subject ✓",
            credentials=credentials,
            secure=secure,
            timeout=timeout,
        )
        handler.setFormatter(logging_module.Formatter("%(levelname)s: %(message)s"))
        private_logger(logging_module, handler).error("mail body %d", 1)
        handler.close()
        results[label] = (FakeSMTP.log, handler.toaddrs, handler.mailport)
    assert results["femtologging"] == results["stdlib"]


@pytest.mark.skipif(sys.platform == "win32", reason="behaviour without pywin32")
def test_nt_event_log_handler_off_windows(capsys: pytest.CaptureFixture[str]) -> None:
    results = {}
    for label, (logging_module, handlers_module) in IMPLEMENTATIONS.items():
        handler = handlers_module.NTEventLogHandler("femto-test")
        printed = capsys.readouterr().out
        record = logging_module.makeLogRecord({"msg": "dropped", "levelno": 40})
        handler.emit(record)
        handler.close()
        results[label] = (
            printed,
            handler._welu,
            handler.getMessageID(record),
            handler.getEventCategory(record),
            capsys.readouterr(),
        )
    assert results["femtologging"] == results["stdlib"]
