//! `QueuedHandler`: a bounded queue in front of one worker thread.
//!
//! This is the machinery shared by every native handler (stream, file, and
//! later rotating ones): submission with back-pressure or counted drops,
//! durable records, flush, close, and the park/resume dance around `fork()`.
//!
//! Locking rule: `state` is only locked by threads attached to Python (or in
//! pure-Rust use), and never across a blocking wait. Since the thread calling
//! `fork()` holds the GIL, no other thread can hold `state` at that moment.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, Sender, TrySendError};

use super::fork_gate::ForkGate;
use super::format::{Formatter, Needs};
use super::handler::{FemtoHandlerTrait, Pending, Receipt, Submit, Waiter};
use super::level::{self, LevelNo};
use super::own_line::OwnLine;
use super::record::FemtoLogRecord;
use super::registry;
use super::report::{Failure, ReportMode};
use super::rotation::Rotation;
use super::sink::{Adoption, Sink};
use super::worker::{self, Command, Exit, Payload, Stats, WorkerParts};
use super::writer::Writer;

/// What a full queue does to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wait for room: nothing is lost (the stdlib never drops).
    Block,
    /// Drop the record and count it.
    Drop,
}

/// Tunables of a queued handler.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerOptions {
    pub capacity: usize,
    pub overflow: Overflow,
    /// Records at or above this level are written before `submit` completes.
    pub flush_level: LevelNo,
    pub level: LevelNo,
    pub terminator: String,
    pub report_mode: ReportMode,
}

impl Default for HandlerOptions {
    fn default() -> Self {
        HandlerOptions {
            capacity: 8192,
            overflow: Overflow::Block,
            flush_level: level::ERROR,
            level: level::NOTSET,
            terminator: "\n".to_owned(),
            report_mode: ReportMode::Stderr,
        }
    }
}

enum State {
    Running {
        sender: Sender<Command>,
        worker: JoinHandle<Exit>,
    },
    /// Between "park requested" and "worker exited" (GIL released meanwhile).
    Parking {
        sender: Sender<Command>,
    },
    Parked {
        sender: Sender<Command>,
        parts: WorkerParts,
    },
    /// The worker was stuck in a system call when `fork()` was due, and is
    /// held at the end of it until the fork is made (see fork_gate.rs).
    Frozen {
        sender: Sender<Command>,
        worker: JoinHandle<Exit>,
    },
    Closed,
}

/// How a worker answered the fork hook's request to park.
pub enum ParkOutcome {
    Parked(Option<Exit>),
    Frozen(JoinHandle<Exit>),
}

/// The handler's writer. Replaced only in a forked child, where the old one
/// may be locked by a thread that does not exist there; the old one is then
/// leaked, so that references taken before stay valid.
struct WriterSlot(AtomicPtr<Mutex<Writer>>);

impl WriterSlot {
    fn new(writer: Arc<Mutex<Writer>>) -> Self {
        WriterSlot(AtomicPtr::new(Arc::into_raw(writer).cast_mut()))
    }

    fn get(&self) -> &Mutex<Writer> {
        // SAFETY: the pointer comes from Arc::into_raw and the slot keeps
        // that strong count until it is dropped; a replaced writer is never
        // released.
        unsafe { &*self.0.load(Ordering::Acquire) }
    }

    fn shared(&self) -> Arc<Mutex<Writer>> {
        let pointer = self.0.load(Ordering::Acquire);
        // SAFETY: as in `get`; the count taken here is the returned Arc's.
        unsafe {
            Arc::increment_strong_count(pointer);
            Arc::from_raw(pointer)
        }
    }

    fn replace_leaking_old(&self, writer: Arc<Mutex<Writer>>) {
        self.0
            .store(Arc::into_raw(writer).cast_mut(), Ordering::Release);
    }
}

impl Drop for WriterSlot {
    fn drop(&mut self) {
        // SAFETY: the slot owns one strong count of the current writer.
        drop(unsafe { Arc::from_raw(*self.0.get_mut()) });
    }
}

