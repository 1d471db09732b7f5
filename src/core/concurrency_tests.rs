//! Every other handler test drives a handler from one thread, where the
//! journal's hand-offs never race. In use, several logging threads append
//! under the producer lock while the worker claims and commits ranges,
//! durable callers write the journal out themselves, and flush, park
//! (around `fork()`) and close cut in at any moment. What goes wrong there
//! is a lost, doubled, reordered or torn line, and only under contention:
//! hence a journal of a few hundred bytes that wraps and fills all the
//! time, and lines that say which thread wrote them, in what order, and how
//! long they must be, so that any such damage shows in the output.
//!
//! The claim protocol between the writer and the crash path is checked on a
//! model instead (`claim_model`): a signal can land between any two atomic
//! steps, and no stress test reaches them all.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use super::handler::FemtoHandlerTrait;
use super::level;
use super::queued::{HandlerOptions, Overflow, QueuedHandler};
use super::record::FemtoLogRecord;
use super::registry::{ParkOutcome, Parkable};
use super::report::ReportMode;
use super::sync::lock_unpoisoned;
use super::test_support::{handler, Probe};

const THREADS: usize = 4;
const RECORDS: usize = 3000;
/// 512 bytes of ring, about 20 lines: producers wait on the worker, and
/// ranges wrap (reaching the sink in two writes) all the time.
const CAPACITY: usize = 4;

/// The line thread `thread` logs as its `seq`th record: its padding length
/// and letter depend on both, so a line cut or spliced into another no
/// longer matches what its prefix claims.
fn message(thread: usize, seq: usize) -> String {
    let letter = char::from(b'a' + thread as u8);
    let pad = (seq * 7 + thread) % 29;
    format!("t{thread} {seq} {}|", letter.to_string().repeat(pad))
}

/// About one record in seven is written before its call returns.
fn is_durable(seq: usize) -> bool {
    seq % 7 == 3
}

fn record(thread: usize, seq: usize) -> FemtoLogRecord {
    let level = if is_durable(seq) {
        level::ERROR
    } else {
        level::INFO
    };
    FemtoLogRecord::new("t", level, message(thread, seq))
}

fn options(overflow: Overflow) -> HandlerOptions {
    HandlerOptions {
        capacity: CAPACITY,
        overflow,
        // Dropped records are counted, not printed across the test output.
        report_mode: ReportMode::Deferred,
        ..HandlerOptions::default()
    }
}

fn torn(line: &str) -> ! {
    panic!("a line that is not exactly one record: {line:?}")
}

/// The thread and sequence number of a line that is exactly one record.
fn parse(line: &str) -> (usize, usize) {
    let mut words = line.splitn(3, ' ');
    let thread = words
        .next()
        .and_then(|word| word.strip_prefix('t'))
        .and_then(|digits| digits.parse::<usize>().ok())
        .filter(|&thread| thread < THREADS);
    let seq = words
        .next()
        .and_then(|digits| digits.parse::<usize>().ok())
        .filter(|&seq| seq < RECORDS);
    match (thread, seq) {
        (Some(thread), Some(seq)) if line == message(thread, seq) => (thread, seq),
        _ => torn(line),
    }
}

/// Whether a thread's written records may skip some (the drop policy) or
/// must be exactly its first ones, in order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gaps {
    Never,
    Allowed,
}

/// Reads a probe's output as it grows, checking each line once: whole, and
/// later than its thread's previous line (`Gaps::Never`: the very next).
struct Reader<'a> {
    probe: &'a Probe,
    offset: usize,
    gaps: Gaps,
    /// Per thread: one past the last sequence number read.
    next: [usize; THREADS],
    /// Per thread: lines read.
    lines: [usize; THREADS],
}

impl<'a> Reader<'a> {
    fn new(probe: &'a Probe, gaps: Gaps) -> Self {
        Reader {
            probe,
            offset: 0,
            gaps,
            next: [0; THREADS],
            lines: [0; THREADS],
        }
    }

