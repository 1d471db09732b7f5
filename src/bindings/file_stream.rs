//! `FileStream`: the stream object behind femtologging's `FileHandler`.
//!
//! It has the shape of the text file the stdlib's `FileHandler` holds
//! (`write`, `flush`, `close`, `tell`, `name`, `mode`, `encoding`, `closed`),
//! but its bytes are written by a worker thread. Text is encoded on the
//! caller's thread: UTF-8 in Rust, any other codec by the incremental encoder
//! Python passes in, so encoding errors surface in `emit` as in the stdlib.

use crate::bindings::thread_exit;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::handlers::{os_error, strerror};
use crate::core::format::{Formatter, TimeStyle};
use crate::core::handler::{FemtoHandlerTrait, Submit};
use crate::core::level::{self, LevelNo};
use crate::core::own_line::OwnLine;
use crate::core::queued::{HandlerOptions, Payload, QueuedHandler};
use crate::core::report::{Failure, ReportMode};
use crate::core::sink::{FileMode, FileSink, FileWatch};

#[pyclass(frozen, module = "femtologging._femtologging_rs")]
pub struct FileStream {
    core: Arc<QueuedHandler>,
    name: Py<PyAny>,
    mode: String,
    encoding: String,
    errors: String,
    /// `None` means UTF-8 with strict errors, done in Rust.
    encoder: Option<Py<PyAny>>,
    /// The codec is UTF-8, so text the core formats itself can be written
    /// as is (Rust strings hold no lone surrogates, the only text a UTF-8
    /// error handler would change).
    native_text: bool,
    /// Bytes written or queued, counted by the callers: exact while only
    /// text formatted before queueing reached the file.
    position: AtomicU64,
    /// Bytes in the file as the worker last wrote it (it alone knows the
    /// length of records it formats, and it alone rolls the file over).
    written: Arc<OwnLine<AtomicU64>>,
    /// The file's descriptor, taken before the file moved to the worker.
    fd: i32,
    /// For a watched file (`WatchedFileHandler`): its path and the file
    /// open now, which a queued reopen changes.
    watch: Option<Arc<FileWatch>>,
    path: PathBuf,
}

impl FileStream {
    pub fn core(&self) -> &Arc<QueuedHandler> {
        &self.core
    }

    pub fn watch(&self) -> Option<&Arc<FileWatch>> {
        self.watch.as_ref()
    }

    /// Bytes written or queued so far, without waiting for the worker;
    /// `None` once the worker formats records itself (their length is only
    /// known when it has).
    pub fn queued_position(&self) -> Option<u64> {
        if self.core.formats_records() {
            return None;
        }
        Some(self.position.load(Ordering::Relaxed))
    }

    /// Queues already-formatted bytes, as `write_record` does.
    pub fn submit_bytes(&self, bytes: Vec<u8>, level: LevelNo) -> Submit {
        self.position
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.core.submit_payload(Payload::Bytes(bytes), level)
    }

    fn encode(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        match &self.encoder {
            None => {
                let text = text.cast::<PyString>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "write() argument must be str, not {}",
                        type_name(text)
                    ))
                })?;
                Ok(text.to_str()?.as_bytes().to_vec())
            }
            Some(encoder) => {
                let encoded = encoder.bind(py).call1((text,))?;
                Ok(encoded.cast::<PyBytes>()?.as_bytes().to_vec())
            }
        }
    }

    fn submit(&self, py: Python<'_>, text: &Bound<'_, PyAny>, level: LevelNo) -> PyResult<usize> {
        // The encoder may run Python code, where CPython can end the thread.
        thread_exit::cover_this_thread();
        let bytes = self.encode(py, text)?;
        self.position
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let submit = self.core.submit_payload(Payload::Bytes(bytes), level);
        thread_exit::detach(py, || submit.complete());
        text.len()
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".into())
}

