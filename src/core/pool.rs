//! Shared workers: a few threads that write out the journals of every
//! handler whose destination is a regular file, so that a thousand file
//! handlers do not make a thousand threads.
//!
//! A write to a regular file returns promptly, so one thread can take turns
//! among many handlers without one holding the others up for long. A pipe,
//! a socket or a terminal can block for as long as its reader wants: a
//! handler writing one keeps a thread of its own (worker.rs), as does an
//! exporter, which gathers its batches differently.
//!
//! Each shared thread serves one *slot*. An engine is seated on a slot when
//! it is made and rings the slot's doorbell, so one wait covers every
//! handler seated there. A slot's thread starts with its first lane (a
//! handler it serves) and ends with its last: parking every handler before
//! `fork()` leaves no thread of ours behind, as with workers of their own.
//! Within a lane everything is as on a worker of its own (`worker::turn`):
//! the same writes, in the same order, the same park and close.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use once_cell::sync::Lazy;

use super::doorbell::Doorbell;
use super::engine::{Engine, Gather};
use super::fork_gate::ForkGate;
use super::sink::Sink;
use super::sync::lock_unpoisoned;
use super::worker::{self, Exit};

/// How many threads the handlers writing regular files share at most: one
/// per core (writes are brief; more threads than cores only take turns),
/// at least two so that one slow disk does not hold up every file.
fn most_slots() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, 4)
}

/// The worker behind one handler: a thread of its own, or a lane on a
/// shared one.
#[derive(Debug)]
pub enum Worker {
    Own(JoinHandle<Exit>),
    Shared { lane: Arc<LaneEnd>, slot: Arc<Slot> },
}

impl Worker {
    /// Whether the worker is done with the handler (parked or closed).
    pub fn is_finished(&self) -> bool {
        match self {
            Worker::Own(thread) => thread.is_finished(),
            Worker::Shared { lane, .. } => lane.exit().is_some(),
        }
    }

    /// Waits until the worker is done with the handler. Call detached from
    /// Python. `None`: the thread died without saying how.
    pub fn join(self) -> Option<Exit> {
        match self {
            Worker::Own(thread) => thread.join().ok(),
            Worker::Shared { lane, .. } => lane.wait(),
        }
    }

    /// For a shared thread: the gate of the handler it is writing for now
    /// (parked or not, closing or not), whose stuck call holds this
    /// handler up too. `None` for a thread of its own, or between writes.
    pub fn shared_busy_gate(&self) -> Option<Arc<ForkGate>> {
        match self {
            Worker::Own(_) => None,
            Worker::Shared { slot, .. } => lock_unpoisoned(&slot.busy_with).clone(),
        }
    }

    /// Whether the thread serving this handler is held, frozen by the fork
    /// hook, inside another handler's I/O call (fork_gate.rs): it cannot
    /// park this one before the fork, and will go on serving it after.
    pub fn held_by_a_frozen_neighbour(&self) -> bool {
        match self {
            Worker::Own(_) => false,
            Worker::Shared { slot, .. } => lock_unpoisoned(&slot.busy_with)
                .as_ref()
                .is_some_and(|gate| gate.is_frozen()),
        }
    }
}

/// How a lane ended, for whoever waits on it.
#[derive(Debug, Default)]
pub struct LaneEnd {
    /// `Some(None)`: the thread died without saying how.
    exit: Mutex<Option<Option<Exit>>>,
    ended: Condvar,
}

impl LaneEnd {
    fn exit(&self) -> Option<Option<Exit>> {
        *lock_unpoisoned(&self.exit)
    }

    fn end(&self, exit: Option<Exit>) {
        *lock_unpoisoned(&self.exit) = Some(exit);
        self.ended.notify_all();
    }

