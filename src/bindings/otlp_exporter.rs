//! `OtlpExporter`: the Rust side of `femtologging.handlers.OTLPHandler`.
//!
//! It owns a queued handler whose journal holds OTLP-encoded records and
//! whose worker exports them (core/otlp). Records arrive encoded from the
//! fast path (`offer_record`) or from the handler's Python `emit`
//! (`export`), which passes the body and the attributes it chose. A log
//! call never waits here: a record that does not fit (more than
//! `max_queue_size` records waiting, or the journal's bytes full) is
//! dropped, counted and reported once.

use std::cell::RefCell;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::bindings::{context_var, thread_exit};
use crate::core::clock;
use crate::core::engine::Gather;
use crate::core::format::{Formatter, Needs, TimeStyle};
use crate::core::handler::{FemtoHandlerTrait, Submit, Waiter};
use crate::core::level::{self, LevelNo};
use crate::core::otlp::exporter::{ExportOptions, ExportStats, OtlpSink};
use crate::core::otlp::log_record::{encode_frame, LogHead, TraceContext};
use crate::core::otlp::request::encode_resource;
use crate::core::otlp::wire::{AnyValue, Scalar, Value};
use crate::core::queued::{HandlerOptions, Overflow, QueuedHandler};
use crate::core::record::{ExtraValue, FemtoLogRecord};
use crate::core::report::ReportMode;

/// Journal bytes per record of `max_queue_size`: OTLP records with their
/// code and thread attributes take 200-400 bytes.
const BYTES_PER_RECORD: usize = 512;
/// The journal's unit (journal.rs sizes rings in 128-byte records).
const JOURNAL_UNIT: usize = 128;
/// How deep nested lists and dicts are converted (deeper: their `str()`).
const MAX_DEPTH: usize = 16;

#[pyclass(frozen, module = "femtologging._femtologging_rs")]
pub struct OtlpExporter {
    core: Arc<QueuedHandler>,
    stats: Arc<ExportStats>,
    max_queue: usize,
    code_attributes: bool,
}

/// The span a call runs in, read through OpenTelemetry's context variable
/// (`(ContextVar, span key)` as the Python side found them).
pub struct SpanReader {
    pub variable: Py<PyAny>,
    pub key: Py<PyString>,
}

impl SpanReader {
    /// The current span's ids; `None` outside a valid span.
    pub fn current(&self, py: Python<'_>) -> PyResult<Option<TraceContext>> {
        let Some(context) = context_var::value(py, &self.variable)? else {
            return Ok(None);
        };
        let Ok(context) = context.cast::<PyDict>() else {
            return Ok(None);
        };
        let Some(span) = context.get_item(self.key.bind(py))? else {
            return Ok(None);
        };
        let span_context = span.call_method0(pyo3::intern!(py, "get_span_context"))?;
        trace_from_span_context(&span_context)
    }
}

/// `(trace_id, span_id, is_remote, trace_flags, ...)`, OpenTelemetry's
/// `SpanContext` tuple; `None` for the invalid (all-zero) one.
pub fn trace_from_span_context(span_context: &Bound<'_, PyAny>) -> PyResult<Option<TraceContext>> {
    let Ok(items) = span_context.cast::<PyTuple>() else {
        return Ok(None);
    };
    if items.len() < 4 {
        return Ok(None);
    }
    let trace_id: u128 = items.get_item(0)?.extract().unwrap_or(0);
    let span_id: u64 = items.get_item(1)?.extract().unwrap_or(0);
    if trace_id == 0 || span_id == 0 {
        return Ok(None);
    }
    let flags: u8 = items.get_item(3)?.extract().unwrap_or(0);
    Ok(Some(TraceContext {
        trace_id: trace_id.to_be_bytes(),
        span_id: span_id.to_be_bytes(),
        flags,
    }))
}

