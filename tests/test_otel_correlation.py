"""Trace correlation with OpenTelemetry's logging instrumentation.

`LoggingInstrumentor().instrument()` wraps the stdlib's record factory so
every record carries `otelTraceID`, `otelSpanID`, `otelTraceSampled` and
`otelServiceName`. An app switched to femtologging must get the same
attributes, the same output, and the same records exported by the SDK's
handler. Each scenario runs in a fresh interpreter (the tracer provider is
set once per process) under `logging` and under `femtologging`, with the
real opentelemetry packages, and the outputs are compared with the trace
and span ids replaced by placeholders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("opentelemetry.instrumentation.logging")
pytest.importorskip("opentelemetry.sdk")

PROLOGUE = """
import io, json, sys
import {library} as logging
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.instrumentation.logging import LoggingInstrumentor

trace.set_tracer_provider(TracerProvider(resource=Resource.create({{"service.name": "shop"}})))
tracer = trace.get_tracer("tests")
unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
ids = {{}}

def mask(text):
    for key, value in ids.items():
        text = text.replace(value, key)
    return text

def remember(span, name):
    context = span.get_span_context()
    ids[f"<{{name}}-trace>"] = format(context.trace_id, "032x")
    ids[f"<{{name}}-span>"] = format(context.span_id, "016x")
"""

CORRELATION_FORMAT = (
    "%(levelname)s %(name)s [trace_id=%(otelTraceID)s span_id=%(otelSpanID)s "
    "service=%(otelServiceName)s sampled=%(otelTraceSampled)s] %(message)s"
)


def run_both(run_python: Callable[..., Any], body: str) -> tuple[str, str]:
    outputs = []
    for library in ("logging", "femtologging"):
        result = run_python(PROLOGUE.format(library=library) + body)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    return outputs[0], outputs[1]


def test_injected_ids_match_the_stdlib_in_text_output(run_python: Callable[..., Any]) -> None:
    body = f"""
buffer = io.StringIO()
handler = logging.StreamHandler(buffer)
handler.setFormatter(logging.Formatter({CORRELATION_FORMAT!r}))
log = logging.getLogger("shop.orders")
log.addHandler(handler)
log.propagate = False
log.warning("before instrumenting has no ids", extra={{"otelTraceID": "none"}})
LoggingInstrumentor().instrument(inject_trace_context=True, enable_log_auto_instrumentation=False)
log.warning("outside any span")
with tracer.start_as_current_span("checkout") as span:
    remember(span, "checkout")
    log.info("not shown: below WARNING")
    log.warning("inside %s", "checkout")
    with tracer.start_as_current_span("charge") as child:
        remember(child, "charge")
        log.error("inside the child span")
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("failed")
with unsampled.start_as_current_span("quiet") as span:
    remember(span, "quiet")
    log.warning("unsampled")
LoggingInstrumentor().uninstrument()
log.warning("after: ids gone", extra={{"otelTraceID": "-", "otelSpanID": "-",
    "otelServiceName": "-", "otelTraceSampled": "-"}})
print(mask(buffer.getvalue()))
"""
    stdlib, ours = run_both(run_python, body)
    assert ours == stdlib
    assert "[trace_id=<checkout-trace> span_id=<charge-span> service=shop sampled=True]" in ours
    assert "[trace_id=0 span_id=0 service=shop sampled=False] outside any span" in ours
    assert "span_id=<quiet-span> service=shop sampled=False] unsampled" in ours


def test_injected_ids_reach_json_lines(run_python: Callable[..., Any]) -> None:
    pytest.importorskip("pythonjsonlogger.json")
    body = """
from pythonjsonlogger.json import JsonFormatter
buffer = io.StringIO()
handler = logging.StreamHandler(buffer)
handler.setFormatter(JsonFormatter("%(levelname)s %(message)s %(otelTraceID)s"))
log = logging.getLogger("shop.api")
log.addHandler(handler)
log.propagate = False
LoggingInstrumentor().instrument(inject_trace_context=True, enable_log_auto_instrumentation=False)
with tracer.start_as_current_span("request") as span:
    remember(span, "request")
    log.warning("served", extra={"status": 200})
