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
use std::sync::Arc;

use super::command::{Command, RolloverKind};
use super::fork_gate::ForkGate;
use super::journal::Journal;
use super::rotation;
use super::sink::{Sink, WriteError};
use super::stats::Stats;

/// The sink, behind the engine's output lock.
pub struct Output {
    sink: Box<dyn Sink>,
    stats: Arc<Stats>,
    gate: Arc<ForkGate>,
    /// A write failed and none has succeeded since.
    failing: bool,
    /// The rest of a line the destination took only part of (a full
    /// disk): written before anything else once it takes bytes again, so
    /// no line is left cut.
    unfinished: Vec<u8>,
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
            failing: false,
            unfinished: Vec::new(),
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

    /// Pushes what was written to the OS.
    pub fn flush(&mut self) {
        if let Err(error) = self.io(|sink| sink.flush()) {
            report_write_error(&self.stats, &error);
        }
    }

    /// Writes the journal's bytes from its committed offset up to `to`.
    pub fn write_journal(&mut self, journal: &Journal, to: u64) {
        let from = journal.committed();
        if from >= to {
            return;
        }
        if !journal.claim(from, to, self.sink.position().unwrap_or(0)) {
            return; // the crash path owns the journal now
        }
        let (first, second) = journal.spans(from, to);
        if self.write_lines(first, second) {
            journal.commit_claim(to);
        } else {
            // Given up, not kept: retrying would hold the journal full and
            // block the application until the destination works again.
            journal.abandon_claim(to);
        }
    }

    /// Writes a range of whole lines, after the rest of a line an earlier
    /// failure cut. On failure, the rest of a line cut now is kept for the
    /// next write, the lines after it are counted as lost, and the failure
    /// is reported (the first of an outage in full). False on failure.
    fn write_lines(&mut self, first: &[u8], second: &[u8]) -> bool {
        let lines = self.sink.writes_lines();
        if !self.unfinished.is_empty() {
            let rest = std::mem::take(&mut self.unfinished);
            if let Err(failure) = self.io(|sink| sink.write_two(&rest, &[])) {
                self.unfinished = rest[failure.written.min(rest.len())..].to_vec();
                self.fail(&failure, Lines::new(first, second), 0, lines);
                return false;
            }
        }
        match self.io(|sink| sink.write_two(first, second)) {
            Ok(()) => {
                if self.failing {
                    self.failing = false;
                    self.stats.reporter.recovered();
                }
                true
            }
            Err(failure) => {
                let range = Lines::new(first, second);
                let mut lost_from = failure.written.min(range.len());
                if lines && !range.at_line_start(lost_from) {
                    let end = range.line_end(lost_from);
                    self.unfinished = range.copy(lost_from, end);
                    lost_from = end;
                }
                self.fail(&failure, range, lost_from, lines);
                false
            }
        }
    }

    fn fail(&mut self, failure: &WriteError, range: Lines<'_>, lost_from: usize, lines: bool) {
        self.failing = true;
        // The line the write stopped in (cut, or the first lost).
        let stopped_in = range.line_start(failure.written.min(lost_from));
        let first_lost = lines.then(|| range.first_line(stopped_in)).flatten();
        if lines {
            self.stats.reporter.count_lost(range.count_lines(lost_from));
        }
        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
        self.stats.reporter.report_write(
            &format!("could not write a record: {}", failure.error),
            failure.error.raw_os_error(),
            first_lost,
        );
    }

    /// Runs a command. A failed rollover tells `rollover_failed` the size of
    /// the file written to from then on, before it is reported (whoever
    /// sees the report must find the size).
    pub fn run(&mut self, command: Command, rollover_failed: impl FnOnce(u64)) {
        match command {
            Command::Reopen(ack) => {
                // A failure goes back to the thread that asked (see
                // `FileWatch::take_reopen_error`), which raises it as the
                // stdlib's reopenIfNeeded would.
                self.io(|sink| sink.reopen());
                let _ = ack.send(());
            }
            Command::Rollover(rollover) => {
                // A failed rollover keeps writing to whatever file is open
                // (the old one when the rename failed, a new one when only
                // the rename of a backup did): the record that called for
                // it is kept, where the stdlib's emit loses it.
                match self.roll_over(&rollover.kind) {
                    Ok(()) => {}
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
                        rollover_failed(self.sink.position().unwrap_or(0));
                        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                        // As the stdlib's emit reports it: through the
                        // handler's handleError (a core handler's on fd 2).
                        self.stats.reporter.report(
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

/// A journal range (two slices where it wraps) read as text lines.
#[derive(Clone, Copy)]
struct Lines<'a> {
    first: &'a [u8],
    second: &'a [u8],
}

impl<'a> Lines<'a> {
    fn new(first: &'a [u8], second: &'a [u8]) -> Self {
        Lines { first, second }
    }

    fn len(&self) -> usize {
        self.first.len() + self.second.len()
    }

    fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        self.first.iter().chain(self.second).copied()
    }

    /// The start of the line that holds `at`.
    fn line_start(&self, at: usize) -> usize {
        self.bytes()
            .take(at)
            .enumerate()
            .filter(|&(_, byte)| byte == b'\n')
            .last()
            .map_or(0, |(index, _)| index + 1)
    }

    /// Whether `at` is the start of a line (or the end of the range).
    fn at_line_start(&self, at: usize) -> bool {
        at == 0 || self.bytes().nth(at - 1) == Some(b'\n')
    }

    /// Just past the newline ending the line that holds `at` (the end of
    /// the range if none does).
    fn line_end(&self, at: usize) -> usize {
        self.bytes()
            .skip(at)
            .position(|byte| byte == b'\n')
            .map_or(self.len(), |offset| at + offset + 1)
    }

    fn copy(&self, from: usize, to: usize) -> Vec<u8> {
        self.bytes().skip(from).take(to - from).collect()
    }

    /// Lines from `from` on (a last one without its newline counts).
    fn count_lines(&self, from: usize) -> u64 {
        if from >= self.len() {
            return 0;
        }
        let newlines = self
            .bytes()
            .skip(from)
            .filter(|&byte| byte == b'\n')
            .count();
        let unterminated = self.bytes().last() != Some(b'\n');
        (newlines + usize::from(unterminated)) as u64
    }

    /// The line starting at `from`, for the report (at most 1000 bytes).
    fn first_line(&self, from: usize) -> Option<String> {
        if from >= self.len() {
            return None;
        }
        let end = self.line_end(from).min(from + 1000);
        let bytes = self.copy(from, end);
        let text = String::from_utf8_lossy(&bytes);
        Some(text.trim_end_matches('\n').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn a_cut_line_is_found_and_the_rest_counted() {
        let range = Lines::new(b"one\ntw", b"o\nthree\n");
        assert!(range.at_line_start(0));
        assert!(range.at_line_start(4));
        assert!(!range.at_line_start(5));
        assert_eq!(range.line_end(5), 8);
        assert_eq!(range.copy(5, 8), b"wo\n");
        assert_eq!(range.count_lines(8), 1);
        assert_eq!(range.count_lines(4), 2);
        assert_eq!(range.count_lines(range.len()), 0);
        assert_eq!(range.first_line(4).as_deref(), Some("two"));
        assert_eq!(range.line_start(5), 4);
        assert_eq!(range.line_start(4), 4);
        assert_eq!(range.line_start(2), 0);
        assert_eq!(Lines::new(b"no newline", b"").count_lines(0), 1);
    }
}