/// A Python value as an attribute (None as an empty value, as
/// OpenTelemetry's SDK sends it).
fn any_value(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Option<AnyValue>> {
    if value.is_none() {
        return Ok(Some(AnyValue::Empty));
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(Some(AnyValue::Bool(flag.is_true())));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(number) = value.extract::<i64>() {
            return Ok(Some(AnyValue::Int(number)));
        }
    } else if let Ok(number) = value.cast::<PyFloat>() {
        return Ok(Some(AnyValue::Double(number.value())));
    } else if let Ok(text) = value.cast::<PyString>() {
        return Ok(Some(AnyValue::Str(text.to_string_lossy().into_owned())));
    } else if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Some(AnyValue::Bytes(bytes.as_bytes().to_vec())));
    } else if depth < MAX_DEPTH {
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            let mut items = Vec::new();
            for item in value.try_iter()? {
                if let Some(item) = any_value(&item?, depth + 1)? {
                    items.push(item);
                }
            }
            return Ok(Some(AnyValue::Array(items)));
        }
        if let Ok(mapping) = value.cast::<PyDict>() {
            let mut pairs = Vec::new();
            for (key, item) in mapping.iter() {
                if let Some(item) = any_value(&item, depth + 1)? {
                    pairs.push((key.str()?.to_string_lossy().into_owned(), item));
                }
            }
            return Ok(Some(AnyValue::KvList(pairs)));
        }
    }
    Ok(Some(AnyValue::Str(
        value.str()?.to_string_lossy().into_owned(),
    )))
}

