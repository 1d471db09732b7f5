//! The worker thread behind every native handler.
//!
//! Logging threads format their records and append the lines to the
//! handler's journal; the worker waits for bytes without taking them, lets
//! a batch gather, then writes it out through the handler's output (see
//! writer.rs), so a quiet program's lines reach the OS at once. It exits
//! when the handler closes, after writing everything, or when asked to park
//! before `fork()` (see fork_gate.rs). It never touches Python, so it never
//! needs the GIL.

use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Select};

use super::engine::{Engine, Gather};
use super::fork_gate::ForkGate;
use super::sync::lock_unpoisoned;

/// How long an idle worker polls its journal before it sleeps.
const IDLE_POLL: Duration = Duration::from_micros(50);
/// How long a worker lets logging threads fill the journal before writing,
/// unless its handler says otherwise.
pub const GATHER: Duration = Duration::from_micros(200);
/// How often a worker gathering for longer looks whether it should stop.
const GATHER_CHECK: Duration = Duration::from_millis(1);

/// How a worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Asked to park before `fork()` (or at exit): the handler keeps its
    /// engine, and a new worker (or the logging threads) carries on.
    Parked,
    Closed,
}

pub fn spawn(
    name: String,
    engine: Arc<Engine>,
    gate: Arc<ForkGate>,
) -> io::Result<JoinHandle<Exit>> {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(&engine, &gate))
}

/// Signals sent to the process are for the application's threads: blocked
/// here, so that the crash path (crash.rs) never runs on a worker that is
/// in the middle of a write it would then wait for.
pub(crate) fn block_process_signals() {
    // SAFETY: sigset manipulation and pthread_sigmask on this thread only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for fault in [
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGFPE,
            libc::SIGILL,
            libc::SIGTRAP,
            libc::SIGABRT,
        ] {
            libc::sigdelset(&mut set, fault);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

fn run(engine: &Engine, gate: &ForkGate) -> Exit {
    block_process_signals();
    loop {
        wait_for_work(engine, gate);
        let leaving = gate.park_requested() || engine.is_closing();
        if !leaving && engine.batch_pending.0.load(Ordering::Acquire) {
            // Logging threads keep appending: let a batch gather before
            // writing (a quiet program waits no longer than this for its
            // line to reach the OS).
            gather(engine, gate);
        }
        if let Some(exit) = turn(engine, gate) {
            return exit;
        }
    }
}

/// One turn of a worker at an engine with work: writes the journal out,
/// then says whether the worker is done with it (parked, or the handler
/// closed with everything written). Shared with the pool's threads.
pub(crate) fn turn(engine: &Engine, gate: &ForkGate) -> Option<Exit> {
    let mut output = lock_unpoisoned(&engine.output);
    engine.write_out(&mut output, engine.journal.published());
    if gate.park_requested() {
        return Some(Exit::Parked);
    }
    if engine.is_closing() && engine.journal.is_empty() && !engine.has_commands() {
        output.close_sink();
        // Everything is in the file: no journal outlives the handler.
        engine.journal.retire();
        return Some(Exit::Closed);
    }
    None
}

fn gather(engine: &Engine, gate: &ForkGate) {
    match &engine.gather {
        Gather::Fixed(pause) => std::thread::sleep(*pause),
        Gather::UpTo {
            limit,
            ready_at,
            queued,
        } => {
            let until = Instant::now() + *limit;
            loop {
                let now = Instant::now();
                if now >= until
                    || queued.load(Ordering::Acquire) >= *ready_at
                    || gate.park_requested()
                    || engine.is_closing()
                    || engine.has_waiters()
                {
                    return;
                }
                std::thread::sleep(GATHER_CHECK.min(until - now));
            }
        }
    }
}

/// Returns once there is something to do, without taking it.
fn wait_for_work(engine: &Engine, gate: &ForkGate) {
    wait_until(engine.doorbell(), || {
        engine.has_work() || gate.park_requested()
    });
}

/// Returns once `busy` holds, rechecked whenever `doorbell` rings. It polls
/// briefly before it sleeps, since records tend to come in runs and waking
/// a sleeping thread costs tens of microseconds.
pub(crate) fn wait_until(doorbell: &Receiver<()>, busy: impl Fn() -> bool) {
    let started = Instant::now();
    let mut polls: u32 = 0;
    while started.elapsed() < IDLE_POLL {
        if busy() {
            let _ = doorbell.try_recv();
            return;
        }
        polls += 1;
        if polls % 16 == 0 {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    while !busy() {
        let mut select = Select::new();
        select.recv(doorbell);
        select.ready();
        let _ = doorbell.try_recv();
    }
}
