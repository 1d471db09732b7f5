//! Every live queued handler, for shutdown at exit and for `fork()`.
//!
//! Handlers register themselves when they start; the registry holds weak
//! references, so it never keeps a handler alive. Like handler state, the
//! registry lock is only taken by threads attached to Python.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use once_cell::sync::Lazy;

use super::fork_gate::{ForkGate, IoCall, SHARED_STUCK_AFTER, STUCK_AFTER};
use super::handler::{FemtoHandlerTrait, Waiter};
use super::pool::{self, Worker};
use super::sync::lock_unpoisoned;
use super::worker::Exit;

/// What the registry asks of a live handler: its part in flushing at exit
/// and in parking its worker around `fork()`.
pub trait Parkable: FemtoHandlerTrait {
    /// The gate the fork hook watches this handler's worker through.
    fn gate(&self) -> &ForkGate;
    fn begin_park(&self) -> Option<Worker>;
    fn finish_park(&self, outcome: ParkOutcome);
    fn retire(&self);
    /// Calls off the park of a worker that was frozen (see `resume_these`).
    fn call_off_frozen_park(&self);
    fn resume(&self, in_child: bool);
}

/// How a worker answered the fork hook's request to park.
#[derive(Debug)]
pub enum ParkOutcome {
    Parked(Option<Exit>),
    Frozen(Worker),
}

/// A live handler, held by reference.
pub(crate) type Live = Arc<dyn Parkable>;

static LIVE: Lazy<Mutex<Vec<Weak<dyn Parkable>>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// Set once the exit-time shutdown has run. Anything logged after it (from
/// `__del__` methods during interpreter finalization) is written before the
/// call returns, since no later hook would wait for a worker.
static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

pub fn is_shut_down() -> bool {
    SHUT_DOWN.load(Ordering::Relaxed)
}

/// Set from the fork hook's first part to the fork made and, in the parent,
/// its after-fork hook. The Python hooks take the package's module lock
/// around both, so forks from several threads come one after another; while
/// one is under way, other Python threads still run (the hook waits for the
/// workers with the GIL released) and a handler made meanwhile starts
/// parked, to be resumed with the others. Changed and read by threads
/// attached to Python only, so a fork hook's attached part never overlaps a
/// handler's start.
static FORK_UNDER_WAY: AtomicBool = AtomicBool::new(false);

/// The handlers parked for the fork under way, held until they are resumed:
/// one closed or dropped meanwhile is finished by its resumed worker (a
/// frozen one thawed first), never by the thread about to fork.
static HELD_ACROSS_FORK: Lazy<Mutex<Vec<Live>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// Whether a fork is under way: a handler starting now starts parked.
pub fn forking() -> bool {
    FORK_UNDER_WAY.load(Ordering::Acquire)
}

/// Before `fork()` (attached).
pub fn begin_fork() {
    FORK_UNDER_WAY.store(true, Ordering::Release);
}

/// After `fork()` in the parent (attached): resumes the workers. An
/// after-fork call without its before-fork one (hooks registered while
/// another thread's fork was under way) changes nothing.
pub fn end_fork_in_parent() {
    if FORK_UNDER_WAY.swap(false, Ordering::AcqRel) {
        resume_after_fork(false);
    }
}

/// After `fork()` in the child (attached): every handler gets a worker of
/// the child's own.
pub fn end_fork_in_child() {
    FORK_UNDER_WAY.store(false, Ordering::Release);
    resume_after_fork(true);
}

fn resume_after_fork(in_child: bool) {
    resume_all(in_child);
    let held = std::mem::take(&mut *lock_unpoisoned(&HELD_ACROSS_FORK));
    drop(held);
}

pub(crate) fn register<H: Parkable + 'static>(handler: &Arc<H>) {
    let handler: Weak<H> = Arc::downgrade(handler);
    let handler: Weak<dyn Parkable> = handler;
    let mut live = lock_unpoisoned(&LIVE);
    live.retain(|weak| weak.strong_count() > 0);
    live.push(handler);
}

/// Live handlers, newest first.
pub fn live_handlers() -> Vec<Live> {
    let live = lock_unpoisoned(&LIVE);
    live.iter().rev().filter_map(Weak::upgrade).collect()
}

/// At exit: every live handler's worker writes what it holds and stops,
/// newest handler first; from then on each of them writes on the calling
/// thread (`QueuedHandler::submit_with`). Records logged later (by daemon
/// threads, `__del__` methods) are thus still written, as the stdlib's
/// handlers keep writing after `logging.shutdown()`.
pub fn begin_shutdown() -> Parking {
    SHUT_DOWN.store(true, Ordering::Relaxed);
    begin_park_all()
}

/// Starts flushing every live handler; wait on each to know all is written.
pub fn begin_flush_all() -> Vec<Waiter> {
    live_handlers()
        .iter()
        .map(|handler| handler.begin_flush())
        .collect()
}

/// Workers asked to park before `fork()`, not yet joined.
pub struct Parking(Vec<(Live, Worker)>);

/// How each worker answered, ready to be recorded in its handler.
pub struct Parked(Vec<(Live, ParkOutcome)>);

