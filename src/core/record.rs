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

/// A structured value attached to a record (the stdlib's `extra`), as a
/// formatter reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExtraValue<'a> {
    None,
    Int(i64),
    Float(f64),
    Str(&'a str),
    /// Only a JSON formatter prints these natively; the text ones leave a
    /// record carrying them to Python.
    Bool(bool),
    /// A value already encoded as JSON text (by the JSON formatter's encoder
    /// on the logging thread, non-ASCII left as is).
    Json(&'a str),
}

/// An `extra` value as stored: text lives in the record's own buffer, after
/// the message. A string per value would be one more allocation made on the
/// logging thread and freed on the worker's core, which costs more than the
/// formatting of the value.
#[derive(Debug, Clone, PartialEq)]
enum StoredValue {
    None,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text {
        start: usize,
        end: usize,
        json: bool,
    },
    /// Past a message of 4 GiB, where `message_len` cannot mark its end.
    Owned(Box<str>, bool),
}

/// `message_len` of a record whose whole text is the message: 32 bits keep
/// the record at 272 bytes, and no message that long has extras after it.
const WHOLE_TEXT: u32 = u32::MAX;

/// Where and when a record was made.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordMetadata {
    /// Nanoseconds since the Unix epoch.
    pub timestamp_ns: i64,
    /// The float a replaced `time.time()` returned (a frozen clock, before
    /// CPython 3.13), which `created` must be exactly: not every float is a
    /// nanosecond count over 1e9. `None`: `created` derives from
    /// `timestamp_ns`.
    pub float_clock: Option<f64>,
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
}

impl RecordMetadata {
    /// `record.created`.
    pub fn created(&self) -> f64 {
        self.float_clock
            .unwrap_or_else(|| clock::created(self.timestamp_ns))
    }

    /// `record.msecs`.
    pub fn msecs(&self) -> f64 {
        match self.float_clock {
            Some(seconds) => clock::float_msecs(seconds),
            None => clock::msecs(self.timestamp_ns),
        }
    }

    /// `record.relativeCreated`.
    pub fn relative_created(&self) -> f64 {
        match self.float_clock {
            Some(seconds) => clock::float_relative_created(seconds),
            None => clock::relative_created(self.timestamp_ns),
        }
    }

    /// The whole second `time.localtime(created)` converts.
    pub fn whole_second(&self) -> i64 {
        self.created().floor() as i64
    }

    /// Metadata for a record made now on the current thread, with no call site.
    pub fn capture() -> Self {
        RecordMetadata {
            timestamp_ns: clock::now_ns(),
            float_clock: None,
            filename: None,
            lineno: 0,
            module_path: None,
            func_name: None,
            thread_id: current_thread_id(),
            thread_name: std::thread::current().name().map(Arc::from),
            process_id: current_process_id(),
            process_name: None,
            task_name: None,
        }
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
    /// The final message text (`msg % args` already applied), followed by
    /// the text of the `extra` values.
    text: String,
    message_len: u32,
    extras: Vec<(Name, StoredValue)>,
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
        Self::from_parts(
            logger.into(),
            level,
            level::level_name(level),
            message.into(),
            metadata,
        )
    }

    /// A record whose message is `text`; `text` may have spare capacity
    /// reserved for the `extra` strings pushed next.
    pub fn from_parts(
        logger: Name,
        level: LevelNo,
        level_name: Name,
        text: String,
        metadata: RecordMetadata,
    ) -> Self {
        FemtoLogRecord {
            logger,
            level,
            level_name,
            message_len: u32::try_from(text.len()).unwrap_or(WHOLE_TEXT),
            text,
            extras: Vec::new(),
            exc_text: None,
            stack_text: None,
            metadata,
        }
    }

    /// The final message text (`msg % args` already applied).
    pub fn message(&self) -> &str {
        match self.message_len {
            WHOLE_TEXT => &self.text,
            len => self.text.get(..len as usize).unwrap_or(&self.text),
        }
    }

