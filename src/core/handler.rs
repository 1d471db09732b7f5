//! The contract between loggers and native handlers.
//!
//! Handing over a record is split in two halves so that callers can respect
//! the GIL rules: `submit` never blocks (call it attached to Python), and the
//! returned `Submit` says whether the caller must still wait, which it then
//! does through `Submit::complete` detached from Python.

use std::fmt;

use std::sync::Arc;

use super::engine::Engine;
use super::format::{Needs, RenderError};
use super::level::LevelNo;
use super::record::FemtoLogRecord;

/// A native handler: receives records and writes them on its own worker thread.
pub trait FemtoHandlerTrait: Send + Sync {
    /// A short description for error reports, e.g. `FemtoFileHandler('app.log')`.
    fn label(&self) -> &str;
    /// Records below this level are not handed over.
    fn level(&self) -> LevelNo;
    fn set_level(&self, level: LevelNo);
    /// The parts of a record its formatter reads.
    fn needs(&self) -> Needs;
    /// Hands over a record without blocking (its line is in the handler's
    /// journal when this returns).
    fn submit(&self, record: &FemtoLogRecord) -> Submit;
    /// Starts a flush; waiting on the result returns once every record
    /// submitted before it is written.
    fn begin_flush(&self) -> Waiter;
    /// Starts closing: later records are refused; waiting on the result
    /// returns once the queue is drained and the worker has exited.
    fn begin_close(&self) -> Waiter;
    /// Records refused because the queue was full (drop policy) or the
    /// handler was closed.
    fn dropped(&self) -> u64;
    /// Write failures since the handler started.
    fn write_errors(&self) -> u64;
    /// Records lost to failed writes since the handler started.
    fn records_lost(&self) -> u64 {
        0
    }
    /// What makes two handler references the same handler (a logger holds
    /// each once): the object itself, unless it stands for another.
    fn identity(&self) -> *const () {
        (self as *const Self).cast()
    }
}

/// What a caller still has to do after `submit`.
#[must_use]
pub enum Submit {
    /// The record is in the journal (or counted as dropped).
    Done,
    /// The record is in the journal and must be written before the log
    /// call returns.
    Durable(Wait),
    /// The journal is full and the policy is to wait for room.
    Blocked(Box<dyn Pending>),
    /// The handler's format could not render the record (a conversion
    /// Python rejects): nothing was written, and the caller reports it
    /// where a failing `Formatter.format` is reported, with the call's
    /// message and arguments.
    Unformatted(RenderError),
}

impl Submit {
    /// Finishes the hand-over, blocking as needed. Call detached from Python.
    pub fn complete(self) {
        match self {
            Submit::Done | Submit::Unformatted(_) => {}
            Submit::Durable(wait) => wait.wait(),
            Submit::Blocked(pending) => pending.finish().complete(),
        }
    }
}

/// A record waiting for room in a full journal.
pub trait Pending: Send {
    /// Blocks until the record is in; the result may still need a wait.
    fn finish(self: Box<Self>) -> Submit;
}

/// Blocks until a journal has written everything up to an offset.
pub struct Wait {
    pub(crate) engine: Arc<Engine>,
    pub(crate) until: u64,
    /// Whether nobody will write any more (the handler closed).
    pub(crate) gone: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl Wait {
    pub fn wait(self) {
        self.engine.ring();
        self.engine.wait_until_committed(self.until, &*self.gone);
    }
}

/// The blocking half of a flush or close: an optional wait for bytes to be
/// written and an optional thread join.
#[must_use]
#[derive(Default)]
pub struct Waiter {
    pub(crate) wait: Option<Wait>,
    pub(crate) join: Option<Box<dyn FnOnce() + Send>>,
}

impl Waiter {
    /// Nothing to wait for (the handler was already closed).
    pub fn nothing() -> Self {
        Waiter::default()
    }

    /// Blocks until the operation is complete. Call detached from Python.
    pub fn wait(self) {
        if let Some(wait) = self.wait {
            wait.wait();
        }
        if let Some(join) = self.join {
            join();
        }
    }
}

impl fmt::Debug for Submit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Submit::Done => "Submit::Done",
            Submit::Durable(_) => "Submit::Durable",
            Submit::Blocked(_) => "Submit::Blocked",
            Submit::Unformatted(_) => "Submit::Unformatted",
        })
    }
}
