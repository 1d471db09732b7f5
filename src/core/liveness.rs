//! The per-process liveness lock: one locked file per journal directory that tells recovery whether a journal's owner is alive.
//!
//! A file-backed journal keeps no descriptor of its own (issue 17: one per
//! handler is the stdlib's cost, and the log file already takes it).
//! Instead each process that has journal files in a directory holds one
//! file there, `<pid>-<token>.alive`, with a POSIX record lock
//! (`fcntl(F_SETLK)`) on it for as long as it lives, and every journal
//! names that owner (in its file name and its header). A recovery treats a
//! journal as orphaned once its owner's file is no longer locked.
//!
//! POSIX record locks rather than `flock`: they belong to the process, so a
//! `fork()` child never inherits them and cannot keep a dead parent looking
//! alive (an `flock` lives as long as any descriptor shares it), and the
//! child gets a token and files of its own on its first journal. Their
//! catch: closing *any* descriptor of the file in this process drops the
//! lock, so this process never opens its own liveness file a second time
//! (`is_alive` answers for it without opening it).
//!
//! The token tells the owner from an earlier process that had the same pid.
//! The file exists while the process has journal files in the directory: the
//! last one removed (retired, or written out by the crash path) removes it
//! and closes its descriptor, so a process without file handlers holds
//! none, and one that ends by any catchable death leaves nothing behind.

use std::cell::UnsafeCell;
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::{AsRawFd, FromRawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Suffix of a liveness file.
const SUFFIX: &str = ".alive";
/// Suffix of a liveness file being made: it is locked before it is renamed
/// to its final name, so that a final name is never seen unlocked while
/// its owner lives.
const NEW_SUFFIX: &str = ".alive-new";

/// Which process owns a journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OwnerId {
    pub pid: u32,
    /// Random, never 0: tells this process from an earlier one that had the
    /// same pid.
    pub token: u64,
}

impl OwnerId {
    /// `<pid>-<token>`: the liveness file's stem, and part of the names of
    /// the owner's journals.
    pub fn tag(&self) -> String {
        format!("{}-{:016x}", self.pid, self.token)
    }

    /// Reads a tag back; `None` for anything else.
    pub fn parse(tag: &str) -> Option<OwnerId> {
        let (pid, token) = tag.split_once('-')?;
        let token_ok = token.len() == 16 && token.bytes().all(|b| b.is_ascii_hexdigit());
        let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
        if !token_ok || !pid_ok {
            return None;
        }
        let id = OwnerId {
            pid: pid.parse().ok()?,
            token: u64::from_str_radix(token, 16).ok()?,
        };
        (id.token != 0).then_some(id)
    }

    pub(crate) fn file_in(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}{SUFFIX}", self.tag()))
    }
}

/// This process's liveness file in one directory, shared by its journals
/// there.
pub struct Liveness {
    id: OwnerId,
    dir: PathBuf,
    path: PathBuf,
    /// The same path for `unlink(2)` on the crash path, which must not
    /// allocate.
    c_path: CString,
    /// The descriptor holding the lock; -1 once released.
    fd: AtomicI32,
    /// Journal files of this process in the directory not yet removed.
    journals: AtomicUsize,
}

impl Liveness {
    pub fn id(&self) -> OwnerId {
        self.id
    }

    /// Called once for each journal file counted by `enter` when that file
    /// is removed (or given up): the last one removes the liveness file.
    pub fn leave(self: &Arc<Liveness>) {
        // In a fork child a parent's journal is not this process's to count.
        if self.id.pid != current_pid() || self.journals.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let mut table = TABLE.lock();
        // A journal made meanwhile (under the table lock) took it again.
        if self.journals.load(Ordering::Acquire) != 0 {
            return;
        }
        if let Some(at) = table.entries.iter().position(|e| Arc::ptr_eq(e, self)) {
            table.entries.swap_remove(at);
            self.release();
        }
    }