    fn advance(&mut self) {
        let bytes = self.probe.complete_lines_from(self.offset);
        self.offset += bytes.len();
        let text = std::str::from_utf8(&bytes).expect("only ASCII is logged");
        for line in text.split_terminator('\n') {
            let (thread, seq) = parse(line);
            let expected = self.next[thread];
            match self.gaps {
                Gaps::Never => assert_eq!(
                    seq, expected,
                    "thread {thread}: record {seq} written where {expected} was due \
                     (lost, doubled or reordered)"
                ),
                Gaps::Allowed => assert!(
                    seq >= expected,
                    "thread {thread}: record {seq} written after record {} \
                     (doubled or reordered)",
                    expected.saturating_sub(1)
                ),
            }
            self.next[thread] = seq + 1;
            self.lines[thread] += 1;
        }
    }

    fn total(&self) -> usize {
        self.lines.iter().sum()
    }

    /// After the handler closed: everything is in, and nothing more comes.
    fn finish(&mut self) {
        self.advance();
        assert_eq!(
            self.offset,
            self.probe.text().len(),
            "the output ends in a cut line"
        );
    }
}

/// Per thread: how many of its records `deliver` has returned for.
fn delivered_counters() -> [AtomicUsize; THREADS] {
    std::array::from_fn(|_| AtomicUsize::new(0))
}

fn delivered_before(counters: &[AtomicUsize; THREADS]) -> [usize; THREADS] {
    std::array::from_fn(|thread| counters[thread].load(Ordering::Acquire))
}

/// One logging thread: delivers its records in order and publishes its
/// progress. With `check_durable` (only where no record can be refused, so
/// every durable one is owed to the output), it checks that each durable
/// record is written by the time its call returns. With `gil`, it holds
/// that lock while it submits and not while it waits, as the bindings hold
/// the GIL.
fn produce(
    handler: &QueuedHandler,
    probe: &Probe,
    thread: usize,
    delivered: &AtomicUsize,
    check_durable: bool,
    gil: Option<&Mutex<()>>,
) {
    for seq in 0..RECORDS {
        let submit = {
            let _gil = gil.map(lock_unpoisoned);
            handler.submit(&record(thread, seq))
        };
        submit.complete();
        if check_durable && is_durable(seq) {
            let line = format!("{}\n", message(thread, seq));
            assert!(
                probe.holds_recent(line.as_bytes()),
                "durable record {seq} of thread {thread} not written when deliver returned"
            );
        }
        delivered.store(seq + 1, Ordering::Release);
    }
}

/// Counts a producer out even when one of its checks panics: the thread
/// racing the producers waits for them all, and would otherwise hang.
struct CountOut<'a>(&'a AtomicUsize);

impl Drop for CountOut<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs the producers next to `other` (given whether they are all done),
/// and returns what `other` returned.
fn race<T: Send>(
    handler: &QueuedHandler,
    probe: &Probe,
    check_durable: bool,
    gil: Option<&Mutex<()>>,
    delivered: &[AtomicUsize; THREADS],
    other: impl FnOnce(&dyn Fn() -> bool) -> T + Send,
) -> T {
    let producing = AtomicUsize::new(THREADS);
    thread::scope(|scope| {
        for thread in 0..THREADS {
            let (producing, delivered) = (&producing, &delivered[thread]);
            scope.spawn(move || {
                let _count_out = CountOut(producing);
                produce(handler, probe, thread, delivered, check_durable, gil);
            });
        }
        let done = || producing.load(Ordering::Acquire) == 0;
        let other = scope.spawn(move || other(&done));
        other.join().expect("the racing thread's checks hold")
    })
}

fn assert_no_failures(handler: &QueuedHandler) {
    assert_eq!(handler.dropped(), 0, "the block policy dropped records");
    assert_eq!(handler.write_errors(), 0);
    assert!(handler.take_pending_failure().is_none());
}