print(mask(buffer.getvalue()))
"""
    stdlib, ours = run_both(run_python, body)
    assert ours == stdlib
    line = json.loads(ours.splitlines()[0])
    assert line["otelTraceID"] == "<request-trace>" and line["otelSpanID"] == "<request-span>"
    assert line["otelServiceName"] == "shop" and line["status"] == 200


def test_set_logging_format_configures_output_for_femtologging_loggers(
    run_python: Callable[..., Any],
) -> None:
    """`set_logging_format=True` calls the stdlib's basicConfig with a format
    naming the ids: femtologging's records reach that handler too."""
    body = """
LoggingInstrumentor().instrument(set_logging_format=True, enable_log_auto_instrumentation=False)
with tracer.start_as_current_span("job") as span:
    remember(span, "job")
    logging.getLogger("worker").warning("running")
"""
    # basicConfig's handler writes to stderr; the ids are masked and the
    # timestamp dropped.
    outputs = []
    for library in ("logging", "femtologging"):
        result = run_python(PROLOGUE.format(library=library) + body + "print(ids)\n")
        assert result.returncode == 0, result.stderr
        ids = eval(result.stdout)  # noqa: S307 - the dict printed by the script
        text = result.stderr
        for key, value in ids.items():
            text = text.replace(value, key)
        outputs.append(text.split(" ", 2)[2])  # drop the date and time
    assert outputs[1] == outputs[0]
    assert "trace_id=<job-trace> span_id=<job-span> resource.service.name=shop" in outputs[1]
    assert outputs[1].endswith("- running\n")


def test_the_sdk_handler_exports_femtologging_records_like_the_stdlibs(
    run_python: Callable[..., Any],
) -> None:
    """The instrumentor's default adds the SDK's LoggingHandler to the
    stdlib's root: femtologging records are exported with the same body,
    severity, trace context and attributes."""
    body = """
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogExporter, SimpleLogRecordProcessor
exporter = InMemoryLogExporter()
provider = LoggerProvider(resource=Resource.create({"service.name": "shop"}))
provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
set_logger_provider(provider)
LoggingInstrumentor().instrument(inject_trace_context=True)
log = logging.getLogger("shop.exported")
with tracer.start_as_current_span("export") as span:
    remember(span, "export")
    log.warning("exported %d", 7, extra={"order": "A-1"})
log.error("no span")
rows = []
for data in exporter.get_finished_logs():
    record = data.log_record if hasattr(data, "log_record") else data
    attributes = dict(record.attributes or {})
    rows.append({
        "body": record.body,
        "severity": record.severity_text,
        "number": record.severity_number.value,
        "trace": mask(format(record.trace_id or 0, "032x")),
        "span": mask(format(record.span_id or 0, "016x")),
        "attributes": sorted(attributes),
        "order": attributes.get("order"),
        "scope": data.instrumentation_scope.name if data.instrumentation_scope else None,
    })
print(json.dumps(rows))
"""
    stdlib, ours = run_both(run_python, body)
    assert json.loads(ours) == json.loads(stdlib)
    rows = json.loads(ours)
    assert [row["body"] for row in rows] == ["exported 7", "no span"]
    assert rows[0]["trace"] == "<export-trace>" and rows[0]["order"] == "A-1"


def test_records_return_to_the_fast_path_after_uninstrumenting(
    run_python: Callable[..., Any],
) -> None:
    result = run_python(
        PROLOGUE.format(library="femtologging")
        + """
import os, tempfile
from femtologging._femtologging_rs import _path_counts
path = os.path.join(tempfile.mkdtemp(), "paths.log")
handler = logging.FileHandler(path)
handler.setFormatter(logging.Formatter("%(message)s %(otelTraceID)s"))
log = logging.getLogger("paths")
log.addHandler(handler)
log.propagate = False

def counted(message, **kwargs):
    before = _path_counts()
    log.warning(message, **kwargs)
    after = _path_counts()
    return [after[0] - before[0], after[1] - before[1]]

seen = [counted("plain", extra={"otelTraceID": "x"})]
LoggingInstrumentor().instrument(inject_trace_context=True, enable_log_auto_instrumentation=False)
seen.append(counted("instrumented"))
LoggingInstrumentor().uninstrument()
seen += [counted("first after", extra={"otelTraceID": "y"}),
         counted("second after", extra={"otelTraceID": "z"})]
handler.close()
print(json.dumps(seen))
print(open(path).read(), end="")
"""
    )
    assert result.returncode == 0, result.stderr
    counts, *lines = result.stdout.splitlines()
    # Native, then Python while the stdlib's factory is wrapped, then native
    # again from the second call (the first one notices the change).
    assert json.loads(counts) == [[1, 0], [0, 1], [0, 1], [1, 0]]
    assert lines == ["plain x", "instrumented 0", "first after y", "second after z"]