    /// `leave` on the crash path: async-signal-safe (no lock, no
    /// allocation). The file goes with the last journal; the descriptor is
    /// left to the process's end, which is near.
    pub fn leave_in_crash(&self) {
        // SAFETY: getpid is async-signal-safe.
        let me = unsafe { libc::getpid() } as u32;
        if self.id.pid == me && self.journals.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: a NUL-terminated path; unlink is async-signal-safe.
            unsafe { libc::unlink(self.c_path.as_ptr()) };
        }
    }

    /// Removes the file, then drops the lock: the name is gone before it
    /// could be seen unlocked.
    fn release(&self) {
        let _ = std::fs::remove_file(&self.path);
        let fd = self.fd.swap(-1, Ordering::AcqRel);
        if fd >= 0 {
            // SAFETY: our descriptor, taken out of `fd` exactly once.
            unsafe { libc::close(fd) };
        }
    }

    /// In a fork child: the parent's descriptor, copied by `fork()`, holds
    /// no lock here (record locks are not inherited) and is closed, which
    /// releases none of the parent's.
    fn forget_inherited(&self) {
        let fd = self.fd.swap(-1, Ordering::AcqRel);
        if fd >= 0 {
            // SAFETY: the child's copy of the descriptor, closed once.
            unsafe { libc::close(fd) };
        }
    }
}

/// Makes sure this process has a locked liveness file in `dir` and counts
/// one more journal file there; the journal calls `Liveness::leave` once
/// when its file is removed.
pub fn enter(dir: &Path) -> io::Result<Arc<Liveness>> {
    let mut table = TABLE.lock();
    if let Some(entry) = table.entries.iter().find(|e| e.dir == dir) {
        entry.journals.fetch_add(1, Ordering::AcqRel);
        return Ok(Arc::clone(entry));
    }
    let id = table.id();
    let entry = Arc::new(create(dir, id)?);
    table.entries.push(Arc::clone(&entry));
    drop(table);
    sweep(dir, id);
    Ok(entry)
}

/// This process's identity, if it has one (it is made with its first
/// liveness file; a fork child has none until then).
pub fn own_id() -> Option<OwnerId> {
    let pid = ID_PID.load(Ordering::Acquire);
    (pid == current_pid()).then(|| OwnerId {
        pid,
        token: ID_TOKEN.load(Ordering::Relaxed),
    })
}

/// In a fork child, at once: closes the descriptors copied from the parent
/// (they would otherwise stay open, unused, for the child's life).
pub fn forget_inherited() {
    drop(TABLE.lock());
}

/// Whether the owner of journals in `dir` may be alive: its liveness file
/// is locked, or it cannot be told. A missing file (a process that had
/// nothing left to recover, or a directory cleaned by hand) counts as dead
/// unless a process with that pid exists: a journal of a live process is
/// never taken, at the price of waiting for an unrelated process that
/// reused the pid.
pub fn is_alive(dir: &Path, owner: OwnerId) -> bool {
    if own_id() == Some(owner) {
        // Never opened here: closing it would drop our own lock.
        return true;
    }
    match File::open(owner.file_in(dir)) {
        Ok(file) => is_locked(&file).unwrap_or(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => pid_exists(owner.pid),
        Err(_) => true,
    }
}

/// After a recovery took journals of the dead `owner`: its liveness file
/// goes once no journal of it is left in `dir`.
pub fn forget_dead(dir: &Path, owner: OwnerId) {
    if own_id() == Some(owner) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mark = format!("-{}-", owner.tag());
    let left = entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.ends_with(".journal") && name.contains(&mark)
    });
    if !left {
        let _ = std::fs::remove_file(owner.file_in(dir));
    }
}

/// Removes liveness files of dead processes that have no journal left in
/// `dir` (a process killed between making its liveness file and its first
/// journal, or after its last one), once per new liveness file: leftovers
/// do not pile up in a directory that outlives processes.
fn sweep(dir: &Path, me: OwnerId) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        if let Some(tag) = name.strip_suffix(SUFFIX) {
            let Some(owner) = OwnerId::parse(tag) else {
                continue;
            };
            let mark = format!("-{tag}-");
            let has_journals = names
                .iter()
                .any(|other| other.ends_with(".journal") && other.contains(&mark));
            if owner != me && !has_journals && !is_alive(dir, owner) {
                let _ = std::fs::remove_file(dir.join(name));
            }
        } else if let Some(tag) = name
            .strip_prefix('.')
            .and_then(|rest| rest.strip_suffix(NEW_SUFFIX))
        {
            // Killed while making its file (it is locked only once made):
            // the pid is all there is to go by.
            if let Some(owner) = OwnerId::parse(tag) {
                if owner != me && !pid_exists(owner.pid) {
                    let _ = std::fs::remove_file(dir.join(name));
                }
            }
        }
    }
}

