"""An OTLP/HTTP logs receiver in a process of its own, for the `otlp` scenario.

Run as `python -m benchmarks.otlp_receiver`: it prints its port, accepts
`POST /v1/logs` (protobuf, gzip or not), counts the log records with
opentelemetry-proto's classes, and answers `GET /count` with
`{"records": n, "requests": m}`. Being another process, its decoding never
competes with the measured logging thread for the GIL.
"""

from __future__ import annotations

import gzip
import http.server
import json
import socketserver
import sys
import threading

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

_lock = threading.Lock()
_counts = {"records": 0, "requests": 0}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportLogsServiceRequest.FromString(body)
        records = sum(
            len(scope.log_records)
            for resource in request.resource_logs
            for scope in resource.scope_logs
        )
        with _lock:
            _counts["records"] += records
            _counts["requests"] += 1
        self._reply(ExportLogsServiceResponse().SerializeToString(), "application/x-protobuf")

    def do_GET(self) -> None:
        with _lock:
            text = json.dumps(_counts)
        self._reply(text.encode(), "application/json")

    def _reply(self, payload: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main() -> int:
    server = _Server(("127.0.0.1", 0), _Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
