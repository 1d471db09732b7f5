//! Daemon threads that CPython ends at exit while they are inside the extension.
//!
//! Once `Py_FinalizeEx` has marked the runtime as finalizing, CPython 3.10
//! to 3.13 ends every other thread that tries to take the GIL with
//! `pthread_exit()`. On glibc that is a forced unwind of the thread's stack,
//! and a forced unwind that meets a Rust frame with a landing pad (drop glue,
//! `catch_unwind`, the abort guard of an `extern "C"` function) aborts the
//! whole process. A daemon thread that logs is often inside femtologging at
//! that moment: calling back into Python (the eval loop drops and retakes
//! the GIL every few milliseconds), writing to a Python stream, or waiting
//! for a queue with the GIL released. The stdlib's frames are all C, so the
//! same program exits cleanly there.
//!
//! So each Python thread that enters the extension registers, once, one of
//! glibc's old-style cleanup handlers (`_pthread_cleanup_push`), whose buffer
//! lives on the heap. glibc's unwinder calls such handlers from its stop
//! function, before the personality routine of the frame it is leaving, as
//! soon as the unwind has left the frame holding the buffer; a buffer outside
//! the thread's stack counts as left at the very first frame. The handler
//! then finds the interpreter finalizing and parks the thread for good, as
//! CPython 3.14 does itself (`PyThread_hang_thread`): the unwind never
//! reaches a Rust frame. The parked thread does not hold the GIL (it was
//! waiting for it), and holds no Rust lock, since no lock of the crate is
//! held while Python code runs or while the GIL is being retaken. Any other
//! `pthread_exit` (not CPython's at exit) goes on as before.
//!
//! Only glibc unwinds on `pthread_exit`; elsewhere this does nothing.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    use std::cell::Cell;
    use std::ffi::{c_int, c_void};

    use once_cell::sync::Lazy;

    /// glibc's `struct _pthread_cleanup_buffer`.
    #[repr(C)]
    struct CleanupBuffer {
        routine: Option<unsafe extern "C" fn(*mut c_void)>,
        arg: *mut c_void,
        cancel_type: c_int,
        previous: *mut CleanupBuffer,
    }

    type Push =
        unsafe extern "C" fn(*mut CleanupBuffer, unsafe extern "C" fn(*mut c_void), *mut c_void);
    type Pop = unsafe extern "C" fn(*mut CleanupBuffer, c_int);

    /// Looked up at run time: linking would bind the versions of the glibc
    /// this was built on, and keep the module from loading on older ones.
    static CLEANUP: Lazy<Option<(Push, Pop)>> = Lazy::new(|| {
        // SAFETY: dlsym with RTLD_DEFAULT and NUL-terminated names; a null
        // result is checked before any use.
        let (push, pop) = unsafe {
            (
                libc::dlsym(libc::RTLD_DEFAULT, c"_pthread_cleanup_push".as_ptr()),
                libc::dlsym(libc::RTLD_DEFAULT, c"_pthread_cleanup_pop".as_ptr()),
            )
        };
        if push.is_null() || pop.is_null() {
            return None;
        }
        // SAFETY: both symbols are glibc functions with these signatures.
        unsafe {
            Some((
                std::mem::transmute::<*mut c_void, Push>(push),
                std::mem::transmute::<*mut c_void, Pop>(pop),
            ))
        }
    });

    /// This thread's registration; popped when the thread ends normally.
    struct Registration(*mut CleanupBuffer);

    impl Drop for Registration {
        fn drop(&mut self) {
            if let Some((_, pop)) = *CLEANUP {
                // SAFETY: the buffer was pushed on this thread and is the
                // newest old-style handler: others are pushed and popped
                // within one call, never across a return to Python.
                unsafe { pop(self.0, 0) };
                // SAFETY: allocated by Box::into_raw in `cover_this_thread`
                // and no longer registered.
                drop(unsafe { Box::from_raw(self.0) });
            }
        }
    }

    thread_local! {
        static COVERED: Cell<bool> = const { Cell::new(false) };
        static REGISTRATION: Cell<Option<Registration>> = const { Cell::new(None) };
    }

    /// Called by glibc while it unwinds this thread for `pthread_exit`.
    unsafe extern "C" fn on_thread_exit(_arg: *mut c_void) {
        if !super::interpreter_is_finalizing() {
            return;
        }
        loop {
            // SAFETY: pause has no preconditions; it returns after a
            // signal handler ran, and the thread goes back to waiting.
            unsafe { libc::pause() };
        }
    }

    #[inline]
    pub fn cover_this_thread() {
        // try_with: a thread's own destructors may log while it ends.
        if COVERED.try_with(Cell::get).unwrap_or(true) {
            return;
        }
        register();
    }

    #[cold]
    fn register() {
        let _ = COVERED.try_with(|covered| covered.set(true));
        let Some((push, _)) = *CLEANUP else {
            return;
        };
        let buffer = Box::into_raw(Box::new(CleanupBuffer {
            routine: None,
            arg: std::ptr::null_mut(),
            cancel_type: 0,
            previous: std::ptr::null_mut(),
        }));
        // SAFETY: the buffer is heap memory that stays allocated while it is
        // registered (until the registration is dropped at thread end).
        unsafe { push(buffer, on_thread_exit, std::ptr::null_mut()) };
        let stored = REGISTRATION.try_with(|slot| slot.set(Some(Registration(buffer))));
        if stored.is_err() {
            // The thread is ending: leave it registered, leak 32 bytes.
        }
    }
}

/// Whether CPython is finalizing: daemon threads that take the GIL now are
/// ended with `pthread_exit`.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn interpreter_is_finalizing() -> bool {
    #[cfg(Py_3_13)]
    // SAFETY: reads an atomic of the runtime; callable without the GIL.
    let finalizing = unsafe { pyo3::ffi::Py_IsFinalizing() } != 0;
    #[cfg(not(Py_3_13))]
    // SAFETY: as above; the function predates 3.13's public name.
    let finalizing = unsafe { _Py_IsFinalizing() } != 0;
    finalizing || crate::core::registry::is_shut_down()
}

#[cfg(not(Py_3_13))]
extern "C" {
    fn _Py_IsFinalizing() -> std::ffi::c_int;
}

/// Makes sure CPython's exit of this thread at interpreter finalization
/// parks it instead of unwinding through Rust frames. Cheap after the first
/// call on a thread; every entry point that may run Python code, release
/// the GIL or wait calls it.
#[inline]
pub fn cover_this_thread() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    glibc::cover_this_thread();
}

/// `py.detach(f)` for a thread that is covered: waiting with the GIL
/// released is where a daemon thread most often is when the interpreter
/// exits, and retaking the GIL then is what ends it.
pub fn detach<T, F>(py: pyo3::Python<'_>, f: F) -> T
where
    F: pyo3::marker::Ungil + FnOnce() -> T,
    T: pyo3::marker::Ungil,
{
    cover_this_thread();
    py.detach(f)
}
