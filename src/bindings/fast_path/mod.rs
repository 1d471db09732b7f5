//! The fast path: `Logger.debug/info/...` implemented in Rust.
//!
//! A log call checks a cached level threshold; when enabled and the logger's
//! cached plan says every handler on its path is native, the record is built
//! here (message, time, thread, call site only if printed) and handed to the
//! handlers' queues or written to their Python streams, without creating a
//! `LogRecord`. Anything else falls back to the Python `_log`, which
//! reproduces the stdlib exactly. Plans and thresholds are cached per logger
//! and invalidated by the configuration generation.

pub mod adapter_base;
pub mod call_args;
pub mod call_sites;
pub mod caller;
pub mod emit;
pub mod environment;
pub mod extras;
pub mod logger_base;
pub mod plan;
pub mod target_spec;
pub mod thread_name;
pub mod vectorcall;
