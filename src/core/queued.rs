//! `QueuedHandler`: a journal in front of one worker thread.
//!
//! This is the machinery shared by every native handler: the logging
//! thread formats its record and appends the line to the handler's journal
//! (producer.rs) before the call returns, with back-pressure or counted
//! drops when the journal is full; the worker writes the journal out
//! (worker.rs, writer.rs). Records at or above the flush level are written
//! before the call returns. Also flush, close, and the park/resume dance
//! around `fork()`.
//!
//! Locking rule: `state` and `producer` are only locked by threads attached
//! to Python (or in pure-Rust use), and never across a blocking wait. Since
//! the thread calling `fork()` holds the GIL, no other thread can hold them
//! at that moment.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crossbeam_channel::bounded;

use super::command::Command;
use super::engine::{Engine, Gather};
use super::fork_gate::ForkGate;
use super::format::{Formatter, Needs};
use super::handler::{FemtoHandlerTrait, Pending, Submit, Wait, Waiter};
use super::journal::{self, AppendError, Journal};
use super::level::{self, LevelNo};
use super::own_line::OwnLine;
use super::pool::{self, Worker};
use super::producer::{Producer, RecordFacts};
use super::record::FemtoLogRecord;
use super::registry::{self, ParkOutcome, Parkable};
use super::report::{Failure, ReportMode};
use super::rotation::Rotation;
use super::sink::{Adoption, Sink};
use super::stats::Stats;
use super::sync::lock_unpoisoned;
use super::worker::{self, Exit};

/// What a full journal does to the caller.
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
    /// Records the journal holds (128 bytes each) before callers wait.
    pub capacity: usize,
    pub overflow: Overflow,
    /// Records at or above this level are written before `submit` completes.
    pub flush_level: LevelNo,
    pub level: LevelNo,
    pub terminator: String,
    pub report_mode: ReportMode,
    pub gather: Gather,
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
            gather: Gather::Fixed(worker::GATHER),
        }
    }
}

/// What a handler hands over besides records: text a Python handler
/// formatted and encoded, or a reopen of its watched file.
pub enum Payload {
    Bytes(Vec<u8>),
    Reopen,
}

enum State {
    Running {
        worker: Worker,
    },
    /// Between "park requested" and "worker exited" (GIL released meanwhile).
    Parking,
    /// Closed while parking: the fork hook that waits for the worker notes
    /// how it answered (`finish_park`).
    ClosingAfterPark,
    /// Closed while parked for a fork: the worker resumed after it (in the
    /// parent) writes the rest, closes the sink and exits; the child's copy
    /// is the parent's to finish.
    ClosedWhileParked,
    /// No worker: before `fork()` until it is made, or after the exit-time
    /// shutdown for good (logging threads then write).
    Parked,
    /// The worker was stuck in a system call when `fork()` was due, and is
    /// held at the end of it until the fork is made (see fork_gate.rs).
    Frozen {
        worker: Worker,
    },
    Closed,
}

/// The handler's engine. Replaced only in a forked child, where the old one
/// may be in use by a thread that does not exist there; the old one is then
/// leaked, so that references taken before stay valid.
struct EngineSlot(AtomicPtr<Engine>);

impl EngineSlot {
    fn new(engine: Arc<Engine>) -> Self {
        EngineSlot(AtomicPtr::new(Arc::into_raw(engine).cast_mut()))
    }

    fn get(&self) -> &Engine {
        // SAFETY: the pointer comes from Arc::into_raw and the slot keeps
        // that strong count until it is dropped; a replaced engine is never
        // released.
        unsafe { &*self.0.load(Ordering::Acquire) }
    }

    fn shared(&self) -> Arc<Engine> {
        let pointer = self.0.load(Ordering::Acquire);
        // SAFETY: as in `get`; the count taken here is the returned Arc's.
        unsafe {
            Arc::increment_strong_count(pointer);
            Arc::from_raw(pointer)
        }
    }

    fn replace_leaking_old(&self, engine: Arc<Engine>) {
        self.0
            .store(Arc::into_raw(engine).cast_mut(), Ordering::Release);
    }
}

