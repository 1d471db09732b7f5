//! Building a record's metadata on the calling thread from Python's state.
//!
//! The costly parts (the caller's frame, `threading.current_thread().name`)
//! are read only when some formatter on the path prints them.

use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

use crate::bindings::python_clock;
use crate::core::format::Needs;
use crate::core::record::RecordMetadata;

static CURRENT_THREAD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Metadata for a record made now, filled as far as `needs` asks.
pub fn capture(py: Python<'_>, needs: Needs) -> RecordMetadata {
    let mut metadata = RecordMetadata::capture();
    // A replaced clock the core cannot follow leaves the system's time.
    if let Ok(Some(stamp)) = python_clock::record_stamp(py) {
        metadata.timestamp_ns = stamp.ns;
        metadata.float_clock = stamp.float_clock;
    }
    metadata.thread_name = None;
    if needs.thread_name {
        metadata.thread_name = current_thread_name(py);
    }
    if needs.call_site {
        fill_call_site(py, &mut metadata);
    }
    metadata
}

/// `threading.current_thread().name`, or `None` if Python cannot tell.
pub fn current_thread_name(py: Python<'_>) -> Option<Arc<str>> {
    let current_thread = CURRENT_THREAD
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py.import("threading")?.getattr("current_thread")?.unbind())
        })
        .ok()?;
    let thread = current_thread.bind(py).call0().ok()?;
    let name = thread.getattr("name").ok()?;
    let name = name.cast::<PyString>().ok()?;
    name.to_str().ok().map(Arc::from)
}

/// File, line and function of the Python frame that called into Rust.
fn fill_call_site(py: Python<'_>, metadata: &mut RecordMetadata) {
    // SAFETY: called with the GIL held; PyEval_GetFrame returns a borrowed
    // reference (or null) to the frame executing the current call.
    let frame = unsafe { ffi::PyEval_GetFrame() };
    if frame.is_null() {
        return;
    }
    // SAFETY: `frame` is a live frame object owned by the interpreter.
    let lineno = unsafe { ffi::PyFrame_GetLineNumber(frame) };
    metadata.lineno = u32::try_from(lineno).unwrap_or(0);
    // SAFETY: PyFrame_GetCode returns a new (owned) reference to a code object.
    let code = unsafe { Bound::from_owned_ptr(py, ffi::PyFrame_GetCode(frame).cast()) };
    metadata.filename = string_attr(&code, "co_filename");
    metadata.func_name = string_attr(&code, "co_name");
}

fn string_attr(object: &Bound<'_, PyAny>, name: &str) -> Option<Arc<str>> {
    let value = object.getattr(name).ok()?;
    let text = value.cast::<PyString>().ok()?.to_str().ok()?;
    Some(Arc::from(text))
}
