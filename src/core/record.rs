//! The log record as Rust-owned data.
//!
//! A `FemtoLogRecord` holds no Python objects, so it crosses to a handler's
//! worker thread without the GIL. Everything a formatter may print is either
//! stored here or derived from what is stored (see `format::field`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use super::clock;
use super::level::{self, LevelNo};
use super::name::Name;

/// A structured value attached to a record (the stdlib's `extra`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    None,
    Int(i64),
    Float(f64),
    Str(Arc<str>),
}

/// The `extra` values a record carries, by key.
pub type KeyValues = Vec<(Arc<str>, FieldValue)>;

/// Where and when a record was made.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMetadata {
    /// Nanoseconds since the Unix epoch.
    pub timestamp_ns: i64,
    /// Source file of the call site (the stdlib's `pathname`).
    pub filename: Option<Arc<str>>,
    pub lineno: u32,
    /// Module of the call site; derived from `filename` when absent.
    pub module_path: Option<Arc<str>>,
    pub func_name: Option<Arc<str>>,
    /// `threading.get_ident()` of the calling thread.
    pub thread_id: u64,
    pub thread_name: Option<Arc<str>>,
    pub process_id: u32,
    pub process_name: Option<Arc<str>>,
    pub task_name: Option<Arc<str>>,
    pub key_values: KeyValues,
}

impl RecordMetadata {
    /// Metadata for a record made now on the current thread, with no call site.
    pub fn capture() -> Self {
        RecordMetadata {
            timestamp_ns: clock::now_ns(),
            filename: None,
            lineno: 0,
            module_path: None,
            func_name: None,
            thread_id: current_thread_id(),
            thread_name: std::thread::current().name().map(Arc::from),
            process_id: current_process_id(),
            process_name: None,
            task_name: None,
            key_values: Vec::new(),
        }
    }

    pub fn key_value(&self, key: &str) -> Option<&FieldValue> {
        self.key_values
            .iter()
            .find(|(name, _)| &**name == key)
            .map(|(_, value)| value)
    }
}

impl Default for RecordMetadata {
    fn default() -> Self {
        Self::capture()
    }
}

/// One log event.
#[derive(Debug, Clone, PartialEq)]
pub struct FemtoLogRecord {
    pub logger: Name,
    pub level: LevelNo,
    pub level_name: Name,
    /// The final message text (`msg % args` already applied).
    pub message: String,
    /// Rendered traceback, appended after the formatted line.
    pub exc_text: Option<String>,
    /// Rendered `stack_info`, appended after the traceback.
    pub stack_text: Option<String>,
    pub metadata: RecordMetadata,
}

impl FemtoLogRecord {
    /// A record made now, on this thread, with default metadata.
    pub fn new(logger: impl Into<Name>, level: LevelNo, message: impl Into<String>) -> Self {
        Self::with_metadata(logger, level, message, RecordMetadata::capture())
    }

    /// A record with explicit metadata.
    pub fn with_metadata(
        logger: impl Into<Name>,
        level: LevelNo,
        message: impl Into<String>,
        metadata: RecordMetadata,
    ) -> Self {
        FemtoLogRecord {
            logger: logger.into(),
            level,
            level_name: level::level_name(level),
            message: message.into(),
            exc_text: None,
            stack_text: None,
            metadata,
        }
    }
}

/// `threading.get_ident()`: the pthread handle of the calling thread.
pub fn current_thread_id() -> u64 {
    // SAFETY: pthread_self has no preconditions and cannot fail.
    unsafe { libc::pthread_self() as u64 }
}

static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

/// The process id, cached because glibc no longer caches `getpid()`.
pub fn current_process_id() -> u32 {
    match PROCESS_ID.load(Ordering::Relaxed) {
        0 => refresh_process_id(),
        pid => pid,
    }
}

/// Re-reads the process id; called in a child after `fork()`.
pub fn refresh_process_id() -> u32 {
    let pid = std::process::id();
    PROCESS_ID.store(pid, Ordering::Relaxed);
    pid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_fills_default_metadata() {
        let before = clock::now_ns();
        let record = FemtoLogRecord::new("app", level::INFO, "hello");
        assert_eq!(&*record.logger, "app");
        assert_eq!(&*record.level_name, "INFO");
        assert!(record.metadata.timestamp_ns >= before);
        assert_eq!(record.metadata.thread_id, current_thread_id());
        assert_eq!(record.metadata.process_id, std::process::id());
        assert!(record.metadata.key_values.is_empty());
    }

    #[test]
    fn with_metadata_keeps_explicit_values() {
        let metadata = RecordMetadata {
            timestamp_ns: 42,
            filename: Some(Arc::from("/src/app.py")),
            lineno: 7,
            module_path: Some(Arc::from("app")),
            func_name: Some(Arc::from("main")),
            thread_id: 9,
            thread_name: Some(Arc::from("worker")),
            process_id: 11,
            process_name: None,
            task_name: None,
            key_values: vec![(Arc::from("user"), FieldValue::Str(Arc::from("ann")))],
        };
        let record = FemtoLogRecord::with_metadata("app", 25, "m", metadata.clone());
        assert_eq!(record.metadata, metadata);
        assert_eq!(&*record.level_name, "Level 25");
        assert_eq!(
            record.metadata.key_value("user"),
            Some(&FieldValue::Str(Arc::from("ann")))
        );
        assert_eq!(record.metadata.key_value("absent"), None);
    }

    #[test]
    fn records_cross_threads() {
        let record = FemtoLogRecord::new("app", level::INFO, "moved");
        let moved = std::thread::spawn(move || record.message)
            .join()
            .expect("thread finished");
        assert_eq!(moved, "moved");
    }
}
