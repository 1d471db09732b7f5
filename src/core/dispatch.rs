//! Handing a record to native handlers: the one place where either face,
//! the `logging` fast path (bindings/fast_path/emit.rs) or the core
//! `FemtoLogger` (logger.rs), gives a record to a `FemtoHandlerTrait`.
//!
//! Nothing here waits: what a handler could not take at once comes back as
//! a submission its caller completes, detached from Python where there is
//! one.

use super::format::RenderError;
use super::handler::{FemtoHandlerTrait, Submit};
use super::record::FemtoLogRecord;

/// What the handlers left to their caller.
pub struct Handed<T> {
    /// Submissions still to complete (a full queue, a durable record).
    pub waits: Vec<Submit>,
    /// Handlers whose formatter could not render the record, each with the
    /// caller's tag for it, for a report the stdlib's way.
    pub unformatted: Vec<(T, RenderError)>,
}

/// Submits `record` to each handler, in order. The caller has applied the
/// level test (the fast path against the Python handler's level, the core
/// logger against the native handler's own).
pub fn hand_over<'h, T>(
    record: &FemtoLogRecord,
    handlers: impl IntoIterator<Item = (T, &'h dyn FemtoHandlerTrait)>,
) -> Handed<T> {
    let mut handed = Handed {
        waits: Vec::new(),
        unformatted: Vec::new(),
    };
    for (tag, handler) in handlers {
        match handler.submit(record) {
            Submit::Done => {}
            Submit::Unformatted(error) => handed.unformatted.push((tag, error)),
            submit => handed.waits.push(submit),
        }
    }
    handed
}
