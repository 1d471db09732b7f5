//! Building a record's metadata on the calling thread from Python's state,
//! for the core `FemtoLogger`.
//!
//! The costly parts (the caller's frame, the thread's name) are read only
//! when some formatter on the path prints them, and found the way the fast
//! path finds them (fast_path/caller.rs, fast_path/thread_name.rs).

use pyo3::prelude::*;

use crate::bindings::fast_path::{caller, environment, thread_name};
use crate::bindings::python_clock;
use crate::core::format::Needs;
use crate::core::record::RecordMetadata;

/// Metadata for a record made now, filled as far as `needs` asks.
pub fn capture(py: Python<'_>, needs: Needs) -> RecordMetadata {
    let mut metadata = RecordMetadata::capture();
    // A replaced clock the core cannot follow leaves the system's time.
    if let Ok(Some(stamp)) = python_clock::record_stamp(py) {
        metadata.timestamp_ns = stamp.ns;
        metadata.float_clock = stamp.float_clock;
    }
    metadata.thread_name = None;
    // Loaded by the first call that needs it. A record made while that
    // cannot happen (the interpreter finalizes) or when it failed carries
    // no thread name or call site; a later record tries again.
    let Ok(Some(environment)) = environment::load(py) else {
        return metadata;
    };
    if needs.thread_name {
        metadata.thread_name =
            thread_name::current(py, environment, metadata.thread_id).unwrap_or(None);
    }
    if needs.call_site {
        if let Ok(Some(caller)) = caller::caller_frame(py, environment, 1) {
            caller::fill_call_site(&mut metadata, &caller);
        }
    }
    metadata
}