    fn wait(&self) -> Option<Exit> {
        let mut exit = lock_unpoisoned(&self.exit);
        loop {
            if let Some(how) = *exit {
                return how;
            }
            exit = self
                .ended
                .wait(exit)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Slot({})", self.number)
    }
}

/// A handler's engine as its shared thread serves it.
struct Lane {
    engine: Arc<Engine>,
    gate: Arc<ForkGate>,
    end: Arc<LaneEnd>,
}

#[derive(Default)]
struct SlotState {
    /// Lanes seated since the thread last looked.
    incoming: Vec<Lane>,
    running: bool,
    thread: Option<JoinHandle<()>>,
    /// Threads of this slot that have left, to be joined.
    departed: Vec<JoinHandle<()>>,
}

pub struct Slot {
    pub number: usize,
    doorbell: Doorbell,
    /// Engines seated here and not closed: how a new one picks its slot.
    seated: AtomicUsize,
    /// Set while `state.incoming` holds lanes, read without the lock.
    has_incoming: AtomicBool,
    /// Lanes seated and not ended: none left, the thread is leaving.
    lanes: AtomicUsize,
    state: Mutex<SlotState>,
    /// The gate of the handler whose output the thread is writing now.
    busy_with: Mutex<Option<Arc<ForkGate>>>,
}

static SLOTS: Lazy<Mutex<Vec<Arc<Slot>>>> = Lazy::new(|| Mutex::new(Vec::new()));

/// The doorbell for a new engine writing to `sink`: a slot's, for a regular
/// file (an empty slot's, else a new slot's while there may be more, else
/// the least busy one's); else a doorbell of its own.
pub fn doorbell_for(sink: &dyn Sink, gather: &Gather) -> Doorbell {
    if !sink.is_regular_file() || !matches!(gather, Gather::Fixed(_)) {
        return Doorbell::new();
    }
    let mut slots = lock_unpoisoned(&SLOTS);
    let idle = slots
        .iter()
        .find(|slot| slot.seated.load(Ordering::Relaxed) == 0)
        .cloned();
    let slot = match idle {
        Some(slot) => slot,
        None if slots.len() < most_slots() => {
            let slot = Arc::new(Slot {
                number: slots.len(),
                doorbell: Doorbell::new(),
                seated: AtomicUsize::new(0),
                has_incoming: AtomicBool::new(false),
                lanes: AtomicUsize::new(0),
                state: Mutex::new(SlotState::default()),
                busy_with: Mutex::new(None),
            });
            slots.push(Arc::clone(&slot));
            slot
        }
        None => match slots
            .iter()
            .min_by_key(|slot| slot.seated.load(Ordering::Relaxed))
        {
            Some(slot) => Arc::clone(slot),
            None => return Doorbell::new(),
        },
    };
    slot.seated.fetch_add(1, Ordering::Relaxed);
    slot.doorbell.clone()
}

/// Starts the worker for `engine`: a lane on the slot whose doorbell it
/// rings, else a thread of its own named `name`.
pub fn start(name: String, engine: Arc<Engine>, gate: Arc<ForkGate>) -> io::Result<Worker> {
    let slot = lock_unpoisoned(&SLOTS)
        .iter()
        .find(|slot| engine.rings(&slot.doorbell))
        .cloned();
    match slot {
        Some(slot) => {
            let lane = seat(&slot, engine, gate)?;
            Ok(Worker::Shared { lane, slot })
        }
        None => worker::spawn(name, engine, gate).map(Worker::Own),
    }
}

fn seat(slot: &Arc<Slot>, engine: Arc<Engine>, gate: Arc<ForkGate>) -> io::Result<Arc<LaneEnd>> {
    let end = Arc::new(LaneEnd::default());
    let mut state = lock_unpoisoned(&slot.state);
    if !state.running {
        let serving = Arc::clone(slot);
        let thread = std::thread::Builder::new()
            .name(format!("femtologging files {}", slot.number))
            .spawn(move || run(&serving))?;
        let before = state.thread.replace(thread);
        state.departed.extend(before);
        state.running = true;
    }
    state.incoming.push(Lane {
        engine,
        gate,
        end: Arc::clone(&end),
    });
    slot.lanes.fetch_add(1, Ordering::AcqRel);
    slot.has_incoming.store(true, Ordering::Release);
    drop(state);
    slot.doorbell.ring();
    Ok(end)
}

/// Gives up the seat of an engine no lane will serve again (closed while
/// its handler was parked): a lane that ends parked keeps its seat for the
/// resume, and a new engine picks its slot by the seats taken.
pub fn leave_seat(engine: &Engine) {
    let slots = lock_unpoisoned(&SLOTS);
    if let Some(slot) = slots.iter().find(|slot| engine.rings(&slot.doorbell)) {
        slot.seated.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Joins the shared threads that have left or are leaving (those with no
/// lane left). Called detached from Python once every handler parked
/// before `fork()`, so that no thread of ours is still on its way out when
/// the child is made.
pub fn join_departed() {
    let slots: Vec<Arc<Slot>> = lock_unpoisoned(&SLOTS).clone();
    for slot in slots {
        let departed = loop {
            let mut state = lock_unpoisoned(&slot.state);
            if !state.running || slot.lanes.load(Ordering::Acquire) > 0 {
                break std::mem::take(&mut state.departed);
            }
            drop(state);
            // Its last lane just ended: it leaves within microseconds.
            std::thread::sleep(std::time::Duration::from_micros(20));
        };
        for thread in departed {
            let _ = thread.join();
        }
    }
}

/// After `fork()`, in the parent: a shared thread frozen inside one
/// handler's write goes on, even if that handler was closed meanwhile and
/// is not resumed, since it serves others too.
pub fn thaw_all() {
    for slot in lock_unpoisoned(&SLOTS).iter() {
        if let Some(gate) = lock_unpoisoned(&slot.busy_with).as_ref() {
            gate.thaw();
        }
    }
}

/// In a forked child: no shared thread exists there, and one may have
/// held a slot's locks when the child was made. New slots are made as the
/// child's handlers make new engines; the old ones are never touched.
pub fn forget_in_child() {
    let mut slots = lock_unpoisoned(&SLOTS);
    std::mem::forget(std::mem::take(&mut *slots));
}

/// The lanes a thread serves. If the thread panics they, and the lanes
/// seated meanwhile, are ended as "died" and the thread is counted as
/// left, so that nobody (a close, the fork hook) waits for them for ever;
/// the next lane seated starts a new thread.
struct Lanes<'a>(Vec<Lane>, &'a Slot);

impl Drop for Lanes<'_> {
    fn drop(&mut self) {
        let slot = self.1;
        let mut orphans = std::mem::take(&mut self.0);
        if std::thread::panicking() {
            let mut state = lock_unpoisoned(&slot.state);
            orphans.append(&mut state.incoming);
            slot.has_incoming.store(false, Ordering::Release);
            state.running = false;
            let me = state.thread.take();
            state.departed.extend(me);
        }
        for lane in orphans {
            slot.lanes.fetch_sub(1, Ordering::AcqRel);
            lane.end.end(None);
        }
    }
}

fn run(slot: &Slot) {
    worker::block_process_signals();
    let departed = std::mem::take(&mut lock_unpoisoned(&slot.state).departed);
    for thread in departed {
        let _ = thread.join();
    }
    let mut lanes = Lanes(Vec::new(), slot);
    loop {
        take_incoming(slot, &mut lanes.0);
        if lanes.0.is_empty() && leave_if_idle(slot) {
            return;
        }
        worker::wait_until(slot.doorbell.rung(), || {
            slot.has_incoming.load(Ordering::Acquire)
                || lanes
                    .0
                    .iter()
                    .any(|lane| lane.gate.park_requested() || lane.engine.has_work())
        });
        gather(&lanes.0);
        let mut index = 0;
        while index < lanes.0.len() {
            // A panic (a bug in a sink) ends that lane only, as it would
            // end a worker of its own; the thread goes on with the others.
            let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                serve(slot, &lanes.0[index])
            }));
            // `Some(None)`: the lane died with its turn.
            let ended = match served {
                Ok(None) => None,
                Ok(Some(exit)) => Some(Some(exit)),
                Err(_) => {
                    *lock_unpoisoned(&slot.busy_with) = None;
                    Some(None)
                }
            };
            match ended {
                Some(exit) => {
                    let lane = lanes.0.swap_remove(index);
                    if exit != Some(Exit::Parked) {
                        slot.seated.fetch_sub(1, Ordering::Relaxed);
                    }
                    // Said at once: a neighbour's write this thread may
                    // yet be frozen in must not hold up a lane that ended.
                    // Counted out first, so that the fork hook, seeing no
                    // lane left, waits for this thread to leave.
                    slot.lanes.fetch_sub(1, Ordering::AcqRel);
                    lane.end.end(exit);
                }
                None => index += 1,
            }
        }
    }
}

