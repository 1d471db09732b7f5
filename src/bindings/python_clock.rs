//! A record's creation time, taken as the stdlib's `LogRecord` takes it.
//!
//! The stdlib calls `time.time()` (3.10-3.12) or `time.time_ns()` (3.13)
//! through the `time` module, so a test that replaces that function
//! (`mock.patch("time.time")`, freezegun, time-machine) sees its frozen time
//! in every record. The core reads the system clock in Rust instead, which is
//! the same clock as long as nothing replaced the function: that is checked
//! per record at the cost of two loads. CPython gives the module's dict a new
//! version tag whenever it is modified (PEP 509, kept through 3.13), which
//! catches a replaced attribute; time-machine instead swaps the C function
//! behind the builtin, which shows in the builtin's method pointer. While
//! either differs from what was seen at import, the function is called.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyInt, PyString};

use crate::bindings::dict_version;
use crate::core::clock;

/// The name of the function `LogRecord.__init__` calls in this release.
#[cfg(Py_3_13)]
const CLOCK_NAME: &str = "time_ns";
#[cfg(not(Py_3_13))]
const CLOCK_NAME: &str = "time";

struct ClockWatch {
    /// `time.__dict__`.
    namespace: Py<PyDict>,
    name: Py<PyString>,
    /// The builtin found at import, and the C function behind it then.
    original: Py<PyAny>,
    original_method: usize,
    /// The dict's version tag when `replaced` was last decided.
    seen_version: AtomicU64,
    replaced: AtomicBool,
}

static WATCH: PyOnceLock<Option<ClockWatch>> = PyOnceLock::new();

/// The address of the C function a builtin calls; 0 for anything else.
fn method_address(function: &Bound<'_, PyAny>) -> usize {
    // SAFETY: PyCFunction_Check only reads the type.
    if unsafe { ffi::PyCFunction_Check(function.as_ptr()) } == 0 {
        return 0;
    }
    // SAFETY: a PyCFunctionObject has a live m_ml; every variant of the
    // union is a function pointer, read here only as an address.
    unsafe {
        let object = function.as_ptr().cast::<ffi::PyCFunctionObject>();
        (*(*object).m_ml).ml_meth.PyCFunction as usize
    }
}

fn watch(py: Python<'_>) -> Option<&ClockWatch> {
    WATCH
        .get_or_init(py, || {
            let time = py.import("time").ok()?;
            let namespace = time.dict();
            let name = PyString::intern(py, CLOCK_NAME);
            let original = namespace.get_item(&name).ok()??;
            Some(ClockWatch {
                seen_version: AtomicU64::new(dict_version::of(&namespace)),
                original_method: method_address(&original),
                namespace: namespace.unbind(),
                name: name.unbind(),
                original: original.unbind(),
                replaced: AtomicBool::new(false),
            })
        })
        .as_ref()
}

impl ClockWatch {
    /// The replacement to call, or `None` while the system clock serves.
    fn replacement<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        let namespace = self.namespace.bind(py);
        let version = dict_version::of(namespace);
        if version != self.seen_version.load(Ordering::Relaxed) {
            let current = namespace.get_item(self.name.bind(py)).ok().flatten();
            let replaced = !current.is_some_and(|current| current.is(&self.original));
            self.replaced.store(replaced, Ordering::Relaxed);
            self.seen_version.store(version, Ordering::Relaxed);
        }
        let swapped = method_address(self.original.bind(py)) != self.original_method;
        if !self.replaced.load(Ordering::Relaxed) && !swapped {
            return None;
        }
        match namespace.get_item(self.name.bind(py)) {
            Ok(Some(current)) => Some(current),
            _ => Some(self.original.bind(py).clone()),
        }
    }
}

/// When a record made now was made: nanoseconds since the epoch, and the
/// float a replaced `time.time()` returned (held exactly, see
/// `RecordMetadata::float_clock`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub ns: i64,
    pub float_clock: Option<f64>,
}

/// The stamp for a record made now. `None`: the `time` function was
/// replaced by one whose result the core does not hold (not a finite float,
/// or not an int of 64 bits on 3.13); the stdlib's Python code then takes
/// the call.
pub fn record_stamp(py: Python<'_>) -> PyResult<Option<Stamp>> {
    let Some(replacement) = watch(py).and_then(|watch| watch.replacement(py)) else {
        return Ok(Some(Stamp {
            ns: clock::now_ns(),
            float_clock: None,
        }));
    };
    let value = replacement.call0()?;
    if cfg!(Py_3_13) {
        if !value.is_exact_instance_of::<PyInt>() {
            return Ok(None);
        }
        return Ok(value.extract::<i64>().ok().map(|ns| Stamp {
            ns,
            float_clock: None,
        }));
    }
    let Ok(seconds) = value.cast_exact::<PyFloat>().map(|seconds| seconds.value()) else {
        return Ok(None);
    };
    // `int(created)` in the stdlib's LogRecord raises for these.
    if !seconds.is_finite() {
        return Ok(None);
    }
    // Past the year 2262 the count saturates; every field the formatter
    // prints comes from the float.
    Ok(Some(Stamp {
        ns: (seconds * 1e9).round() as i64,
        float_clock: Some(seconds),
    }))
}

/// Remembers the `time` function as it is now, as the one to compare with.
pub fn watch_from_now(py: Python<'_>) {
    watch(py);
}

/// Whether records are stamped by a replaced `time` function now.
pub fn is_replaced(py: Python<'_>) -> bool {
    watch(py).is_some_and(|watch| watch.replacement(py).is_some())
}