/// Makes, locks and names this process's liveness file in `dir`.
fn create(dir: &Path, id: OwnerId) -> io::Result<Liveness> {
    let path = id.file_in(dir);
    let temp = dir.join(format!(".{}{NEW_SUFFIX}", id.tag()));
    let c_path = CString::new(path.as_os_str().as_bytes())?;
    let c_temp = CString::new(temp.as_os_str().as_bytes())?;
    // SAFETY: open with a NUL-terminated path; checked for failure.
    let fd = unsafe {
        libc::open(
            c_temp.as_ptr(),
            libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
            0o600,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor we just opened and own.
    let file = unsafe { File::from_raw_fd(fd) };
    let made = lock(&file).and_then(|()| std::fs::rename(&temp, &path));
    if let Err(error) = made {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    Ok(Liveness {
        id,
        dir: dir.to_path_buf(),
        path,
        c_path,
        fd: AtomicI32::new(std::os::unix::io::IntoRawFd::into_raw_fd(file)),
        journals: AtomicUsize::new(1),
    })
}

fn whole_file(kind: libc::c_int) -> libc::flock {
    // SAFETY: a plain C struct for which all zeroes is valid.
    let mut region: libc::flock = unsafe { std::mem::zeroed() };
    region.l_type = kind as libc::c_short;
    region.l_whence = libc::SEEK_SET as libc::c_short;
    // l_start and l_len 0: the whole file, however long.
    region
}

fn lock(file: &File) -> io::Result<()> {
    let region = whole_file(libc::F_WRLCK);
    // SAFETY: fcntl on an open descriptor with a valid flock struct.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &region) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether another process holds a lock on `file` (asked without taking
/// one).
fn is_locked(file: &File) -> io::Result<bool> {
    let mut region = whole_file(libc::F_RDLCK);
    // SAFETY: fcntl on an open descriptor with a valid flock struct.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut region) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(region.l_type != libc::F_UNLCK as libc::c_short)
}

fn pid_exists(pid: u32) -> bool {
    // 0 and what does not fit a pid_t would name process groups or every
    // process.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    // EPERM: it exists, as another user's.
    io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

fn current_pid() -> u32 {
    std::process::id()
}

/// A token no other process is likely to draw: from the kernel's random
/// pool, else from the clock and the pid.
fn new_token() -> u64 {
    let mut bytes = [0u8; 8];
    // SAFETY: fills at most 8 bytes of a local buffer.
    let filled = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    let token = if filled == 8 {
        u64::from_ne_bytes(bytes)
    } else {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_nanos() as u64)
            .unwrap_or(0);
        now ^ (u64::from(current_pid()) << 40) ^ 0x9e37_79b9_7f4a_7c15
    };
    token.max(1)
}

/// The pid and token of this process once it has made a liveness file:
/// the token is stored before the pid, so a reader that sees its own pid
/// also sees its token.
static ID_PID: AtomicU32 = AtomicU32::new(0);
static ID_TOKEN: AtomicU64 = AtomicU64::new(0);

/// This process's liveness files, one per directory.
struct Table {
    /// The process the entries belong to (a fork child finds its parent's).
    pid: u32,
    entries: Vec<Arc<Liveness>>,
}

impl Table {
    /// This process's identity, made on first use (also in a fork child).
    fn id(&self) -> OwnerId {
        match own_id() {
            Some(id) => id,
            None => {
                let id = OwnerId {
                    pid: self.pid,
                    token: new_token(),
                };
                ID_TOKEN.store(id.token, Ordering::Relaxed);
                ID_PID.store(id.pid, Ordering::Release);
                id
            }
        }
    }
}

static TABLE: PidLock<Table> = PidLock::new(Table {
    pid: 0,
    entries: Vec::new(),
});

/// A lock that a `fork()` child can take even when a thread of the parent
/// held it at the fork (that thread does not exist in the child): the lock
/// word holds the holder's pid. Neither a std mutex (it would stay locked
/// for good in such a child) nor `pthread_atfork` (a child of a process
/// that never made a journal need not pay for it) would do. Only taken for
/// short stretches: looking up the table, making a liveness file.
struct PidLock<T> {
    /// The pid of the holder; 0 when free.
    holder: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is reached only through a guard, which one thread of a
// process holds at a time.
unsafe impl<T: Send> Sync for PidLock<T> {}

struct PidGuard<'a> {
    lock: &'a PidLock<Table>,
}

impl PidLock<Table> {
    const fn new(value: Table) -> Self {
        PidLock {
            holder: AtomicU32::new(0),
            value: UnsafeCell::new(value),
        }
    }

    /// Takes the lock; in the first call of a fork child, also hands the
    /// table over from the parent's entries to the child's.
    fn lock(&self) -> PidGuard<'_> {
        let me = current_pid();
        let mut spins = 0u32;
        let inherited_held = loop {
            match self
                .holder
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => break false,
                // Another pid: a thread of a process this one was forked
                // from held it at the fork, and exists no more here.
                Err(other) if other != me => {
                    if self
                        .holder
                        .compare_exchange(other, me, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                    {
                        break true;
                    }
                }
                Err(_) => {
                    spins += 1;
                    if spins < 64 {
                        std::hint::spin_loop();
                    } else {
                        std::thread::sleep(Duration::from_micros(50));
                    }
                }
            }
        };
        let guard = PidGuard { lock: self };
        // SAFETY: held by this thread from here until the guard drops.
        let table = unsafe { &mut *self.value.get() };
        if table.pid != me {
            let parents = std::mem::take(&mut table.entries);
            if inherited_held {
                // The parent's thread may have been changing the list:
                // nothing in it is touched, only leaked.
                std::mem::forget(parents);
            } else {
                for entry in &parents {
                    entry.forget_inherited();
                }
            }
            table.pid = me;
        }
        guard
    }
}

impl std::ops::Deref for PidGuard<'_> {
    type Target = Table;
    fn deref(&self) -> &Table {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.lock.value.get() }
    }
}

impl std::ops::DerefMut for PidGuard<'_> {
    fn deref_mut(&mut self) -> &mut Table {
        // SAFETY: the guard holds the lock.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl Drop for PidGuard<'_> {
    fn drop(&mut self) {
        self.lock.holder.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("femto-liveness-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn a_tag_reads_back() {
        let id = OwnerId {
            pid: 4242,
            token: 0x0123_4567_89ab_cdef,
        };
        assert_eq!(OwnerId::parse(&id.tag()), Some(id));
        assert_eq!(OwnerId::parse("4242-0123"), None);
        assert_eq!(OwnerId::parse("4242-0000000000000000"), None);
        assert_eq!(OwnerId::parse("x-0123456789abcdef"), None);
    }

    #[test]
    fn one_file_per_directory_while_journals_are_counted() {
        let dir = scratch("count");
        let first = enter(&dir).expect("enter");
        let second = enter(&dir).expect("enter again");
        assert!(Arc::ptr_eq(&first, &second));
        let file = first.id().file_in(&dir);
        assert!(file.exists());
        assert!(is_alive(&dir, first.id()), "our own file counts as alive");
        first.leave();
        assert!(file.exists(), "one journal is still counted");
        second.leave();
        assert!(!file.exists(), "the last journal took the file along");
        assert_eq!(first.fd.load(Ordering::Relaxed), -1);
        let again = enter(&dir).expect("made again");
        assert!(again.id().file_in(&dir).exists());
        again.leave();
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unlocked_or_missing_file_means_a_dead_owner() {
        let dir = scratch("dead");
        let stranger = OwnerId {
            // No process has this pid (above the kernel's pid_max).
            pid: 1 << 30,
            token: 7,
        };
        assert!(!is_alive(&dir, stranger), "missing, and no such process");
        std::fs::write(stranger.file_in(&dir), b"").expect("file");
        assert!(!is_alive(&dir, stranger), "there, but not locked");
        forget_dead(&dir, stranger);
        assert!(!stranger.file_in(&dir).exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_sweep_removes_only_dead_owners_without_journals() {
        let dir = scratch("sweep");
        let dead = OwnerId {
            pid: 1 << 30,
            token: 1,
        };
        let dead_with_journal = OwnerId {
            pid: 1 << 30,
            token: 2,
        };
        std::fs::write(dead.file_in(&dir), b"").expect("file");
        std::fs::write(dead_with_journal.file_in(&dir), b"").expect("file");
        let journal = dir.join(format!("abc-{}-0.journal", dead_with_journal.tag()));
        std::fs::write(&journal, b"").expect("journal");
        let unfinished = dir.join(format!(".{}{NEW_SUFFIX}", dead.tag()));
        std::fs::write(&unfinished, b"").expect("unfinished");
        let mine = enter(&dir).expect("enter");
        assert!(!dead.file_in(&dir).exists());
        assert!(!unfinished.exists());
        assert!(dead_with_journal.file_in(&dir).exists());
        assert!(mine.id().file_in(&dir).exists());
        mine.leave();
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
