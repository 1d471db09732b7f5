//! Reporting failures of handlers without flooding stderr.
//!
//! A worker cannot call Python's `handleError`, so it writes its report to
//! file descriptor 2 directly, or keeps it for the Python side to report.
//! Each handler reports the first failure of an outage in full; later ones
//! are only counted, with the records they lost, and the counts are printed
//! when writing works again (the next failure is then reported in full) and
//! when the handler closes. `logging.raiseExceptions = False` silences the
//! reports, as in the stdlib.

use super::sync::lock_unpoisoned;
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
    /// The first line that could not be written, when it was a write.
    pub line: Option<String>,
}

/// Failure accounting of one handler: the first failure is reported in
/// full, later ones only counted and summarised when the handler closes.
#[derive(Debug)]
pub struct ErrorReporter {
    label: String,
    mode: ReportMode,
    reported: AtomicBool,
    unreported: AtomicU64,
    /// Records a failing destination lost, in all (readable by the user)
    /// and since the last summary.
    lost: AtomicU64,
    lost_unsummarized: AtomicU64,
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
            lost: AtomicU64::new(0),
            lost_unsummarized: AtomicU64::new(0),
            has_pending: AtomicBool::new(false),
            pending: Mutex::new(None),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn mode(&self) -> ReportMode {
        self.mode
    }

    /// Reports the first failure (printing it or keeping it for Python);
    /// counts the others.
    pub fn report(&self, what: &str, errno: Option<i32>) {
        self.report_failure(self.mode, what, errno, None);
    }

    /// Reports a failed write of `line` (the first line it could not write).
    pub fn report_write(&self, what: &str, errno: Option<i32>, line: Option<String>) {
        self.report_failure(self.mode, what, errno, line);
    }

    fn report_failure(
        &self,
        mode: ReportMode,
        what: &str,
        errno: Option<i32>,
        line: Option<String>,
    ) {
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
                 Further errors of this handler are counted and summarised when writing works again or it closes.\n",
                self.label
            )),
            ReportMode::Deferred => {
                *lock_unpoisoned(&self.pending) = Some(Failure {
                    errno,
                    message: what.to_owned(),
                    line,
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
        lock_unpoisoned(&self.pending).take()
    }

    /// Failures counted but not reported; resets the count.
    pub fn take_unreported(&self) -> u64 {
        self.unreported.swap(0, Ordering::AcqRel)
    }

    /// Counts records a failing destination lost.
    pub fn count_lost(&self, records: u64) {
        self.lost.fetch_add(records, Ordering::Relaxed);
        self.lost_unsummarized.fetch_add(records, Ordering::Relaxed);
    }

    /// Records lost to failing writes since the handler was made.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Records lost since the last summary; resets the count.
    pub fn take_lost(&self) -> u64 {
        self.lost_unsummarized.swap(0, Ordering::AcqRel)
    }

    /// Writing works again after failures: what the outage cost is printed
    /// now, and the next failure is reported in full again.
    pub fn recovered(&self) {
        let unreported = self.take_unreported();
        let lost = self.take_lost();
        if raise_exceptions() && (unreported > 0 || lost > 0) {
            write_stderr(&format!(
                "--- Logging error ---\n{}: writing works again; {}\n",
                self.label,
                outage_cost(unreported, lost)
            ));
        }
        self.reported.store(false, Ordering::Release);
    }

    /// Prints how many failures were counted but not printed, and the
    /// records they lost (fd 2 mode; the Python side summarises its own).
    pub fn summarize(&self) {
        if self.mode != ReportMode::Stderr {
            return;
        }
        let unreported = self.take_unreported();
        let lost = self.take_lost();
        if (unreported > 0 || lost > 0) && raise_exceptions() {
            write_stderr(&format!(
                "--- Logging error ---\n{}: {}\n",
                self.label,
                outage_cost(unreported, lost)
            ));
        }
    }
}

/// "3 more error(s) after the first were not printed; 12 record(s) could
/// not be written", leaving out a zero count.
pub fn outage_cost(unreported: u64, lost: u64) -> String {
    let mut parts = Vec::new();
    if unreported > 0 {
        parts.push(format!(
            "{unreported} more error(s) after the first were not printed"
        ));
    }
    if lost > 0 {
        parts.push(format!("{lost} record(s) could not be written"));
    }
    parts.join("; ")
}
