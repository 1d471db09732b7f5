//! Whether the process is dying: set for good by the crash path (crash.rs)
//! before it reads any journal, and read wherever a journal or its mapping
//! would be freed, since the crash path may still be reading them.

use std::sync::atomic::{AtomicBool, Ordering};

static DYING: AtomicBool = AtomicBool::new(false);

/// Whether a crash flush ever started in this process.
pub fn is_dying() -> bool {
    DYING.load(Ordering::SeqCst)
}

/// Called by the crash path before it walks its table of journals.
pub fn mark_dying() {
    DYING.store(true, Ordering::SeqCst);
}