#[test]
fn producers_alone_keep_every_record_whole_once_and_in_order() {
    let probe = Probe::default();
    let handler = handler(&probe, options(Overflow::Block));
    let delivered = delivered_counters();
    race(&handler, &probe, true, None, &delivered, |_| ());
    handler.close();
    let mut reader = Reader::new(&probe, Gaps::Never);
    reader.finish();
    assert_eq!(reader.next, [RECORDS; THREADS]);
    assert_no_failures(&handler);
}

#[test]
fn each_flush_covers_every_record_delivered_before_it() {
    let probe = Probe::default();
    let handler = handler(&probe, options(Overflow::Block));
    let delivered = delivered_counters();
    let (mut reader, flushes) = race(&handler, &probe, true, None, &delivered, |done| {
        let mut reader = Reader::new(&probe, Gaps::Never);
        let mut flushes = 0;
        loop {
            // Read before the flush starts: the last round then covers
            // every record.
            let last = done();
            let before = delivered_before(&delivered);
            handler.flush();
            flushes += 1;
            reader.advance();
            for (thread, (&written, &due)) in reader.next.iter().zip(&before).enumerate() {
                assert!(
                    written >= due,
                    "flush {flushes} returned with {written} of thread {thread}'s records \
                     written, of the {due} delivered before it"
                );
            }
            if last {
                return (reader, flushes);
            }
        }
    });
    assert_eq!(reader.next, [RECORDS; THREADS]);
    handler.close();
    reader.finish();
    assert!(flushes > 1, "the flushes raced the producers");
    assert_no_failures(&handler);
}

#[test]
fn parking_and_resuming_under_load_keeps_every_record_once_in_order() {
    let probe = Probe::default();
    let handler = handler(&probe, options(Overflow::Block));
    let delivered = delivered_counters();
    let parks = race(&handler, &probe, true, None, &delivered, |done| {
        let mut parks = 0;
        loop {
            let last = done();
            let worker = handler
                .begin_park()
                .expect("the handler runs: nothing else parks or closes it");
            handler.finish_park(ParkOutcome::Parked(worker.join()));
            // Long enough for producers to find the journal full, or a
            // durable record waiting, with no worker to write it.
            thread::sleep(Duration::from_micros(100));
            handler.resume(false);
            parks += 1;
            if last {
                return parks;
            }
        }
    });
    handler.close();
    let mut reader = Reader::new(&probe, Gaps::Never);
    reader.finish();
    assert_eq!(reader.next, [RECORDS; THREADS]);
    assert!(parks > 1, "the parks raced the producers");
    assert_no_failures(&handler);
}

/// Closes the handler from another thread, at a different point of the run
/// each round, while the producers go on; `gil` as in `produce`.
fn close_racing_producers(gil: Option<&Mutex<()>>) {
    const ROUNDS: usize = 6;
    for round in 0..ROUNDS {
        let probe = Probe::default();
        let handler = handler(&probe, options(Overflow::Block));
        let delivered = delivered_counters();
        let close_after = round * THREADS * RECORDS / (2 * ROUNDS);
        race(&handler, &probe, false, gil, &delivered, |done| {
            while delivered_before(&delivered).iter().sum::<usize>() < close_after && !done() {
                thread::yield_now();
            }
            let waiter = {
                let _gil = gil.map(lock_unpoisoned);
                handler.begin_close()
            };
            waiter.wait();
        });
        // Once refused, a thread's later records are refused too: what is
        // written of each thread is its first records, in order.
        let (written, dropped) = written_or_dropped(&probe, &handler, Gaps::Never);
        assert!(
            written + dropped == (THREADS * RECORDS) as u64,
            "round {round}: {written} written and {dropped} dropped (closed after {close_after})"
        );
    }
}

/// Reads the output (checking each thread's lines) and the handler's
/// counts: how many records were written and how many dropped, with no
/// failed write.
fn written_or_dropped(probe: &Probe, handler: &QueuedHandler, gaps: Gaps) -> (u64, u64) {
    let mut reader = Reader::new(probe, gaps);
    reader.finish();
    assert_eq!(handler.write_errors(), 0);
    (reader.total() as u64, handler.dropped())
}