fn take_incoming(slot: &Slot, lanes: &mut Vec<Lane>) {
    if slot.has_incoming.load(Ordering::Acquire) {
        let mut state = lock_unpoisoned(&slot.state);
        lanes.append(&mut state.incoming);
        slot.has_incoming.store(false, Ordering::Release);
    }
}

/// With no lane left: the thread leaves unless one was just seated.
fn leave_if_idle(slot: &Slot) -> bool {
    let mut state = lock_unpoisoned(&slot.state);
    if !state.incoming.is_empty() {
        return false;
    }
    state.running = false;
    let me = state.thread.take();
    state.departed.extend(me);
    true
}

/// Lets a batch gather, as a worker of its own would, unless a handler
/// parks or closes.
fn gather(lanes: &[Lane]) {
    let leaving = lanes
        .iter()
        .any(|lane| lane.gate.park_requested() || lane.engine.is_closing());
    if leaving {
        return;
    }
    let pause = lanes
        .iter()
        .filter(|lane| lane.engine.batch_pending.0.load(Ordering::Acquire))
        .filter_map(|lane| match &lane.engine.gather {
            Gather::Fixed(pause) => Some(*pause),
            Gather::UpTo { .. } => None,
        })
        .max();
    if let Some(pause) = pause {
        std::thread::sleep(pause);
    }
}

