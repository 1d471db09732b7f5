//! Reporting failures of handlers without flooding stderr.
//!
//! A worker cannot call Python's `handleError`, so it writes its report to
//! file descriptor 2 directly. Each handler prints its first failure in full;
//! later ones are only counted, and the count is printed when it closes.
//! `logging.raiseExceptions = False` silences the reports, as in the stdlib.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

static RAISE_EXCEPTIONS: AtomicBool = AtomicBool::new(true);

/// Mirrors `logging.raiseExceptions`.
pub fn set_raise_exceptions(enabled: bool) {
    RAISE_EXCEPTIONS.store(enabled, Ordering::Relaxed);
}

pub fn raise_exceptions() -> bool {
    RAISE_EXCEPTIONS.load(Ordering::Relaxed)
}

/// Writes `text` to fd 2 with plain `write(2)` calls: no locks, so it is safe
/// on any thread, during shutdown and after `fork()`.
pub fn write_stderr(text: &str) {
    let mut bytes = text.as_bytes();
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live byte slice.
        let written = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
        if written < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        bytes = &bytes[written as usize..];
    }
}

/// Where a handler's first failure goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportMode {
    /// Printed on fd 2 by the worker (handlers used without Python's
    /// `Handler` around them).
    Stderr,
    /// Kept until the Python side next uses the handler, which raises it
    /// there so `Handler.handleError` reports it the stdlib's way.
    Deferred,
}

/// A failure kept for the Python side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The OS error number, when the failure was an OS error.
    pub errno: Option<i32>,
    pub message: String,
}

/// Failure accounting of one handler: the first failure is reported in
/// full, later ones only counted and summarised when the handler closes.
#[derive(Debug)]
pub struct ErrorReporter {
    label: String,
    mode: ReportMode,
    reported: AtomicBool,
    unreported: AtomicU64,
    has_pending: AtomicBool,
    pending: Mutex<Option<Failure>>,
}

impl ErrorReporter {
    pub fn new(label: impl Into<String>, mode: ReportMode) -> Self {
        ErrorReporter {
            label: label.into(),
            mode,
            reported: AtomicBool::new(false),
            unreported: AtomicU64::new(0),
            has_pending: AtomicBool::new(false),
            pending: Mutex::new(None),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Reports the first failure (printing it or keeping it for Python);
    /// counts the others.
    pub fn report(&self, what: &str, errno: Option<i32>) {
        self.report_as(self.mode, what, errno);
    }

    /// Reports in `mode` whatever the handler's own mode: a failure the
    /// stdlib reports from `emit` (a failed rollover) is printed, not kept
    /// to be raised from a later `flush` or `close`.
    pub fn report_as(&self, mode: ReportMode, what: &str, errno: Option<i32>) {
        if mode == ReportMode::Stderr && !raise_exceptions() {
            return;
        }
        if self.reported.swap(true, Ordering::AcqRel) {
            self.unreported.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match mode {
            ReportMode::Stderr => write_stderr(&format!(
                "--- Logging error ---\n{}: {what}\n\
                 Further errors of this handler are counted and summarised when it closes.\n",
                self.label
            )),
            ReportMode::Deferred => {
                *self
                    .pending
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Failure {
                    errno,
                    message: what.to_owned(),
                });
                self.has_pending.store(true, Ordering::Release);
            }
        }
    }

    /// Whether a failure waits for the Python side (a cheap check).
    pub fn has_pending(&self) -> bool {
        self.has_pending.load(Ordering::Acquire)
    }

    /// Takes the failure kept for the Python side.
    pub fn take_pending(&self) -> Option<Failure> {
        if !self.has_pending.swap(false, Ordering::AcqRel) {
            return None;
        }
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Failures counted but not reported; resets the count.
    pub fn take_unreported(&self) -> u64 {
        self.unreported.swap(0, Ordering::AcqRel)
    }

    /// Prints how many failures were counted but not printed (fd 2 mode).
    pub fn summarize(&self) {
        if self.mode != ReportMode::Stderr {
            return;
        }
        let unreported = self.take_unreported();
        if unreported > 0 && raise_exceptions() {
            write_stderr(&format!(
                "--- Logging error ---\n{}: {unreported} more error(s) after the first were not printed\n",
                self.label
            ));
        }
    }
}