#[test]
fn a_close_racing_producers_writes_or_counts_every_record_once() {
    close_racing_producers(None);
}

/// As the bindings use it: `submit` and `begin_close` exclude each other
/// (the GIL), the waits after them (a full journal, a durable record) do not.
#[test]
fn a_close_racing_producers_that_submit_under_a_gil_writes_or_counts_every_record_once() {
    let gil = Mutex::new(());
    close_racing_producers(Some(&gil));
}

#[test]
fn the_drop_policy_under_several_producers_counts_exactly_what_it_drops() {
    // A slow destination: the journal stays full and most records drop.
    let probe = Probe {
        delay: Some(Duration::from_micros(200)),
        ..Probe::default()
    };
    let handler = handler(&probe, options(Overflow::Drop));
    let delivered = delivered_counters();
    race(&handler, &probe, false, None, &delivered, |_| ());
    handler.close();
    let (written, dropped) = written_or_dropped(&probe, &handler, Gaps::Allowed);
    assert!(
        written + dropped == (THREADS * RECORDS) as u64,
        "{written} written and {dropped} dropped"
    );
    assert!(dropped > 0, "the journal was full at times");
    assert!(written > 0);
}

/// An exhaustive check of the `claim` word of the journal's header
/// (journal.rs), which keeps the writer and the crash path from writing the
/// same bytes, or the crash path from writing while a command has the file
/// closed.
///
/// Each actor is a small program of steps, one atomic access to shared
/// memory each, mirroring the real code in order; a depth-first search
/// visits every interleaving of the two. The model reads each step as
/// sequentially consistent: the real accesses that order the two actors
/// pair up as release/acquire on `claim` (the writer's `claim.store(0)`
/// after its `committed` store, read by the crash path's compare-exchange
/// before its `committed` load), which gives the same outcomes here.
///
/// One writer actor stands for every writer: the worker and logging threads
/// writing the journal out all hold the output lock while they do. The
/// journal holds four bytes appended before either actor starts (appends
/// only move `published` on, and the crash path reads it once), with a
/// command (a reopen) placed at offset 2. `claim_start` and
/// `claim_file_size` are left out (only a recovery reads them), and so is
/// `abandon_claim` (a failed write: the same steps as `commit_claim`).
mod claim_model {
    use std::collections::{BTreeSet, HashSet};

    const PUBLISHED: u8 = 4;
    const COMMAND_AT: u8 = 2;

