//! The allocator: mimalloc, set up for a module that is never unloaded.
//!
//! Records are allocated on the logging thread and freed on a handler's
//! worker thread; glibc's malloc serialises that pattern on its arena lock.
//!
//! mimalloc's v2 series, not v3: mimalloc takes the thread that loads it for
//! the process's main thread, and when that thread ends v3 frees its main
//! thread heap, while v2 keeps it. A program that first imports femtologging
//! from a thread that then ends (a worker thread, a lazy import) crashed in
//! v3 as soon as a new thread got the ended one's thread control block (as
//! glibc hands out cached ones): mimalloc took it for the main thread and
//! used the freed heap (tests/test_import_threads.py).
//!
//! At process exit mimalloc would purge and release its arenas (a series of
//! `madvise` calls), work that only matters for a library unloaded and
//! loaded again, which an extension module never is. It also lengthens the
//! process's exit, and CPython 3.10 crashes at exit (a use-after-free in
//! `take_gil`) if a daemon thread still waiting for the GIL wakes up after
//! the interpreter is freed: the longer the exit, the likelier. So that
//! step is skipped.

use std::ffi::{c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_destroy_on_exit` in mimalloc v2's `mi_option_e`; a value
/// above 1 makes its exit hook return at once.
const DESTROY_ON_EXIT: c_int = 22;
/// `mi_option_arena_reserve` in the same enum (a size in KiB).
const ARENA_RESERVE: c_int = 23;
/// `mi_option_allow_thp` in the same enum.
const ALLOW_THP: c_int = 37;
/// The first arena mimalloc reserves: 64 MiB of address space, not its
/// default 1 GiB, whose bookkeeping alone made 156 KiB resident at import.
/// A logging library's records and lines fit in far less; mimalloc
/// reserves another arena if more is ever needed.
const ARENA_RESERVE_KIB: c_long = 64 * 1024;

extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
}

/// Sets mimalloc up for a logging library in every process: no cleanup at
/// exit (see the module comment), a small first arena, and no transparent
/// huge pages. mimalloc
/// asks the kernel for huge pages on its arenas, so the first touch of one
/// makes 2 MiB resident where a few pages are used: 3.7 MiB more resident
/// memory after `import femtologging`, and about 150 KiB per worker thread.
/// Called before the extension allocates anything of its own.
pub fn configure() {
    // SAFETY: setting an option has no preconditions; the option indices
    // are the ones of the bundled mimalloc version.
    unsafe {
        mi_option_set(DESTROY_ON_EXIT, 2);
        mi_option_set(ALLOW_THP, 0);
        mi_option_set(ARENA_RESERVE, ARENA_RESERVE_KIB);
    }
}
