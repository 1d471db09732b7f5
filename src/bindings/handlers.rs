//! Python classes of the native handlers.
//!
//! `FemtoHandler` is the shared base: it owns the `Arc` of the core handler,
//! so a logger attaches the native object itself, with no Python call per
//! record. Blocking operations (flush, close) release the GIL while they wait.

use crate::bindings::thread_exit;
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::fast_path::plan;
use super::level::extract_level;
use crate::core::format::{Formatter, TimeStyle, BASIC_FORMAT};
use crate::core::handler::FemtoHandlerTrait;
use crate::core::level::LevelNo;
use crate::core::queued::{HandlerOptions, Overflow, QueuedHandler};
use crate::core::sink::{FdSink, FileMode, FileSink, Sink};

/// Base class of every native handler.
#[pyclass(subclass, frozen, module = "femtologging._femtologging_rs")]
pub struct FemtoHandler {
    core: Arc<QueuedHandler>,
}

impl FemtoHandler {
    pub fn core(&self) -> Arc<dyn FemtoHandlerTrait> {
        self.core.clone()
    }
}

#[pymethods]
impl FemtoHandler {
    /// Returns once every record handed over before the call is written.
    fn flush(&self, py: Python<'_>) {
        let waiter = self.core.begin_flush();
        thread_exit::detach(py, || waiter.wait());
    }

    /// Drains the queue, stops and joins the worker. Idempotent.
    fn close(&self, py: Python<'_>) {
        let waiter = self.core.begin_close();
        thread_exit::detach(py, || waiter.wait());
    }

    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed()
    }

    #[getter]
    fn level(&self) -> LevelNo {
        self.core.level()
    }

    fn set_level(&self, level: &Bound<'_, PyAny>) -> PyResult<()> {
        self.core.set_level(extract_level(level)?);
        Ok(())
    }

    #[getter]
    fn flush_level(&self) -> LevelNo {
        self.core.options().flush_level
    }

    #[getter]
    fn capacity(&self) -> usize {
        self.core.options().capacity
    }

    #[getter]
    fn format(&self) -> String {
        self.core.formatter().source().to_owned()
    }

    /// Replaces the `%`-style format for records handed over from now on.
    fn set_format(&self, format: &str) -> PyResult<()> {
        self.core.set_formatter(compile(format)?);
        Ok(())
    }

    /// Records dropped: queue full under the `"drop"` policy, or handler closed.
    #[getter]
    fn dropped(&self) -> u64 {
        self.core.dropped()
    }

    /// Failed writes (disk full, closed pipe, ...), counted rather than raised.
    #[getter]
    fn write_errors(&self) -> u64 {
        self.core.write_errors()
    }

    /// Records lost to failed writes (a full disk, a closed pipe).
    #[getter]
    fn records_lost(&self) -> u64 {
        self.core.records_lost()
    }

    fn __repr__(&self) -> String {
        format!("<{}>", self.core.label())
    }
}

/// Keyword options every native handler accepts: `capacity`, `flush_level`,
/// `overflow`, `level` and `format`.
fn options_from_kwargs(
    owner: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(HandlerOptions, Formatter)> {
    let mut options = HandlerOptions::default();
    let mut format = BASIC_FORMAT.to_owned();
    for (key, value) in kwargs.into_iter().flatten() {
        let key: String = key.extract()?;
        match key.as_str() {
            "capacity" => {
                options.capacity = value.extract()?;
                if options.capacity == 0 {
                    return Err(PyValueError::new_err("capacity must be at least 1, got 0"));
                }
            }
            "overflow" => {
                options.overflow = match value.extract::<String>()?.as_str() {
                    "block" => Overflow::Block,
                    "drop" => Overflow::Drop,
                    other => {
                        return Err(PyValueError::new_err(format!(
                            "overflow must be 'block' or 'drop', got '{other}'"
                        )))
                    }
                }
            }
            "flush_level" => options.flush_level = extract_level(&value)?,
            "level" => options.level = extract_level(&value)?,
            "format" => format = value.extract()?,
            other => {
                return Err(PyTypeError::new_err(format!(
                    "{owner}() got an unexpected keyword argument '{other}'"
                )))
            }
        }
    }
    Ok((options, compile(&format)?))
}

fn compile(format: &str) -> PyResult<Formatter> {
    Formatter::new(format, TimeStyle::default())
        .map_err(|error| PyValueError::new_err(format!("invalid format '{format}': {error}")))
}

fn start(
    label: String,
    sink: Box<dyn Sink>,
    (options, formatter): (HandlerOptions, Formatter),
) -> PyResult<FemtoHandler> {
    let core = QueuedHandler::start(label, sink, formatter, options).map_err(|error| {
        PyOSError::new_err(format!(
            "could not start the handler's worker thread: {error}"
        ))
    })?;
    Ok(FemtoHandler { core })
}

/// Writes to the process's stdout or stderr on a background thread.
#[pyclass(extends = FemtoHandler, frozen, module = "femtologging._femtologging_rs")]
pub struct FemtoStreamHandler {
    target: &'static str,
}

impl FemtoStreamHandler {
    fn initializer(
        target: &'static str,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let sink: Box<dyn Sink> = match target {
            "stdout" => Box::new(FdSink::stdout()),
            _ => Box::new(FdSink::stderr()),
        };
        let options = options_from_kwargs("FemtoStreamHandler", kwargs)?;
        let base = start(format!("FemtoStreamHandler({target})"), sink, options)?;
        Ok(PyClassInitializer::from(base).add_subclass(FemtoStreamHandler { target }))
    }
}