    /// The header's `claim` word.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    enum Claim {
        /// 0.
        Free,
        /// The end of the range a writer writes.
        Range(u8),
        /// `COMMAND_RUNNING`.
        Command,
        /// `CRASH_OWNED`, with the end of its range once it writes one.
        Crash(Option<u8>),
    }

    /// What `Engine::write_out(output, PUBLISHED)` does with a command at
    /// `COMMAND_AT`: write up to it, run it, write the rest.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    enum Op {
        Write { until: u8 },
        Command,
    }

    const WRITER: [Op; 3] = [
        Op::Write { until: COMMAND_AT },
        Op::Command,
        Op::Write { until: PUBLISHED },
    ];

    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    struct Writer {
        /// Index into `WRITER` (its length: done).
        op: usize,
        step: u8,
        /// What `Output::write_journal` read from `committed`.
        from: u8,
    }

    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
    enum Outcome {
        /// Found a write in progress and ran out of patience.
        GaveUp,
        /// Owned the journal and found everything written.
        NothingLeft,
        Wrote,
    }

    /// `Journal::crash_flush`, by step.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    enum Crash {
        LoadClaim,
        TakeClaim,
        Wait,
        LoadCommitted,
        LoadPublished { from: u8 },
        MarkRange { from: u8, to: u8 },
        Write { from: u8, to: u8 },
        Commit { to: u8 },
        Done(Outcome),
    }

    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    struct State {
        claim: Claim,
        committed: u8,
        writer: Writer,
        crash: Crash,
        /// How often each byte reached the file.
        written: [u8; PUBLISHED as usize],
        /// Not in the real memory: whether the writer holds a claim it took
        /// (a range or a command), whether a claim of its was ever refused,
        /// and whether the crash path took the journal.
        writer_holds: bool,
        writer_refused: bool,
        crash_owns: bool,
    }

    impl State {
        fn start() -> Self {
            State {
                claim: Claim::Free,
                committed: 0,
                writer: Writer {
                    op: 0,
                    step: 0,
                    from: 0,
                },
                crash: Crash::LoadClaim,
                written: [0; PUBLISHED as usize],
                writer_holds: false,
                writer_refused: false,
                crash_owns: false,
            }
        }

        fn write(&mut self, from: u8, to: u8) {
            for byte in from..to {
                self.written[usize::from(byte)] += 1;
            }
        }

        fn everything_written_once(&self) -> bool {
            self.written.iter().all(|&times| times == 1)
        }
    }

    fn next_op(writer: &mut Writer) {
        writer.op += 1;
        writer.step = 0;
    }

    /// The writer's next step, if it has one left.
    fn writer_step(state: &State) -> Option<State> {
        let mut next = state.clone();
        match (*WRITER.get(state.writer.op)?, state.writer.step) {
            // Output::write_journal: `journal.committed()`, nothing to do
            // when everything up to `until` is written.
            (Op::Write { until }, 0) => {
                next.writer.from = state.committed;
                if state.committed >= until {
                    next_op(&mut next.writer);
                } else {
                    next.writer.step = 1;
                }
            }
            // Journal::claim: compare-exchange 0 -> until; refused once the
            // crash path owns the journal, and write_journal returns.
            (Op::Write { until }, 1) => {
                if state.claim == Claim::Free {
                    next.claim = Claim::Range(until);
                    next.writer_holds = true;
                    next.writer.step = 2;
                } else {
                    next.writer_refused = true;
                    next_op(&mut next.writer);
                }
            }
            // Output::write_lines: the sink write of `spans(from, until)`.
            (Op::Write { until }, 2) => {
                assert!(
                    state.writer_holds && !state.crash_owns,
                    "the writer wrote without its claim: {state:?}"
                );
                next.write(state.writer.from, until);
                next.writer.step = 3;
            }
            // Journal::commit_claim: `committed.store(to)` ...
            (Op::Write { until }, 3) => {
                next.committed = until;
                next.writer.step = 4;
            }
            // ... then `claim.store(0)`.
            (Op::Write { .. }, 4) => {
                next.claim = Claim::Free;
                next.writer_holds = false;
                next_op(&mut next.writer);
            }
            // Journal::claim_for_command: compare-exchange 0 ->
            // COMMAND_RUNNING; refused: Engine::write_out skips the command.
            (Op::Command, 0) => {
                if state.claim == Claim::Free {
                    next.claim = Claim::Command;
                    next.writer_holds = true;
                    next.writer.step = 1;
                } else {
                    next.writer_refused = true;
                    next_op(&mut next.writer);
                }
            }
            // Output::run: the file is closed and opened again.
            (Op::Command, 1) => {
                assert!(
                    state.writer_holds && !state.crash_owns,
                    "a command ran while the crash path owned the journal: {state:?}"
                );
                next.writer.step = 2;
            }
            // Journal::release_command_claim: compare-exchange
            // COMMAND_RUNNING -> 0.
            (Op::Command, 2) => {
                if state.claim == Claim::Command {
                    next.claim = Claim::Free;
                }
                next.writer_holds = false;
                next_op(&mut next.writer);
            }
            (op, step) => unreachable!("{op:?} has no step {step}"),
        }
        Some(next)
    }

    /// The crash path's possible next steps, in `Journal::crash_flush`
    /// (its patience running out is a choice at each wait).
    fn crash_steps(state: &State) -> Vec<State> {
        let with = |crash: Crash| State {
            crash,
            ..state.clone()
        };
        match state.crash {
            // `claim.load()`: 0 tries to take it; a writer's claim waits.
            // (CRASH_OWNED returns: another crash path, not modelled.)
            Crash::LoadClaim => vec![with(match state.claim {
                Claim::Crash(_) => unreachable!("one crash path in this model"),
                Claim::Free => Crash::TakeClaim,
                Claim::Range(_) | Claim::Command => Crash::Wait,
            })],
            // compare-exchange 0 -> CRASH_OWNED.
            Crash::TakeClaim => {
                if state.claim == Claim::Free {
                    let mut next = with(Crash::LoadCommitted);
                    next.claim = Claim::Crash(None);
                    next.crash_owns = true;
                    vec![next]
                } else {
                    vec![with(Crash::Wait)]
                }
            }
            // `nanosleep` and look again, or out of patience.
            Crash::Wait => vec![with(Crash::LoadClaim), with(Crash::Done(Outcome::GaveUp))],
            // `committed.load()`, then `published.load()`.
            Crash::LoadCommitted => vec![with(Crash::LoadPublished {
                from: state.committed,
            })],
            Crash::LoadPublished { from } => vec![with(if from == PUBLISHED {
                Crash::Done(Outcome::NothingLeft)
            } else {
                Crash::MarkRange {
                    from,
                    to: PUBLISHED,
                }
            })],
            // `claim.store(to | CRASH_OWNED)`.
            Crash::MarkRange { from, to } => {
                let mut next = with(Crash::Write { from, to });
                next.claim = Claim::Crash(Some(to));
                vec![next]
            }
            // `writev_all_raw(fd, spans(from, to))`; it must not reach a
            // file a command may have closed.
            Crash::Write { from, to } => {
                assert!(
                    !state.writer_holds,
                    "the crash path wrote while the writer held its claim: {state:?}"
                );
                let mut next = with(Crash::Commit { to });
                next.write(from, to);
                vec![next]
            }
            // `committed.store(to)` once the write went through.
            Crash::Commit { to } => {
                let mut next = with(Crash::Done(Outcome::Wrote));
                next.committed = to;
                vec![next]
            }
            Crash::Done(_) => Vec::new(),
        }
    }

    #[test]
    fn every_interleaving_writes_each_byte_once_and_never_both_at_a_time() {
        let mut seen = HashSet::new();
        let mut stack = vec![State::start()];
        let mut outcomes = BTreeSet::new();
        let mut writer_refused = false;
        while let Some(state) = stack.pop() {
            if !seen.insert(state.clone()) {
                continue;
            }
            assert!(
                state.written.iter().all(|&times| times <= 1),
                "a byte was written twice: {state:?}"
            );
            if let Crash::Done(outcome) = state.crash {
                outcomes.insert(outcome);
                if outcome != Outcome::GaveUp {
                    // The process dies now, whatever the writer was doing:
                    // the crash path must have left nothing unwritten.
                    assert!(
                        state.everything_written_once(),
                        "the crash path left bytes unwritten: {state:?}"
                    );
                }
            }
            let writer = writer_step(&state);
            let crash = crash_steps(&state);
            if writer.is_none() && crash.is_empty() {
                // Both finished (the crash path gave up, or the process
                // lived on after it): everything is in the file.
                assert!(
                    state.everything_written_once(),
                    "bytes left unwritten: {state:?}"
                );
            }
            writer_refused |= state.writer_refused;
            stack.extend(writer);
            stack.extend(crash);
        }
        // The search reached the interesting cases, not a degenerate few.
        assert_eq!(
            outcomes,
            BTreeSet::from([Outcome::GaveUp, Outcome::NothingLeft, Outcome::Wrote])
        );
        assert!(
            writer_refused,
            "the crash path never got in ahead of a writer"
        );
        assert!(seen.len() > 100, "{} states", seen.len());
    }
}
