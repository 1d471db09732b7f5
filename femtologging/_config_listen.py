"""`listen` / `stopListening`: a socket server that receives logging
configurations and applies them while the program runs.

Wire format (the stdlib's): a 4-byte big-endian length, then that many bytes
of UTF-8 text, either a JSON object (applied with `dictConfig`) or an ini
file (applied with `fileConfig`). An optional `verify` callable sees the
bytes first and may reject (return None) or transform them.
"""

import errno
import io
import json
import select
import socket
import struct
import threading
import traceback
from socketserver import StreamRequestHandler, ThreadingTCPServer
from typing import Any

from . import _config_names as names

DEFAULT_LOGGING_CONFIG_PORT = 9030
RESET_ERROR = errno.ECONNRESET

#: The receiver `stopListening` stops (the stdlib's `logging.config._listener`).
_listener: "ConfigSocketReceiver | None" = None


def _lock() -> Any:
    return names.package()._lock


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    """Up to `size` bytes; fewer only when the peer closed the connection."""
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = connection.recv(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _apply(text: str) -> None:
    """Applies a received configuration; errors are printed, never raised,
    so a bad configuration leaves the running one in place."""
    from . import config

    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        try:
            config.dictConfig(parsed)
        except Exception:
            traceback.print_exc()
        return
    try:
        config.fileConfig(io.StringIO(text))
    except Exception:
        traceback.print_exc()


class ConfigStreamHandler(StreamRequestHandler):
    """Handles one connection: one length-prefixed configuration."""

    server: "ConfigSocketReceiver"

    def handle(self) -> None:
        try:
            header = _read_exactly(self.connection, 4)
            if len(header) == 4:
                (length,) = struct.unpack(">L", header)
                payload: bytes | None = _read_exactly(self.connection, length)
                if payload is not None and len(payload) < length:
                    payload = None  # the sender gave up midway: nothing to apply
                if payload is not None and self.server.verify is not None:
                    payload = self.server.verify(payload)
                if payload is not None:
                    _apply(payload.decode("utf-8"))
                if self.server.ready:
                    self.server.ready.set()
        except OSError as error:
            if error.errno != RESET_ERROR:
                raise


class ConfigSocketReceiver(ThreadingTCPServer):
    """The TCP server behind `listen`; `stop()` ends `serve_until_stopped`
    at once (a wake-up socket interrupts its wait)."""

    allow_reuse_address = True

    def __init__(
        self,
        host: str = "localhost",
        port: int = DEFAULT_LOGGING_CONFIG_PORT,
        handler: Any = None,
        ready: "threading.Event | None" = None,
        verify: Any = None,
    ) -> None:
        ThreadingTCPServer.__init__(self, (host, port), handler)
        with _lock():
            self.abort = False
        self.timeout = 1
        self.ready = ready
        self.verify = verify
        self._wake_receiver, self._wake_sender = socket.socketpair()

    def stop(self) -> None:
        with _lock():
            self.abort = True
        try:
            self._wake_sender.send(b"\0")
        except OSError:
            pass  # already closed: the loop has ended

    def serve_until_stopped(self) -> None:
        try:
            while True:
                readable, _, _ = select.select(
                    [self.socket.fileno(), self._wake_receiver.fileno()], [], [], self.timeout
                )
                if self.socket.fileno() in readable:
                    self.handle_request()
                with _lock():
                    if self.abort:
                        break
        finally:
            self.server_close()
            self._wake_receiver.close()
            self._wake_sender.close()


class Server(threading.Thread):
    """The thread `listen` returns: `start()` it, wait on `ready`, read the
    bound `port` (useful with port 0), `stopListening()` then `join()`."""

    def __init__(self, rcvr: Any, hdlr: Any, port: int, verify: Any) -> None:
        super().__init__()
        self.rcvr = rcvr
        self.hdlr = hdlr
        self.port = port
        self.verify = verify
        self.ready = threading.Event()

    def run(self) -> None:
        global _listener
        try:
            server = self.rcvr(
                port=self.port, handler=self.hdlr, ready=self.ready, verify=self.verify
            )
        except BaseException:
            self.ready.set()  # wake whoever waits for the port; the error is printed
            raise
        if self.port == 0:
            self.port = server.server_address[1]
        # Published before `ready` is set, so that a `stopListening()` made
        # right after the wait always finds it.
        with _lock():
            _listener = server
        self.ready.set()
        server.serve_until_stopped()


def listen(port: int = DEFAULT_LOGGING_CONFIG_PORT, verify: Any = None) -> Server:
    """A thread (not started) serving configurations on localhost:`port`.

    `verify`, when given, receives each configuration's bytes and returns
    the bytes to apply, or None to discard them.
    """
    return Server(ConfigSocketReceiver, ConfigStreamHandler, port, verify)


def stopListening() -> None:
    """Stops the server started by the last `listen()` thread."""
    global _listener
    with _lock():
        if _listener:
            _listener.stop()
            _listener = None
