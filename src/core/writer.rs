//! `Output`: a handler's sink, and the writing of its journal out to it.
//!
//! Whoever holds the output (the worker, or a logging thread that finds it
//! free and must see its record written before it returns) writes the
//! journal's published bytes in offset order, running each command where
//! it was placed (a rollover, a reopen) and claiming every range before the
//! write so that a recovery after a kill never writes it twice. It never
//! touches Python.

use std::io;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use super::engine::Engine;
use super::fork_gate::ForkGate;
use super::report::ReportMode;
use super::rotation;
use super::sink::Sink;
use super::worker::{Command, RolloverKind, Stats};

/// The sink, behind the engine's output lock.
pub struct Output {
    sink: Box<dyn Sink>,
    stats: Arc<Stats>,
    gate: Arc<ForkGate>,
    /// A rollover failed: the records after it are dropped until the next
    /// command, as the stdlib's `emit` drops each record whose rollover
    /// fails.
    dropping: bool,
}

/// Locks an output; its critical sections leave it consistent even if they
/// unwind, so a poisoned lock is still safe to use.
pub fn lock_output(output: &Mutex<Output>) -> MutexGuard<'_, Output> {
    output
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn report_write_error(stats: &Stats, error: &io::Error) {
    stats.write_errors.fetch_add(1, Ordering::Relaxed);
    stats.reporter.report(
        &format!("could not write a record: {error}"),
        error.raw_os_error(),
    );
}

impl Output {
    pub fn new(sink: Box<dyn Sink>, stats: Arc<Stats>, gate: Arc<ForkGate>) -> Output {
        Output {
            sink,
            stats,
            gate,
            dropping: false,
        }
    }

    /// Runs one call on the sink that may block in the kernel, where the
    /// fork hook can find it (see fork_gate.rs).
    pub fn io<R>(&mut self, call: impl FnOnce(&mut dyn Sink) -> R) -> R {
        self.gate.enter_io();
        let result = call(&mut *self.sink);
        self.gate.leave_io();
        result
    }

    /// Bytes in the file now, where it has a size.
    pub fn position(&self) -> Option<u64> {
        self.sink.position()
    }

    /// Writes the journal up to offset `to`, running the commands placed up
    /// to there, and pushes it all to the OS.
    pub fn write_out(&mut self, engine: &Engine, to: u64) {
        // Cleared before the journal is read: a record appended from now on
        // starts a new batch and rings again.
        engine.batch_pending.0.store(false, Ordering::Release);
        loop {
            let command = engine.next_command(to);
            let until = command.as_ref().map_or(to, |scheduled| scheduled.at);
            self.write_journal(engine, until);
            match command {
                Some(scheduled) => {
                    // Claimed like a write: the crash path waits for the
                    // file to be open again rather than find it closed.
                    if engine.journal.claim_for_command() {
                        self.run(engine, scheduled.command);
                        engine.journal.release_command_claim();
                    }
                }
                None => break,
            }
        }
        if let Err(error) = self.io(|sink| sink.flush()) {
            report_write_error(&self.stats, &error);
        }
        engine.notify_progress();
    }

    fn write_journal(&mut self, engine: &Engine, to: u64) {
        let journal = &engine.journal;
        let from = journal.committed();
        if from >= to {
            return;
        }
        if !journal.claim(from, to, self.sink.position().unwrap_or(0)) {
            return; // the crash path owns the journal now
        }
        if self.dropping {
            journal.commit_claim(to);
            return;
        }
        let (first, second) = journal.spans(from, to);
        let written = self.io(|sink| sink.write_two(first, second));
        // On failure the bytes are dropped: retrying would repeat the error
        // for every later record and hold the journal full.
        match written {
            Ok(()) => journal.commit_claim(to),
            Err(error) => {
                journal.abandon_claim(to);
                report_write_error(&self.stats, &error);
            }
        }
    }

    fn run(&mut self, engine: &Engine, command: Command) {
        self.dropping = false;
        match command {
            Command::Reopen(ack) => {
                // A failure goes back to the thread that asked (see
                // `FileWatch::take_reopen_error`), which raises it as the
                // stdlib's reopenIfNeeded would.
                self.io(|sink| sink.reopen());
                let _ = ack.send(());
            }
            Command::Rollover(rollover) => {
                if rollover.retry && !engine.rollover_failed() {
                    return; // an earlier try succeeded: the file is small again
                }
                match self.roll_over(&rollover.kind) {
                    Ok(()) => engine.set_rollover_failed(false),
                    Err(error) => {
                        if let RolloverKind::Timed {
                            rotation,
                            previous_at,
                            ..
                        } = &rollover.kind
                        {
                            // doRollover failed before moving rolloverAt on.
                            rotation.rollover_at.store(*previous_at, Ordering::Release);
                        }
                        engine.set_rollover_failed(true);
                        self.dropping = true;
                        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                        self.stats.reporter.report_as(
                            ReportMode::Stderr,
                            &format!("could not roll the file over: {error}"),
                            error.raw_os_error(),
                        );
                    }
                }
            }
        }
    }

    /// `doRollover`, decided by the thread that logged the record, as the
    /// stdlib's `emit` decides it; done here once what came before is
    /// written.
    fn roll_over(&mut self, rollover: &RolloverKind) -> io::Result<()> {
        if let Err(error) = self.io(|sink| sink.flush()) {
            report_write_error(&self.stats, &error);
        }
        match rollover {
            RolloverKind::Size { backup_count } => {
                let backup_count = *backup_count;
                self.io(|sink| {
                    sink.roll_over(&mut |base| rotation::shift_backups(base, backup_count))
                })
            }
            RolloverKind::Timed {
                rotation, backup, ..
            } => {
                let Some(backup) = backup else {
                    return Err(io::Error::other(
                        "the rollover time has no calendar date here",
                    ));
                };
                if rotation.schedule.rules.fixes && backup.exists() {
                    // Already rolled over (by another handler on the same
                    // file): overwriting the backup would lose its records.
                    return Ok(());
                }
                let backup: &Path = backup;
                self.io(|sink| sink.roll_over(&mut |base| rotation.move_aside(base, backup)))
            }
        }
    }

    /// Writes a line longer than the whole journal straight to the sink,
    /// after everything in the journal (the caller wrote that out first).
    pub fn write_past_journal(&mut self, bytes: &[u8]) {
        let written = self.io(|sink| {
            sink.write_all(bytes)?;
            sink.flush()
        });
        if let Err(error) = written {
            report_write_error(&self.stats, &error);
        }
    }

    pub fn close_sink(&mut self) {
        if let Err(error) = self.io(|sink| sink.close()) {
            report_write_error(&self.stats, &error);
        }
    }
}