impl Drop for EngineSlot {
    fn drop(&mut self) {
        // SAFETY: the slot owns one strong count of the current engine.
        drop(unsafe { Arc::from_raw(*self.0.get_mut()) });
    }
}

pub struct QueuedHandler {
    label: String,
    options: HandlerOptions,
    level: AtomicI32,
    producer: Mutex<Producer>,
    /// Whether records (not only ready-made text) were ever submitted: the
    /// bytes they take are then only known once formatted.
    formats_records: AtomicBool,
    state: Mutex<State>,
    /// Whether logging threads may write the journal out themselves: not
    /// while a worker parks (it must be left alone), and always after the
    /// exit-time shutdown (no worker is left).
    writes_through: OwnLine<AtomicBool>,
    engine: EngineSlot,
    /// How a forked child reaches the sink without the old engine.
    adoption: Arc<dyn Adoption>,
    log_path: Option<PathBuf>,
    gate: Arc<ForkGate>,
    stats: Arc<Stats>,
    /// Set once the worker exited for good: nobody writes any more.
    stopped: Arc<AtomicBool>,
    /// Set when the handler closes, for the per-record test without a lock.
    closed: OwnLine<AtomicBool>,
    me: Weak<QueuedHandler>,
}

/// Writes out what is left of a handler no worker serves any more (closed
/// or dropped while parked), closes its sink, removes its journal's file,
/// and gives up the seat on a shared worker it kept for the resume.
fn finish_without_worker(engine: &Engine) {
    engine.finish_here();
    pool::leave_seat(engine);
}

fn thread_name(label: &str) -> String {
    format!("femtologging {label}")
}

