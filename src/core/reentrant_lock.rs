//! `ReentrantLock`: a handler's lock, re-entrant per thread as
//! `threading.RLock` is, whose free acquire and release are one atomic
//! operation each, so a log call can hold it around a write without calling
//! into Python. A thread that finds it held waits on a futex, which leaves
//! nothing locked in a forked child; the caller bounds each wait so that it
//! can check for signals with the GIL between them.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

/// The futex word's states.
const FREE: u32 = 0;
const HELD: u32 = 1;
/// Held, and some thread may be waiting: the release must wake one.
const CONTENDED: u32 = 2;

/// `release` on a lock the calling thread does not hold.
#[derive(Debug, PartialEq, Eq)]
pub struct NotOwned;

/// A re-entrant lock owned by a thread identifier (`threading.get_ident()`,
/// never 0).
#[derive(Debug, Default)]
pub struct ReentrantLock {
    state: AtomicU32,
    /// The holder's identifier; 0 while free.
    owner: AtomicU64,
    /// How many acquires of the holder are not released yet; written only by
    /// the holder.
    count: AtomicU64,
}

impl ReentrantLock {
    pub const fn new() -> ReentrantLock {
        ReentrantLock {
            state: AtomicU32::new(FREE),
            owner: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Takes the lock if it is free, or once more if `me` holds it.
    pub fn try_acquire(&self, me: u64) -> bool {
        // Only `me` can have stored `me`: a stale read of another value is
        // never mistaken for ownership.
        if self.owner.load(Ordering::Relaxed) == me {
            self.count.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        if self
            .state
            .compare_exchange(FREE, HELD, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            self.take(me, 1);
            return true;
        }
        false
    }

    /// Waits for the lock until `until` at the latest; true once `me` holds
    /// it. Call with the GIL released.
    pub fn acquire_waiting(&self, me: u64, until: Instant) -> bool {
        loop {
            // Taken as contended: other threads may still be waiting.
            let seen = self.state.swap(CONTENDED, Ordering::Acquire);
            if seen == FREE {
                self.take(me, 1);
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            futex_wait(&self.state, CONTENDED, until - now);
        }
    }

    /// Gives one acquire of `me` back; the last one frees the lock and wakes
    /// a waiter.
    pub fn release(&self, me: u64) -> Result<(), NotOwned> {
        let count = self.held_by(me)?;
        if count > 1 {
            self.count.store(count - 1, Ordering::Relaxed);
            return Ok(());
        }
        self.free();
        Ok(())
    }

    /// Gives every acquire of `me` back at once (`Condition.wait`):
    /// (count, owner) for `restore`.
    pub fn release_all(&self, me: u64) -> Result<(u64, u64), NotOwned> {
        let count = self.held_by(me)?;
        self.free();
        Ok((count, me))
    }

    /// After taking the lock afresh, puts back what `release_all` saved.
    pub fn restore(&self, count: u64, owner: u64) {
        self.take(owner, count);
    }

    /// How many acquires `me` holds (0 if another thread holds it).
    pub fn count_held_by(&self, me: u64) -> u64 {
        if self.owner.load(Ordering::Relaxed) == me {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// The holder and its count, as a repr shows them.
    pub fn holder(&self) -> (u64, u64) {
        (
            self.owner.load(Ordering::Relaxed),
            self.count.load(Ordering::Relaxed),
        )
    }

    /// Free, whoever held it: in a forked child, where the holder is gone.
    pub fn reset(&self) {
        self.owner.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        self.state.store(FREE, Ordering::Release);
    }

    /// The count `me` holds, if it holds the lock.
    fn held_by(&self, me: u64) -> Result<u64, NotOwned> {
        match self.count_held_by(me) {
            0 => Err(NotOwned),
            count => Ok(count),
        }
    }

    fn take(&self, owner: u64, count: u64) {
        self.owner.store(owner, Ordering::Relaxed);
        self.count.store(count, Ordering::Relaxed);
    }

    fn free(&self) {
        self.count.store(0, Ordering::Relaxed);
        self.owner.store(0, Ordering::Relaxed);
        if self.state.swap(FREE, Ordering::Release) == CONTENDED {
            futex_wake_one(&self.state);
        }
    }
}

/// Sleeps while `word` holds `expected`, for `timeout` at most (or until a
/// wake, a signal, or a spurious return: the caller looks again).
fn futex_wait(word: &AtomicU32, expected: u32, timeout: std::time::Duration) {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: the word outlives the call; a relative timeout is read only.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            expected,
            &timeout as *const libc::timespec,
        );
    }
}

fn futex_wake_one(word: &AtomicU32) {
    // SAFETY: waking touches no memory but the kernel's wait queue.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn the_holder_reenters_and_must_release_as_often() {
        let lock = ReentrantLock::new();
        assert!(lock.try_acquire(7));
        assert!(lock.try_acquire(7));
        assert!(!lock.try_acquire(8));
        assert_eq!(lock.release(8), Err(NotOwned));
        assert_eq!(lock.count_held_by(7), 2);
        assert_eq!(lock.release(7), Ok(()));
        assert!(!lock.try_acquire(8));
        assert_eq!(lock.release(7), Ok(()));
        assert_eq!(lock.release(7), Err(NotOwned));
        assert!(lock.try_acquire(8));
    }

    #[test]
    fn a_waiter_gets_the_lock_when_it_is_freed_and_not_before() {
        let lock = Arc::new(ReentrantLock::new());
        assert!(lock.try_acquire(1));
        let waiter = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                let until = Instant::now() + Duration::from_secs(30);
                let got = lock.acquire_waiting(2, until);
                let held = lock.holder();
                lock.release(2).expect("held");
                (got, held)
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(lock.holder(), (1, 1));
        lock.release(1).expect("held");
        assert_eq!(waiter.join().expect("waiter"), (true, (2, 1)));
        assert_eq!(lock.holder(), (0, 0));
    }

    #[test]
    fn a_wait_ends_at_its_deadline() {
        let lock = ReentrantLock::new();
        assert!(lock.try_acquire(1));
        let until = Instant::now() + Duration::from_millis(20);
        assert!(!lock.acquire_waiting(2, until));
        assert!(Instant::now() >= until);
        assert_eq!(lock.holder(), (1, 1));
    }

    #[test]
    fn many_threads_each_hold_it_alone() {
        let lock = Arc::new(ReentrantLock::new());
        let inside = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (1..=4u64)
            .map(|me| {
                let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        if !lock.try_acquire(me) {
                            let until = Instant::now() + Duration::from_secs(30);
                            assert!(lock.acquire_waiting(me, until));
                        }
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        lock.release(me).expect("held");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no overlap");
        }
        assert_eq!(lock.holder(), (0, 0));
    }

    #[test]
    fn release_all_and_restore_keep_the_count() {
        let lock = ReentrantLock::new();
        assert!(lock.try_acquire(3) && lock.try_acquire(3));
        let saved = lock.release_all(3).expect("held");
        assert_eq!(saved, (2, 3));
        assert_eq!(lock.release_all(3), Err(NotOwned));
        assert!(lock.try_acquire(4));
        lock.release(4).expect("held");
        assert!(lock.try_acquire(3));
        lock.restore(saved.0, saved.1);
        assert_eq!(lock.holder(), (3, 2));
        lock.reset();
        assert_eq!(lock.holder(), (0, 0));
        assert!(lock.try_acquire(5));
    }
}
