//! `ForkGate`: how a handler's worker lets `fork()` go ahead without it.
//!
//! Before `fork()` every worker is asked to park: write what it holds and
//! exit, so that no thread of ours is inside a lock when the child is made.
//! A worker stuck in a system call (a FIFO nobody reads, a hung network
//! filesystem) cannot, and `fork()` must not wait for it. So every write,
//! reopen or rename of a sink is bracketed by `enter_io`/`leave_io`, and the
//! fork hook may *freeze* a worker it finds inside one call for longer than
//! `STUCK_AFTER`: the worker, when the call returns, waits at `leave_io`
//! without touching anything until the parent thaws it after the fork. At
//! the moment of the fork such a worker therefore holds exactly what it held
//! around the call (the handler's output, and possibly its writer); the
//! parent gets it back as it was, and the child, where that thread does not
//! exist, builds the handler's writer and output anew (see
//! `QueuedHandler::resume`).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one I/O call may last before the fork hook stops waiting for
/// the worker to finish it. A write to a local file takes microseconds.
pub const STUCK_AFTER: Duration = Duration::from_millis(2);
/// The same for a shared worker (pool.rs), which writes only local regular
/// files: freezing it holds every handler it serves until after the fork,
/// so the parent's records logged before the fork land after the child's;
/// a call merely descheduled on a busy machine must not do that.
pub const SHARED_STUCK_AFTER: Duration = Duration::from_millis(500);

const PHASE_MASK: u64 = 0b11;
const IDLE: u64 = 0;
const IN_IO: u64 = 1;
const FROZEN: u64 = 2;

/// Shared by a handler, its worker and its output.
#[derive(Debug, Default)]
pub struct ForkGate {
    /// Set by the fork hook: the worker stops taking commands and parks.
    park: AtomicBool,
    /// Count of I/O calls entered (above the two low bits) and the phase of
    /// the latest (low bits).
    io: AtomicU64,
    /// Appends in progress on threads detached from Python (a record that
    /// waited for room in the journal). They take the handler's producer
    /// lock, which the child of a `fork()` made meanwhile would find held
    /// by a thread it does not have; the GIL keeps every other append away
    /// from the fork.
    detached_appends: AtomicU32,
}

/// A detached append in progress (see `ForkGate::enter_detached_append`).
pub struct DetachedAppend<'a>(&'a ForkGate);

impl Drop for DetachedAppend<'_> {
    fn drop(&mut self) {
        self.0.detached_appends.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One I/O call as the fork hook saw it, to tell whether it is still the
/// same call later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoCall {
    word: u64,
    seen_at: Instant,
}

impl IoCall {
    /// Whether `other` is a later sighting of this same call.
    pub fn same_call(&self, other: &IoCall) -> bool {
        self.word == other.word
    }
}

impl ForkGate {
    pub fn park_requested(&self) -> bool {
        self.park.load(Ordering::Relaxed)
    }

    pub fn request_park(&self) {
        // SeqCst, with `enter_detached_append`: either the fork hook sees
        // the append counted, or the append sees the park requested.
        self.park.store(true, Ordering::SeqCst);
    }