/// A journal for a handler writing to `log_path` (in memory for others,
/// and after the exit-time shutdown, when every record is written before
/// its call returns and no file would be cleaned up).
fn journal_for(log_path: Option<&std::path::Path>, capacity: usize) -> io::Result<Journal> {
    let bytes = journal::ring_bytes(capacity);
    match log_path {
        Some(path) if !registry::is_shut_down() => Journal::for_log(path, bytes),
        _ => Journal::in_memory(bytes),
    }
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
        let stats = Arc::new(Stats::new(label.clone(), options.report_mode));
        let gate = Arc::new(ForkGate::default());
        let adoption = sink.adoption();
        let log_path = sink.file_path().map(|path| path.to_path_buf());
        let size = sink.position().unwrap_or(0);
        let journal = journal_for(log_path.as_deref(), options.capacity)?;
        let doorbell = pool::doorbell_for(sink.as_ref(), &options.gather);
        let engine = Engine::new(
            journal,
            sink,
            Arc::clone(&stats),
            Arc::clone(&gate),
            options.gather.clone(),
            doorbell,
        );
        // Made while a fork hook waits for the workers to park (on another
        // thread, the GIL released): no worker may start before the fork;
        // this one is resumed with the others after it.
        let forking = registry::forking();
        let state = if forking {
            State::Parked
        } else {
            let worker = pool::start(thread_name(&label), Arc::clone(&engine), Arc::clone(&gate))?;
            State::Running { worker }
        };
        let producer = Producer::new(
            Arc::new(formatter),
            options.terminator.clone(),
            size,
            log_path.clone(),
        );
        let handler = Arc::new_cyclic(|me| QueuedHandler {
            level: AtomicI32::new(options.level),
            label,
            options,
            producer: Mutex::new(producer),
            formats_records: AtomicBool::new(false),
            state: Mutex::new(state),
            writes_through: OwnLine(AtomicBool::new(!forking)),
            engine: EngineSlot::new(engine),
            adoption,
            log_path,
            gate,
            stats,
            stopped: Arc::new(AtomicBool::new(false)),
            closed: OwnLine(AtomicBool::new(false)),
            me: me.clone(),
        });
        registry::register(&handler);
        Ok(handler)
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn options(&self) -> &HandlerOptions {
        &self.options
    }

    pub fn formatter(&self) -> Arc<Formatter> {
        Arc::clone(&lock_unpoisoned(&self.producer).formatter)
    }

    /// Replaces the formatter for records submitted from now on.
    pub fn set_formatter(&self, formatter: Formatter) {
        self.use_formatter(Arc::new(formatter));
    }

    /// Makes `formatter` the one records submitted from now on get.
    pub fn use_formatter(&self, formatter: Arc<Formatter>) {
        lock_unpoisoned(&self.producer).set_formatter(formatter);
    }

    /// Makes `terminator` the text written after each record.
    pub fn use_terminator(&self, terminator: &str) {
        let mut producer = lock_unpoisoned(&self.producer);
        if producer.terminator != terminator {
            producer.terminator = terminator.to_owned();
        }
    }

    /// Makes the file roll over by size or time for records submitted from
    /// now on (`None`: never).
    pub fn use_rotation(&self, rotation: Option<Rotation>) {
        let mut producer = lock_unpoisoned(&self.producer);
        if producer.rotation != rotation {
            producer.rotation = rotation;
        }
    }

    fn me(&self) -> Arc<QueuedHandler> {
        // A handler only exists inside the Arc `start` made.
        self.me
            .upgrade()
            .unwrap_or_else(|| unreachable!("a handler outlived its Arc"))
    }

    /// Hands over a record or ready-made bytes; `level` decides durability.
    pub fn submit_payload(&self, payload: Payload, level: LevelNo) -> Submit {
        let durable = level >= self.options.flush_level || registry::is_shut_down();
        match payload {
            Payload::Bytes(bytes) => self.submit_bytes(bytes, durable),
            Payload::Reopen => self.submit_reopen(),
        }
    }

    /// Hands over a payload that is done before this returns (once the
    /// returned `Submit` completes).
    pub fn submit_durable(&self, payload: Payload) -> Submit {
        self.submit_payload(payload, LevelNo::MAX)
    }

    /// The producer, locked, unless the handler is closed. `closed` is set
    /// under this lock (`begin_close`), so whatever is appended while it is
    /// held comes before the close, and the worker, told to close only
    /// afterwards, writes it: no record slips in behind its last look.
    fn open_producer(&self) -> Option<MutexGuard<'_, Producer>> {
        let producer = lock_unpoisoned(&self.producer);
        (!self.closed.0.load(Ordering::Acquire)).then_some(producer)
    }

    fn refuse_closed(&self) -> Submit {
        self.stats
            .count_drop("a record was sent to the handler after it was closed; dropped");
        Submit::Done
    }

    fn submit_record(&self, record: &FemtoLogRecord, durable: bool) -> Submit {
        self.formats_records.store(true, Ordering::Relaxed);
        let Some(mut producer) = self.open_producer() else {
            return self.refuse_closed();
        };
        let engine = self.engine.get();
        let facts = match producer.format(record) {
            Ok(facts) => facts,
            Err(cause) => {
                drop(producer);
                self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                if self.stats.reporter.mode() == ReportMode::Deferred {
                    // A Python handler: its caller reports it through
                    // handleError, with the call's message and arguments.
                    return Submit::Unformatted(cause);
                }
                self.report_unformatted(record, &cause.to_string());
                return Submit::Done;
            }
        };
        match producer.append_line(engine, facts) {
            Ok(end) => {
                drop(producer);
                self.appended(end, durable)
            }
            Err(error) => {
                let line = producer.line().to_vec();
                drop(producer);
                self.not_appended(error, line, Some(facts), durable)
            }
        }
    }

    fn submit_bytes(&self, bytes: Vec<u8>, durable: bool) -> Submit {
        let Some(mut producer) = self.open_producer() else {
            return self.refuse_closed();
        };
        let engine = self.engine.get();
        let appended = producer.append(engine, &bytes, None);
        drop(producer);
        match appended {
            Ok(end) => self.appended(end, durable),
            Err(error) => self.not_appended(error, bytes, None, durable),
        }
    }

    /// Appends `bytes` if the journal has room now, never waiting and never
    /// writing on this thread; false when closed or full (the caller counts
    /// the loss).
    pub fn offer_bytes(&self, bytes: &[u8]) -> bool {
        let Some(mut producer) = self.open_producer() else {
            return false;
        };
        let engine = self.engine.get();
        let appended = producer.append(engine, bytes, None);
        drop(producer);
        match appended {
            Ok(end) => {
                let _ = self.appended(end, false);
                true
            }
            Err(_) => false,
        }
    }

    /// Queues a reopen behind everything appended so far and asks for it
    /// to be done before the caller goes on.
    fn submit_reopen(&self) -> Submit {
        let Some(mut producer) = self.open_producer() else {
            return Submit::Done;
        };
        let engine = self.engine.get();
        let (ack, done) = bounded(1);
        producer.schedule(engine, Command::Reopen(ack));
        drop(producer);
        if self.write_out_here(engine.journal.published()) {
            return Submit::Done;
        }
        Submit::Blocked(Box::new(Acknowledgement {
            engine: self.engine.shared(),
            done,
        }))
    }

    /// After an append that ended at `end`: wakes the worker for a new
    /// batch and, for a durable record, sees it written.
    fn appended(&self, end: u64, durable: bool) -> Submit {
        let engine = self.engine.get();
        // Read first: within a batch the flag is already set, and a write
        // per record would pull its line away from the worker's core.
        if !engine.batch_pending.0.load(Ordering::Acquire)
            && !engine.batch_pending.0.swap(true, Ordering::AcqRel)
        {
            engine.ring();
        }
        if !durable || self.write_out_here(end) {
            return Submit::Done;
        }
        Submit::Durable(self.wait_until(end))
    }

    fn wait_until(&self, until: u64) -> Wait {
        let stopped = Arc::clone(&self.stopped);
        Wait {
            engine: self.engine.shared(),
            until,
            gone: Arc::new(move || stopped.load(Ordering::Acquire)),
        }
    }

    /// Writes the journal out up to at least `to` on this thread when the
    /// output is free (waking a worker and waiting for it costs tens of
    /// microseconds); never waits. False: the caller must wait instead.
    fn write_out_here(&self, to: u64) -> bool {
        if !self.writes_through.0.load(Ordering::Acquire) {
            return false;
        }
        let engine = self.engine.get();
        let Ok(mut output) = engine.output.try_lock() else {
            return false;
        };
        engine.write_out(&mut output, engine.journal.published().max(to));
        true
    }

    /// The journal refused the bytes: drop them, wait for room, or write an
    /// oversized line past the journal.
    fn not_appended(
        &self,
        error: AppendError,
        bytes: Vec<u8>,
        facts: Option<RecordFacts>,
        durable: bool,
    ) -> Submit {
        if error == AppendError::Full && self.options.overflow == Overflow::Drop {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return Submit::Done;
        }
        Submit::Blocked(Box::new(Refused {
            handler: self.me(),
            bytes,
            facts,
            durable,
        }))
    }

    fn report_unformatted(&self, record: &FemtoLogRecord, cause: &str) {
        self.stats.reporter.report(
            &format!(
                "could not format a record: {cause}\nMessage: {:?}",
                record.message()
            ),
            None,
        );
    }

    /// Whether records (not only ready-made text) were ever submitted.
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

    /// Whether a shared worker (pool.rs) serves this handler now.
    pub fn has_shared_worker(&self) -> bool {
        self.shared_slot().is_some()
    }

    /// The number of the shared worker's slot serving this handler now.
    pub fn shared_slot(&self) -> Option<usize> {
        match &*lock_unpoisoned(&self.state) {
            State::Running {
                worker: Worker::Shared { slot, .. },
            } => Some(slot.number),
            _ => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(
            *lock_unpoisoned(&self.state),
            State::Closed | State::ClosingAfterPark | State::ClosedWhileParked
        )
    }

    /// After a fork, in the parent, for a handler closed while parked: a
    /// worker writes the rest, closes the sink, removes the journal and
    /// exits, as for any close; nobody waits for it (the close returned).
    fn close_on_a_new_worker(&self) {
        let engine = self.engine.shared();
        match pool::start(
            thread_name(&self.label),
            Arc::clone(&engine),
            Arc::clone(&self.gate),
        ) {
            Ok(worker) => {
                engine.close();
                drop(worker);
            }
            Err(_) => finish_without_worker(&engine),
        }
    }

    /// In a child: a journal, output and worker of its own, on the same
    /// destination. What the parent's journal holds is the parent's to
    /// write, and its output may be held by a thread that does not exist
    /// here: the old engine is left untouched and leaked.
    fn rebuild_in_child(&self) {
        let old = self.engine.get();
        old.forget_in_child();
        old.journal.release_lock_in_child();
        let sink = self.adoption.adopt();
        let size = sink.position().unwrap_or(0);
        let journal = match journal_for(self.log_path.as_deref(), self.options.capacity) {
            Ok(journal) => journal,
            Err(error) => {
                self.stats.reporter.report(
                    &format!("could not make a journal in the forked process: {error}"),
                    error.raw_os_error(),
                );
                return;
            }
        };
        let doorbell = pool::doorbell_for(sink.as_ref(), &self.options.gather);
        let engine = Engine::new(
            journal,
            sink,
            Arc::clone(&self.stats),
            Arc::clone(&self.gate),
            self.options.gather.clone(),
            doorbell,
        );
        self.engine.replace_leaking_old(engine);
        lock_unpoisoned(&self.producer).set_size(size);
    }
}

