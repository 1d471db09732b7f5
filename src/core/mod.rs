//! The engine: levels, records, formatters, handlers and their workers.
//! Nothing in here holds or calls Python objects.

pub mod clock;
pub mod command;
pub mod crash;
pub mod dispatch;
pub mod doorbell;
pub mod dying;
pub mod engine;
pub mod fork_gate;
pub mod format;
pub mod generation;
pub mod handler;
pub mod journal;
pub mod level;
pub mod liveness;
pub mod local_time;
pub mod logger;
pub mod name;
pub mod otlp;
pub mod own_line;
pub mod pool;
pub mod producer;
pub mod queued;
pub mod raw_write;
pub mod record;
pub mod reentrant_lock;
pub mod registry;
pub mod report;
pub mod rotation;
pub mod sink;
pub mod stats;
pub mod sync;
pub mod timed_rotation;
pub mod worker;
pub mod writer;

#[cfg(test)]
mod concurrency_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
pub(crate) mod test_support;
