//! `OwnLine`: a value alone on its cache line.
//!
//! Counters a worker updates and logging threads read (or the reverse) are
//! wrapped in it, so a write to one does not evict what the other core
//! reads on every call.

/// 128 bytes: on x86 the adjacent-line prefetcher pairs 64-byte lines.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct OwnLine<T>(pub T);