    /// Before a thread detached from Python takes the producer lock to
    /// append: waits while a park (a fork) is pending, so that no such
    /// thread holds the lock when the child is made. Ends when dropped.
    pub fn enter_detached_append(&self) -> DetachedAppend<'_> {
        loop {
            while self.park.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_micros(50));
            }
            self.detached_appends.fetch_add(1, Ordering::SeqCst);
            if !self.park.load(Ordering::SeqCst) {
                return DetachedAppend(self);
            }
            self.detached_appends.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Whether no detached append is in progress (with a park requested,
    /// none can start).
    pub fn no_detached_append(&self) -> bool {
        self.detached_appends.load(Ordering::SeqCst) == 0
    }

    pub fn cancel_park(&self) {
        self.park.store(false, Ordering::Release);
    }

    /// Before a call that may block in the kernel. Calls are serialized by
    /// the output's lock, so only one thread is ever between the two.
    pub fn enter_io(&self) {
        let count = self.io.load(Ordering::Relaxed) >> 2;
        self.io.store(((count + 1) << 2) | IN_IO, Ordering::Release);
    }

    /// After that call; waits here while a fork is being made.
    pub fn leave_io(&self) {
        let word = self.io.load(Ordering::Acquire);
        let idle = (word & !PHASE_MASK) | IDLE;
        if word & PHASE_MASK == IN_IO
            && self
                .io
                .compare_exchange(word, idle, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return;
        }
        // Frozen by the fork hook: nothing may be touched until the parent
        // thaws the gate (a short wait: the length of one fork).
        while self.io.load(Ordering::Acquire) & PHASE_MASK == FROZEN {
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    /// Whether the worker is held at the end of a call until `thaw`.
    pub fn is_frozen(&self) -> bool {
        self.io.load(Ordering::Acquire) & PHASE_MASK == FROZEN
    }

    /// The I/O call in progress, if any.
    pub fn io_call(&self) -> Option<IoCall> {
        let word = self.io.load(Ordering::Acquire);
        (word & PHASE_MASK == IN_IO).then(|| IoCall {
            word,
            seen_at: Instant::now(),
        })
    }

    /// Freezes the worker if it is still inside `call`, and has been for
    /// `STUCK_AFTER`. True: frozen until `thaw`.
    pub fn freeze_if_stuck(&self, call: &IoCall) -> bool {
        self.freeze_if_stuck_for(call, STUCK_AFTER)
    }

    /// `freeze_if_stuck` with another patience.
    pub fn freeze_if_stuck_for(&self, call: &IoCall, patience: Duration) -> bool {
        call.seen_at.elapsed() >= patience
            && self
                .io
                .compare_exchange(
                    call.word,
                    (call.word & !PHASE_MASK) | FROZEN,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
    }

    /// After the fork: the frozen call completes as if nothing happened.
    pub fn thaw(&self) {
        let word = self.io.load(Ordering::Acquire);
        if word & PHASE_MASK == FROZEN {
            self.io
                .store((word & !PHASE_MASK) | IDLE, Ordering::Release);
        }
    }

    /// In a child: the thread that was inside a call does not exist there.
    pub fn reset(&self) {
        self.park.store(false, Ordering::Release);
        let word = self.io.load(Ordering::Acquire);
        self.io.store(word & !PHASE_MASK, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_detached_append_waits_while_a_park_is_requested() {
        let gate = Arc::new(ForkGate::default());
        gate.request_park();
        let entered = Arc::new(AtomicBool::new(false));
        let appender = {
            let (gate, entered) = (Arc::clone(&gate), Arc::clone(&entered));
            std::thread::spawn(move || {
                let _append = gate.enter_detached_append();
                entered.store(true, Ordering::SeqCst);
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        assert!(!entered.load(Ordering::SeqCst), "appended while parking");
        assert!(gate.no_detached_append());
        gate.cancel_park();
        appender.join().expect("appender");
        assert!(entered.load(Ordering::SeqCst));
        assert!(gate.no_detached_append());
    }

    #[test]
    fn a_park_requested_during_a_detached_append_sees_it() {
        let gate = ForkGate::default();
        let append = gate.enter_detached_append();
        gate.request_park();
        assert!(!gate.no_detached_append());
        drop(append);
        assert!(gate.no_detached_append());
    }

    #[test]
    fn a_call_that_ends_in_time_is_not_frozen() {
        let gate = ForkGate::default();
        gate.enter_io();
        let call = gate.io_call().expect("in a call");
        gate.leave_io();
        std::thread::sleep(STUCK_AFTER);
        assert!(!gate.freeze_if_stuck(&call));
        assert!(gate.io_call().is_none());
    }

    #[test]
    fn a_new_call_is_not_mistaken_for_an_old_one() {
        let gate = ForkGate::default();
        gate.enter_io();
        let call = gate.io_call().expect("in a call");
        gate.leave_io();
        gate.enter_io();
        std::thread::sleep(STUCK_AFTER);
        assert!(!gate.freeze_if_stuck(&call));
        gate.leave_io();
    }

    #[test]
    fn a_stuck_call_is_frozen_and_waits_until_thawed() {
        let gate = Arc::new(ForkGate::default());
        gate.enter_io();
        let call = gate.io_call().expect("in a call");
        std::thread::sleep(STUCK_AFTER);
        assert!(gate.freeze_if_stuck(&call));
        let left = Arc::new(AtomicBool::new(false));
        let worker = {
            let (gate, left) = (Arc::clone(&gate), Arc::clone(&left));
            std::thread::spawn(move || {
                gate.leave_io();
                left.store(true, Ordering::Release);
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        assert!(!left.load(Ordering::Acquire), "left while frozen");
        gate.thaw();
        worker.join().expect("worker");
        assert!(left.load(Ordering::Acquire));
        assert!(gate.io_call().is_none());
    }
}