impl Parkable for QueuedHandler {
    /// The gate the fork hook watches this handler's worker through.
    fn gate(&self) -> &ForkGate {
        &self.gate
    }

    /// Before `fork()` (or at exit), part 1 (attached): asks the worker to
    /// park. Logging threads stop writing the journal out meanwhile.
    fn begin_park(&self) -> Option<Worker> {
        let mut state = lock_unpoisoned(&self.state);
        match std::mem::replace(&mut *state, State::Closed) {
            State::Running { worker } => {
                self.writes_through.0.store(false, Ordering::Release);
                self.gate.request_park();
                self.engine.get().ring();
                *state = State::Parking;
                Some(worker)
            }
            other => {
                *state = other;
                None
            }
        }
    }

    /// Part 3 (attached): notes how the worker answered.
    fn finish_park(&self, outcome: ParkOutcome) {
        let mut state = lock_unpoisoned(&self.state);
        match &*state {
            State::Parking => {
                *state = match outcome {
                    ParkOutcome::Parked(Some(Exit::Parked)) => State::Parked,
                    ParkOutcome::Frozen(worker) => State::Frozen { worker },
                    ParkOutcome::Parked(_) => State::Closed,
                };
            }
            State::ClosingAfterPark => {
                // Nothing is written here: this thread is about to fork,
                // and a write may block (fork never waits on I/O).
                match outcome {
                    ParkOutcome::Parked(Some(Exit::Parked)) => *state = State::ClosedWhileParked,
                    ParkOutcome::Frozen(worker) => {
                        // Held at the end of a write until the fork is
                        // made; thawed then (`resume`), it finds the close
                        // instead of the park and finishes as for any close.
                        *state = State::Closed;
                        drop(state);
                        self.gate.cancel_park();
                        self.engine.get().close();
                        drop(worker);
                    }
                    ParkOutcome::Parked(_) => {
                        *state = State::Closed;
                        self.stopped.store(true, Ordering::Release);
                    }
                }
            }
            _ => {}
        }
    }

