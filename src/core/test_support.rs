//! What tests of queued handlers share: a sink whose output a test can
//! read back while the worker is still writing, so that each test file does
//! not grow its own slightly different copy.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::format::Formatter;
use super::queued::{HandlerOptions, QueuedHandler};
use super::sink::Sink;
use super::sync::lock_unpoisoned;

/// A sink that records what reaches it, optionally failing every write.
#[derive(Clone, Default)]
pub(crate) struct Probe {
    pub(crate) written: Arc<Mutex<Vec<u8>>>,
    pub(crate) writes: Arc<AtomicUsize>,
    pub(crate) fail: bool,
    pub(crate) delay: Option<Duration>,
    /// Taken for a regular file: its handler is served by a shared worker.
    pub(crate) regular_file: bool,
    /// Panics on a write (a bug in a sink), to test what survives it.
    pub(crate) panics: bool,
}

impl Sink for Probe {
    fn is_regular_file(&self) -> bool {
        self.regular_file
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(delay) = self.delay {
            std::thread::sleep(delay);
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        assert!(!self.panics, "a sink that panics");
        if self.fail {
            return Err(io::Error::from_raw_os_error(libc::ENOSPC));
        }
        lock_unpoisoned(&self.written).extend_from_slice(bytes);
        Ok(())
    }
}

impl Probe {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&lock_unpoisoned(&self.written)).into_owned()
    }

    /// The output from byte `from` on, up to its last complete line: a
    /// reader racing the worker may otherwise see half of a wrapped range
    /// (it reaches the sink in two writes).
    pub(crate) fn complete_lines_from(&self, from: usize) -> Vec<u8> {
        let written = lock_unpoisoned(&self.written);
        let tail = &written[from.min(written.len())..];
        let end = tail
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |at| at + 1);
        tail[..end].to_vec()
    }

    /// Whether `needle` was written, looking from the end: what a test
    /// looks for was usually written moments ago.
    pub(crate) fn holds_recent(&self, needle: &[u8]) -> bool {
        let written = lock_unpoisoned(&self.written);
        needle.is_empty() || written.windows(needle.len()).rev().any(|w| w == needle)
    }
}

/// A started handler writing bare messages to `probe`.
pub(crate) fn handler(probe: &Probe, options: HandlerOptions) -> Arc<QueuedHandler> {
    QueuedHandler::start(
        "Probe",
        Box::new(probe.clone()),
        Formatter::new("%(message)s", Default::default()).expect("valid"),
        options,
    )
    .expect("worker starts")
}