pub struct QueuedHandler {
    label: String,
    options: HandlerOptions,
    level: AtomicI32,
    formatter: Mutex<Arc<Formatter>>,
    terminator: Mutex<String>,
    rotation: Mutex<Option<Rotation>>,
    /// Whether records the worker formats itself were ever queued (their
    /// length is only known once formatted).
    formats_records: AtomicBool,
    state: Mutex<State>,
    /// Whether `state` is `Running`, for the per-record test without its
    /// lock; set with the lock held.
    running: OwnLine<AtomicBool>,
    /// Shared with the worker; see writer.rs for who drains the queue.
    writer: WriterSlot,
    /// How a forked child reaches the sink without the writer (see `resume`).
    adoption: Arc<dyn Adoption>,
    gate: Arc<ForkGate>,
    stats: Arc<Stats>,
    batch_pending: Arc<OwnLine<AtomicBool>>,
    /// Records still to queue without trying the writer, after a try found
    /// it busy (see `append_here`).
    append_backoff: OwnLine<AtomicU32>,
}

/// How many records skip the writer after it was found busy: while the
/// worker drains the queue, each try would only pull the writer's lock line
/// over from its core.
const APPEND_BACKOFF: u32 = 16;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here leaves the state consistent even if it
    // unwinds, so a poisoned lock is still safe to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl QueuedHandler {
    /// Starts the worker and registers the handler for shutdown and fork.
    pub fn start(
        label: impl Into<String>,
        sink: Box<dyn Sink>,
        formatter: Formatter,
        options: HandlerOptions,
    ) -> io::Result<Arc<QueuedHandler>> {
        let label = label.into();
        let formatter = Arc::new(formatter);
        let stats = Arc::new(Stats::new(label.clone(), options.report_mode));
        let (sender, receiver) = bounded(options.capacity.max(1));
        let batch_pending = Arc::new(OwnLine(AtomicBool::new(false)));
        let gate = Arc::new(ForkGate::default());
        let adoption = sink.adoption();
        let writer = Arc::new(Mutex::new(Writer::new(
            receiver.clone(),
            sink,
            Arc::clone(&formatter),
            options.terminator.clone(),
            Arc::clone(&stats),
            Arc::clone(&batch_pending),
            Arc::clone(&gate),
        )));
        let parts = WorkerParts {
            receiver,
            writer: Arc::clone(&writer),
            batch_pending: Arc::clone(&batch_pending),
        };
        let worker = worker::spawn(thread_name(&label), parts)?;
        let terminator = options.terminator.clone();
        let handler = Arc::new(QueuedHandler {
            level: AtomicI32::new(options.level),
            label,
            options,
            formatter: Mutex::new(formatter),
            terminator: Mutex::new(terminator),
            rotation: Mutex::new(None),
            formats_records: AtomicBool::new(false),
            state: Mutex::new(State::Running { sender, worker }),
            running: OwnLine(AtomicBool::new(true)),
            append_backoff: OwnLine(AtomicU32::new(0)),
            writer: WriterSlot::new(writer),
            adoption,
            gate,
            stats,
            batch_pending,
        });
        registry::register(&handler);
        Ok(handler)
    }

    pub fn options(&self) -> &HandlerOptions {
        &self.options
    }

    pub fn formatter(&self) -> Arc<Formatter> {
        Arc::clone(&lock(&self.formatter))
    }

    /// Replaces the formatter for records submitted from now on.
    pub fn set_formatter(&self, formatter: Formatter) {
        self.use_formatter(Arc::new(formatter));
    }

    /// Makes `formatter` the one records submitted from now on get, unless it
    /// already is (shared formatters are compared by identity).
    pub fn use_formatter(&self, formatter: Arc<Formatter>) {
        let mut current = lock(&self.formatter);
        if Arc::ptr_eq(&current, &formatter) {
            return;
        }
        *current = Arc::clone(&formatter);
        drop(current);
        self.send_config(Command::SetFormatter(formatter));
    }

    /// Makes `terminator` the text written after each record the worker
    /// formats, unless it already is.
    pub fn use_terminator(&self, terminator: &str) {
        let mut current = lock(&self.terminator);
        if *current == terminator {
            return;
        }
        *current = terminator.to_owned();
        drop(current);
        self.send_config(Command::SetTerminator(terminator.to_owned()));
    }

    /// Makes the worker roll the file over for records submitted from now
    /// on (`None`: never), unless it already does.
    pub fn use_rotation(&self, rotation: Option<Rotation>) {
        let mut current = lock(&self.rotation);
        if *current == rotation {
            return;
        }
        *current = rotation.clone();
        drop(current);
        self.send_config(Command::SetRotation(rotation));
    }

    /// Queues a configuration change behind earlier records, so they keep the
    /// old settings. A full queue gets the command through a short-lived
    /// thread rather than blocking a caller that may hold the GIL.
    fn send_config(&self, command: Command) {
        if let Some(sender) = self.sender() {
            if let Err(TrySendError::Full(command)) = sender.try_send(command) {
                let _ = std::thread::Builder::new()
                    .name("femtologging-config".into())
                    .spawn(move || {
                        let _ = sender.send(command);
                    });
            }
        }
    }

    /// Hands over a record or preformatted bytes; `level` decides durability.
    pub fn submit_payload(&self, payload: Payload, level: LevelNo) -> Submit {
        let durable = level >= self.options.flush_level || registry::is_shut_down();
        self.submit_with(payload, durable)
    }

    /// Hands over a payload that is done before this returns (once the
    /// returned `Submit` completes).
    pub fn submit_durable(&self, payload: Payload) -> Submit {
        self.submit_with(payload, true)
    }

    fn submit_with(&self, payload: Payload, durable: bool) -> Submit {
        if durable {
            // Written on the calling thread, behind everything queued, when
            // the worker is not busy: that saves waking it and waiting.
            if let Some(mut writer) = self.idle_writer_and_output() {
                writer.write_through(payload);
                return Submit::Done;
            }
        }
        if let (Payload::Record(record), false) = (&payload, durable) {
            if self.append_here(record) {
                // Dropped here: its memory stays with this thread.
                return Submit::Done;
            }
        }
        if let Some(writer) = self.retired_writer() {
            // After the exit-time shutdown no worker runs: the caller writes
            // (see `registry::begin_shutdown`).
            worker::lock_writer(&writer).write_through(payload);
            return Submit::Done;
        }
        let (command, receipt) = if durable {
            let (ack, receipt) = bounded(1);
            (Command::Durable(payload, ack), Some(Receipt(receipt)))
        } else {
            (Command::Write(payload), None)
        };
        let state = lock(&self.state);
        let sender = match &*state {
            State::Running { sender, .. }
            | State::Parking { sender }
            | State::Parked { sender, .. }
            | State::Frozen { sender, .. } => sender,
            State::Closed => {
                drop(state);
                self.stats
                    .count_drop("a record was sent to the handler after it was closed; dropped");
                return Submit::Done;
            }
        };
        match sender.try_send(command) {
            Ok(()) => match receipt {
                Some(receipt) => Submit::Durable(receipt),
                None => Submit::Done,
            },
            Err(TrySendError::Full(command)) => match self.options.overflow {
                Overflow::Drop => {
                    drop(state);
                    self.stats
                        .dropped
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Submit::Done
                }
                Overflow::Block => {
                    let sender = sender.clone();
                    drop(state);
                    Submit::Blocked(Box::new(self.pending(sender, command, receipt)))
                }
            },
            Err(TrySendError::Disconnected(_)) => {
                drop(state);
                self.stats
                    .count_drop("the worker has stopped; record dropped");
                Submit::Done
            }
        }
    }

    /// Formats the record into the writer's buffer on this thread when the
    /// worker is not using it: no record crosses to the worker's core, which
    /// only writes the buffer out, a batch at a time. The first record of a
    /// batch nudges the worker; it waits `GATHER` before writing, so the
    /// batch can grow meanwhile.
    fn append_here(&self, record: &FemtoLogRecord) -> bool {
        let skip = self.append_backoff.0.load(Ordering::Relaxed);
        if skip > 0 {
            self.append_backoff.0.store(skip - 1, Ordering::Relaxed);
            return false;
        }
        let appended = match self.idle_writer() {
            Some(mut writer) => writer.append_without_io(record),
            None => false,
        };
        if !appended {
            self.append_backoff
                .0
                .store(APPEND_BACKOFF, Ordering::Relaxed);
            return false;
        }
        // Read first: within a batch the flag is already set, and a write
        // per record would pull its line away from the worker's core.
        if !self.batch_pending.0.load(Ordering::Acquire)
            && !self.batch_pending.0.swap(true, Ordering::AcqRel)
        {
            if let Some(sender) = self.sender() {
                // A full queue keeps the worker busy anyway; it writes the
                // buffer with its next batch.
                let _ = sender.try_send(Command::WriteBuffered);
            }
        }
        true
    }

    /// The writer, if the worker is running (a parking worker must be left
    /// alone with it) and nobody holds the writer; never waits.
    fn idle_writer(&self) -> Option<MutexGuard<'_, Writer>> {
        if !self.running.0.load(Ordering::Acquire) {
            return None;
        }
        match self.writer.get().try_lock() {
            Ok(writer) => Some(writer),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The writer, as `idle_writer`, when the worker is not writing a batch
    /// either: writing here then never waits (the GIL may be held). Only a
    /// holder of the writer starts a batch, so the output stays free.
    fn idle_writer_and_output(&self) -> Option<MutexGuard<'_, Writer>> {
        let writer = self.idle_writer()?;
        writer.output_is_free().then_some(writer)
    }

    /// At exit, once the worker stopped: writes what is still queued; the
    /// callers write everything later (`retired_writer`).
    pub(crate) fn retire(&self) {
        self.gate.cancel_park();
        if let Some(writer) = self.retired_writer() {
            let _ = worker::lock_writer(&writer).drain();
        }
    }

    /// The writer of a handler whose worker stopped at the exit-time
    /// shutdown: callers write through it from then on.
    fn retired_writer(&self) -> Option<Arc<Mutex<Writer>>> {
        if !registry::is_shut_down() {
            return None;
        }
        match &*lock(&self.state) {
            State::Parked { parts, .. } => Some(Arc::clone(&parts.writer)),
            _ => None,
        }
    }

    /// Whether the worker was ever given records to format itself.
    pub fn formats_records(&self) -> bool {
        self.formats_records.load(Ordering::Relaxed)
    }

    /// The failure kept for the Python side (deferred reporting), if any.
    pub fn take_pending_failure(&self) -> Option<Failure> {
        self.stats.reporter.take_pending()
    }

    /// Whether a failure waits to be raised on the Python side.
    pub fn has_pending_failure(&self) -> bool {
        self.stats.reporter.has_pending()
    }

    /// Failures counted after the first, since the last call.
    pub fn take_unreported_failures(&self) -> u64 {
        self.stats.reporter.take_unreported()
    }

    pub fn is_closed(&self) -> bool {
        matches!(*lock(&self.state), State::Closed)
    }

    fn sender(&self) -> Option<Sender<Command>> {
        match &*lock(&self.state) {
            State::Running { sender, .. }
            | State::Parking { sender }
            | State::Parked { sender, .. }
            | State::Frozen { sender, .. } => Some(sender.clone()),
            State::Closed => None,
        }
    }

    fn pending(
        &self,
        sender: Sender<Command>,
        command: Command,
        receipt: Option<Receipt>,
    ) -> Pending {
        let stats = Arc::clone(&self.stats);
        Pending {
            sender,
            command,
            receipt,
            on_disconnect: Box::new(move || {
                stats.count_drop("the worker has stopped; record dropped")
            }),
        }
    }

    /// The gate the fork hook watches this handler's worker through.
    pub(crate) fn gate(&self) -> &ForkGate {
        &self.gate
    }

    /// Before `fork()`, part 1 (attached): asks the worker to park. Logging
    /// threads stop using the writer and queue their records meanwhile.
    pub(crate) fn begin_park(&self) -> Option<JoinHandle<Exit>> {
        let mut state = lock(&self.state);
        match std::mem::replace(&mut *state, State::Closed) {
            State::Running { sender, worker } => {
                self.running.0.store(false, Ordering::Release);
                self.gate.request_park();
                // Wakes a sleeping worker; a full queue keeps it awake anyway.
                let _ = sender.try_send(Command::WriteBuffered);
                *state = State::Parking { sender };
                Some(worker)
            }
            other => {
                *state = other;
                None
            }
        }
    }

    /// Before `fork()`, part 3 (attached): keeps what the worker handed back,
    /// or the frozen worker.
    pub(crate) fn finish_park(&self, outcome: ParkOutcome) {
        let mut state = lock(&self.state);
        if let State::Parking { sender } = std::mem::replace(&mut *state, State::Closed) {
            match outcome {
                ParkOutcome::Parked(Some(Exit::Parked(parts))) => {
                    *state = State::Parked { sender, parts };
                }
                ParkOutcome::Frozen(worker) => *state = State::Frozen { sender, worker },
                ParkOutcome::Parked(_) => {}
            }
        }
    }

    /// After `fork()`: restarts the worker. In the child the old queue is
    /// abandoned without being touched: it may hold the parent's records, and
    /// a thread that no longer exists may have been inside it.
    pub(crate) fn resume(&self, in_child: bool) {
        let mut state = lock(&self.state);
        let parts = match std::mem::replace(&mut *state, State::Closed) {
            State::Parked { sender, parts } => Some((sender, parts)),
            State::Frozen { sender, worker } if !in_child => {
                // The parent's worker goes on from where it was held.
                self.gate.cancel_park();
                self.gate.thaw();
                *state = State::Running { sender, worker };
                self.running.0.store(true, Ordering::Release);
                return;
            }
            State::Frozen { sender, worker } => {
                // That thread does not exist here; its handle and queue are
                // left alone, and so are the writer and output it may hold.
                std::mem::forget(worker);
                std::mem::forget(sender);
                self.gate.reset();
                None
            }
            other => {
                *state = other;
                return;
            }
        };
        self.gate.cancel_park();
        let (sender, parts) = match (parts, in_child) {
            (Some((sender, parts)), false) => (sender, parts),
            (Some((sender, mut parts)), true) => {
                let (fresh_sender, fresh_receiver) = bounded(self.options.capacity.max(1));
                std::mem::forget(sender);
                let mut writer = worker::lock_writer(&parts.writer);
                std::mem::forget(std::mem::replace(&mut writer.queue, fresh_receiver.clone()));
                writer.configure(
                    self.formatter(),
                    lock(&self.terminator).clone(),
                    lock(&self.rotation).clone(),
                );
                drop(writer);
                std::mem::forget(std::mem::replace(&mut parts.receiver, fresh_receiver));
                (fresh_sender, parts)
            }
            (None, _) => self.rebuild_in_child(),
        };
        match worker::spawn(thread_name(&self.label), parts) {
            Ok(worker) => {
                *state = State::Running { sender, worker };
                self.running.0.store(true, Ordering::Release);
            }
            Err(error) => self.stats.reporter.report(
                &format!("could not restart the worker thread: {error}"),
                error.raw_os_error(),
            ),
        }
    }

    /// In a child whose parent froze this handler's worker: a queue, writer
    /// and output of its own, on the same destination. What the old writer
    /// and output held is the parent's, which writes it.
    fn rebuild_in_child(&self) -> (Sender<Command>, WorkerParts) {
        let (sender, receiver) = bounded(self.options.capacity.max(1));
        self.batch_pending.0.store(false, Ordering::Release);
        let mut writer = Writer::new(
            receiver.clone(),
            self.adoption.adopt(),
            self.formatter(),
            lock(&self.terminator).clone(),
            Arc::clone(&self.stats),
            Arc::clone(&self.batch_pending),
            Arc::clone(&self.gate),
        );
        writer.configure(
            self.formatter(),
            lock(&self.terminator).clone(),
            lock(&self.rotation).clone(),
        );
        self.writer
            .replace_leaking_old(Arc::new(Mutex::new(writer)));
        let parts = WorkerParts {
            receiver,
            writer: self.writer.shared(),
            batch_pending: Arc::clone(&self.batch_pending),
        };
        (sender, parts)
    }
}