    /// At exit, once the worker parked: writes what is left, then lets the
    /// logging threads write from now on, and removes the journal's file
    /// (a process that ends normally leaves none).
    fn retire(&self) {
        self.gate.cancel_park();
        self.writes_through.0.store(true, Ordering::Release);
        let engine = self.engine.get();
        engine.write_out(
            &mut lock_unpoisoned(&engine.output),
            engine.journal.published(),
        );
        engine.journal.retire();
    }

    fn call_off_frozen_park(&self) {
        match &*lock_unpoisoned(&self.state) {
            State::Frozen { .. } => self.gate.cancel_park(),
            // Closed while its worker was frozen: the worker goes on to
            // the close once thawed.
            State::Closed if self.gate.is_frozen() => self.gate.cancel_park(),
            _ => {}
        }
    }

    /// After `fork()`: restarts the worker. In the child the engine is
    /// replaced (see `rebuild_in_child`).
    fn resume(&self, in_child: bool) {
        let mut state = lock_unpoisoned(&self.state);
        match std::mem::replace(&mut *state, State::Closed) {
            State::Parked => {}
            State::Frozen { worker } if !in_child => {
                // The parent's worker goes on from where it was held.
                self.gate.cancel_park();
                self.gate.thaw();
                *state = State::Running { worker };
                self.writes_through.0.store(true, Ordering::Release);
                return;
            }
            State::Frozen { worker } => {
                // That thread does not exist here; its handle is left alone.
                std::mem::forget(worker);
            }
            State::ClosedWhileParked => {
                self.gate.cancel_park();
                if in_child {
                    // The parent's worker writes the parent's records; the
                    // child's copy must not (nor its crash path).
                    let engine = self.engine.get();
                    engine.forget_in_child();
                    engine.journal.release_lock_in_child();
                } else {
                    self.close_on_a_new_worker();
                }
                return;
            }
            State::Closed if !in_child && self.gate.is_frozen() => {
                // Closed while frozen: the worker finishes the close.
                self.gate.cancel_park();
                self.gate.thaw();
                return;
            }
            other => {
                *state = other;
                return;
            }
        }
        if in_child {
            self.gate.reset();
            self.rebuild_in_child();
        }
        self.gate.cancel_park();
        match pool::start(
            thread_name(&self.label),
            self.engine.shared(),
            Arc::clone(&self.gate),
        ) {
            Ok(worker) => {
                *state = State::Running { worker };
                self.writes_through.0.store(true, Ordering::Release);
            }
            Err(error) => self.stats.reporter.report(
                &format!("could not restart the worker thread: {error}"),
                error.raw_os_error(),
            ),
        }
    }
}

