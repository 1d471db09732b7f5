//! `Engine`: one incarnation of a handler's machinery, shared by the
//! threads that log and the handler's worker.
//!
//! It holds the journal (the accepted bytes, journal.rs), the output (the
//! sink and whoever writes to it, writer.rs), the commands placed between
//! the journal's bytes (rollovers, reopens), the doorbell that wakes the
//! worker and the condition callers wait on for their bytes to be written.
//! A forked child whose parent's worker may have been inside any of this
//! gets a new engine (see `QueuedHandler::resume`); nothing else replaces
//! one.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossbeam_channel::Receiver;

use super::command::Command;
use super::crash;
use super::doorbell::Doorbell;
use super::fork_gate::ForkGate;
use super::journal::Journal;
use super::own_line::OwnLine;
use super::sink::Sink;
use super::stats::Stats;
use super::sync::lock_unpoisoned;
use super::writer::Output;

/// A command and the journal offset at which it applies: after every byte
/// before it is written, before any byte after it.
pub struct Scheduled {
    pub at: u64,
    pub command: Command,
}

/// How long the worker lets a batch gather before writing it out.
#[derive(Debug, Clone)]
pub enum Gather {
    /// A fixed pause: long enough for a run of records to join one write,
    /// short enough that a quiet program's line reaches the OS at once.
    Fixed(Duration),
    /// Up to `limit`, cut short once `queued` reaches `ready_at` (a full
    /// export batch), or by a flush, a close or a fork.
    UpTo {
        limit: Duration,
        ready_at: usize,
        queued: Arc<AtomicUsize>,
    },
}

impl PartialEq for Gather {
    fn eq(&self, other: &Gather) -> bool {
        match (self, other) {
            (Gather::Fixed(a), Gather::Fixed(b)) => a == b,
            (
                Gather::UpTo {
                    limit,
                    ready_at,
                    queued,
                },
                Gather::UpTo {
                    limit: other_limit,
                    ready_at: other_ready_at,
                    queued: other_queued,
                },
            ) => {
                limit == other_limit
                    && ready_at == other_ready_at
                    && Arc::ptr_eq(queued, other_queued)
            }
            _ => false,
        }
    }
}

pub struct Engine {
    pub journal: Journal,
    pub gather: Gather,
    pub output: Mutex<Output>,
    commands: Mutex<VecDeque<Scheduled>>,
    /// Set while commands are waiting, read without the lock.
    has_commands: AtomicBool,
    /// Its own, or the one of the shared worker it is seated on (pool.rs).
    doorbell: Doorbell,
    /// Set while the journal holds bytes a logging thread appended and no
    /// write-out has taken yet: the worker then lets the batch grow a little.
    pub batch_pending: OwnLine<AtomicBool>,
    /// The handler closes: the worker writes everything and exits.
    closing: AtomicBool,
    /// The file's size after a failed rollover (`NO_SIZE`: none since the
    /// logging threads last looked), so their size-based decisions start
    /// again from the file the worker writes to now.
    size_after_failed_rollover: AtomicU64,
    progress: Mutex<()>,
    progressed: Condvar,
    /// Threads waiting in `wait_until_committed`.
    waiters: AtomicU32,
    /// This engine's entry in the crash registry (`NO_SLOT`: none).
    crash_slot: AtomicUsize,
}

const NO_SLOT: usize = usize::MAX;
const NO_SIZE: u64 = u64::MAX;

impl Engine {
    pub fn new(
        journal: Journal,
        sink: Box<dyn Sink>,
        stats: Arc<Stats>,
        gate: Arc<ForkGate>,
        gather: Gather,
        doorbell: Doorbell,
    ) -> Arc<Engine> {
        let descriptor = sink.crash_descriptor();
        let engine = Arc::new(Engine {
            journal,
            gather,
            output: Mutex::new(Output::new(sink, stats, gate)),
            commands: Mutex::new(VecDeque::new()),
            has_commands: AtomicBool::new(false),
            doorbell,
            batch_pending: OwnLine(AtomicBool::new(false)),
            closing: AtomicBool::new(false),
            size_after_failed_rollover: AtomicU64::new(NO_SIZE),
            progress: Mutex::new(()),
            progressed: Condvar::new(),
            waiters: AtomicU32::new(0),
            crash_slot: AtomicUsize::new(NO_SLOT),
        });
        if let Some(descriptor) = descriptor {
            if let Some(slot) = crash::register(&engine.journal, descriptor) {
                engine.crash_slot.store(slot, Ordering::Release);
            }
        }
        engine
    }

    /// In a forked child, for an engine the child abandons: the crash path
    /// must not write the parent's bytes from here.
    pub fn forget_in_child(&self) {
        let slot = self.crash_slot.swap(NO_SLOT, Ordering::AcqRel);
        if slot != NO_SLOT {
            crash::unregister(slot);
        }
    }

