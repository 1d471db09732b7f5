//! The counters a handler and its writer share: records refused, writes
//! failed, and the reporter that tells the application about both.

use std::sync::atomic::{AtomicU64, Ordering};

use super::report::{ErrorReporter, ReportMode};

/// Counters shared by a handler and its worker.
#[derive(Debug)]
pub struct Stats {
    pub dropped: AtomicU64,
    pub write_errors: AtomicU64,
    pub reporter: ErrorReporter,
}

impl Stats {
    pub fn new(label: impl Into<String>, mode: ReportMode) -> Self {
        Stats {
            dropped: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            reporter: ErrorReporter::new(label, mode),
        }
    }

    /// A record refused (sent after `close()`, or the queue was full with
    /// `overflow="drop"`): counted, and printed by a handler that reports on
    /// fd 2. A `FileHandler`'s is only counted: not being a failed write, it
    /// is not raised from its next call as one, and a thread logging while
    /// the interpreter exits (after `shutdown()` closed it) is not reported
    /// where the stdlib's handler, which reopens its file, reports nothing.
    pub fn count_drop(&self, why: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        if self.reporter.mode() == ReportMode::Stderr {
            self.reporter.report(why, None);
        }
    }
}
