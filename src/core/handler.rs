//! The contract between loggers and native handlers.
//!
//! Handing over a record is split in two halves so that callers can respect
//! the GIL rules: `submit` never blocks (call it attached to Python), and the
//! returned `Submit` says whether the caller must still wait, which it then
//! does through `Pending::send`/`Receipt::wait` detached from Python.

use std::fmt;

use crossbeam_channel::{Receiver, Sender};

use super::format::Needs;
use super::level::LevelNo;
use super::record::FemtoLogRecord;
use super::worker::Command;

/// A native handler: receives records and writes them on its own worker thread.
pub trait FemtoHandlerTrait: Send + Sync {
    /// A short description for error reports, e.g. `FemtoFileHandler('app.log')`.
    fn label(&self) -> &str;
    /// Records below this level are not handed over.
    fn level(&self) -> LevelNo;
    fn set_level(&self, level: LevelNo);
    /// The parts of a record its formatter reads.
    fn needs(&self) -> Needs;
    /// Hands over a record without blocking.
    fn submit(&self, record: FemtoLogRecord) -> Submit;
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
}

/// What a caller still has to do after `submit`.
#[must_use]
pub enum Submit {
    /// The record is queued (or counted as dropped); nothing to wait for.
    Done,
    /// The record is queued and must be on disk before the log call returns.
    Durable(Receipt),
    /// The queue is full and the policy is to wait for room.
    Blocked(Box<Pending>),
}

impl Submit {
    /// Finishes the hand-over, blocking as needed. Call detached from Python.
    pub fn complete(self) {
        match self {
            Submit::Done => {}
            Submit::Durable(receipt) => receipt.wait(),
            Submit::Blocked(pending) => pending.send().complete(),
        }
    }
}

/// A record (with its optional receipt) waiting for room in a full queue.
pub struct Pending {
    pub(crate) sender: Sender<Command>,
    pub(crate) command: Command,
    pub(crate) receipt: Option<Receipt>,
    pub(crate) on_disconnect: Box<dyn FnOnce() + Send>,
}

impl Pending {
    /// Blocks until the queue has room; the result may still need a wait.
    pub fn send(self) -> Submit {
        match self.sender.send(self.command) {
            Ok(()) => match self.receipt {
                Some(receipt) => Submit::Durable(receipt),
                None => Submit::Done,
            },
            Err(_) => {
                (self.on_disconnect)();
                Submit::Done
            }
        }
    }
}

/// Completion signal of a durable record, a flush or a close.
pub struct Receipt(pub(crate) Receiver<()>);

impl Receipt {
    /// Blocks until the worker acknowledges (or has gone away).
    pub fn wait(self) {
        // A disconnected channel means the worker exited: nothing left to wait for.
        let _ = self.0.recv();
    }
}

/// The blocking half of a flush or close: an optional command still to be
/// queued, an optional acknowledgement, and an optional thread join.
#[must_use]
#[derive(Default)]
pub struct Waiter {
    pub(crate) send: Option<(Sender<Command>, Command)>,
    pub(crate) receipt: Option<Receipt>,
    pub(crate) join: Option<Box<dyn FnOnce() + Send>>,
}

impl Waiter {
    /// Nothing to wait for (the handler was already closed).
    pub fn nothing() -> Self {
        Waiter::default()
    }

    /// Blocks until the operation is complete. Call detached from Python.
    pub fn wait(self) {
        let mut receipt = self.receipt;
        if let Some((sender, command)) = self.send {
            if sender.send(command).is_err() {
                receipt = None;
            }
        }
        if let Some(receipt) = receipt {
            receipt.wait();
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
        })
    }
}