fn thread_name(label: &str) -> String {
    format!("femtologging {label}")
}

impl FemtoHandlerTrait for QueuedHandler {
    fn label(&self) -> &str {
        &self.label
    }

    fn level(&self) -> LevelNo {
        self.level.load(Ordering::Relaxed)
    }

    fn set_level(&self, level: LevelNo) {
        self.level.store(level, Ordering::Relaxed);
    }

    fn needs(&self) -> Needs {
        lock(&self.formatter).needs()
    }

    fn submit(&self, record: FemtoLogRecord) -> Submit {
        let level = record.level;
        self.formats_records.store(true, Ordering::Relaxed);
        self.submit_payload(Payload::Record(record), level)
    }

    fn begin_flush(&self) -> Waiter {
        if let Some(mut writer) = self.idle_writer_and_output() {
            // Everything queued before this call is written here and now.
            let _ = writer.drain();
            return Waiter::nothing();
        }
        if let Some(writer) = self.retired_writer() {
            let _ = worker::lock_writer(&writer).drain();
            return Waiter::nothing();
        }
        let Some(sender) = self.sender() else {
            return Waiter::nothing();
        };
        let (ack, receipt) = bounded(1);
        let receipt = Some(Receipt(receipt));
        match sender.try_send(Command::Flush(ack)) {
            Ok(()) => Waiter {
                receipt,
                ..Waiter::default()
            },
            Err(TrySendError::Full(command)) => Waiter {
                send: Some((sender, command)),
                receipt,
                join: None,
            },
            Err(TrySendError::Disconnected(_)) => Waiter::nothing(),
        }
    }

