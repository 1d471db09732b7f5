//! `HandlerLock`: the `lock` of femtologging's handlers, with the API and
//! errors of `threading.RLock` (what the stdlib's `createLock` makes), over
//! a `ReentrantLock` that a log call takes and gives back natively
//! (`fast_path/emit.rs`) instead of calling `acquire` and `release`.

use std::time::{Duration, Instant};

use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyTuple};

use super::thread_exit;
use crate::core::reentrant_lock::ReentrantLock;

/// How long a wait lasts before the waiter retakes the GIL to run signal
/// handlers (a Ctrl-C interrupts a blocked acquire, as with `RLock`).
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// `threading.TIMEOUT_MAX` on Linux, in seconds.
const TIMEOUT_MAX: f64 = 9_223_372_036.0;

#[pyclass(frozen, weakref, name = "RLock", module = "femtologging")]
pub struct HandlerLock {
    lock: ReentrantLock,
}

/// `threading.get_ident()`.
fn current_thread() -> u64 {
    // SAFETY: no preconditions.
    unsafe { ffi::PyThread_get_thread_ident() as u64 }
}

fn not_held() -> PyErr {
    PyRuntimeError::new_err("cannot release un-acquired lock")
}

impl HandlerLock {
    /// Takes the lock for this thread, waiting with the GIL released;
    /// `until` None waits as long as it takes. False when `until` passed
    /// first (at once for a non-blocking call: no wait, no GIL release).
    fn acquire_until(&self, py: Python<'_>, until: Option<Instant>) -> PyResult<bool> {
        let me = current_thread();
        if self.lock.try_acquire(me) {
            return Ok(true);
        }
        loop {
            if until.is_some_and(|until| Instant::now() >= until) {
                return Ok(false);
            }
            let slice_end = Instant::now() + WAIT_SLICE;
            let wait_until = until.map_or(slice_end, |until| until.min(slice_end));
            if thread_exit::detach(py, || self.lock.acquire_waiting(me, wait_until)) {
                return Ok(true);
            }
            // A signal handler that raises ends the wait, as with RLock.
            py.check_signals()?;
        }
    }

    /// `acquire()` with no argument.
    pub fn acquire_blocking(&self, py: Python<'_>) -> PyResult<()> {
        self.acquire_until(py, None).map(drop)
    }

    pub fn release_held(&self) -> PyResult<()> {
        self.lock.release(current_thread()).map_err(|_| not_held())
    }
}

/// `blocking` as `RLock.acquire` reads it: an integer before 3.12, any
/// object's truth since.
pub struct Blocking(bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Blocking {
    type Error = PyErr;

    fn extract(blocking: Borrowed<'a, 'py, PyAny>) -> PyResult<Blocking> {
        if cfg!(Py_3_12) {
            blocking.is_truthy().map(Blocking)
        } else {
            Ok(Blocking(blocking.extract::<i64>()? != 0))
        }
    }
}

/// `timeout` in seconds as `RLock.acquire` reads it (an int or a float).
pub struct Timeout(f64);

impl<'a, 'py> FromPyObject<'a, 'py> for Timeout {
    type Error = PyErr;

    fn extract(timeout: Borrowed<'a, 'py, PyAny>) -> PyResult<Timeout> {
        // CPython holds it as nanoseconds in an i64, and words the overflow
        // by the type it converted from.
        let fits = |seconds: f64| seconds.abs() * 1e9 < i64::MAX as f64;
        let int_overflow = || {
            PyOverflowError::new_err(if cfg!(Py_3_13) {
                "timestamp too large to convert to C PyTime_t"
            } else {
                "timestamp too large to convert to C _PyTime_t"
            })
        };
        let seconds = if let Ok(float) = timeout.cast::<PyFloat>() {
            let seconds = float.value();
            if seconds.is_nan() {
                return Err(PyValueError::new_err("Invalid value NaN (not a number)"));
            }
            if !fits(seconds) {
                return Err(if cfg!(Py_3_11) {
                    PyOverflowError::new_err("timestamp out of range for platform time_t")
                } else {
                    int_overflow()
                });
            }
            seconds
        } else if timeout.is_instance_of::<PyInt>() || timeout.hasattr("__index__")? {
            let seconds = timeout
                .extract::<i64>()
                .map_or(f64::INFINITY, |seconds| seconds as f64);
            if !fits(seconds) {
                return Err(int_overflow());
            }
            seconds
        } else {
            return Err(PyTypeError::new_err(format!(
                "'{}' object cannot be interpreted as an integer",
                timeout.get_type().name()?
            )));
        };
        Ok(Timeout(seconds))
    }
}

#[pymethods]
impl HandlerLock {
    #[new]
    fn new() -> HandlerLock {
        HandlerLock {
            lock: ReentrantLock::new(),
        }
    }

    #[pyo3(
        signature = (blocking = Blocking(true), timeout = Timeout(-1.0)),
        text_signature = "(self, /, blocking=True, timeout=-1)"
    )]
    fn acquire(&self, py: Python<'_>, blocking: Blocking, timeout: Timeout) -> PyResult<bool> {
        let (Blocking(blocking), Timeout(timeout)) = (blocking, timeout);
        if !blocking && timeout != -1.0 {
            return Err(PyValueError::new_err(
                "can't specify a timeout for a non-blocking call",
            ));
        }
        if timeout < 0.0 && timeout != -1.0 {
            let message = if cfg!(Py_3_13) {
                "timeout value must be a non-negative number"
            } else {
                "timeout value must be positive"
            };
            return Err(PyValueError::new_err(message));
        }
        if timeout > TIMEOUT_MAX {
            return Err(PyOverflowError::new_err("timeout value is too large"));
        }
        let until = if !blocking {
            Some(Instant::now())
        } else if timeout == -1.0 {
            None
        } else {
            Some(Instant::now() + Duration::from_secs_f64(timeout))
        };
        self.acquire_until(py, until)
    }

    fn release(&self) -> PyResult<()> {
        self.release_held()
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire_blocking(py).map(|()| true)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release_held()
    }

    fn _is_owned(&self) -> bool {
        self.lock.count_held_by(current_thread()) > 0
    }

    fn _recursion_count(&self) -> u64 {
        self.lock.count_held_by(current_thread())
    }

    /// For `threading.Condition.wait`: gives every acquire back.
    fn _release_save(&self) -> PyResult<(u64, u64)> {
        self.lock
            .release_all(current_thread())
            .map_err(|_| not_held())
    }

    fn _acquire_restore(&self, py: Python<'_>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        let saved = state
            .cast::<PyTuple>()
            .ok()
            .filter(|tuple| tuple.len() == 2)
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "_acquire_restore() argument 1 must be 2-item sequence, not {}",
                    state
                        .get_type()
                        .name()
                        .map_or("object".into(), |n| n.to_string())
                ))
            })?;
        let count: u64 = saved.get_item(0)?.extract()?;
        let owner: u64 = saved.get_item(1)?.extract()?;
        // Taken afresh (nobody holds it for this thread), then given the
        // saved count.
        self.acquire_blocking(py)?;
        self.lock.restore(count, owner);
        Ok(())
    }

    /// After `fork()`: free, whoever held it in the parent.
    fn _at_fork_reinit(&self) {
        self.lock.reset();
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let (owner, count) = slf.get().lock.holder();
        Ok(format!(
            "<{} {} object owner={owner} count={count} at {:p}>",
            if count > 0 { "locked" } else { "unlocked" },
            slf.get_type().fully_qualified_name()?,
            slf.as_ptr(),
        ))
    }
}
