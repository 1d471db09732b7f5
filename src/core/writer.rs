//! `Writer`: what turns queued commands into bytes on a sink.
//!
//! It owns the sink, the formatter and the output buffer of one native
//! handler. It sits behind a mutex shared by the handler's worker thread and
//! the logging threads: the worker drains the queue through it in batches,
//! and a thread logging a durable record (or flushing) that finds it free
//! drains the queue and writes itself, which saves waking the worker.
//! Whoever holds it is the only one taking commands off the queue, so records
//! keep their queue order. It never touches Python.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crossbeam_channel::Receiver;

use super::fork_gate::ForkGate;
use super::format::{FormatCache, Formatter};
use super::own_line::OwnLine;
use super::record::FemtoLogRecord;
use super::report::ReportMode;
use super::rotation::{self, Rotation};
use super::sink::Sink;
use super::timed_rotation::TimedRotation;
use super::worker::{Command, Payload, Stats};

/// Bytes buffered before a write is forced mid-batch.
const WRITE_THRESHOLD: usize = 64 * 1024;

/// How a drain of the queue ended.
pub enum Drained {
    /// The queue is empty for now.
    Empty,
    /// Every sender is gone and the queue is empty: the handler closed.
    Closed,
    /// The fork hook asked the worker to park; what is left in the queue
    /// stays there.
    Park,
}

/// The sink, and the batch on its way to it, behind a lock of their own: the
/// worker writes a batch out holding only this, so logging threads can
/// append to the writer's next batch meanwhile. Whoever needs the sink takes
/// this lock while holding the writer, so writes keep their order.
pub struct Output {
    sink: Box<dyn Sink>,
    /// The batch being written; emptied, it becomes the next buffer.
    batch: Vec<u8>,
    stats: Arc<Stats>,
    gate: Arc<ForkGate>,
}

impl Output {
    /// Runs one call on the sink that may block in the kernel, where the
    /// fork hook can find it (see fork_gate.rs).
    pub fn io<R>(&mut self, call: impl FnOnce(&mut dyn Sink) -> R) -> R {
        self.gate.enter_io();
        let result = call(&mut *self.sink);
        self.gate.leave_io();
        result
    }

    /// Writes the batch handed over by `Writer::hand_over`.
    pub fn write_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        let result = self.io(|sink| sink.write_all(&batch));
        self.batch = batch;
        // On failure the bytes are dropped: retrying would repeat the error
        // for every later record and grow the buffer without bound.
        self.batch.clear();
        if let Err(error) = result {
            report_write_error(&self.stats, &error);
        }
    }

    /// Pushes what the sink buffers to the OS.
    pub fn flush(&mut self) {
        if let Err(error) = self.io(|sink| sink.flush()) {
            report_write_error(&self.stats, &error);
        }
    }
}

/// Locks an output; like the writer's, its critical sections leave it
/// consistent even if they unwind.
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

pub struct Writer {
    /// The handler's queue; only the holder of the writer takes from it.
    pub(crate) queue: Receiver<Command>,
    output: Arc<Mutex<Output>>,
    formatter: Arc<Formatter>,
    terminator: String,
    stats: Arc<Stats>,
    cache: FormatCache,
    line: String,
    buffer: Vec<u8>,
    /// Set for a rotating file handler the worker rolls over itself.
    rotation: Option<Rotation>,
    /// Cleared whenever the buffer is written out (see worker.rs).
    batch_pending: Arc<OwnLine<AtomicBool>>,
    gate: Arc<ForkGate>,
}

impl Writer {
    pub fn new(
        queue: Receiver<Command>,
        sink: Box<dyn Sink>,
        formatter: Arc<Formatter>,
        terminator: String,
        stats: Arc<Stats>,
        batch_pending: Arc<OwnLine<AtomicBool>>,
        gate: Arc<ForkGate>,
    ) -> Self {
        Writer {
            queue,
            output: Arc::new(Mutex::new(Output {
                sink,
                batch: Vec::with_capacity(WRITE_THRESHOLD),
                stats: Arc::clone(&stats),
                gate: Arc::clone(&gate),
            })),
            formatter,
            terminator,
            stats,
            cache: FormatCache::default(),
            line: String::new(),
            buffer: Vec::with_capacity(WRITE_THRESHOLD),
            rotation: None,
            batch_pending,
            gate,
        }
    }