    fn begin_close(&self) -> Waiter {
        let mut state = lock(&self.state);
        let previous = std::mem::replace(&mut *state, State::Closed);
        self.running.0.store(false, Ordering::Release);
        drop(state);
        let stats = Arc::clone(&self.stats);
        let worker = match previous {
            State::Running { sender, worker } => {
                // Dropping the last sender is the close signal: the worker
                // drains what is queued, then sees the channel disconnect.
                drop(sender);
                worker
            }
            State::Parked { sender, parts } => {
                drop(sender);
                match worker::spawn(thread_name(&self.label), parts) {
                    Ok(worker) => worker,
                    Err(_) => return Waiter::nothing(),
                }
            }
            State::Frozen { sender, worker } => {
                drop(sender);
                worker
            }
            State::Parking { .. } | State::Closed => return Waiter::nothing(),
        };
        Waiter {
            join: Some(Box::new(move || {
                let _ = worker.join();
                stats.reporter.summarize();
            })),
            ..Waiter::default()
        }
    }

    fn dropped(&self) -> u64 {
        self.stats.dropped.load(Ordering::Relaxed)
    }

    fn write_errors(&self) -> u64 {
        self.stats.write_errors.load(Ordering::Relaxed)
    }
}

/// Pure-Rust conveniences that block inline; bindings use the halves instead.
impl QueuedHandler {
    pub fn deliver(&self, record: FemtoLogRecord) {
        self.submit(record).complete();
    }

