//! The worker thread behind every native handler.
//!
//! It owns the sink and the formatter, drains its queue in batches, formats
//! into one reusable buffer, and writes when the buffer is large or the queue
//! runs empty, so a quiet program's lines reach the OS at once. It exits when
//! every sender is gone (the handler closed), after draining the queue. It
//! never touches Python, so it never needs the GIL.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::format::{FormatCache, Formatter};
use super::record::FemtoLogRecord;
use super::report::{ErrorReporter, ReportMode};
use super::sink::Sink;

/// Bytes buffered before a write is forced mid-batch.
const WRITE_THRESHOLD: usize = 64 * 1024;
/// How long an idle worker polls its queue before it sleeps.
const IDLE_POLL: Duration = Duration::from_micros(50);

/// What a handler writes: a record it formats itself, or text that Python
/// already formatted and encoded (handlers whose formatter runs in Python).
// Records travel inline in the queue's preallocated slots: boxing them would
// cost an allocation per log call to save memory only in idle slots.
#[allow(clippy::large_enum_variant)]
pub enum Payload {
    Record(FemtoLogRecord),
    Bytes(Vec<u8>),
}

/// What a worker's queue carries.
pub enum Command {
    Write(Payload),
    /// A payload that must reach the OS before the sender is acknowledged.
    Durable(Payload, Sender<()>),
    SetTerminator(String),
    Flush(Sender<()>),
    SetFormatter(Arc<Formatter>),
    /// Write everything, then exit and hand the parts back (before `fork()`).
    Park,
}

/// Counters shared by a handler and its worker.
#[derive(Debug)]
pub struct Stats {
    pub dropped: AtomicU64,
    pub write_errors: AtomicU64,
    /// Bytes of records the worker formatted itself (the caller never saw
    /// their text, so a stream's position must add them).
    pub formatted_bytes: AtomicU64,
    pub reporter: ErrorReporter,
}

impl Stats {
    pub fn new(label: impl Into<String>, mode: ReportMode) -> Self {
        Stats {
            dropped: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            formatted_bytes: AtomicU64::new(0),
            reporter: ErrorReporter::new(label, mode),
        }
    }

    pub fn count_drop(&self, why: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.reporter.report(why, None);
    }
}

/// Everything a worker owns; handed back when it parks.
pub struct WorkerParts {
    pub receiver: Receiver<Command>,
    pub sink: Box<dyn Sink>,
    pub formatter: Arc<Formatter>,
    pub terminator: String,
}

/// How a worker ended.
pub enum Exit {
    Parked(WorkerParts),
    Closed,
}

pub fn spawn(name: String, parts: WorkerParts, stats: Arc<Stats>) -> io::Result<JoinHandle<Exit>> {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || Worker::new(parts, stats).run())
}

struct Worker {
    parts: WorkerParts,
    stats: Arc<Stats>,
    cache: FormatCache,
    line: String,
    buffer: Vec<u8>,
}

enum Flow {
    Continue,
    Park,
}

impl Worker {
    fn new(parts: WorkerParts, stats: Arc<Stats>) -> Self {
        Worker {
            parts,
            stats,
            cache: FormatCache::default(),
            line: String::new(),
            buffer: Vec::with_capacity(WRITE_THRESHOLD),
        }
    }

    /// The next command: briefly polled for before sleeping, since records
    /// tend to come in runs and waking a sleeping thread costs the logging
    /// thread tens of microseconds when it waits for a durable record.
    fn next_command(&self) -> Result<Command, crossbeam_channel::RecvError> {
        let started = Instant::now();
        let mut polls: u32 = 0;
        while started.elapsed() < IDLE_POLL {
            match self.parts.receiver.try_recv() {
                Ok(command) => return Ok(command),
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    return Err(crossbeam_channel::RecvError)
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
            }
            polls += 1;
            if polls % 16 == 0 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        self.parts.receiver.recv()
    }

    fn run(mut self) -> Exit {
        while let Ok(first) = self.next_command() {
            let mut next = Some(first);
            while let Some(command) = next {
                if let Flow::Park = self.apply(command) {
                    self.write_out();
                    self.sync();
                    return Exit::Parked(self.parts);
                }
                if self.buffer.len() >= WRITE_THRESHOLD {
                    self.write_out();
                }
                next = self.parts.receiver.try_recv().ok();
            }
            self.write_out();
            self.sync();
        }
        // Every sender is gone: the handler closed and stragglers are done.
        self.write_out();
        self.sync();
        if let Err(error) = self.parts.sink.close() {
            self.write_error(&error);
        }
        Exit::Closed
    }

    fn apply(&mut self, command: Command) -> Flow {
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
                self.parts.formatter = formatter;
                self.cache = FormatCache::default();
            }
            Command::SetTerminator(terminator) => self.parts.terminator = terminator,
            Command::Park => return Flow::Park,
        }
        Flow::Continue
    }

    fn append(&mut self, payload: Payload) {
        match payload {
            Payload::Record(record) => self.append_record(&record),
            Payload::Bytes(bytes) => self.buffer.extend_from_slice(&bytes),
        }
    }

    fn append_record(&mut self, record: &FemtoLogRecord) {
        self.line.clear();
        // A formatting bug must cost one record, not the worker: a dead
        // worker would leave its queue, and callers waiting on it, stuck.
        let (formatter, cache, line) = (&self.parts.formatter, &mut self.cache, &mut self.line);
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
                self.buffer.extend_from_slice(self.line.as_bytes());
                self.buffer
                    .extend_from_slice(self.parts.terminator.as_bytes());
                let written = self.line.len() + self.parts.terminator.len();
                self.stats
                    .formatted_bytes
                    .fetch_add(written as u64, Ordering::Relaxed);
            }
            Err(error) => self.report_unformatted(record, &error),
        }
    }

    fn report_unformatted(&self, record: &FemtoLogRecord, cause: &dyn std::fmt::Display) {
        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
        self.stats.reporter.report(
            &format!(
                "could not format a record: {cause}\nMessage: {:?}",
                record.message
            ),
            None,
        );
    }

    fn write_out(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let result = self.parts.sink.write_all(&self.buffer);
        // On failure the bytes are dropped: retrying would repeat the error
        // for every later record and grow the buffer without bound.
        self.buffer.clear();
        if let Err(error) = result {
            self.write_error(&error);
        }
    }

    fn sync(&mut self) {
        if let Err(error) = self.parts.sink.flush() {
            self.write_error(&error);
        }
    }

    fn write_error(&self, error: &io::Error) {
        self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
        self.stats.reporter.report(
            &format!("could not write a record: {error}"),
            error.raw_os_error(),
        );
    }
}
