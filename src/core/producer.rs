//! `Producer`: the logging thread's side of a native handler.
//!
//! It formats a record into its line, decides whether the file rolls over
//! first (by size or time, as the stdlib's `emit` decides on the logging
//! thread), and appends the line to the handler's journal before the log
//! call returns: from then on the line survives the process (journal.rs).
//! Callers hold the GIL, so its lock is uncontended.

use std::path::PathBuf;

use super::command::{Command, Rollover, RolloverKind};
use super::engine::Engine;
use super::format::{FormatCache, Formatter, RenderError};
use super::journal::AppendError;
use super::record::FemtoLogRecord;
use super::rotation::Rotation;

/// What a formatted record brings besides its bytes: what rollovers look at.
#[derive(Debug, Clone, Copy)]
pub struct RecordFacts {
    /// Characters of the line without its terminator (`shouldRollover`
    /// counts the formatted message plus one).
    pub chars: u64,
    /// The record's time in whole seconds.
    pub second: i64,
}

pub struct Producer {
    pub formatter: std::sync::Arc<Formatter>,
    pub terminator: String,
    pub rotation: Option<Rotation>,
    cache: FormatCache,
    /// The last record's line, terminator included.
    line: String,
    /// Bytes the file will hold once everything appended is written.
    size: u64,
    /// The file rollovers rename (timed backups are named after it).
    base: Option<PathBuf>,
}

impl Producer {
    pub fn new(
        formatter: std::sync::Arc<Formatter>,
        terminator: String,
        size: u64,
        base: Option<PathBuf>,
    ) -> Self {
        Producer {
            formatter,
            terminator,
            rotation: None,
            cache: FormatCache::default(),
            line: String::new(),
            size,
            base,
        }
    }

    /// Makes `formatter` the one for records from now on.
    pub fn set_formatter(&mut self, formatter: std::sync::Arc<Formatter>) {
        if !std::sync::Arc::ptr_eq(&self.formatter, &formatter) {
            self.formatter = formatter;
            self.cache = FormatCache::default();
        }
    }

    /// The file's size as the next append will find it (a forked child
    /// starts again from the file's real size).
    pub fn set_size(&mut self, size: u64) {
        self.size = size;
    }

    /// Formats `record` into the line (terminator included). A formatter
    /// that panics costs the record, not the thread.
    pub fn format(&mut self, record: &FemtoLogRecord) -> Result<RecordFacts, RenderError> {
        self.line.clear();
        let (formatter, cache, line) = (&self.formatter, &mut self.cache, &mut self.line);
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            formatter.format_into(record, cache, line)
        }));
        match rendered {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(error),
            Err(_) => {
                self.cache = FormatCache::default();
                return Err(RenderError::Type("the formatter panicked".into()));
            }
        }
        // Only a size rotation counts characters (as `shouldRollover` does).
        let chars = match &self.rotation {
            Some(Rotation::Size(_)) => self.line.chars().count() as u64,
            _ => 0,
        };
        self.line.push_str(&self.terminator);
        Ok(RecordFacts {
            chars,
            second: record.metadata.whole_second(),
        })
    }

    /// The line `format` made.
    pub fn line(&self) -> &[u8] {
        self.line.as_bytes()
    }

    /// Appends the line `format` made, with any rollover it calls for.
    pub fn append_line(&mut self, engine: &Engine, facts: RecordFacts) -> Result<u64, AppendError> {
        let line = std::mem::take(&mut self.line);
        let appended = self.append(engine, line.as_bytes(), Some(facts));
        self.line = line;
        appended
    }

    /// Appends `bytes` (a line, or text a Python handler wrote), first
    /// placing the rollover a record's `facts` call for. Nothing is placed
    /// unless the bytes fit, so a retry after waiting decides again.
    pub fn append(
        &mut self,
        engine: &Engine,
        bytes: &[u8],
        facts: Option<RecordFacts>,
    ) -> Result<u64, AppendError> {
        // The producer's lock serializes every append to this journal.
        let journal = &engine.journal;
        if !journal.fits(bytes.len() as u64)? {
            return Err(AppendError::Full);
        }
        if let Some(size) = engine.take_size_after_failed_rollover() {
            self.size = size;
        }
        if let Some(facts) = facts {
            if let Some(rollover) = self.rollover_for(facts) {
                engine.schedule(journal.published(), Command::Rollover(rollover));
            }
        }
        let end = journal.append_serialized(bytes)?;
        self.size += bytes.len() as u64;
        Ok(end)
    }

    /// Places `command` after everything appended so far.
    pub fn schedule(&mut self, engine: &Engine, command: Command) {
        engine.schedule(engine.journal.published(), command);
    }

    /// `shouldRollover` and the decisions of `doRollover` that belong on
    /// the logging thread (the next rollover time, the backup's name). After
    /// a failed rollover the next record that is due tries again, as in the
    /// stdlib: a file still too big at once, a time rollover (its time was
    /// not moved on) at once, a reopened empty file when it fills.
    fn rollover_for(&mut self, facts: RecordFacts) -> Option<Rollover> {
        let kind = match &self.rotation {
            Some(Rotation::Size(size)) if size.is_due(self.size, facts.chars) => {
                if size.backup_count > 0 {
                    self.size = 0;
                }
                RolloverKind::Size {
                    backup_count: size.backup_count,
                }
            }
            Some(Rotation::Timed(timed)) if timed.is_due(facts.second) => {
                let backup = self
                    .base
                    .as_deref()
                    .and_then(|base| timed.backup_path(base, facts.second));
                if timed.schedule.rules.fixes && backup.as_deref().is_some_and(|b| b.exists()) {
                    // Already rolled over (by another handler on the same
                    // file); the stdlib then keeps its time and looks again.
                    return None;
                }
                let previous_at = timed.rollover_at.load(std::sync::atomic::Ordering::Acquire);
                timed.rolled_over(facts.second);
                self.size = 0;
                RolloverKind::Timed {
                    rotation: timed.clone(),
                    backup,
                    previous_at,
                }
            }
            _ => return None,
        };
        Some(Rollover { kind })
    }
}
