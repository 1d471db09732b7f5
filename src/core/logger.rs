//! `FemtoLogger`: a named level gate in front of a set of native handlers.
//!
//! The handler list is an immutable snapshot swapped on change, so a log call
//! reads it with one short lock and never holds a lock while it waits for a
//! full queue.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};

use super::dispatch;
use super::format::{Formatter, Needs};
use super::handler::{FemtoHandlerTrait, Submit};
use super::level::{self, LevelNo};
use super::name::Name;
use super::record::FemtoLogRecord;
use super::sync::lock_unpoisoned;

pub type HandlerRef = Arc<dyn FemtoHandlerTrait>;

pub struct FemtoLogger {
    name: Name,
    level: AtomicI32,
    handlers: Mutex<Arc<Vec<HandlerRef>>>,
    formatter: Formatter,
}

impl FemtoLogger {
    pub fn new(name: impl Into<Name>) -> Self {
        FemtoLogger {
            name: name.into(),
            level: AtomicI32::new(level::NOTSET),
            handlers: Mutex::new(Arc::new(Vec::new())),
            formatter: Formatter::basic(),
        }
    }

    pub fn name(&self) -> &Name {
        &self.name
    }

    pub fn level(&self) -> LevelNo {
        self.level.load(Ordering::Relaxed)
    }

    pub fn set_level(&self, level: LevelNo) {
        self.level.store(level, Ordering::Relaxed);
    }

    /// Whether a record at `level` passes the logger's own level.
    pub fn accepts(&self, level: LevelNo) -> bool {
        level >= self.level()
    }

    pub fn handlers(&self) -> Arc<Vec<HandlerRef>> {
        Arc::clone(&lock_unpoisoned(&self.handlers))
    }

    pub fn add_handler(&self, handler: HandlerRef) {
        let mut slot = lock_unpoisoned(&self.handlers);
        if slot.iter().any(|existing| same_handler(existing, &handler)) {
            return;
        }
        let mut next = Vec::clone(&slot);
        next.push(handler);
        *slot = Arc::new(next);
    }

    /// Detaches `handler`; returns whether it was attached.
    pub fn remove_handler(&self, handler: &HandlerRef) -> bool {
        let mut slot = lock_unpoisoned(&self.handlers);
        let next: Vec<HandlerRef> = slot
            .iter()
            .filter(|existing| !same_handler(existing, handler))
            .cloned()
            .collect();
        let removed = next.len() != slot.len();
        *slot = Arc::new(next);
        removed
    }

    /// What the attached handlers' formatters read from a record.
    pub fn needs(&self) -> Needs {
        self.handlers()
            .iter()
            .fold(Needs::default(), |needs, handler| {
                needs.union(handler.needs())
            })
    }

    /// The text `log` returns for a record (the stdlib's `BASIC_FORMAT`).
    pub fn formatter(&self) -> &Formatter {
        &self.formatter
    }

    /// Hands `record` to every handler whose level it passes, without
    /// blocking; the returned submissions still have to be completed. A
    /// handler that cannot format it has reported that itself (a core
    /// handler reports on fd 2).
    pub fn dispatch(&self, record: FemtoLogRecord) -> Vec<Submit> {
        let handlers = self.handlers();
        let reached = handlers
            .iter()
            .filter(|handler| record.level >= handler.level())
            .map(|handler| ((), &**handler));
        dispatch::hand_over(&record, reached).waits
    }

    /// Pure-Rust logging: formats, dispatches and waits inline. Returns the
    /// formatted text, or `None` when the level filters the record out.
    pub fn log(&self, level: LevelNo, message: &str) -> Option<String> {
        if !self.accepts(level) {
            return None;
        }
        let record = FemtoLogRecord::new(self.name.clone(), level, message);
        let text = self
            .formatter
            .format(&record)
            .unwrap_or_else(|_| record.message().to_owned());
        for submit in self.dispatch(record) {
            submit.complete();
        }
        Some(text)
    }
}

fn same_handler(a: &HandlerRef, b: &HandlerRef) -> bool {
    std::ptr::eq(a.identity(), b.identity())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::queued::{HandlerOptions, QueuedHandler};
    use crate::core::sink::Sink;
    use std::io;

    #[derive(Clone, Default)]
    struct Memory(Arc<Mutex<Vec<u8>>>);

    impl Sink for Memory {
        fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
            lock_unpoisoned(&self.0).extend_from_slice(bytes);
            Ok(())
        }
    }

    impl Memory {
        fn text(&self) -> String {
            String::from_utf8_lossy(&lock_unpoisoned(&self.0)).into_owned()
        }
    }

    fn memory_handler(memory: &Memory) -> Arc<QueuedHandler> {
        QueuedHandler::start(
            "Memory",
            Box::new(memory.clone()),
            Formatter::basic(),
            HandlerOptions::default(),
        )
        .expect("worker starts")
    }

    #[test]
    fn log_filters_by_level_and_returns_the_text() {
        let logger = FemtoLogger::new("core");
        logger.set_level(level::WARNING);
        assert_eq!(logger.log(level::INFO, "quiet"), None);
        assert_eq!(
            logger.log(level::ERROR, "loud"),
            Some("ERROR:core:loud".to_owned())
        );
    }

    #[test]
    fn every_handler_gets_every_record_once() {
        let logger = FemtoLogger::new("multi");
        let (first, second) = (Memory::default(), Memory::default());
        let a = memory_handler(&first);
        let b = memory_handler(&second);
        logger.add_handler(a.clone());
        logger.add_handler(b.clone());
        logger.add_handler(a.clone());
        logger.log(level::INFO, "one");
        let b_ref: HandlerRef = b.clone();
        assert!(logger.remove_handler(&b_ref));
        assert!(!logger.remove_handler(&b_ref));
        logger.log(level::INFO, "two");
        a.close();
        b.close();
        assert_eq!(first.text(), "INFO:multi:one\nINFO:multi:two\n");
        assert_eq!(second.text(), "INFO:multi:one\n");
    }

    #[test]
    fn handler_levels_filter_too() {
        let logger = FemtoLogger::new("lvl");
        let memory = Memory::default();
        let handler = memory_handler(&memory);
        handler.set_level(level::WARNING);
        logger.add_handler(handler.clone());
        logger.log(level::INFO, "skipped");
        logger.log(level::WARNING, "kept");
        handler.close();
        assert_eq!(memory.text(), "WARNING:lvl:kept\n");
    }

    #[test]
    fn ordering_is_kept_across_threads_per_thread() {
        let logger = Arc::new(FemtoLogger::new("threads"));
        let memory = Memory::default();
        let handler = memory_handler(&memory);
        logger.add_handler(handler.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let logger = Arc::clone(&logger);
                std::thread::spawn(move || {
                    for i in 0..2500 {
                        logger.log(level::INFO, &format!("t{t} {i}"));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread finished");
        }
        handler.close();
        let text = memory.text();
        for t in 0..4 {
            let seen: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&format!("INFO:threads:t{t} ")))
                .map(|n| n.parse().expect("number"))
                .collect();
            assert_eq!(seen, (0..2500).collect::<Vec<_>>());
        }
        assert_eq!(text.lines().count(), 10_000);
    }
}