    /// Applies every queued command, then writes and flushes what they
    /// produced.
    pub fn drain(&mut self) -> Drained {
        let drained = self.take_queued();
        self.finish();
        drained
    }

    /// Writes the buffer and pushes it to the OS.
    pub fn finish(&mut self) {
        self.write_out();
        self.sync();
    }

    /// The output, for `hand_over`.
    pub fn output(&self) -> Arc<Mutex<Output>> {
        Arc::clone(&self.output)
    }

    /// Whether nobody is writing to the sink now.
    pub fn output_is_free(&self) -> bool {
        self.output.try_lock().is_ok()
    }

    /// Moves the buffer to `output` (locked by the caller while it still
    /// holds the writer), which then writes it with `Output::write_batch`
    /// after the writer is unlocked.
    pub fn hand_over(&mut self, output: &mut Output) {
        self.batch_pending.0.store(false, Ordering::Release);
        std::mem::swap(&mut self.buffer, &mut output.batch);
    }

    /// Drains the queue, then writes `payload` after it, all the way to the
    /// OS: a durable record written by the thread that logged it.
    pub fn write_through(&mut self, payload: Payload) {
        // Parks are only asked of handlers that left the running state,
        // whose writer logging threads do not take.
        let _ = self.take_queued();
        self.append(payload);
        self.write_out();
        self.sync();
    }

    /// Formats `record` into the buffer on the calling thread, if that needs
    /// no I/O here: nothing queued ahead of it (order), no size rollover to
    /// decide nor a timed one due, and room left below the write threshold.
    /// `false`: the record must go through the queue. The worker writes the
    /// buffer out.
    pub fn append_without_io(&mut self, record: &FemtoLogRecord) -> bool {
        let rotation_due = match &self.rotation {
            None => false,
            Some(Rotation::Size(_)) => true,
            Some(Rotation::Timed(timed)) => timed.is_due(record_second(record)),
        };
        if rotation_due || self.buffer.len() >= WRITE_THRESHOLD || !self.queue.is_empty() {
            return false;
        }
        self.append_record(record);
        true
    }

    /// Applies queued commands until the queue is empty or a park is asked.
    pub fn take_queued(&mut self) -> Drained {
        loop {
            if self.gate.park_requested() {
                return Drained::Park;
            }
            match self.queue.try_recv() {
                Ok(command) => {
                    self.apply(command);
                    if self.buffer.len() >= WRITE_THRESHOLD {
                        self.write_out();
                    }
                }
                Err(crossbeam_channel::TryRecvError::Empty) => return Drained::Empty,
                Err(crossbeam_channel::TryRecvError::Disconnected) => return Drained::Closed,
            }
        }
    }

    /// Takes the handler's current settings, which a forked child may not
    /// have received: their commands can stay behind in the parent's queue,
    /// which the child abandons.
    pub fn configure(
        &mut self,
        formatter: Arc<Formatter>,
        terminator: String,
        rotation: Option<Rotation>,
    ) {
        if !Arc::ptr_eq(&self.formatter, &formatter) {
            self.formatter = formatter;
            self.cache = FormatCache::default();
        }
        self.terminator = terminator;
        self.rotation = rotation;
    }

    pub fn close_sink(&mut self) {
        let closed = lock_output(&self.output).io(|sink| sink.close());
        if let Err(error) = closed {
            report_write_error(&self.stats, &error);
        }
    }

    fn apply(&mut self, command: Command) {
        match command {
            Command::Write(payload) => self.append(payload),
            Command::Durable(payload, ack) => {
                self.append(payload);
                self.write_out();
                self.sync();
                let _ = ack.send(());
            }
            Command::Flush(ack) => {
                self.write_out();
                self.sync();
                let _ = ack.send(());
            }
            Command::SetFormatter(formatter) => {
                self.formatter = formatter;
                self.cache = FormatCache::default();
            }
            Command::SetTerminator(terminator) => self.terminator = terminator,
            Command::SetRotation(rotation) => self.rotation = rotation,
            // Written by the write-out that ends every drain.
            Command::WriteBuffered => {}
        }
    }

    fn append(&mut self, payload: Payload) {
        match payload {
            Payload::Record(record) => self.append_record(&record),
            Payload::Bytes(bytes) => self.buffer.extend_from_slice(&bytes),
            Payload::Reopen => {
                self.write_out();
                // A failure goes back to the thread that asked (see
                // `FileWatch::take_reopen_error`), which raises it as the
                // stdlib's reopenIfNeeded would; later writes then fail and
                // are reported as usual.
                lock_output(&self.output).io(|sink| sink.reopen());
            }
        }
    }