fn extra_scalar(value: ExtraValue<'_>) -> Option<Scalar<'_>> {
    match value {
        ExtraValue::Int(number) => Some(Scalar::Int(number)),
        ExtraValue::Float(number) => Some(Scalar::Double(number)),
        ExtraValue::Str(text) => Some(Scalar::Str(text)),
        ExtraValue::Bool(flag) => Some(Scalar::Bool(flag)),
        ExtraValue::None => Some(Scalar::Empty),
        ExtraValue::Json(_) => None,
    }
}

impl OtlpExporter {
    /// Whether records carry `code.*` attributes (the fast path then finds
    /// the caller).
    pub fn code_attributes(&self) -> bool {
        self.code_attributes
    }

    /// Whether the fast path can encode `record` (its extras are scalars).
    pub fn encodes(record: &FemtoLogRecord) -> bool {
        record.exc_text.is_none()
            && record
                .extras()
                .all(|(_, value)| !matches!(value, ExtraValue::Json(_)))
    }

    /// Encodes a fast-path record and queues it, never waiting.
    pub fn offer_record(&self, record: &FemtoLogRecord, trace: Option<TraceContext>) {
        let metadata = &record.metadata;
        let time_unix_nano = u64::try_from(metadata.timestamp_ns).unwrap_or(0);
        let head = LogHead {
            scope: &record.logger,
            time_unix_nano,
            // Both callers made the record in this log call, on this thread:
            // the handler observes it at the moment it was made, and a second
            // clock read per record is saved.
            observed_time_unix_nano: time_unix_nano,
            levelno: i64::from(record.level),
            levelname: &record.level_name,
            body: record.message(),
            trace,
        };
        let mut attributes: Vec<(&str, Scalar<'_>)> = Vec::with_capacity(record.extra_count() + 5);
        attributes.extend(
            record
                .extras()
                .filter_map(|(key, value)| extra_scalar(value).map(|scalar| (&**key, scalar))),
        );
        if self.code_attributes {
            if let Some(path) = metadata.filename.as_deref() {
                attributes.push(("code.file.path", Scalar::Str(path)));
            }
            if let Some(function) = metadata.func_name.as_deref() {
                attributes.push(("code.function.name", Scalar::Str(function)));
            }
            attributes.push(("code.line.number", Scalar::Int(i64::from(metadata.lineno))));
        }
        attributes.push(("thread.id", Scalar::Int(metadata.thread_id as i64)));
        if let Some(name) = metadata.thread_name.as_deref() {
            attributes.push(("thread.name", Scalar::Str(name)));
        }
        self.offer(&head, &attributes);
    }

    fn offer<V: Value>(&self, head: &LogHead<'_>, attributes: &[(&str, V)]) {
        let queued = &self.stats.queued;
        if queued.fetch_add(1, Ordering::AcqRel) >= self.max_queue {
            queued.fetch_sub(1, Ordering::AcqRel);
            self.count_drop("the export queue is full (max_queue_size)");
            return;
        }
        let (fits, offered) = FRAME.with_borrow_mut(|frame| {
            frame.clear();
            let fits = encode_frame(head, attributes, frame).is_some();
            let offered = fits && self.core.offer_bytes(frame);
            if frame.capacity() > FRAME_KEPT {
                *frame = Vec::new();
            }
            (fits, offered)
        });
        if !offered {
            queued.fetch_sub(1, Ordering::AcqRel);
            let why = if fits {
                "the export queue is full (its bytes)"
            } else {
                "a record too large for an OTLP frame"
            };
            self.count_drop(why);
        }
    }

    fn count_drop(&self, why: &str) {
        self.core
            .stats()
            .count_drop(&format!("a record was dropped: {why}"));
    }
}

thread_local! {
    /// The frame a record is encoded into before the journal takes a copy,
    /// kept per thread so that a call allocates nothing for it.
    static FRAME: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Past this capacity (a record with a very long message) the frame buffer
/// is given back rather than kept.
const FRAME_KEPT: usize = 64 * 1024;

fn now_ns() -> u64 {
    u64::try_from(clock::now_ns()).unwrap_or(0)
}

/// An `OTLPHandler` as a native handler of the core `FemtoLogger`: each
/// record is encoded and queued for export as the fast path does it (with
/// no span: the core logger reads no OpenTelemetry context).
pub struct OtlpRecords {
    exporter: Py<OtlpExporter>,
    level: AtomicI32,
}

impl OtlpRecords {
    pub fn new(exporter: Py<OtlpExporter>, level: LevelNo) -> Arc<OtlpRecords> {
        Arc::new(OtlpRecords {
            exporter,
            level: AtomicI32::new(level),
        })
    }

    fn core(&self) -> &QueuedHandler {
        &self.exporter.get().core
    }
}

impl FemtoHandlerTrait for OtlpRecords {
    fn label(&self) -> &str {
        self.core().label()
    }

    fn level(&self) -> LevelNo {
        self.level.load(Ordering::Relaxed)
    }

    fn set_level(&self, level: LevelNo) {
        self.level.store(level, Ordering::Relaxed);
    }

    fn needs(&self) -> Needs {
        Needs {
            call_site: self.exporter.get().code_attributes,
            thread_name: true,
            all_extras: true,
            ..Needs::default()
        }
    }

    fn submit(&self, record: &FemtoLogRecord) -> Submit {
        self.exporter.get().offer_record(record, None);
        Submit::Done
    }

    fn begin_flush(&self) -> Waiter {
        self.core().begin_flush()
    }

    fn begin_close(&self) -> Waiter {
        self.core().begin_close()
    }

    fn dropped(&self) -> u64 {
        self.core().dropped()
    }

    fn write_errors(&self) -> u64 {
        self.core().write_errors()
    }

    /// The exporter: adapters made for one handler at different times are
    /// the same handler.
    fn identity(&self) -> *const () {
        self.exporter.as_ptr() as *const ()
    }
}

#[pymethods]
impl OtlpExporter {
    #[new]
    #[pyo3(signature = (url, headers, request_timeout, export_timeout, gzip, resource, max_queue_size, schedule_delay, max_export_batch_size, code_attributes, user_agent))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        url: String,
        headers: Vec<(String, String)>,
        request_timeout: f64,
        export_timeout: f64,
        gzip: bool,
        resource: &Bound<'_, PyDict>,
        max_queue_size: usize,
        schedule_delay: f64,
        max_export_batch_size: usize,
        code_attributes: bool,
        user_agent: String,
    ) -> PyResult<Self> {
        let seconds = |value: f64, name: &str| {
            Duration::try_from_secs_f64(value).map_err(|_| {
                PyValueError::new_err(format!(
                    "{name} must be a non-negative number of seconds, not {value}"
                ))
            })
        };
        if max_queue_size == 0 || max_export_batch_size == 0 {
            return Err(PyValueError::new_err(
                "max_queue_size and max_export_batch_size must be positive",
            ));
        }
        let mut attributes = Vec::new();
        for (key, value) in resource.iter() {
            if let Some(value) = any_value(&value, 0)? {
                attributes.push((key.str()?.to_string_lossy().into_owned(), value));
            }
        }
        let stats = Arc::new(ExportStats::default());
        let options = Arc::new(ExportOptions {
            url: url.clone(),
            headers,
            request_timeout: seconds(request_timeout, "timeout")?,
            export_timeout: seconds(export_timeout, "export_timeout")?,
            gzip,
            max_batch: max_export_batch_size,
            resource: encode_resource(&attributes),
            user_agent,
        });
        let handler_options = HandlerOptions {
            capacity: max_queue_size.saturating_mul(BYTES_PER_RECORD / JOURNAL_UNIT),
            overflow: Overflow::Drop,
            // Nothing waits for the collector: no level is written through.
            flush_level: level::LevelNo::MAX,
            terminator: String::new(),
            report_mode: ReportMode::Stderr,
            gather: Gather::UpTo {
                limit: seconds(schedule_delay, "schedule_delay")?,
                ready_at: max_export_batch_size,
                queued: stats.queued_counter(),
            },
            ..HandlerOptions::default()
        };
        let formatter = Formatter::new("%(message)s", TimeStyle::default())
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        let sink = OtlpSink::new(options, Arc::clone(&stats));
        let core = QueuedHandler::start(
            format!("OTLPHandler('{url}')"),
            Box::new(sink),
            formatter,
            handler_options,
        )
        .map_err(|error| PyValueError::new_err(format!("could not start the exporter: {error}")))?;
        Ok(OtlpExporter {
            core,
            stats,
            max_queue: max_queue_size,
            code_attributes,
        })
    }

    /// Queues a record of the Python path: `body` and `attributes` (a list
    /// of `(key, value)`) as the handler chose them; `trace` is
    /// `(trace_id, span_id, flags)` or None.
    #[pyo3(signature = (record, body, attributes, trace))]
    fn export(
        &self,
        record: &Bound<'_, PyAny>,
        body: &str,
        attributes: &Bound<'_, PyList>,
        trace: Option<(u128, u64, u8)>,
    ) -> PyResult<()> {
        let py = record.py();
        let name: String = record
            .getattr(pyo3::intern!(py, "name"))?
            .str()?
            .extract()?;
        let levelno: i64 = record
            .getattr(pyo3::intern!(py, "levelno"))?
            .extract()
            .unwrap_or(0);
        let levelname: String = record
            .getattr(pyo3::intern!(py, "levelname"))?
            .str()?
            .extract()?;
        let created: f64 = record.getattr(pyo3::intern!(py, "created"))?.extract()?;
        let mut owned: Vec<(String, AnyValue)> = Vec::with_capacity(attributes.len());
        for item in attributes.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            if let Some(value) = any_value(&value, 0)? {
                owned.push((key.str()?.to_string_lossy().into_owned(), value));
            }
        }
        let listed: Vec<(&str, &AnyValue)> = owned
            .iter()
            .map(|(key, value)| (key.as_str(), value))
            .collect();
        let head = LogHead {
            scope: &name,
            // As OpenTelemetry's SDK takes it from a LogRecord.
            time_unix_nano: (created * 1e9) as u64,
            observed_time_unix_nano: now_ns(),
            levelno,
            levelname: &levelname,
            body,
            trace: trace.and_then(|(trace_id, span_id, flags)| {
                (trace_id != 0 && span_id != 0).then(|| TraceContext {
                    trace_id: trace_id.to_be_bytes(),
                    span_id: span_id.to_be_bytes(),
                    flags,
                })
            }),
        };
        self.offer(&head, &listed);
        Ok(())
    }

    /// Sends everything queued and waits for it (bounded by the export
    /// timeout per batch), with the GIL released.
    fn flush(&self, py: Python<'_>) {
        let core = Arc::clone(&self.core);
        thread_exit::detach(py, move || core.flush());
    }

    fn close(&self, py: Python<'_>) {
        let core = Arc::clone(&self.core);
        thread_exit::detach(py, move || core.close());
    }

    /// `(exported, failed, rejected, dropped, queued, requests, retries)`.
    fn stats(&self) -> (u64, u64, u64, u64, usize, u64, u64) {
        let stats = &self.stats;
        (
            stats.exported.load(Ordering::Relaxed),
            stats.failed.load(Ordering::Relaxed),
            stats.rejected.load(Ordering::Relaxed),
            self.core.stats().dropped.load(Ordering::Relaxed),
            stats.queued.load(Ordering::Relaxed),
            stats.requests.load(Ordering::Relaxed),
            stats.retries.load(Ordering::Relaxed),
        )
    }

    #[getter(code_attributes)]
    fn py_code_attributes(&self) -> bool {
        self.code_attributes
    }
}
