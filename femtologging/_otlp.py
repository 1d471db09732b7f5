"""`OTLPHandler`: records exported as OpenTelemetry logs over OTLP/HTTP.

The handler is a `logging.Handler` whose records are encoded as OTLP
`LogRecord`s on the logging thread and exported by a Rust worker
(`_femtologging_rs.OtlpExporter`): batched by size and time, retried with
backoff, never blocking a log call. Settings default to OpenTelemetry's
environment variables, as the SDK's exporter reads them. The mapping of a
record follows the SDK's `LoggingHandler` (see docs/handlers.md).
"""

import contextvars
import os
import sys
import traceback
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ._femtologging_rs import OtlpExporter, TargetSpec
from ._globals import NOTSET
from ._handler import _ORIGINALS, Handler, _stock
from ._record import RECORD_ATTRIBUTE_NAMES

DEFAULT_ENDPOINT = "http://localhost:4318"
LOGS_PATH = "/v1/logs"

#: Record attributes that are not `extra` values: the stdlib record's, and
#: the two the SDK's handler also leaves out on every version.
_RECORD_ATTRIBUTES = RECORD_ATTRIBUTE_NAMES | {"getMessage", "taskName"}

_METHODS = ("handle", "filter", "emit", "format")


def _env(*names: str) -> "str | None":
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def _pairs(text: str) -> "dict[str, str]":
    """`key=value,key2=value2`, percent-decoded (W3C baggage style, as the
    OpenTelemetry environment variables write headers and attributes)."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            pairs[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return pairs


def _logs_url(endpoint: "str | None") -> str:
    if endpoint is not None:
        parsed = urllib.parse.urlsplit(endpoint)
        # A bare base URL gets the logs path, as the environment's does.
        return endpoint.rstrip("/") + LOGS_PATH if parsed.path in ("", "/") else endpoint
    signal = _env("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
    if signal is not None:
        return signal
    base = _env("OTEL_EXPORTER_OTLP_ENDPOINT") or DEFAULT_ENDPOINT
    return base.rstrip("/") + LOGS_PATH


def _seconds(value: "float | None", names: "tuple[str, ...]", default: float, unit: float) -> float:
    """A duration in seconds: the argument, else the first environment
    variable set (a number in `unit` seconds), else `default`."""
    if value is not None:
        return float(value)
    text = _env(*names)
    if text is None:
        return default
    try:
        return float(text) * unit
    except ValueError:
        raise ValueError(f"{names[0]} must be a number, not {text!r}") from None


def _count(value: "int | None", name: str, default: int) -> int:
    if value is not None:
        return int(value)
    text = _env(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {text!r}") from None


def _resource(resource: "Mapping[str, Any] | None") -> "dict[str, Any]":
    from . import __version__

    attributes: dict[str, Any] = {
        "telemetry.sdk.language": "python",
        "telemetry.sdk.name": "femtologging",
        "telemetry.sdk.version": __version__,
        "service.name": "unknown_service",
    }
    attributes.update(_pairs(_env("OTEL_RESOURCE_ATTRIBUTES") or ""))
    service = _env("OTEL_SERVICE_NAME")
    if service is not None:
        attributes["service.name"] = service
    attributes.update(resource or {})
    return attributes


def _span_reader() -> "tuple[Any, str] | None":
    """OpenTelemetry's context variable and current-span key, when its API
    is imported and keeps the context in a ContextVar (its default)."""
    context = sys.modules.get("opentelemetry.context")
    propagation = sys.modules.get("opentelemetry.trace.propagation")
    if context is None or propagation is None:
        return None
    runtime = getattr(context, "_RUNTIME_CONTEXT", None)
    variable = getattr(runtime, "_current_context", None)
    key = getattr(propagation, "_SPAN_KEY", None)
    if not isinstance(variable, contextvars.ContextVar) or not isinstance(key, str):
        return None
    return variable, key


def _current_trace() -> "tuple[int, int, int] | None":
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return context.trace_id, context.span_id, int(context.trace_flags)


class OTLPHandler(Handler):
    """Exports records to an OpenTelemetry collector (OTLP/HTTP, protobuf).

    Every argument defaults to OpenTelemetry's environment variables, then
    to the SDK's defaults: `endpoint` (a base URL gets `/v1/logs`; default
    `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` +
    `/v1/logs`, else `http://localhost:4318/v1/logs`), `headers`, `timeout`
    (seconds per request), `compression` (`"gzip"` or `"none"`),
    `resource` (attributes added to `OTEL_RESOURCE_ATTRIBUTES` and
    `OTEL_SERVICE_NAME`), and the batching of `OTEL_BLRP_*`:
    `schedule_delay` (seconds), `max_queue_size`, `max_export_batch_size`,
    `export_timeout` (seconds). `code_attributes` adds `code.file.path`,
    `code.function.name` and `code.line.number`.
    """

    def __init__(
        self,
        level: "int | str" = NOTSET,
        *,
        endpoint: "str | None" = None,
        headers: "Mapping[str, str] | None" = None,
        timeout: "float | None" = None,
        compression: "str | None" = None,
        resource: "Mapping[str, Any] | None" = None,
        schedule_delay: "float | None" = None,
        max_queue_size: "int | None" = None,
        max_export_batch_size: "int | None" = None,
        export_timeout: "float | None" = None,
        code_attributes: bool = True,
    ) -> None:
        Handler.__init__(self, level)
        url = _logs_url(endpoint)
        if headers is None:
            headers = _pairs(
                _env("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS") or ""
            )
        if compression is None:
            compression = (
                _env("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION")
                or "none"
            )
        if compression.lower() not in ("gzip", "none"):
            raise ValueError(f"compression must be 'gzip' or 'none', not {compression!r}")
        # The Python SDK reads OTEL_EXPORTER_OTLP_TIMEOUT in seconds; the
        # BLRP variables are milliseconds, as the specification says.
        request_timeout = _seconds(
            timeout, ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"), 10.0, 1.0
        )
        delay = _seconds(schedule_delay, ("OTEL_BLRP_SCHEDULE_DELAY",), 1.0, 0.001)
        export = _seconds(export_timeout, ("OTEL_BLRP_EXPORT_TIMEOUT",), 30.0, 0.001)
        queue_size = _count(max_queue_size, "OTEL_BLRP_MAX_QUEUE_SIZE", 2048)
        batch_size = _count(max_export_batch_size, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", 512)
        from . import __version__

        self.endpoint = url
        self.compression = compression.lower()
        self._exporter = OtlpExporter(
            url,
            [(str(key), str(value)) for key, value in headers.items()],
            request_timeout,
            export,
            self.compression == "gzip",
            _resource(resource),
            queue_size,
            delay,
            min(batch_size, queue_size),
            bool(code_attributes),
            f"femtologging/{__version__}",
        )

    def emit(self, record: Any) -> None:
        try:
            body = self.format(record) if self.formatter is not None else record.getMessage()
            self._exporter.export(record, body, self._attributes(record), _current_trace())
        except Exception:
            self.handleError(record)

    def _attributes(self, record: Any) -> "list[tuple[str, Any]]":
        attributes = [
            (key, value)
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
        ]
        if self._exporter.code_attributes:
            attributes += [
                ("code.file.path", record.pathname),
                ("code.function.name", record.funcName),
                ("code.line.number", record.lineno),
            ]
        attributes.append(("thread.id", record.thread))
        if record.threadName is not None:
            attributes.append(("thread.name", record.threadName))
        exc_info = record.exc_info
        if exc_info and exc_info[0] is not None:
            kind, value, trace = exc_info
            attributes.append(("exception.type", kind.__name__))
            if value is not None and value.args:
                attributes.append(("exception.message", str(value.args[0])))
            if trace is not None:
                text = "".join(traceback.format_exception(kind, value, trace))
                attributes.append(("exception.stacktrace", text))
        return attributes

    def flush(self) -> None:
        """Exports every queued record and waits for the requests (each batch
        bounded by the export timeout)."""
        self._exporter.flush()

    def close(self) -> None:
        """Exports what is queued (within the export timeout), then stops."""
        self._exporter.close()
        Handler.close(self)

    @property
    def stats(self) -> "dict[str, int]":
        """Records exported, failed (their request failed for good), rejected
        (by the collector, in a partial success), dropped (queue full),
        still queued; requests made and retried."""
        names = ("exported", "failed", "rejected", "dropped", "queued", "requests", "retries")
        return dict(zip(names, self._exporter.stats(), strict=True))

    def _femto_target(self) -> "TargetSpec | None":
        if self.filters or self.formatter is not None or not _stock(self, OTLPHandler, _METHODS):
            return None
        return TargetSpec.Otlp(
            level=self.level, handler=self, exporter=self._exporter, span_reader=_span_reader()
        )

    def __repr__(self) -> str:
        from ._globals import getLevelName

        return f"<{type(self).__name__} {self.endpoint} ({getLevelName(self.level)})>"


for _name in _METHODS:
    _ORIGINALS[(OTLPHandler, _name)] = getattr(OTLPHandler, _name)
del _name