/// A record the journal had no room for: the caller waits (detached) and
/// appends it once there is, deciding its rollover then; a line longer than
/// the whole journal is written past it, after everything before.
struct Refused {
    handler: Arc<QueuedHandler>,
    bytes: Vec<u8>,
    facts: Option<RecordFacts>,
    durable: bool,
}

impl Pending for Refused {
    fn finish(self: Box<Self>) -> Submit {
        let handler = &self.handler;
        loop {
            // Detached from Python: kept out of the producer lock across a
            // fork (see `ForkGate::enter_detached_append`).
            let entry = handler.gate.enter_detached_append();
            let Some(mut producer) = handler.open_producer() else {
                handler
                    .stats
                    .count_drop("the handler closed while the record waited; dropped");
                return Submit::Done;
            };
            let engine = handler.engine.shared();
            let appended = producer.append(&engine, &self.bytes, self.facts);
            drop(producer);
            drop(entry);
            match appended {
                Ok(end) => return handler.appended(end, self.durable),
                Err(AppendError::Full) => {
                    let stopped = Arc::clone(&handler.stopped);
                    engine.wait_for_room(self.bytes.len() as u64, &move || {
                        stopped.load(Ordering::Acquire)
                    });
                }
                Err(AppendError::TooLarge) => {
                    let mut output = lock_unpoisoned(&engine.output);
                    engine.write_out(&mut output, engine.journal.published());
                    output.write_past_journal(&self.bytes);
                    return Submit::Done;
                }
            }
        }
    }
}

/// A command the caller waits to see done (a reopen).
struct Acknowledgement {
    engine: Arc<Engine>,
    done: crossbeam_channel::Receiver<()>,
}