fn serve(slot: &Slot, lane: &Lane) -> Option<Exit> {
    if !lane.gate.park_requested() && !lane.engine.has_work() {
        return None;
    }
    *lock_unpoisoned(&slot.busy_with) = Some(Arc::clone(&lane.gate));
    let exit = worker::turn(&lane.engine, &lane.gate);
    *lock_unpoisoned(&slot.busy_with) = None;
    exit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fork_gate::SHARED_STUCK_AFTER;
    use crate::core::handler::FemtoHandlerTrait;
    use crate::core::queued::{HandlerOptions, QueuedHandler};
    use crate::core::registry::{ParkOutcome, Parkable};
    use crate::core::test_support::{handler, Probe};

    /// A handler and the probe it writes to.
    type Probed = (Probe, Arc<QueuedHandler>);

    /// Names of this process's threads (as the kernel keeps them: 15 bytes).
    fn thread_names() -> Vec<String> {
        std::fs::read_dir("/proc/self/task")
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
                    .map(|name| name.trim_end().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn regular_file_handlers(count: usize) -> Vec<(Probe, Arc<QueuedHandler>)> {
        (0..count)
            .map(|_| {
                let probe = Probe {
                    regular_file: true,
                    ..Probe::default()
                };
                let handler = handler(&probe, HandlerOptions::default());
                (probe, handler)
            })
            .collect()
    }

    /// Logs lines `from..to` to each handler, tagged with its index.
    fn log_lines(handlers: &[(Probe, Arc<QueuedHandler>)], from: usize, to: usize) {
        for line in from..to {
            for (index, (_, handler)) in handlers.iter().enumerate() {
                if handler.is_closed() {
                    continue;
                }
                let bytes = format!("{index} {line}\n").into_bytes();
                handler
                    .submit_payload(crate::core::queued::Payload::Bytes(bytes), 20)
                    .complete();
            }
        }
    }

    fn expected(index: usize, lines: std::ops::Range<usize>) -> String {
        lines.map(|line| format!("{index} {line}\n")).collect()
    }

    /// The shared threads running, once their count is within `wanted` or
    /// ten seconds have passed: a new thread takes its name when it first
    /// runs, and the thread of a slot another test emptied may still be on
    /// its way out (the tests of this binary run at once, in one process).
    fn shared_threads_settled(wanted: std::ops::RangeInclusive<usize>) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let shared = thread_names()
                .iter()
                .filter(|name| name.starts_with("femtologging fi"))
                .count();
            if wanted.contains(&shared) || std::time::Instant::now() > deadline {
                return shared;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn handlers_writing_regular_files_share_a_few_threads() {
        let handlers = regular_file_handlers(3 * most_slots());
        log_lines(&handlers, 0, 50);
        for (_, handler) in &handlers {
            handler.flush();
            assert!(handler.has_shared_worker());
        }
        let shared = shared_threads_settled(1..=most_slots());
        assert!(
            (1..=most_slots()).contains(&shared),
            "{shared} shared threads for {} handlers",
            handlers.len()
        );
        for (index, (probe, handler)) in handlers.iter().enumerate() {
            handler.close();
            assert_eq!(probe.text(), expected(index, 0..50));
        }
    }

    #[test]
    fn a_handler_that_is_not_a_regular_file_keeps_its_own_thread() {
        let probe = Probe::default();
        let handler = handler(&probe, HandlerOptions::default());
        assert!(!handler.has_shared_worker());
        handler.close();
    }

    #[test]
    fn parked_lanes_write_everything_and_resume_where_they_left_off() {
        let handlers = regular_file_handlers(2 * most_slots());
        for round in 0..5 {
            log_lines(&handlers, round * 20, round * 20 + 20);
            let parking: Vec<Worker> = handlers
                .iter()
                .filter_map(|(_, handler)| handler.begin_park())
                .collect();
            assert_eq!(parking.len(), handlers.len());
            for (index, worker) in parking.into_iter().enumerate() {
                let (probe, handler) = &handlers[index];
                let exit = worker.join();
                assert_eq!(exit, Some(Exit::Parked));
                handler.finish_park(ParkOutcome::Parked(exit));
                // Everything logged before the park is written by then.
                assert_eq!(probe.text(), expected(index, 0..round * 20 + 20));
            }
            for (_, handler) in &handlers {
                handler.gate().cancel_park();
            }
            for (_, handler) in &handlers {
                handler.resume(false);
            }
        }
        log_lines(&handlers, 100, 110);
        for (index, (probe, handler)) in handlers.iter().enumerate() {
            handler.close();
            assert_eq!(probe.text(), expected(index, 0..110));
        }
    }

    #[test]
    fn closing_one_lane_leaves_its_neighbours_served() {
        let handlers = regular_file_handlers(2 * most_slots());
        log_lines(&handlers, 0, 10);
        let (first_probe, first) = &handlers[0];
        first.close();
        assert_eq!(first_probe.text(), expected(0, 0..10));
        log_lines(&handlers, 10, 20);
        for (index, (probe, handler)) in handlers.iter().enumerate().skip(1) {
            handler.flush();
            assert_eq!(probe.text(), expected(index, 0..20));
            handler.close();
        }
    }

    /// The slots are the process's: a test holding a shared thread in a
    /// slow write (or panicking one) would hold up another's fork, so such
    /// tests run one at a time.
    fn slow_writes_alone() -> std::sync::MutexGuard<'static, ()> {
        static ALONE: Mutex<()> = Mutex::new(());
        lock_unpoisoned(&ALONE)
    }

    /// How long the slow write lasts past the fork hook's patience.
    const SLOW_PAST_PATIENCE: std::time::Duration = std::time::Duration::from_millis(500);

    /// A handler whose writes last `SLOW_PAST_PATIENCE` past the fork hook's
    /// patience, with a record being written, and the handlers of `others`
    /// seated on the same slot (some are: there are more than slots).
    fn stuck_among(others: &[Probed]) -> (Probe, Arc<QueuedHandler>, Vec<&Probed>) {
        let slow = slow_file_probe(SHARED_STUCK_AFTER + SLOW_PAST_PATIENCE);
        let stuck = handler(&slow, HandlerOptions::default());
        let slot = stuck.shared_slot().expect("a shared worker");
        let neighbours: Vec<&Probed> = others
            .iter()
            .filter(|(_, handler)| handler.shared_slot() == Some(slot))
            .collect();
        assert!(!neighbours.is_empty(), "no handler shares the slot");
        stuck
            .submit_payload(crate::core::queued::Payload::Bytes(b"slow\n".to_vec()), 20)
            .complete();
        (slow, stuck, neighbours)
    }

    #[test]
    fn a_thread_stuck_in_one_handlers_write_holds_its_neighbours_through_a_fork() {
        use crate::core::registry::Live;
        let others = regular_file_handlers(3 * most_slots());
        let _alone = slow_writes_alone();
        let (slow, stuck, neighbours) = stuck_among(&others);
        // The slot's thread is now inside the slow write.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut parked: Vec<Live> = vec![stuck.clone()];
        parked.extend(neighbours.iter().map(|(_, handler)| {
            let handler: Live = handler.clone();
            handler
        }));
        let frozen = fork_at_once(parked);
        assert_eq!(frozen, vec![true; frozen.len()]);
        log_lines(&others, 0, 10);
        stuck.close();
        assert_eq!(slow.text(), "slow\n");
        for (index, (probe, handler)) in others.iter().enumerate() {
            handler.close();
            assert_eq!(probe.text(), expected(index, 0..10));
        }
    }

    /// Parks `parked` as the fork hook does, sees it done well before the
    /// slow write ends, and resumes them as after a fork. Which of them were
    /// taken as frozen.
    fn fork_at_once(parked: Vec<crate::core::registry::Live>) -> Vec<bool> {
        use crate::core::registry::{begin_park_these, resume_these};
        let started = std::time::Instant::now();
        let answered = begin_park_these(parked.clone()).wait();
        assert!(
            started.elapsed() < SHARED_STUCK_AFTER + SLOW_PAST_PATIENCE / 2,
            "the fork waited for the slow write: {:?}",
            started.elapsed()
        );
        let frozen = answered.frozen();
        answered.finish();
        resume_these(parked, false);
        frozen
    }

    fn slow_file_probe(delay: std::time::Duration) -> Probe {
        Probe {
            regular_file: true,
            delay: Some(delay),
            ..Probe::default()
        }
    }

    fn live(handlers: &[&Arc<QueuedHandler>]) -> Vec<crate::core::registry::Live> {
        handlers
            .iter()
            .map(|handler| {
                let handler: Arc<QueuedHandler> = Arc::clone(handler);
                let handler: crate::core::registry::Live = handler;
                handler
            })
            .collect()
    }

    /// Every handler gets a record tagged with its index; then each is
    /// closed and holds it (or the check names the ones left unserved).
    fn served_after(handlers: &[&(Probe, Arc<QueuedHandler>)]) {
        for (index, (_, handler)) in handlers.iter().enumerate() {
            let bytes = format!("after {index}\n").into_bytes();
            handler
                .submit_payload(crate::core::queued::Payload::Bytes(bytes), 20)
                .complete();
        }
        for (index, (probe, handler)) in handlers.iter().enumerate() {
            handler.close();
            assert!(
                probe.text().ends_with(&format!("after {index}\n")),
                "handler {index} was not served: {:?}",
                probe.text()
            );
        }
    }

    #[test]
    fn a_neighbour_parked_before_its_thread_froze_is_served_after_the_fork() {
        use crate::core::registry::{begin_park_these, resume_these};
        let fast = regular_file_handlers(3 * most_slots());
        let _alone = slow_writes_alone();
        let (slow, stuck, neighbours) = stuck_among(&fast);
        // Parked in the round in which the thread then gets stuck in the
        // slow write (or in a later one): either way each neighbour must be
        // served once the fork is made.
        let mut parked = live(&neighbours.iter().map(|(_, h)| h).collect::<Vec<_>>());
        parked.push(stuck.clone());
        let answered = begin_park_these(parked.clone()).wait();
        answered.finish();
        resume_these(parked, false);
        served_after(&neighbours);
        stuck.close();
        assert_eq!(slow.text(), "slow\n");
    }

    #[test]
    fn a_frozen_handler_closed_during_the_fork_does_not_hold_its_neighbours() {
        use crate::core::registry::{begin_park_these, resume_these};
        let fast = regular_file_handlers(3 * most_slots());
        let _alone = slow_writes_alone();
        let (_slow, stuck, neighbours) = stuck_among(&fast);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut parked = live(&[&stuck]);
        parked.extend(live(&neighbours.iter().map(|(_, h)| h).collect::<Vec<_>>()));
        let parking = begin_park_these(parked.clone());
        // Another thread closes the stuck handler while the fork is made:
        // it is never resumed, but its slot's thread must go on.
        let closing = stuck.begin_close();
        let answered = parking.wait();
        answered.finish();
        resume_these(parked, false);
        closing.wait();
        served_after(&neighbours);
    }

    #[test]
    fn resuming_after_one_fork_leaves_another_forks_park_pending() {
        use crate::core::registry::{begin_park_these, resume_these};
        let probe = Probe {
            delay: Some(std::time::Duration::from_micros(1500)),
            ..Probe::default()
        };
        let own = handler(&probe, HandlerOptions::default());
        own.submit_payload(crate::core::queued::Payload::Bytes(b"x\n".to_vec()), 20)
            .complete();
        let parking = begin_park_these(live(&[&own]));
        let (parked, done) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            parking.wait().finish();
            let _ = parked.send(());
        });
        // A second fork meanwhile: its hook finds nothing running to park,
        // and its resume must not call off the first fork's park.
        resume_these(live(&[&own]), false);
        assert!(
            done.recv_timeout(std::time::Duration::from_secs(5)).is_ok(),
            "the first fork's hook never saw its worker park"
        );
        resume_these(live(&[&own]), false);
        own.close();
        assert_eq!(probe.text(), "x\n");
    }

    #[test]
    fn a_write_stuck_for_a_handler_not_being_parked_does_not_hold_the_fork() {
        let fast = regular_file_handlers(3 * most_slots());
        // The stuck handler is closing on another thread: not parked.
        let _alone = slow_writes_alone();
        let (slow, stuck, neighbours) = stuck_among(&fast);
        std::thread::sleep(std::time::Duration::from_millis(50));
        fork_at_once(live(&neighbours.iter().map(|(_, h)| h).collect::<Vec<_>>()));
        served_after(&neighbours);
        stuck.close();
        assert_eq!(slow.text(), "slow\n");
    }

    #[test]
    fn a_shared_thread_that_panics_leaves_no_one_waiting_for_it() {
        use crate::core::registry::{begin_park_these, resume_these};
        let _alone = slow_writes_alone();
        let broken = Probe {
            regular_file: true,
            panics: true,
            ..Probe::default()
        };
        let panicking = handler(&broken, HandlerOptions::default());
        panicking
            .submit_payload(crate::core::queued::Payload::Bytes(b"boom\n".to_vec()), 20)
            .complete();
        std::thread::sleep(std::time::Duration::from_millis(50));
        // Its close returns, and a fork of the handlers still served goes on.
        let (closed, done) = crossbeam_channel::bounded(1);
        let closing = Arc::clone(&panicking);
        std::thread::spawn(move || {
            closing.close();
            let _ = closed.send(());
        });
        assert!(done.recv_timeout(std::time::Duration::from_secs(5)).is_ok());
        let others = regular_file_handlers(2 * most_slots());
        let parked = live(&others.iter().map(|(_, h)| h).collect::<Vec<_>>());
        let (forked, fork_done) = crossbeam_channel::bounded(1);
        let parking = begin_park_these(parked.clone());
        std::thread::spawn(move || {
            parking.wait().finish();
            let _ = forked.send(());
        });
        assert!(fork_done
            .recv_timeout(std::time::Duration::from_secs(5))
            .is_ok());
        resume_these(parked, false);
        served_after(&others.iter().collect::<Vec<_>>());
    }
}
