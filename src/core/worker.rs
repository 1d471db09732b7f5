//! The worker thread behind every native handler, and what its queue carries.
//!
//! It waits for commands without taking them, then drains the queue in
//! batches through the handler's `Writer` (see writer.rs), so a quiet
//! program's lines reach the OS at once. It exits when every sender is gone
//! (the handler closed), after draining the queue, or when asked to park
//! before `fork()` (see fork_gate.rs). It never touches Python, so it never
//! needs the GIL.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Select, Sender};

use super::format::Formatter;
use super::own_line::OwnLine;
use super::record::FemtoLogRecord;
use super::report::{ErrorReporter, ReportMode};
use super::rotation::Rotation;
use super::writer::{lock_output, Drained, Writer};

/// How long an idle worker polls its queue before it sleeps.
const IDLE_POLL: Duration = Duration::from_micros(50);
/// How long a worker lets logging threads fill the buffer before writing.
const GATHER: Duration = Duration::from_micros(200);

/// What a handler writes: a record it formats itself, or text that Python
/// already formatted and encoded (handlers whose formatter runs in Python);
/// or where it writes, in the queue's order.
// Records travel inline in the queue's preallocated slots: boxing them would
// cost an allocation per log call to save memory only in idle slots.
#[allow(clippy::large_enum_variant)]
pub enum Payload {
    Record(FemtoLogRecord),
    Bytes(Vec<u8>),
    /// Reopen a watched file that was moved, after what was queued before.
    Reopen,
}

/// What a worker's queue carries.
pub enum Command {
    Write(Payload),
    /// A payload that must reach the OS before the sender is acknowledged.
    Durable(Payload, Sender<()>),
    SetTerminator(String),
    Flush(Sender<()>),
    SetFormatter(Arc<Formatter>),
    /// Roll the file over by size or time from now on (or no longer).
    SetRotation(Option<Rotation>),
    /// Logging threads formatted records into the writer's buffer: write
    /// them out (see `QueuedHandler::append_here`).
    WriteBuffered,
}

/// Counters shared by a handler and its worker.
#[derive(Debug)]
pub struct Stats {
    pub dropped: AtomicU64,
    pub write_errors: AtomicU64,
    pub reporter: ErrorReporter,
}

impl Stats {
    pub fn new(label: impl Into<String>, mode: ReportMode) -> Self {
        Stats {
            dropped: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            reporter: ErrorReporter::new(label, mode),
        }
    }

    pub fn count_drop(&self, why: &str) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.reporter.report(why, None);
    }
}

/// Everything a worker works with; handed back when it parks.
pub struct WorkerParts {
    /// A handle on the queue to wait on (commands are taken through the
    /// writer).
    pub receiver: Receiver<Command>,
    pub writer: Arc<Mutex<Writer>>,
    /// Set while the writer's buffer holds records a logging thread
    /// formatted and nobody has written out yet.
    pub batch_pending: Arc<OwnLine<AtomicBool>>,
}

/// How a worker ended.
pub enum Exit {
    Parked(WorkerParts),
    Closed,
}

pub fn spawn(name: String, parts: WorkerParts) -> io::Result<JoinHandle<Exit>> {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(parts))
}

/// Locks a writer. Its critical sections leave it consistent even if they
/// unwind, so a poisoned lock is still safe to use.
pub fn lock_writer(writer: &Mutex<Writer>) -> MutexGuard<'_, Writer> {
    writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run(parts: WorkerParts) -> Exit {
    loop {
        wait_for_commands(&parts.receiver);
        if parts.batch_pending.0.load(Ordering::Acquire) {
            // Logging threads append to the buffer while it is free: let a
            // batch gather before taking it (a quiet program waits no more
            // than this for its line to reach the OS).
            std::thread::sleep(GATHER);
        }
        let mut writer = lock_writer(&parts.writer);
        match writer.take_queued() {
            Drained::Empty => {
                // The batch is written holding only the output, so logging
                // threads can fill the next one meanwhile instead of
                // queueing their records.
                let output = writer.output();
                let mut output = lock_output(&output);
                writer.hand_over(&mut output);
                drop(writer);
                output.write_batch();
                output.flush();
            }
            Drained::Park => {
                writer.finish();
                drop(writer);
                return Exit::Parked(parts);
            }
            Drained::Closed => {
                writer.finish();
                writer.close_sink();
                return Exit::Closed;
            }
        }
    }
}

/// Returns once the queue holds a command or is closed, without taking
/// anything. It polls briefly before sleeping, since records tend to come in
/// runs and waking a sleeping thread costs tens of microseconds.
fn wait_for_commands(receiver: &Receiver<Command>) {
    let started = Instant::now();
    let mut polls: u32 = 0;
    while started.elapsed() < IDLE_POLL {
        if !receiver.is_empty() {
            return;
        }
        polls += 1;
        if polls % 16 == 0 {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    // Ready also when every sender is gone; a spurious wake-up only costs an
    // empty drain.
    let mut select = Select::new();
    select.recv(receiver);
    select.ready();
}