impl Parked {
    /// Whether each worker, in the order parked, was frozen.
    pub fn frozen(&self) -> Vec<bool> {
        self.0
            .iter()
            .map(|(_, outcome)| matches!(outcome, ParkOutcome::Frozen(_)))
            .collect()
    }
}

/// Before `fork()`, part 1 (attached).
pub fn begin_park_all() -> Parking {
    begin_park_these(live_handlers())
}

/// Part 1 for the given handlers only.
pub(crate) fn begin_park_these(handlers: Vec<Live>) -> Parking {
    Parking(
        handlers
            .into_iter()
            .filter_map(|handler| {
                let worker = handler.begin_park()?;
                Some((handler, worker))
            })
            .collect(),
    )
}

/// An I/O call the fork hook saw a worker held up by: the gate's address
/// and the call.
type SeenCall = (usize, IoCall);

/// How often the fork hook looks at the workers it waits for.
const PARK_POLL: Duration = Duration::from_micros(20);

impl Parking {
    /// At exit (detached): each worker writes everything and exits.
    pub fn wait_until_written(self) -> Parked {
        let parked = Parked(
            self.0
                .into_iter()
                .map(|(handler, worker)| (handler, ParkOutcome::Parked(worker.join())))
                .collect(),
        );
        pool::join_departed();
        parked
    }

    /// Before `fork()`, part 2 (detached): each worker writes what it has and
    /// exits, unless it is stuck in one system call for longer than
    /// `STUCK_AFTER`: then it is frozen at the end of that call instead, and
    /// the fork goes ahead.
    pub fn wait(self) -> Parked {
        // Each with the call it was last seen in: the gate's address and
        // the call (a shared thread may move on to another handler's gate).
        let mut waiting: Vec<(Live, Worker, Option<SeenCall>)> = self
            .0
            .into_iter()
            .map(|(handler, worker)| (handler, worker, None))
            .collect();
        let mut answered = Vec::with_capacity(waiting.len());
        while !waiting.is_empty() {
            let mut still = Vec::with_capacity(waiting.len());
            for (handler, worker, seen) in waiting {
                if worker.is_finished() {
                    let exit = worker.join();
                    answered.push((handler, ParkOutcome::Parked(exit)));
                    continue;
                }
                if worker.held_by_a_frozen_neighbour() {
                    answered.push((handler, ParkOutcome::Frozen(worker)));
                    continue;
                }
                // The call that holds the worker up: on a shared thread,
                // whichever handler's it is writing for, even one not
                // parked by this fork (closing, or dropped).
                let busy = worker.shared_busy_gate();
                let gate: &ForkGate = busy.as_deref().unwrap_or(handler.gate());
                let key = gate as *const ForkGate as usize;
                let current = gate.io_call().map(|call| (key, call));
                // The same call as seen before (its first sighting keeps its
                // time), or a new one, or none.
                let seen = match (seen, current) {
                    (Some(old), Some(now)) if old.0 == now.0 && old.1.same_call(&now.1) => {
                        Some(old)
                    }
                    (_, now) => now,
                };
                let patience = if busy.is_some() {
                    SHARED_STUCK_AFTER
                } else {
                    STUCK_AFTER
                };
                if seen.is_some_and(|(_, call)| gate.freeze_if_stuck_for(&call, patience)) {
                    answered.push((handler, ParkOutcome::Frozen(worker)));
                    continue;
                }
                still.push((handler, worker, seen));
            }
            waiting = still;
            if !waiting.is_empty() {
                std::thread::sleep(PARK_POLL);
            }
        }
        // A record that waited for room may be being appended by a thread
        // detached from Python: done in microseconds, and none starts now.
        for (handler, _) in &answered {
            while !handler.gate().no_detached_append() {
                std::thread::sleep(PARK_POLL);
            }
        }
        pool::join_departed();
        Parked(answered)
    }
}

impl Parked {
    /// Part 3 (attached): the handlers keep their workers' parts until
    /// resumed, and are held until then (`HELD_ACROSS_FORK`).
    pub fn finish(self) {
        let mut held = lock_unpoisoned(&HELD_ACROSS_FORK);
        for (handler, outcome) in self.0 {
            handler.finish_park(outcome);
            held.push(handler);
        }
    }

    /// At exit (attached): as `finish`, then each handler writes what was
    /// still queued when its worker stopped.
    pub fn retire(self) {
        for (handler, outcome) in self.0 {
            handler.finish_park(outcome);
            handler.retire();
        }
    }
}

/// After `fork()` (attached): restarts every parked worker.
pub fn resume_all(in_child: bool) {
    if in_child {
        pool::forget_in_child();
    }
    resume_these(live_handlers(), in_child);
}

/// `resume_all` for the given handlers only.
pub(crate) fn resume_these(live: Vec<Live>, in_child: bool) {
    // The parks of frozen workers are called off before any worker goes
    // on: a shared thread thawed for one handler must not find another's
    // park still requested (it would park that one for good). Only those:
    // another fork's hook may be waiting for the rest to park.
    for handler in &live {
        handler.call_off_frozen_park();
    }
    if !in_child {
        pool::thaw_all();
    }
    for handler in live {
        handler.resume(in_child);
    }
}