    fn append_record(&mut self, record: &FemtoLogRecord) {
        self.line.clear();
        // A formatting bug must cost one record, not the worker: a dead
        // worker would leave its queue, and callers waiting on it, stuck.
        let (formatter, cache, line) = (&self.formatter, &mut self.cache, &mut self.line);
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            formatter.format_into(record, cache, line)
        }));
        let Ok(rendered) = rendered else {
            self.cache = FormatCache::default();
            self.report_unformatted(record, &"the formatter panicked");
            return;
        };
        match rendered {
            Ok(()) => {
                if !self.roll_over_if_due(record) {
                    return;
                }
                self.buffer.extend_from_slice(self.line.as_bytes());
                self.buffer.extend_from_slice(self.terminator.as_bytes());
            }
            Err(error) => self.report_unformatted(record, &error),
        }
    }

    /// Rolls the file over if the formatted `line` would take it to the
    /// size limit, or if the record was made at or after the rollover time.
    /// `false`: the rollover failed and, as with the stdlib (whose `emit`
    /// reports the error instead of writing), the record is dropped.
    fn roll_over_if_due(&mut self, record: &FemtoLogRecord) -> bool {
        let due = match &self.rotation {
            None => false,
            Some(Rotation::Size(size)) => {
                let position = lock_output(&self.output).sink.position().unwrap_or(0)
                    + self.buffer.len() as u64;
                size.is_due(position, self.line.chars().count() as u64)
            }
            Some(Rotation::Timed(timed)) => timed.is_due(record_second(record)),
        };
        let Some(rotation) = self.rotation.clone().filter(|_| due) else {
            return true;
        };
        let outcome = match &rotation {
            Rotation::Size(size) => {
                self.write_out();
                let backup_count = size.backup_count;
                lock_output(&self.output).io(|sink| {
                    sink.roll_over(&mut |base| rotation::shift_backups(base, backup_count))
                })
            }
            Rotation::Timed(timed) => self.roll_over_by_time(timed, record_second(record)),
        };
        match outcome {
            Ok(()) => true,
            Err(error) => {
                self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                self.stats.reporter.report_as(
                    ReportMode::Stderr,
                    &format!("could not roll the file over: {error}"),
                    error.raw_os_error(),
                );
                false
            }
        }
    }

    /// `doRollover` at `now`: the file becomes its dated backup and the
    /// next rollover time is set; a failed one is tried again by the next
    /// record, as in the stdlib.
    fn roll_over_by_time(&mut self, timed: &TimedRotation, now: i64) -> io::Result<()> {
        let base = lock_output(&self.output)
            .sink
            .file_path()
            .map(Path::to_path_buf);
        let Some(base) = base else {
            return Ok(());
        };
        let Some(backup) = timed.backup_path(&base, now) else {
            return Err(io::Error::other(
                "the rollover time has no calendar date here",
            ));
        };
        if timed.schedule.rules.fixes && backup.exists() {
            // Already rolled over (by another handler on the same file):
            // overwriting the backup would lose its records.
            return Ok(());
        }
        self.write_out();
        lock_output(&self.output)
            .io(|sink| sink.roll_over(&mut |base| timed.move_aside(base, &backup)))?;
        timed.rolled_over(now);
        Ok(())
    }

    fn report_unformatted(&self, record: &FemtoLogRecord, cause: &dyn std::fmt::Display) {
        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
        self.stats.reporter.report(
            &format!(
                "could not format a record: {cause}\nMessage: {:?}",
                record.message()
            ),
            None,
        );
    }

    /// Writes the buffer out here and now (whoever holds the writer does):
    /// the next record a logging thread appends starts a new batch and
    /// nudges the worker.
    fn write_out(&mut self) {
        let output = Arc::clone(&self.output);
        let mut output = lock_output(&output);
        self.hand_over(&mut output);
        output.write_batch();
    }

    fn sync(&mut self) {
        lock_output(&self.output).flush();
    }
}

/// The record's time in whole seconds, as `int(time.time())` in the
/// stdlib's `shouldRollover`.
fn record_second(record: &FemtoLogRecord) -> i64 {
    record.metadata.whole_second()
}
