//! Taking a lock whose holder may have panicked.
//!
//! Every critical section in the engine leaves its data consistent even if
//! it unwinds (a formatter that panics costs its record, not the handler),
//! so a poisoned lock is still safe to use: no caller should turn poison
//! into a second panic, least of all on a logging call.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, poisoned or not.
pub fn lock_unpoisoned<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
