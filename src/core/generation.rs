//! The configuration generation: a counter bumped whenever levels, handlers,
//! filters, formatters or the logger tree change. Anything cached from the
//! configuration records the generation it saw and is stale once it differs.

use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(1);

pub fn current() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

pub fn bump() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}