#[pymethods]
impl FileStream {
    /// Opens `path` with `mode` ("a", "w" or "x", optionally with "t"/"+").
    /// `encoder` turns text into bytes for codecs other than strict UTF-8.
    #[new]
    #[pyo3(signature = (path, mode, encoding, encoder=None, *, errors="strict", native_text=false, capacity=8192, flush_level=None, watch=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        path: &Bound<'_, PyAny>,
        mode: &str,
        encoding: &str,
        encoder: Option<Py<PyAny>>,
        errors: &str,
        native_text: bool,
        capacity: usize,
        flush_level: Option<&Bound<'_, PyAny>>,
        watch: bool,
    ) -> PyResult<Self> {
        let file_mode = match mode.replace(['t', '+'], "").as_str() {
            "a" => FileMode::Append,
            "w" => FileMode::Truncate,
            "x" => FileMode::CreateNew,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "FileHandler mode must be 'a', 'w' or 'x' (text), got '{mode}'"
                )))
            }
        };
        let fs_path: PathBuf = path.extract()?;
        let mut sink =
            FileSink::open(&fs_path, file_mode).map_err(|error| os_error(error, &fs_path))?;
        let watch = if watch {
            Some(sink.watch().map_err(|error| os_error(error, &fs_path))?)
        } else {
            None
        };
        let written = sink.shared_position();
        let position = written.0.load(Ordering::Relaxed);
        let fd = sink.raw_fd().unwrap_or(-1);
        let mut options = HandlerOptions {
            capacity: capacity.max(1),
            terminator: String::new(),
            // Failures are raised from the next write, flush or close, where
            // FileHandler reports them through handleError.
            report_mode: ReportMode::Deferred,
            ..HandlerOptions::default()
        };
        if let Some(flush_level) = flush_level {
            options.flush_level = super::level::extract_level(flush_level)?;
        }
        let formatter = Formatter::new("%(message)s", TimeStyle::default())
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        let label = format!("FileHandler('{}')", fs_path.display());
        let core = QueuedHandler::start(label, Box::new(sink), formatter, options)
            .map_err(|error| os_error(error, &fs_path))?;
        Ok(FileStream {
            core,
            name: path.clone().unbind(),
            mode: mode.to_owned(),
            encoding: encoding.to_owned(),
            errors: errors.to_owned(),
            native_text: native_text || encoder.is_none(),
            encoder,
            position: AtomicU64::new(position),
            written,
            fd,
            watch,
            path: fs_path,
        })
    }

    /// Queues `text`; returns the number of characters, like `TextIOBase.write`.
    /// Then raises the OSError of an earlier write the worker could not
    /// make, not reported yet: the caller's `handleError` reports it, as
    /// the stdlib's `emit` reports its own failed write.
    fn write(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.write_record(py, text, level::NOTSET)
    }

    /// Queues `text` as one record at `level`: at or above the flush level it
    /// is written before this returns. Raises as `write` does.
    fn write_record(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        level: LevelNo,
    ) -> PyResult<usize> {
        self.check_open()?;
        let queued = self.submit(py, text, level)?;
        self.raise_failure()?;
        Ok(queued)
    }

    /// Returns once everything written before is handed to the OS. A
    /// failed write is not raised here: the handler reports it
    /// (`take_failure`), as the stdlib's handlers report from `emit`.
    fn flush(&self, py: Python<'_>) {
        let waiter = self.core.begin_flush();
        thread_exit::detach(py, || waiter.wait());
    }

    /// Writes what is queued, then closes the file. Idempotent. Like
    /// `flush`, leaves a failed write to the handler to report.
    fn close(&self, py: Python<'_>) {
        let waiter = self.core.begin_close();
        thread_exit::detach(py, || waiter.wait());
    }

    /// The failed write not reported yet, if any: `(errno or None,
    /// message, the first line it could not write or None)`.
    fn take_failure(&self) -> Option<(Option<i32>, String, Option<String>)> {
        self.core
            .take_pending_failure()
            .map(|failure| (failure.errno, failure.message, failure.line))
    }

    /// Failed writes after the first reported one, since the last call.
    fn take_unreported_failures(&self) -> u64 {
        self.core.take_unreported_failures()
    }

    /// Records lost to failed writes since the last call.
    fn take_lost_records(&self) -> u64 {
        self.core.stats().reporter.take_lost()
    }

    /// Records lost to failed writes (a full disk, a removed directory)
    /// since the file was opened.
    #[getter]
    fn records_lost(&self) -> u64 {
        self.core.stats().reporter.lost()
    }

    /// Bytes written or queued so far, counting what the file held at open.
    /// When the worker formats records itself (the fast path of a plain
    /// FileHandler), waits for it first: their length is only known then.
    fn tell(&self, py: Python<'_>) -> u64 {
        if !self.core.formats_records() {
            // Every byte was counted when queued: no need to wait.
            return self.position.load(Ordering::Relaxed);
        }
        let waiter = self.core.begin_flush();
        thread_exit::detach(py, || waiter.wait());
        self.written.0.load(Ordering::Acquire)
    }

    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed()
    }

    #[getter]
    fn name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.clone_ref(py)
    }

    #[getter]
    fn mode(&self) -> &str {
        &self.mode
    }

    #[getter]
    fn encoding(&self) -> &str {
        &self.encoding
    }

    #[getter]
    fn errors(&self) -> &str {
        &self.errors
    }

    /// Whether records formatted by the core may be written without Python
    /// encoding them (the codec is UTF-8).
    #[getter]
    fn native_text(&self) -> bool {
        self.native_text
    }

    #[getter]
    fn flush_level(&self) -> LevelNo {
        self.core.options().flush_level
    }

    #[getter]
    fn dropped(&self) -> u64 {
        self.core.dropped()
    }

    #[getter]
    fn write_errors(&self) -> u64 {
        self.core.write_errors()
    }

    fn writable(&self) -> bool {
        true
    }

    /// The descriptor of the open file, so callers can `os.fstat` it (as
    /// `WatchedFileHandler` does to notice the file was moved).
    fn fileno(&self) -> PyResult<i32> {
        self.check_open()?;
        Ok(match &self.watch {
            Some(watch) => watch.identity().fd(),
            None => self.fd,
        })
    }

    /// Whether this stream can be reopened in place (`WatchedFileHandler`).
    #[getter]
    fn watched(&self) -> bool {
        self.watch.is_some()
    }

    /// `(st_dev, st_ino)` of the file a watched stream writes to now.
    #[getter]
    fn identity(&self) -> Option<(u64, u64)> {
        self.watch.as_ref().map(|watch| watch.identity().dev_ino())
    }

    /// Reopens a watched file's path if it no longer names the open file,
    /// after everything written before: those bytes stay in the old file.
    /// Raises the OSError of a failed open, with the file name.
    fn reopen(&self, py: Python<'_>) -> PyResult<()> {
        self.check_open()?;
        let Some(watch) = &self.watch else {
            return Err(PyValueError::new_err("only a watched FileStream reopens"));
        };
        let submit = self.core.submit_durable(Payload::Reopen);
        thread_exit::detach(py, || submit.complete());
        // Everything queued before is written: the new file's size is exact.
        self.position
            .store(self.written.0.load(Ordering::Acquire), Ordering::Relaxed);
        match watch.take_reopen_error() {
            None => Ok(()),
            Some(error) => Err(os_error(error, &self.path)),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let name = self
            .name
            .bind(py)
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_default();
        format!(
            "<femtologging FileStream name={name} mode='{}' encoding='{}'>",
            self.mode, self.encoding
        )
    }
}

impl FileStream {
    /// Raises the worker's kept failure as the OSError Python would raise.
    fn raise_failure(&self) -> PyResult<()> {
        match self.core.take_pending_failure() {
            None => Ok(()),
            Some(Failure {
                errno: Some(errno), ..
            }) => Err(PyOSError::new_err((errno, strerror(errno)))),
            Some(Failure { message, .. }) => Err(PyOSError::new_err(message)),
        }
    }

    fn check_open(&self) -> PyResult<()> {
        if self.core.is_closed() {
            return Err(PyValueError::new_err("I/O operation on closed file."));
        }
        Ok(())
    }
}
