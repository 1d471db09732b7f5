//! Finding the caller of a log call as the stdlib's `findCaller` does
//! (skipping femtologging's own frames, honouring `stacklevel`), and its
//! call site for the record: shared by the `logging` fast path and the core
//! `FemtoLogger` (bindings/capture.rs).

use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;

use super::call_sites::{self, CodeFacts};
use super::environment::Environment;
use crate::core::record::RecordMetadata;

/// The frame a stdlib `findCaller` would pick, with its code object and
/// what that code tells (looked up once: the walk needs it to skip
/// femtologging's own frames, the record needs it for the call site).
pub struct CallerFrame<'py> {
    pub frame: Bound<'py, PyAny>,
    code: Bound<'py, PyAny>,
    facts: Arc<CodeFacts>,
}

/// Starts at the Python frame that called into Rust; `None` when there is
/// no Python frame at all.
pub fn caller_frame<'py>(
    py: Python<'py>,
    environment: &Environment,
    stacklevel: i64,
) -> PyResult<Option<CallerFrame<'py>>> {
    // SAFETY: with the GIL held, PyEval_GetFrame returns a borrowed frame or null.
    let current = unsafe { ffi::PyEval_GetFrame() };
    if current.is_null() {
        return Ok(None);
    }
    // SAFETY: `current` is a live frame; from_borrowed_ptr takes a new reference.
    let mut frame: Bound<'py, PyAny> = unsafe { Bound::from_borrowed_ptr(py, current.cast()) };
    let mut remaining = stacklevel;
    loop {
        let code = code_of(&frame);
        let Some(facts) = call_sites::facts_of(&code, &environment.package_dir)? else {
            return Ok(None);
        };
        if !facts.internal {
            remaining -= 1;
        }
        // SAFETY: `frame` is a frame object; PyFrame_GetBack returns a new
        // reference or null at the outermost frame.
        let back = if remaining == 0 {
            std::ptr::null_mut()
        } else {
            unsafe { ffi::PyFrame_GetBack(frame.as_ptr().cast()) }
        };
        if back.is_null() {
            return Ok(Some(CallerFrame { frame, code, facts }));
        }
        // SAFETY: `back` is a new reference to a frame object.
        frame = unsafe { Bound::from_owned_ptr(py, back.cast()) };
    }
}

fn code_of<'py>(frame: &Bound<'py, PyAny>) -> Bound<'py, PyAny> {
    // SAFETY: `frame` is a frame object; PyFrame_GetCode returns a new reference.
    unsafe {
        Bound::from_owned_ptr(
            frame.py(),
            ffi::PyFrame_GetCode(frame.as_ptr().cast()).cast(),
        )
    }
}

pub fn fill_call_site(metadata: &mut RecordMetadata, caller: &CallerFrame<'_>) {
    metadata.filename = Some(Arc::clone(&caller.facts.filename));
    metadata.func_name = Some(Arc::clone(&caller.facts.function));
    metadata.lineno = call_sites::line_of(&caller.frame, &caller.code);
}