#[pymethods]
impl FemtoStreamHandler {
    /// A handler on stderr.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<PyClassInitializer<Self>> {
        Self::initializer("stderr", options)
    }

    #[staticmethod]
    #[pyo3(signature = (**options))]
    fn stdout(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Py<Self>> {
        Py::new(py, Self::initializer("stdout", options)?)
    }

    #[staticmethod]
    #[pyo3(signature = (**options))]
    fn stderr(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Py<Self>> {
        Py::new(py, Self::initializer("stderr", options)?)
    }

    #[getter]
    fn target(&self) -> &'static str {
        self.target
    }
}

/// Appends (or, with mode "w", truncates and writes) to a file on a background thread.
#[pyclass(extends = FemtoHandler, frozen, module = "femtologging._femtologging_rs")]
pub struct FemtoFileHandler {
    path: PathBuf,
}

#[pymethods]
impl FemtoFileHandler {
    #[new]
    #[pyo3(signature = (path, mode="a", **options))]
    fn new(
        path: PathBuf,
        mode: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let file_mode = match mode {
            "a" => FileMode::Append,
            "w" => FileMode::Truncate,
            other => {
                return Err(PyValueError::new_err(format!(
                    "mode must be 'a' or 'w', got '{other}'"
                )))
            }
        };
        let options = options_from_kwargs("FemtoFileHandler", options)?;
        let sink = FileSink::open(&path, file_mode).map_err(|error| os_error(error, &path))?;
        let label = format!("FemtoFileHandler('{}')", path.display());
        let base = start(label, Box::new(sink), options)?;
        Ok(PyClassInitializer::from(base).add_subclass(FemtoFileHandler { path }))
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }
}

/// `OSError(errno, strerror, filename)`: Python picks the subclass
/// (FileNotFoundError, PermissionError, ...) from the errno.
pub fn os_error(error: std::io::Error, path: &std::path::Path) -> PyErr {
    match error.raw_os_error() {
        Some(errno) => {
            PyOSError::new_err((errno, strerror(errno), path.as_os_str().to_os_string()))
        }
        None => PyOSError::new_err(format!("{error}: {}", path.display())),
    }
}

/// `OSError(errno, strerror)` for an error with no file: what a Python
/// stream's `write` raises (BrokenPipeError for a closed pipe).
pub fn stream_os_error(error: std::io::Error) -> PyErr {
    match error.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, strerror(errno))),
        None => PyOSError::new_err(error.to_string()),
    }
}

/// The C library's message for `errno`, as Python's OSError shows it.
pub fn strerror(errno: i32) -> String {
    // SAFETY: strerror returns a NUL-terminated message that stays valid
    // until the next call on this thread; it is copied at once.
    unsafe { std::ffi::CStr::from_ptr(libc::strerror(errno)) }
        .to_string_lossy()
        .into_owned()
}

/// The native handler behind a Python object, or the TypeError naming what was passed.
pub fn native_handler(handler: &Bound<'_, PyAny>) -> PyResult<Arc<dyn FemtoHandlerTrait>> {
    if let Ok(native) = handler.cast::<FemtoHandler>() {
        return Ok(native.get().core());
    }
    if let Some(core) = plan::native_core(handler.py(), handler)? {
        return Ok(core);
    }
    let kind = handler
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "unknown".into());
    let shown = handler
        .repr()
        .map(|text| text.to_string())
        .unwrap_or_else(|_| "an object".into());
    Err(PyTypeError::new_err(format!(
        "expected a native handler (FemtoFileHandler, FemtoStreamHandler, or a stock \
         FileHandler, RotatingFileHandler, TimedRotatingFileHandler or WatchedFileHandler \
         with a stock formatter, or an OTLPHandler), got {shown} of type '{kind}'"
    )))
}
