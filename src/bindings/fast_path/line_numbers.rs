//! The caller's line number, memoized per (code object, instruction).
//!
//! `PyFrame_GetLineNumber` decodes the code object's line table from its
//! start on every call: for a call deep in a long function or module it
//! was a third of the cost of a log call that prints `%(lineno)d` (or
//! exports `code.line.number`). A line never changes for a given code
//! object and instruction offset, so it is looked up once. The cache keeps
//! its code objects alive (a freed address could be reused by another) and
//! is emptied when it reaches its bound.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::ffi;
use pyo3::prelude::*;

/// Entries kept before the cache starts again.
const BOUND: usize = 4096;

#[derive(Default)]
struct Lines {
    lines: HashMap<(usize, i32), u32>,
    /// The code objects the keys point to, kept alive.
    codes: HashMap<usize, Py<PyAny>>,
}

/// Only touched with the GIL held, and never across a call into Python.
static LINES: Mutex<Option<Lines>> = Mutex::new(None);

/// The instruction the frame is at.
fn instruction(frame: &Bound<'_, PyAny>) -> Option<i32> {
    #[cfg(Py_3_11)]
    {
        // SAFETY: `frame` is a live frame object.
        Some(unsafe { ffi::PyFrame_GetLasti(frame.as_ptr().cast()) })
    }
    #[cfg(not(Py_3_11))]
    {
        frame
            .getattr(pyo3::intern!(frame.py(), "f_lasti"))
            .ok()?
            .extract()
            .ok()
    }
}

fn computed(frame: &Bound<'_, PyAny>) -> u32 {
    // SAFETY: `frame` is a live frame object.
    let line = unsafe { ffi::PyFrame_GetLineNumber(frame.as_ptr().cast()) };
    u32::try_from(line).unwrap_or(0)
}

/// `frame.f_lineno`, for a frame running `code`.
pub fn line_of(frame: &Bound<'_, PyAny>, code: &Bound<'_, PyAny>) -> u32 {
    let Some(at) = instruction(frame) else {
        return computed(frame);
    };
    let key = (code.as_ptr() as usize, at);
    let mut guard = LINES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cache = guard.get_or_insert_with(Lines::default);
    if let Some(line) = cache.lines.get(&key) {
        return *line;
    }
    let line = computed(frame);
    if cache.lines.len() >= BOUND {
        // Dropping code objects could run finalizers: not under the lock.
        let old = std::mem::take(cache);
        drop(guard);
        drop(old);
        guard = LINES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }
    let cache = guard.get_or_insert_with(Lines::default);
    cache.lines.insert(key, line);
    cache
        .codes
        .entry(key.0)
        .or_insert_with(|| code.clone().unbind());
    line
}