    /// Places `command` at offset `at` (the journal's published offset,
    /// taken under its append lock so that commands stay in offset order).
    pub fn schedule(&self, at: u64, command: Command) {
        lock_unpoisoned(&self.commands).push_back(Scheduled { at, command });
        self.has_commands.store(true, Ordering::Release);
    }

    pub fn has_commands(&self) -> bool {
        self.has_commands.load(Ordering::Acquire)
    }

    /// The first command due at or before `to`, taken out.
    pub fn next_command(&self, to: u64) -> Option<Scheduled> {
        if !self.has_commands() {
            return None;
        }
        let mut commands = lock_unpoisoned(&self.commands);
        let due = commands.front().is_some_and(|first| first.at <= to);
        let taken = if due { commands.pop_front() } else { None };
        self.has_commands
            .store(!commands.is_empty(), Ordering::Release);
        taken
    }

    /// Wakes the worker (at most one ring is kept).
    pub fn ring(&self) {
        self.doorbell.ring();
    }

    pub fn doorbell(&self) -> &Receiver<()> {
        self.doorbell.rung()
    }

    /// Whether this engine rings `doorbell` (is seated where it rings).
    pub fn rings(&self, doorbell: &Doorbell) -> bool {
        self.doorbell.same_as(doorbell)
    }

    /// Whether the worker has anything to do.
    pub fn has_work(&self) -> bool {
        !self.journal.is_empty() || self.has_commands() || self.is_closing()
    }

    /// A rollover failed, leaving the file at `size` bytes.
    pub fn rollover_failed(&self, size: u64) {
        self.size_after_failed_rollover
            .store(size, Ordering::Release);
    }

    /// The file's size after a failed rollover, once.
    pub fn take_size_after_failed_rollover(&self) -> Option<u64> {
        let size = self
            .size_after_failed_rollover
            .swap(NO_SIZE, Ordering::AcqRel);
        (size != NO_SIZE).then_some(size)
    }

    pub fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.ring();
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Whether a thread waits for bytes to be written (a flush).
    pub fn has_waiters(&self) -> bool {
        self.waiters.load(Ordering::Acquire) > 0
    }

    /// Called by whoever committed bytes or ran a command.
    pub fn notify_progress(&self) {
        if self.waiters.load(Ordering::Acquire) > 0 {
            let _guard = lock_unpoisoned(&self.progress);
            self.progressed.notify_all();
        }
    }

    /// Blocks until the journal's committed offset reaches `to` (or `gone`
    /// says nobody will write any more). Call detached from Python.
    pub fn wait_until_committed(&self, to: u64, gone: &dyn Fn() -> bool) {
        self.waiters.fetch_add(1, Ordering::AcqRel);
        let mut guard = lock_unpoisoned(&self.progress);
        while self.journal.committed() < to && !gone() {
            // A timeout bounds a lost wake-up; progress is normally signalled.
            guard = self
                .progressed
                .wait_timeout(guard, Duration::from_millis(20))
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        drop(guard);
        self.waiters.fetch_sub(1, Ordering::AcqRel);
    }

    /// Writes the journal up to offset `to` through `output` (this engine's,
    /// locked by the caller), running the commands placed up to there, and
    /// pushes it all to the OS.
    pub fn write_out(&self, output: &mut Output, to: u64) {
        // Cleared before the journal is read: a record appended from now on
        // starts a new batch and rings again.
        self.batch_pending.0.store(false, Ordering::Release);
        loop {
            let command = self.next_command(to);
            let until = command.as_ref().map_or(to, |scheduled| scheduled.at);
            output.write_journal(&self.journal, until);
            let Some(scheduled) = command else { break };
            // Claimed like a write: the crash path waits for the file to be
            // open again rather than find it closed.
            if self.journal.claim_for_command() {
                output.run(scheduled.command, |size| self.rollover_failed(size));
                self.journal.release_command_claim();
            }
        }
        output.flush();
        self.notify_progress();
    }

    /// With no worker left to do it: writes everything out on this thread,
    /// closes the sink and removes the journal's file.
    pub fn finish_here(&self) {
        let mut output = lock_unpoisoned(&self.output);
        self.write_out(&mut output, self.journal.published());
        output.close_sink();
        drop(output);
        self.journal.retire();
    }

    /// Blocks until the journal has room for `len` more bytes.
    pub fn wait_for_room(&self, len: u64, gone: &dyn Fn() -> bool) {
        let needed = (self.journal.published() + len).saturating_sub(self.journal.capacity());
        self.ring();
        self.wait_until_committed(needed, gone);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let slot = *self.crash_slot.get_mut();
        if slot != NO_SLOT {
            crash::unregister(slot);
        }
    }
}