    pub fn flush(&self) {
        self.begin_flush().wait();
    }

    pub fn close(&self) {
        self.begin_close().wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A sink that records what reaches it, optionally failing every write.
    #[derive(Clone, Default)]
    struct Probe {
        written: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicUsize>,
        fail: bool,
        delay: Option<std::time::Duration>,
    }

    impl Sink for Probe {
        fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
            if let Some(delay) = self.delay {
                std::thread::sleep(delay);
            }
            self.writes.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(io::Error::from_raw_os_error(libc::ENOSPC));
            }
            lock(&self.written).extend_from_slice(bytes);
            Ok(())
        }
    }

    impl Probe {
        fn text(&self) -> String {
            String::from_utf8_lossy(&lock(&self.written)).into_owned()
        }
    }

    fn handler(probe: &Probe, options: HandlerOptions) -> Arc<QueuedHandler> {
        QueuedHandler::start(
            "Probe",
            Box::new(probe.clone()),
            Formatter::new("%(message)s", Default::default()).expect("valid"),
            options,
        )
        .expect("worker starts")
    }

    #[test]
    fn flush_returns_after_everything_before_it_is_written() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        for i in 0..1000 {
            handler.deliver(FemtoLogRecord::new("t", level::INFO, format!("line {i}")));
        }
        handler.flush();
        let text = probe.text();
        let expected: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(text, expected);
        handler.close();
    }

    #[test]
    fn close_drains_then_refuses_and_counts() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        for i in 0..500 {
            handler.deliver(FemtoLogRecord::new("t", level::INFO, format!("{i}")));
        }
        handler.close();
        handler.close();
        handler.flush();
        assert_eq!(probe.text().lines().count(), 500);
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "late"));
        assert_eq!(handler.dropped(), 1);
        assert!(handler.is_closed());
    }

    #[test]
    fn durable_records_are_written_before_submit_completes() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        handler.deliver(FemtoLogRecord::new("t", level::ERROR, "boom"));
        assert_eq!(probe.text(), "boom\n");
        handler.close();
    }

    #[test]
    fn the_drop_policy_counts_what_it_drops() {
        let probe = Probe {
            delay: Some(std::time::Duration::from_millis(20)),
            ..Probe::default()
        };
        let handler = handler(
            &probe,
            HandlerOptions {
                capacity: 4,
                overflow: Overflow::Drop,
                ..HandlerOptions::default()
            },
        );
        for i in 0..200 {
            handler.deliver(FemtoLogRecord::new("t", level::INFO, format!("{i}")));
        }
        handler.close();
        let written = probe.text().lines().count() as u64;
        assert!(handler.dropped() > 0);
        assert_eq!(written + handler.dropped(), 200);
    }

    #[test]
    fn the_block_policy_loses_nothing_and_keeps_order() {
        let probe = Probe::default();
        let handler = handler(
            &probe,
            HandlerOptions {
                capacity: 2,
                ..HandlerOptions::default()
            },
        );
        for i in 0..2000 {
            handler.deliver(FemtoLogRecord::new("t", level::INFO, format!("{i}")));
        }
        handler.close();
        let lines: Vec<String> = probe.text().lines().map(str::to_owned).collect();
        let expected: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
        assert_eq!(lines, expected);
    }

    #[test]
    fn write_errors_are_counted_not_raised() {
        let probe = Probe {
            fail: true,
            ..Probe::default()
        };
        let handler = handler(&probe, HandlerOptions::default());
        for _ in 0..3 {
            handler.deliver(FemtoLogRecord::new("t", level::ERROR, "x"));
        }
        handler.close();
        assert_eq!(handler.write_errors(), 3);
    }

    #[test]
    fn a_new_formatter_applies_to_later_records_only() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "a"));
        handler.set_formatter(
            Formatter::new("%(levelname)s %(message)s", Default::default()).expect("valid"),
        );
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "b"));
        handler.close();
        assert_eq!(probe.text(), "a\nINFO b\n");
    }

    #[test]
    fn parking_and_resuming_keeps_every_record() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "before"));
        let worker = handler.begin_park().expect("running");
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "while parked"));
        handler.finish_park(ParkOutcome::Parked(worker.join().ok()));
        assert_eq!(probe.text(), "before\n");
        handler.resume(false);
        handler.close();
        assert_eq!(probe.text(), "before\nwhile parked\n");
    }
}
