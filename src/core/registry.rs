//! Every live queued handler, for shutdown at exit and for `fork()`.
//!
//! Handlers register themselves when they start; the registry holds weak
//! references, so it never keeps a handler alive. Like handler state, the
//! registry lock is only taken by threads attached to Python.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;

use crossbeam_channel::Sender;
use once_cell::sync::Lazy;

use super::handler::{FemtoHandlerTrait, Waiter};
use super::queued::QueuedHandler;
use super::worker::{Command, Exit};

static LIVE: Lazy<Mutex<Vec<Weak<QueuedHandler>>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// Set once the exit-time shutdown has run. Anything logged after it (from
/// `__del__` methods during interpreter finalization) is written before the
/// call returns, since no later hook would wait for a worker.
static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

pub fn is_shut_down() -> bool {
    SHUT_DOWN.load(Ordering::Relaxed)
}

pub(crate) fn register(handler: &Arc<QueuedHandler>) {
    let mut live = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    live.retain(|weak| weak.strong_count() > 0);
    live.push(Arc::downgrade(handler));
}

/// Live handlers, newest first.
pub fn live_handlers() -> Vec<Arc<QueuedHandler>> {
    let live = LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    live.iter().rev().filter_map(Weak::upgrade).collect()
}

/// Starts closing every live handler, newest first; wait on each in order.
pub fn begin_shutdown() -> Vec<Waiter> {
    SHUT_DOWN.store(true, Ordering::Relaxed);
    live_handlers()
        .iter()
        .map(|handler| handler.begin_close())
        .collect()
}

/// Starts flushing every live handler; wait on each to know all is written.
pub fn begin_flush_all() -> Vec<Waiter> {
    live_handlers()
        .iter()
        .map(|handler| handler.begin_flush())
        .collect()
}

/// Workers asked to park before `fork()`, not yet joined.
pub struct Parking(Vec<(Arc<QueuedHandler>, Sender<Command>, JoinHandle<Exit>)>);

/// Workers that have parked, ready to be recorded in their handlers.
pub struct Parked(Vec<(Arc<QueuedHandler>, Option<Exit>)>);

/// Before `fork()`, part 1 (attached).
pub fn begin_park_all() -> Parking {
    Parking(
        live_handlers()
            .into_iter()
            .filter_map(|handler| {
                let (sender, worker) = handler.begin_park()?;
                Some((handler, sender, worker))
            })
            .collect(),
    )
}

impl Parking {
    /// Part 2 (detached): each worker writes what it has and exits.
    pub fn wait(self) -> Parked {
        Parked(
            self.0
                .into_iter()
                .map(|(handler, sender, worker)| {
                    let exit = match sender.send(Command::Park) {
                        Ok(()) => worker.join().ok(),
                        Err(_) => None,
                    };
                    (handler, exit)
                })
                .collect(),
        )
    }
}

impl Parked {
    /// Part 3 (attached): the handlers keep their workers' parts until resumed.
    pub fn finish(self) {
        for (handler, exit) in self.0 {
            handler.finish_park(exit);
        }
    }
}

/// After `fork()` (attached): restarts every parked worker.
pub fn resume_all(in_child: bool) {
    for handler in live_handlers() {
        handler.resume(in_child);
    }
}
