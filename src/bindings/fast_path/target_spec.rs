//! `TargetSpec`: how a handler describes itself to the fast path, one class
//! per kind of target with named, typed fields.
//!
//! Each native handler's `_femto_target` returns one of these (or None when
//! only Python can serve it), and plan.rs turns it into a native `Target`.
//! The constructors take keywords only, so a field named wrongly or left out
//! is a `TypeError` at planning, not a wrong value on the hot path; the
//! types are checked there too.

use pyo3::prelude::*;
use pyo3::types::PyString;

use super::super::file_stream::FileStream;
use super::super::native_format::NativeFormat;
use super::super::otlp_exporter::OtlpExporter;
use super::super::timed_rotation::{RolloverCell, TimedSchedule};
use crate::core::level::LevelNo;

#[pyclass(frozen, module = "femtologging._femtologging_rs")]
pub enum TargetSpec {
    /// A `FileHandler` (or `WatchedFileHandler`) whose worker formats and
    /// writes the records.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator))]
    File {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<FileStream>,
        native: Py<NativeFormat>,
        terminator: String,
    },
    /// A `RotatingFileHandler` whose worker also rolls the file over.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator, max_bytes, backup_count, skip_empty))]
    RotatingFile {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<FileStream>,
        native: Py<NativeFormat>,
        terminator: String,
        max_bytes: u64,
        backup_count: u32,
        /// The stdlib release's `shouldRollover` leaves an empty file alone.
        skip_empty: bool,
    },
    /// A `RotatingFileHandler` with its own naming or renaming: records are
    /// formatted on the logging thread and measured against `max_bytes`; one
    /// that may need a rollover goes to Python.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator, max_bytes))]
    SizeLimitedFile {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<FileStream>,
        native: Py<NativeFormat>,
        terminator: String,
        max_bytes: u64,
    },
    /// A `TimedRotatingFileHandler` whose worker rolls the file over.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator, schedule, rollover_cell, backup_count))]
    TimedFile {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<FileStream>,
        native: Py<NativeFormat>,
        terminator: String,
        schedule: Py<TimedSchedule>,
        rollover_cell: Py<RolloverCell>,
        backup_count: u32,
    },
    /// A `TimedRotatingFileHandler` the worker cannot roll over: written
    /// natively until `rollover_at`, then Python rolls it over.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator, rollover_at))]
    FileUntil {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<FileStream>,
        native: Py<NativeFormat>,
        terminator: String,
        rollover_at: i64,
    },
    /// A `StreamHandler` on a Python stream, written on the caller's thread
    /// under the handler's `lock` (None: no lock needed, e.g. an
    /// `io.StringIO`, whose `write` never releases the GIL and whose flush
    /// does nothing: it is then neither taken nor flushed). `unbuffered_fd`:
    /// the descriptor of the interpreter's own unbuffered stdout/stderr,
    /// written directly.
    #[pyo3(constructor = (*, level, handler, stream, native, terminator, lock, unbuffered_fd = None))]
    Stream {
        level: LevelNo,
        handler: Py<PyAny>,
        stream: Py<PyAny>,
        native: Py<NativeFormat>,
        terminator: String,
        lock: Py<PyAny>,
        unbuffered_fd: Option<i32>,
    },
    /// An `OTLPHandler`; `span_reader` is the ContextVar and key through
    /// which OpenTelemetry's current span is read, when its API is loaded.
    #[pyo3(constructor = (*, level, handler, exporter, span_reader = None))]
    Otlp {
        level: LevelNo,
        handler: Py<PyAny>,
        exporter: Py<OtlpExporter>,
        span_reader: Option<(Py<PyAny>, Py<PyString>)>,
    },
    /// A `NullHandler`.
    #[pyo3(constructor = (*, level, handler))]
    Null { level: LevelNo, handler: Py<PyAny> },
}
