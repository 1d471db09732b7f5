//! Process-wide hooks Python calls: exit, fork, and mirrored settings.
//!
//! The Python package registers these with `atexit` and
//! `os.register_at_fork` when it is imported.

use crate::bindings::thread_exit;
use pyo3::prelude::*;

use crate::core::{clock, crash, journal, record, registry, report};

/// At exit: every live native handler's worker writes what it holds and
/// stops (newest first, GIL released); later records are written by the
/// threads that log them.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    let parking = registry::begin_shutdown();
    let parked = thread_exit::detach(py, || parking.wait_until_written());
    parked.retire();
}

/// Writes everything queued in every live native handler, GIL released.
#[pyfunction]
pub fn _flush_all(py: Python<'_>) {
    let waiters = registry::begin_flush_all();
    thread_exit::detach(py, || waiters.into_iter().for_each(|waiter| waiter.wait()));
}

/// Before `fork()`: every worker writes what it has and exits, so no thread
/// of ours is inside a lock when the child is made. The Python hook calls
/// this holding the package's module lock, which orders forks made from
/// several threads one after another.
#[pyfunction]
pub fn _before_fork(py: Python<'_>) {
    registry::begin_fork();
    let parking = registry::begin_park_all();
    let parked = thread_exit::detach(py, || parking.wait());
    parked.finish();
}

#[pyfunction]
pub fn _after_fork_in_parent() {
    registry::end_fork_in_parent();
}

/// In the child: fresh queues and workers; the parent's queued records stay
/// the parent's to write.
#[pyfunction]
pub fn _after_fork_in_child() {
    record::refresh_process_id();
    registry::end_fork_in_child();
}

/// Installs the fatal-signal handlers that write every journal out before
/// the process dies (SIGTERM only while it has the default disposition).
#[pyfunction]
pub fn _install_crash_handlers() {
    crash::install_signal_handlers();
}

/// Writes every journal out now: the process is about to end without
/// running exit hooks (`os._exit`).
#[pyfunction]
pub fn _flush_before_exit(py: Python<'_>) {
    thread_exit::detach(py, crash::flush_all);
}

/// Writes to `path` what journals of dead processes hold for it; returns
/// `(journals, bytes)` recovered.
#[pyfunction]
pub fn _recover(py: Python<'_>, path: std::path::PathBuf) -> PyResult<(usize, u64)> {
    let recovered = thread_exit::detach(py, || journal::recover(&path))
        .map_err(|error| super::handlers::os_error(error, &path))?;
    Ok((recovered.journals, recovered.bytes))
}

/// Mirrors `logging.raiseExceptions` for reports made on worker threads.
#[pyfunction]
pub fn _set_raise_exceptions(enabled: bool) {
    report::set_raise_exceptions(enabled);
}

/// Sets the interpreter's timestamp arithmetic and `logging._startTime`.
#[pyfunction]
pub fn _configure_clock(nanosecond_arithmetic: bool, start_ns: i64, start_secs: f64) {
    clock::configure(nanosecond_arithmetic, start_ns, start_secs);
}

/// Invalidates cached routing decisions after a configuration change.
#[pyfunction]
pub fn _configuration_changed() {
    crate::core::generation::bump();
}

/// The smoke check that the extension loads.
#[pyfunction]
pub fn hello() -> &'static str {
    "Hello from femtologging!"
}