impl Pending for Acknowledgement {
    fn finish(self: Box<Self>) -> Submit {
        self.engine.ring();
        let _ = self.done.recv();
        Submit::Done
    }
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
        lock_unpoisoned(&self.producer).formatter.needs()
    }

    fn submit(&self, record: &FemtoLogRecord) -> Submit {
        let durable = record.level >= self.options.flush_level || registry::is_shut_down();
        self.submit_record(record, durable)
    }

    fn begin_flush(&self) -> Waiter {
        let target = self.engine.get().journal.published();
        if self.is_closed() || self.write_out_here(target) {
            return Waiter::nothing();
        }
        Waiter {
            wait: Some(self.wait_until(target)),
            join: None,
        }
    }

    fn begin_close(&self) -> Waiter {
        let mut state = lock_unpoisoned(&self.state);
        let previous = std::mem::replace(&mut *state, State::Closed);
        self.writes_through.0.store(false, Ordering::Release);
        // Under the producer lock: see `open_producer`.
        let producer = lock_unpoisoned(&self.producer);
        self.closed.0.store(true, Ordering::Release);
        drop(producer);
        drop(state);
        let engine = self.engine.shared();
        let worker = match previous {
            State::Running { worker } | State::Frozen { worker } => worker,
            State::Parked if registry::forking() => {
                // No worker to wake while a fork is being made: the one
                // resumed after it finishes the close.
                *lock_unpoisoned(&self.state) = State::ClosedWhileParked;
                return Waiter::nothing();
            }
            State::Parked => {
                // The exit-time shutdown parked it for good: what is left is
                // written here, as `Drop` does.
                finish_without_worker(&engine);
                self.stopped.store(true, Ordering::Release);
                engine.notify_progress();
                self.stats.reporter.summarize();
                return Waiter::nothing();
            }
            State::Parking => {
                // The fork hook holds the worker and waits for it (another
                // thread, GIL released): it finishes the close.
                *lock_unpoisoned(&self.state) = State::ClosingAfterPark;
                return Waiter::nothing();
            }
            closing @ (State::ClosingAfterPark | State::ClosedWhileParked) => {
                *lock_unpoisoned(&self.state) = closing;
                return Waiter::nothing();
            }
            State::Closed => return Waiter::nothing(),
        };
        // The worker writes everything, closes the sink and exits.
        engine.close();
        let stats = Arc::clone(&self.stats);
        let stopped = Arc::clone(&self.stopped);
        Waiter {
            wait: None,
            join: Some(Box::new(move || {
                let _ = worker.join();
                stopped.store(true, Ordering::Release);
                engine.notify_progress();
                engine.journal.retire();
                stats.reporter.summarize();
            })),
        }
    }

    fn dropped(&self) -> u64 {
        self.stats.dropped.load(Ordering::Relaxed)
    }

    fn write_errors(&self) -> u64 {
        self.stats.write_errors.load(Ordering::Relaxed)
    }

    fn records_lost(&self) -> u64 {
        self.stats.reporter.lost()
    }
}

/// A handler dropped without `close()` (its Python object collected): the
/// worker writes what is left and exits, and the journal's file goes with
/// the engine, as the stdlib's file is closed when its handler goes.
impl Drop for QueuedHandler {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut *lock_unpoisoned(&self.state), State::Closed);
        let engine = self.engine.get();
        match state {
            State::Running { .. } | State::Frozen { .. } => engine.close(),
            State::Parked | State::Parking | State::ClosingAfterPark | State::ClosedWhileParked => {
                finish_without_worker(engine)
            }
            State::Closed => {}
        }
    }
}

/// Pure-Rust conveniences that block inline; bindings use the halves instead.
impl QueuedHandler {
    pub fn deliver(&self, record: FemtoLogRecord) {
        self.submit(&record).complete();
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
    use crate::core::test_support::{handler, Probe};

    #[test]
    fn a_record_longer_than_the_journal_is_still_written_in_order() {
        let probe = Probe::default();
        let handler = handler(
            &probe,
            HandlerOptions {
                capacity: 2,
                ..HandlerOptions::default()
            },
        );
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "short"));
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "x".repeat(10_000)));
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "after"));
        handler.close();
        assert_eq!(
            probe.text(),
            format!("short\n{}\nafter\n", "x".repeat(10_000))
        );
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
        handler.finish_park(ParkOutcome::Parked(worker.join()));
        handler.deliver(FemtoLogRecord::new("t", level::INFO, "while parked"));
        assert_eq!(probe.text(), "before\n");
        handler.resume(false);
        handler.close();
        assert_eq!(probe.text(), "before\nwhile parked\n");
    }
}
