//! The crash path: when the process is about to die, every journal writes
//! its unwritten bytes to its file.
//!
//! Runs from fatal-signal handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
//! SIGABRT, and SIGTERM while its disposition is the default) and before
//! `os._exit`. In a signal handler only async-signal-safe calls are allowed:
//! the registry is a fixed table of atomic pointers, walked without locks or
//! allocation, and each journal writes with plain `write(2)`
//! (`Journal::crash_flush`). Afterwards the previous disposition of the
//! signal is restored and the signal delivered again, so the application's
//! own handler, `faulthandler`, the exit status and the core dump are what
//! they would have been without femtologging.

use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::dying;
use super::journal::Journal;

/// Journals the crash path can reach; more live handlers than this are
/// covered by recovery alone.
const SLOTS: usize = 4096;

/// How long the crash path waits for a write in progress on another thread.
const PATIENCE: Duration = Duration::from_millis(500);

struct Entry {
    journal: *const Journal,
    /// The descriptor of the file being written now (rollovers change it).
    descriptor: Arc<AtomicI32>,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: AtomicPtr<Entry> = AtomicPtr::new(std::ptr::null_mut());
static REGISTRY: [AtomicPtr<Entry>; SLOTS] = [EMPTY; SLOTS];

/// Makes `journal` (owned by an engine that unregisters it before dropping
/// it) reachable from the crash path.
pub fn register(journal: &Journal, descriptor: Arc<AtomicI32>) -> Option<usize> {
    let entry = Box::into_raw(Box::new(Entry {
        journal: journal as *const Journal,
        descriptor,
    }));
    for (index, slot) in REGISTRY.iter().enumerate() {
        if slot
            .compare_exchange(
                std::ptr::null_mut(),
                entry,
                Ordering::SeqCst,
                Ordering::Relaxed,
            )
            .is_ok()
        {
            return Some(index);
        }
    }
    // SAFETY: never published: still ours alone.
    drop(unsafe { Box::from_raw(entry) });
    None
}

pub fn unregister(index: usize) {
    let entry = REGISTRY[index].swap(std::ptr::null_mut(), Ordering::SeqCst);
    if !entry.is_null() && !dying::is_dying() {
        // SAFETY: unpublished above, and no crash flush can have loaded it
        // (one would have marked the process dying before reading the table).
        drop(unsafe { Box::from_raw(entry) });
    }
}

/// Writes every registered journal's unwritten bytes. Async-signal-safe.
pub fn flush_all() {
    dying::mark_dying();
    for slot in &REGISTRY {
        let entry = slot.load(Ordering::SeqCst);
        if entry.is_null() {
            continue;
        }
        // SAFETY: entries and their journals are not freed once the process
        // is marked dying (see `unregister` and `Journal`'s mapping).
        unsafe {
            let entry = &*entry;
            (*entry.journal).crash_flush(entry.descriptor.load(Ordering::Acquire), PATIENCE);
        }
    }
}

/// The signals whose default action kills the process and that a handler
/// can catch.
const FATAL: [c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// What each signal did before our handler, restored when it fires.
static mut PREVIOUS: [Option<libc::sigaction>; 65] = [None; 65];
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the crash handlers once per process: for the fatal signals,
/// chained in front of whatever is there; for SIGTERM only while it has
/// the default disposition (an application's own handler is left alone,
/// and one it installs later replaces ours).
pub fn install_signal_handlers() {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    for signal in FATAL {
        install(signal, false);
    }
    install(libc::SIGTERM, true);
}

fn install(signal: c_int, only_over_default: bool) {
    // SAFETY: sigaction with valid structures; PREVIOUS is written only
    // here, before the handler for `signal` exists, and read only by it.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signal, std::ptr::null(), &mut current) != 0 {
            return;
        }
        if only_over_default && current.sa_sigaction != libc::SIG_DFL {
            return;
        }
        let mut ours: libc::sigaction = std::mem::zeroed();
        ours.sa_sigaction = on_signal as *const () as usize;
        ours.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut ours.sa_mask);
        let previous = &raw mut PREVIOUS;
        (*previous)[signal as usize] = Some(current);
        if libc::sigaction(signal, &ours, std::ptr::null_mut()) != 0 {
            (*previous)[signal as usize] = None;
        }
    }
}

extern "C" fn on_signal(signal: c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    // SAFETY: errno is thread-local; saved and restored around our calls.
    let saved_errno = unsafe { *libc::__errno_location() };
    flush_all();
    // SAFETY: reading the previous action stored before installation, and
    // restoring it with sigaction (async-signal-safe).
    unsafe {
        let previous = &raw const PREVIOUS;
        match (*previous)[signal as usize] {
            Some(action) => {
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
            None => {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
        // A fault raised by the CPU comes back when the instruction runs
        // again; a signal sent by kill() or raise() must be sent again. It
        // stays blocked until this handler returns.
        let sent = info.is_null() || (*info).si_code <= 0;
        if sent || signal == libc::SIGABRT || signal == libc::SIGTERM {
            libc::raise(signal);
        }
        *libc::__errno_location() = saved_errno;
    }
}