    /// Attaches an `extra` value under `key`.
    pub fn push_extra(&mut self, key: Name, value: ExtraValue<'_>) {
        let stored = match value {
            ExtraValue::None => StoredValue::None,
            ExtraValue::Int(number) => StoredValue::Int(number),
            ExtraValue::Float(number) => StoredValue::Float(number),
            ExtraValue::Bool(value) => StoredValue::Bool(value),
            ExtraValue::Str(text) | ExtraValue::Json(text) => {
                let json = matches!(value, ExtraValue::Json(_));
                if self.message_len == WHOLE_TEXT {
                    StoredValue::Owned(Box::from(text), json)
                } else {
                    let start = self.text.len();
                    self.text.push_str(text);
                    StoredValue::Text {
                        start,
                        end: self.text.len(),
                        json,
                    }
                }
            }
        };
        self.extras.push((key, stored));
    }

    fn read<'a>(&'a self, stored: &'a StoredValue) -> Option<ExtraValue<'a>> {
        Some(match stored {
            StoredValue::None => ExtraValue::None,
            StoredValue::Int(number) => ExtraValue::Int(*number),
            StoredValue::Float(number) => ExtraValue::Float(*number),
            StoredValue::Bool(value) => ExtraValue::Bool(*value),
            StoredValue::Text { start, end, json } => {
                let text = self.text.get(*start..*end)?;
                if *json {
                    ExtraValue::Json(text)
                } else {
                    ExtraValue::Str(text)
                }
            }
            StoredValue::Owned(text, true) => ExtraValue::Json(text),
            StoredValue::Owned(text, false) => ExtraValue::Str(text),
        })
    }

    /// The `extra` value stored under `key`, if any.
    pub fn extra(&self, key: &str) -> Option<ExtraValue<'_>> {
        let (_, stored) = self.extras.iter().find(|(name, _)| &**name == key)?;
        self.read(stored)
    }

    /// Every `extra` key and value, in the order they were attached.
    pub fn extras(&self) -> impl Iterator<Item = (&Name, ExtraValue<'_>)> {
        self.extras
            .iter()
            .filter_map(|(name, stored)| Some((name, self.read(stored)?)))
    }

    pub fn has_extras(&self) -> bool {
        !self.extras.is_empty()
    }

    pub fn extra_count(&self) -> usize {
        self.extras.len()
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
        assert!(!record.has_extras());
    }

    #[test]
    fn with_metadata_keeps_explicit_values() {
        let metadata = RecordMetadata {
            timestamp_ns: 42,
            float_clock: None,
            filename: Some(Arc::from("/src/app.py")),
            lineno: 7,
            module_path: Some(Arc::from("app")),
            func_name: Some(Arc::from("main")),
            thread_id: 9,
            thread_name: Some(Arc::from("worker")),
            process_id: 11,
            process_name: None,
            task_name: None,
        };
        let record = FemtoLogRecord::with_metadata("app", 25, "m", metadata.clone());
        assert_eq!(record.metadata, metadata);
        assert_eq!(&*record.level_name, "Level 25");
    }

    #[test]
    fn extras_live_after_the_message() {
        let mut record = FemtoLogRecord::new("app", level::INFO, "msg");
        record.push_extra(Name::from("user"), ExtraValue::Str("ann"));
        record.push_extra(Name::from("count"), ExtraValue::Int(3));
        record.push_extra(Name::from("ratio"), ExtraValue::Float(0.5));
        record.push_extra(Name::from("none"), ExtraValue::None);
        record.push_extra(Name::from("empty"), ExtraValue::Str(""));
        assert_eq!(record.message(), "msg");
        assert_eq!(record.extra("user"), Some(ExtraValue::Str("ann")));
        assert_eq!(record.extra("count"), Some(ExtraValue::Int(3)));
        assert_eq!(record.extra("ratio"), Some(ExtraValue::Float(0.5)));
        assert_eq!(record.extra("none"), Some(ExtraValue::None));
        assert_eq!(record.extra("empty"), Some(ExtraValue::Str("")));
        assert_eq!(record.extra("absent"), None);
    }

    #[test]
    fn records_cross_threads() {
        let record = FemtoLogRecord::new("app", level::INFO, "moved");
        let moved = std::thread::spawn(move || record.message().to_owned())
            .join()
            .expect("thread finished");
        assert_eq!(moved, "moved");
    }
}
