//! Reporting failures of handlers without flooding stderr.
//!
//! A worker cannot call Python's `handleError`, so it writes its report to
//! file descriptor 2 directly. Each handler prints its first failure in full;
//! later ones are only counted, and the count is printed when it closes.
//! `logging.raiseExceptions = False` silences the reports, as in the stdlib.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

/// Failure accounting of one handler.
#[derive(Debug)]
pub struct ErrorReporter {
    label: String,
    reported: AtomicBool,
    unreported: AtomicU64,
}

impl ErrorReporter {
    pub fn new(label: impl Into<String>) -> Self {
        ErrorReporter {
            label: label.into(),
            reported: AtomicBool::new(false),
            unreported: AtomicU64::new(0),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Prints the first failure; counts the others.
    pub fn report(&self, what: &str) {
        if !raise_exceptions() {
            return;
        }
        if self.reported.swap(true, Ordering::AcqRel) {
            self.unreported.fetch_add(1, Ordering::Relaxed);
            return;
        }
        write_stderr(&format!(
            "--- Logging error ---\n{}: {what}\n\
             Further errors of this handler are counted and summarised when it closes.\n",
            self.label
        ));
    }

    /// Prints how many failures were counted but not printed, once.
    pub fn summarize(&self) {
        let unreported = self.unreported.swap(0, Ordering::AcqRel);
        if unreported > 0 && raise_exceptions() {
            write_stderr(&format!(
                "--- Logging error ---\n{}: {unreported} more error(s) after the first were not printed\n",
                self.label
            ));
        }
    }
}
