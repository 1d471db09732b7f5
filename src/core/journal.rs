//! `Journal`: the bytes a handler has accepted and not yet handed to the
//! kernel, kept in memory that outlives the process.
//!
//! A log call formats its record and copies the line into the journal, a
//! ring of bytes, before it returns; the handler's worker writes the ring
//! out to the log file in batches and then marks the bytes committed. The
//! ring lives in a shared mapping of a file under the journal directory
//! (see `journal_dir`): if the process is killed (SIGKILL, the OOM killer)
//! the kernel keeps the mapped pages, and the next process that opens a
//! handler on the same log path writes what was not committed (`recover`).
//! A process that can still run code when it dies (a fatal signal,
//! `os._exit`) writes the rest itself, with async-signal-safe calls only
//! (`crash_flush`, see crash.rs). A clean close unlinks the file. Where no
//! file can back the ring (no writable directory, no space, a handler on a
//! file descriptor), it is anonymous memory: crashes the process survives
//! long enough to handle are still covered, SIGKILL is not.
//!
//! Offsets are virtual and only grow; byte `n` lives at `n % capacity`.
//! Exactly-once: whoever writes a range first *claims* it in the header,
//! noting the log file's size before the write, so that a recovery that
//! finds a claim can tell whether the write happened (the bytes are in the
//! file after that size) and not write them twice.
//!
//! A journal keeps no descriptor once it is made (the mapping does not need
//! one): its owner's liveness is the process's one liveness lock
//! (liveness.rs), named in the journal's file name and header, and the rare
//! growth of its reservation opens the file by path for the moment.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::os::unix::io::{AsRawFd, FromRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::dying;
use super::liveness::{self, Liveness, OwnerId};
use super::raw_write::writev_all_raw;
use super::sync::lock_unpoisoned;

/// "FEMTOJNL" followed by the layout version.
const MAGIC: [u8; 8] = *b"FEMTOJNL";
/// 3: the owner is named by pid and token (`owner_token`), its liveness
/// kept by a per-process lock instead of one on the journal file.
const VERSION: u32 = 3;
/// The header takes the first page; the ring follows.
const HEADER_LEN: usize = 4096;
/// Ring bytes reserved when a journal is made; more as the ring needs them.
const FIRST_RESERVE: u64 = 16 * 1024;
/// Ring bytes an anonymous journal maps in at a time as the ring reaches
/// them.
const POPULATE_STEP: u64 = 256 * 1024;
/// Longest log path a journal records.
const PATH_CAPACITY: usize = HEADER_LEN - 128;
/// Set in `claim` when the crash path owns the journal: nothing else may
/// write from it any more.
const CRASH_OWNED: u64 = 1 << 63;
/// `claim` while the output runs a command (a rollover or reopen closes and
/// reopens the file): the crash path waits for the file to be open again.
const COMMAND_RUNNING: u64 = 1 << 62;

/// The journal's first page, shared with every process that maps the file.
#[repr(C)]
struct Header {
    magic: [u8; 8],
    version: u32,
    header_len: u32,
    capacity: u64,
    /// End of the bytes appended (virtual offset).
    published: AtomicU64,
    /// End of the bytes handed to the kernel.
    committed: AtomicU64,
    /// 0, or the end of the range being written (with `CRASH_OWNED` when
    /// the crash path writes it).
    claim: AtomicU64,
    claim_start: AtomicU64,
    /// The log file's size just before the claimed write.
    claim_file_size: AtomicU64,
    /// The offset stored at the start of the ring: an empty ring starts
    /// again at its beginning (see `append_locked`).
    origin: AtomicU64,
    owner_pid: AtomicU32,
    path_len: AtomicU32,
    /// With `owner_pid`, the owner's liveness file (liveness.rs); the same
    /// owner as the file name's. 0 for a journal in memory.
    owner_token: AtomicU64,
    path: [u8; PATH_CAPACITY],
}

const _: () = assert!(std::mem::size_of::<Header>() <= HEADER_LEN);

/// A mapping of the header page and the ring.
struct Mapping {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory; every shared field is atomic, and
// the ring's bytes are written only by the holder of the append lock in the
// region no reader reads until it is published.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    fn anonymous(len: usize) -> io::Result<Mapping> {
        // SAFETY: a fresh private anonymous mapping; checked for failure.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            base: base.cast(),
            len,
        })
    }

    fn shared(file: &File, len: usize) -> io::Result<Mapping> {
        // SAFETY: maps `len` bytes of a file that is at least that long;
        // checked for failure. Nothing is populated here: the journal maps
        // the pages it reserves as it reserves them (`Journal::reserve`).
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            base: base.cast(),
            len,
        })
    }

    fn header(&self) -> &Header {
        // SAFETY: the mapping starts with a page-aligned header page.
        unsafe { &*self.base.cast::<Header>() }
    }

    /// Maps `len` bytes from `offset` (reserved in the file) now, so that
    /// no log call pays a page fault for them. Best effort: a kernel
    /// without `MADV_POPULATE_WRITE` (before 5.14) faults them in later.
    fn populate(&self, offset: usize, len: usize) {
        // SAFETY: advice on a range inside this mapping; no memory is read
        // or written through Rust references.
        unsafe {
            libc::madvise(
                self.base.add(offset).cast(),
                len.min(self.len.saturating_sub(offset)),
                libc::MADV_POPULATE_WRITE,
            );
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if dying::is_dying() {
            // The dying process's crash path may be reading it.
            return;
        }
        // SAFETY: unmaps exactly what `mmap` returned.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// The file behind a file-backed journal. No descriptor is kept: the
/// mapping holds the pages, the owner's liveness file tells recovery the
/// owner lives.
struct Backing {
    path: PathBuf,
    /// The same path for `unlink(2)` on the crash path, which must not
    /// allocate, and for reopening it to grow the reservation.
    c_path: CString,
    /// The file's identity: a reopen by path that finds another file (the
    /// journal was removed and the name reused) reserves nothing in it.
    dev: u64,
    ino: u64,
    /// This process's liveness file in the journal's directory, which
    /// counts the journal until its file is removed.
    owner: Arc<Liveness>,
    /// Set when the file is removed (or given up), so that it is counted
    /// out of `owner` exactly once.
    removed: AtomicBool,
}

impl Backing {
    /// Reserves `len` bytes of the file from `offset`, through a descriptor
    /// opened for the moment.
    fn reserve(&self, offset: u64, len: u64) -> io::Result<()> {
        // SAFETY: open with a NUL-terminated path; checked for failure.
        let fd = unsafe { libc::open(self.c_path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a descriptor we just opened and own: closed on drop.
        let file = unsafe { File::from_raw_fd(fd) };
        let meta = file.metadata()?;
        if (meta.dev(), meta.ino()) != (self.dev, self.ino) {
            return Err(io::Error::other("the journal's path names another file"));
        }
        fallocate(&file, offset, len)
    }

    /// Counts the file out of its owner's journals, once.
    fn mark_removed(&self) -> bool {
        !self.removed.swap(true, Ordering::AcqRel)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Dropped after a normal end (the crash path keeps journals alive):
        // a journal with nothing left to write has no reason to stay.
        if !dying::is_dying() {
            self.retire();
        }
    }
}

/// What `append` could not do.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendError {
    /// No room until the worker commits more.
    Full,
    /// Longer than the whole ring, or no memory left to reserve for it:
    /// written past the journal.
    TooLarge,
}

pub struct Journal {
    mapping: Mapping,
    capacity: u64,
    /// Ring bytes reserved in the backing file so far; for a journal in
    /// memory, where pages need no reservation, the bytes mapped in ahead.
    reserved: AtomicU64,
    backing: Option<Backing>,
    /// Serializes appends (callers hold the GIL, so it is uncontended).
    append: Mutex<()>,
}

/// Ring bytes for a handler of `capacity` records: 128 bytes a record.
pub fn ring_bytes(capacity_records: usize) -> u64 {
    (capacity_records.max(2) as u64).saturating_mul(128)
}

/// Where file-backed journals live: `FEMTOLOGGING_JOURNAL_DIR`, else a
/// per-user directory under `/dev/shm` (memory the kernel keeps after a
/// process dies, cleared at reboot), else under the temporary directory.
/// `None` when `FEMTOLOGGING_JOURNAL_DIR` is empty: journals stay in
/// anonymous memory.
pub fn journal_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FEMTOLOGGING_JOURNAL_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let shm = Path::new("/dev/shm");
    let root = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    Some(root.join(format!("femtologging-{uid}")))
}

/// FNV-1a of the log path: the journal file names start with it, so a
/// recovery lists only the candidates for its path.
fn path_key(path: &Path) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Takes an exclusive `flock` on a journal file, for a recovery only: two
/// recoveries of one journal never run at once (the owner takes none).
fn try_flock(file: &File) -> bool {
    // SAFETY: flock on an open descriptor.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// `<path key>-<owner tag>-<serial>.journal`: the owner in the name lets a
/// recovery judge a journal whose header is not written yet, and find
/// what is left of a dead owner without opening anything.
fn journal_file_name(log_path: &Path, owner: OwnerId, serial: u64) -> String {
    format!("{}-{}-{serial}.journal", path_key(log_path), owner.tag())
}

/// The owner a journal's file name gives, if it has this layout's form.
fn owner_from_name(name: &str) -> Option<OwnerId> {
    let stem = name.strip_suffix(".journal")?;
    let mut parts = stem.split('-');
    let (_key, pid, token, _serial) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    OwnerId::parse(&format!("{pid}-{token}"))
}

impl Journal {
    /// A journal in anonymous memory: survives what the process can handle
    /// before it dies, not SIGKILL.
    pub fn in_memory(capacity: u64) -> io::Result<Journal> {
        let mapping = Mapping::anonymous(HEADER_LEN + capacity as usize)?;
        let journal = Journal {
            mapping,
            capacity,
            // Nothing mapped in yet: an idle handler keeps only its header.
            reserved: AtomicU64::new(0),
            backing: None,
            append: Mutex::new(()),
        };
        journal.write_header(None, None);
        Ok(journal)
    }

    /// A journal for the log file `log_path`, backed by a file in
    /// `journal_dir()` when one can be made and reserved, else in memory.
    pub fn for_log(log_path: &Path, capacity: u64) -> io::Result<Journal> {
        match journal_dir().map(|dir| Journal::backed(&dir, log_path, capacity)) {
            Some(Ok(journal)) => Ok(journal),
            _ => Journal::in_memory(capacity),
        }
    }

    fn backed(dir: &Path, log_path: &Path, capacity: u64) -> io::Result<Journal> {
        let path_bytes = log_path.as_os_str().as_bytes();
        if path_bytes.len() >= PATH_CAPACITY {
            return Err(io::Error::other("log path too long for a journal"));
        }
        // Absolute: the file is reopened (`reserve`) and unlinked by its
        // path later, when the working directory may have changed.
        let dir = &std::path::absolute(dir)?;
        std::fs::create_dir_all(dir)?;
        // The owner's liveness file is locked before the journal exists, so
        // that no recovery ever sees the journal with its owner unlocked.
        let owner = liveness::enter(dir)?;
        let file_path = dir.join(journal_file_name(log_path, owner.id(), next_serial()));
        let made = Journal::make_file(&file_path, capacity);
        let (mapping, meta) = match made {
            Ok(made) => made,
            Err(error) => {
                let _ = std::fs::remove_file(&file_path);
                owner.leave();
                return Err(error);
            }
        };
        let c_path = match CString::new(file_path.as_os_str().as_bytes()) {
            Ok(c_path) => c_path,
            Err(error) => {
                let _ = std::fs::remove_file(&file_path);
                owner.leave();
                return Err(error.into());
            }
        };
        let id = owner.id();
        let journal = Journal {
            mapping,
            capacity,
            reserved: AtomicU64::new(FIRST_RESERVE.min(capacity)),
            backing: Some(Backing {
                path: file_path,
                c_path,
                dev: meta.dev(),
                ino: meta.ino(),
                owner,
                removed: AtomicBool::new(false),
            }),
            append: Mutex::new(()),
        };
        journal.write_header(Some(path_bytes), Some(id));
        Ok(journal)
    }

    /// Makes the journal's file and maps it; the descriptor is closed on
    /// return (the mapping keeps the pages).
    fn make_file(file_path: &Path, capacity: u64) -> io::Result<(Mapping, std::fs::Metadata)> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file_path)?;
        let len = HEADER_LEN as u64 + capacity;
        file.set_len(len)?;
        // The header and the ring's first pages are reserved now, the
        // rest as the ring reaches it (`reserve`): a page of a sparse
        // file on a full tmpfs would be a SIGBUS at first touch.
        let first = HEADER_LEN as u64 + FIRST_RESERVE.min(capacity);
        fallocate(&file, 0, first)?;
        let mapping = Mapping::shared(&file, len as usize)?;
        mapping.populate(0, first as usize);
        Ok((mapping, file.metadata()?))
    }

    fn write_header(&self, log_path: Option<&[u8]>, owner: Option<OwnerId>) {
        let base = self.mapping.base;
        // SAFETY: the header page is ours alone until the journal is used.
        unsafe {
            let header = base.cast::<Header>();
            (*header).magic = MAGIC;
            (*header).version = VERSION;
            (*header).header_len = HEADER_LEN as u32;
            (*header).capacity = self.capacity;
            if let Some(path) = log_path {
                let field = &mut (*header).path;
                field[..path.len()].copy_from_slice(path);
                field[path.len()] = 0;
                (*header)
                    .path_len
                    .store(path.len() as u32, Ordering::Relaxed);
            }
        }
        let header = self.header();
        header.published.store(0, Ordering::Relaxed);
        header.committed.store(0, Ordering::Relaxed);
        header.claim.store(0, Ordering::Relaxed);
        header.origin.store(0, Ordering::Relaxed);
        let owner = owner.unwrap_or(OwnerId {
            pid: std::process::id(),
            token: 0,
        });
        header.owner_token.store(owner.token, Ordering::Relaxed);
        header.owner_pid.store(owner.pid, Ordering::Release);
    }

    fn header(&self) -> &Header {
        self.mapping.header()
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Ring bytes reserved in the backing file (mapped in, in memory) so far.
    pub fn reserved(&self) -> u64 {
        self.reserved.load(Ordering::Relaxed)
    }

    /// Makes sure the ring's first `end` bytes are reserved in the backing
    /// file, growing the reservation (at least doubling it) when not; in
    /// memory, maps them in ahead. Called by the one appending thread.
    /// False when the file system has no room: the caller writes past the
    /// journal instead.
    fn reserve(&self, end: u64) -> bool {
        let reserved = self.reserved.load(Ordering::Relaxed);
        if end <= reserved {
            return true;
        }
        let Some(backing) = &self.backing else {
            // Anonymous memory needs no reservation, and a page the ring
            // reaches is faulted in by the first write anyway; mapping the
            // next stretch in one call spares the log calls a fault per
            // page. The stretch doubles what is mapped, up to a step, so
            // memory still follows the most the ring ever held.
            let step = reserved.clamp(FIRST_RESERVE, POPULATE_STEP);
            let wanted = end.max(reserved + step).min(self.capacity);
            self.mapping
                .populate(HEADER_LEN + reserved as usize, (wanted - reserved) as usize);
            self.reserved.store(wanted, Ordering::Relaxed);
            return true;
        };
        let wanted = end.max(reserved.saturating_mul(2)).min(self.capacity);
        let from = HEADER_LEN as u64 + reserved;
        // Rare (the reservation at least doubles each time), so the file
        // is opened for it rather than held open for the journal's life.
        match backing.reserve(from, wanted - reserved) {
            Ok(()) => {
                self.mapping
                    .populate(from as usize, (wanted - reserved) as usize);
                self.reserved.store(wanted, Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether the journal survives SIGKILL (file-backed).
    pub fn is_backed(&self) -> bool {
        self.backing.is_some()
    }

    pub fn backing_path(&self) -> Option<&Path> {
        self.backing.as_ref().map(|backing| backing.path.as_path())
    }

    pub fn published(&self) -> u64 {
        self.header().published.load(Ordering::Acquire)
    }

    pub fn committed(&self) -> u64 {
        self.header().committed.load(Ordering::Acquire)
    }

    /// Whether everything appended is committed.
    pub fn is_empty(&self) -> bool {
        self.committed() == self.published()
    }

    /// Copies `bytes` in and publishes them; returns the end offset.
    pub fn append(&self, bytes: &[u8]) -> Result<u64, AppendError> {
        let _guard = lock_unpoisoned(&self.append);
        self.append_locked(bytes)
    }

    /// Whether `len` more bytes fit now (they still do until appended:
    /// only appends take room). `TooLarge` for more than the whole ring.
    pub fn fits(&self, len: u64) -> Result<bool, AppendError> {
        if len > self.capacity {
            return Err(AppendError::TooLarge);
        }
        let header = self.header();
        let used =
            header.published.load(Ordering::Relaxed) - header.committed.load(Ordering::Acquire);
        Ok(used + len <= self.capacity)
    }

    /// `append` for a caller that serializes every append to this journal
    /// itself (a handler's producer lock), which saves taking a second lock.
    pub fn append_serialized(&self, bytes: &[u8]) -> Result<u64, AppendError> {
        self.append_locked(bytes)
    }

    fn append_locked(&self, bytes: &[u8]) -> Result<u64, AppendError> {
        let len = bytes.len() as u64;
        if len > self.capacity {
            return Err(AppendError::TooLarge);
        }
        let header = self.header();
        let published = header.published.load(Ordering::Relaxed);
        let committed = header.committed.load(Ordering::Acquire);
        if published - committed + len > self.capacity {
            return Err(AppendError::Full);
        }
        // An empty ring starts again at its beginning: a handler touches
        // (and so keeps in memory) only as much of the ring as it ever
        // holds at once, not the whole bound. Readers load `published`
        // before `origin`, and nobody reads an empty range.
        let mut origin = header.origin.load(Ordering::Relaxed);
        if published == committed && origin != published {
            header.origin.store(published, Ordering::Release);
            origin = published;
        }
        let at = ((published - origin) % self.capacity) as usize;
        let first = bytes.len().min(self.capacity as usize - at);
        if !self.reserve((at + first) as u64) {
            return Err(AppendError::TooLarge);
        }
        // SAFETY: both copies stay inside the ring, in the region between
        // `published` and `committed + capacity` that nobody else touches.
        unsafe {
            let ring = self.mapping.base.add(HEADER_LEN);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ring.add(at), first);
            std::ptr::copy_nonoverlapping(bytes.as_ptr().add(first), ring, bytes.len() - first);
        }
        let end = published + len;
        header.published.store(end, Ordering::Release);
        Ok(end)
    }

    /// The bytes from `from` to `to` as at most two slices of the ring.
    /// They must be published and not committed.
    pub fn spans(&self, from: u64, to: u64) -> (&[u8], &[u8]) {
        let len = (to - from) as usize;
        let origin = self.header().origin.load(Ordering::Acquire);
        let at = (from.wrapping_sub(origin) % self.capacity) as usize;
        let first = len.min(self.capacity as usize - at);
        // SAFETY: the range is published (its bytes are written) and not
        // committed (so not overwritten) while the caller holds the claim.
        unsafe {
            let ring = self.mapping.base.add(HEADER_LEN);
            (
                std::slice::from_raw_parts(ring.add(at), first),
                std::slice::from_raw_parts(ring, len - first),
            )
        }
    }

    /// Claims `from..to` for writing, noting the file's size before the
    /// write. False when the crash path owns the journal.
    pub fn claim(&self, from: u64, to: u64, file_size: u64) -> bool {
        let header = self.header();
        if header
            .claim
            .compare_exchange(0, to, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        header.claim_start.store(from, Ordering::Relaxed);
        header.claim_file_size.store(file_size, Ordering::Release);
        true
    }

    /// Claims the output for a command (no range is written). False when
    /// the crash path owns the journal: the command must not run.
    pub fn claim_for_command(&self) -> bool {
        self.header()
            .claim
            .compare_exchange(0, COMMAND_RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub fn release_command_claim(&self) {
        let _ = self.header().claim.compare_exchange(
            COMMAND_RUNNING,
            0,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
    }

    /// The claimed range is in the file: commit it and release the claim.
    pub fn commit_claim(&self, to: u64) {
        let header = self.header();
        header.committed.store(to, Ordering::Release);
        header.claim.store(0, Ordering::Release);
    }

    /// The claimed write failed: its bytes are given up (as a failed write
    /// drops them), and the claim is released.
    pub fn abandon_claim(&self, to: u64) {
        self.commit_claim(to);
    }

    /// Writes whatever is published and not committed to `fd`, from a
    /// thread that may be in a signal handler: only async-signal-safe calls,
    /// no allocation, no lock. Waits up to `patience` for a write in
    /// progress elsewhere to finish. Afterwards nothing else writes from
    /// this journal.
    pub fn crash_flush(&self, fd: RawFd, patience: std::time::Duration) {
        let header = self.header();
        let mut waited = std::time::Duration::ZERO;
        let step = std::time::Duration::from_millis(1);
        loop {
            let claim = header.claim.load(Ordering::Acquire);
            if claim & CRASH_OWNED != 0 {
                return; // another thread is flushing it
            }
            if claim == 0
                && header
                    .claim
                    .compare_exchange(0, CRASH_OWNED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                break;
            }
            if waited >= patience {
                // A write stuck in the kernel: leave the rest to recovery.
                return;
            }
            let pause = libc::timespec {
                tv_sec: 0,
                tv_nsec: step.as_nanos() as i64,
            };
            // SAFETY: nanosleep is async-signal-safe.
            unsafe { libc::nanosleep(&pause, std::ptr::null_mut()) };
            waited += step;
        }
        let from = header.committed.load(Ordering::Acquire);
        let to = header.published.load(Ordering::Acquire);
        if from == to {
            self.unlink_in_crash();
            return;
        }
        // No file open (a reopen failed, or the handler closed it): the
        // log's own path, from the header.
        let opened = if fd < 0 {
            self.open_log_for_crash()
        } else {
            -1
        };
        let fd = if fd < 0 { opened } else { fd };
        if fd < 0 {
            return; // left for recovery
        }
        header.claim_start.store(from, Ordering::Relaxed);
        header.claim_file_size.store(fd_size(fd), Ordering::Relaxed);
        header.claim.store(to | CRASH_OWNED, Ordering::Release);
        let (first, second) = self.spans(from, to);
        let written = writev_all_raw(fd, first, second).is_ok();
        if opened >= 0 {
            // SAFETY: closing the descriptor opened above.
            unsafe { libc::close(opened) };
        }
        if written {
            header.committed.store(to, Ordering::Release);
            // Everything is in the log: no journal is left behind.
            self.unlink_in_crash();
        }
    }

    /// Removes the journal's file (and, with the process's last one, its
    /// liveness file) with async-signal-safe calls only.
    fn unlink_in_crash(&self) {
        if let Some(backing) = &self.backing {
            if backing.mark_removed() {
                // SAFETY: a NUL-terminated path; unlink is async-signal-safe.
                unsafe { libc::unlink(backing.c_path.as_ptr()) };
                backing.owner.leave_in_crash();
            }
        }
    }

    /// Opens the log file named in the header for appending, with
    /// async-signal-safe calls only; -1 when there is no path.
    fn open_log_for_crash(&self) -> RawFd {
        let header = self.header();
        let len = header.path_len.load(Ordering::Acquire) as usize;
        if len == 0 || len >= PATH_CAPACITY {
            return -1;
        }
        // The path is stored NUL-terminated (see `write_header`).
        // SAFETY: open with a NUL-terminated path inside the header.
        unsafe {
            libc::open(
                header.path.as_ptr().cast(),
                libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_CLOEXEC,
                0o666,
            )
        }
    }

    /// After a clean close (everything committed): the file goes, so no
    /// journal outlives a process that ended normally. The memory stays
    /// usable.
    pub fn retire(&self) {
        if let Some(backing) = &self.backing {
            // A parent's journal seen from a fork child is the parent's to
            // remove.
            let mine = backing.owner.id().pid == std::process::id();
            if mine && self.is_empty() && backing.mark_removed() {
                let _ = std::fs::remove_file(&backing.path);
                backing.owner.leave();
            }
        }
    }

    /// In a forked child, for the parent's journal: the journal holds no
    /// descriptor, and the parent's liveness lock is not inherited (record
    /// locks belong to a process), so a dead parent never looks alive
    /// because of the child. Closes the child's copies of the parent's
    /// liveness descriptors now rather than at its first journal. The
    /// journal itself is left alone.
    pub fn release_lock_in_child(&self) {
        liveness::forget_inherited();
    }
}

/// Reserves `len` bytes of `file` from `offset`.
fn fallocate(file: &File, offset: u64, len: u64) -> io::Result<()> {
    // SAFETY: a reservation on an open descriptor; no memory is touched.
    let status = unsafe { libc::posix_fallocate(file.as_raw_fd(), offset as i64, len as i64) };
    match status {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

fn next_serial() -> u64 {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

fn fd_size(fd: RawFd) -> u64 {
    // SAFETY: fstat into a zeroed struct; async-signal-safe.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut stat) == 0 {
            stat.st_size as u64
        } else {
            0
        }
    }
}

/// What a recovery did for one journal file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub journals: usize,
    pub bytes: u64,
}

/// Writes to `log_path` what journals of dead processes hold for it, then
/// removes those journals. Journals of live processes (their liveness file
/// locked, see liveness.rs) are left.
pub fn recover(log_path: &Path) -> io::Result<Recovered> {
    let Some(dir) = journal_dir() else {
        return Ok(Recovered::default());
    };
    recover_in(&dir, log_path)
}

fn recover_in(dir: &Path, log_path: &Path) -> io::Result<Recovered> {
    let prefix = format!("{}-", path_key(log_path));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Recovered::default()),
        Err(error) => return Err(error),
    };
    let mut candidates: Vec<(PathBuf, OwnerId, i64)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(&prefix) {
            continue;
        }
        // Another layout's names (no owner token) are that version's.
        if let Some(owner) = owner_from_name(&name) {
            let modified = entry.metadata().map(|m| m.mtime()).unwrap_or(0);
            candidates.push((entry.path(), owner, modified));
        }
    }
    // Oldest first: records of earlier processes come first.
    candidates.sort_by_key(|(path, _, modified)| (*modified, path.clone()));
    let mut recovered = Recovered::default();
    // Each owner asked once: (owner, alive).
    let mut owners: Vec<(OwnerId, bool)> = Vec::new();
    let mut outcome = Ok(());
    for (path, owner, _) in candidates {
        let alive = match owners.iter().find(|(known, _)| *known == owner) {
            Some((_, alive)) => *alive,
            None => {
                let alive = liveness::is_alive(dir, owner);
                owners.push((owner, alive));
                alive
            }
        };
        if alive {
            continue;
        }
        match recover_one(&path, log_path, owner) {
            Ok(Some(bytes)) => {
                recovered.journals += 1;
                recovered.bytes += bytes;
            }
            Ok(None) => {}
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    // A dead owner's liveness file goes with its last journal (whichever
    // log path that one was for).
    for (owner, _) in owners.iter().filter(|(_, alive)| !alive) {
        liveness::forget_dead(dir, *owner);
    }
    outcome.map(|()| recovered)
}

/// Recovers the journal at `journal_path` of the dead `owner`. `None`: not
/// a journal of `log_path` (or of this layout), or another recovery has it.
fn recover_one(journal_path: &Path, log_path: &Path, owner: OwnerId) -> io::Result<Option<u64>> {
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(journal_path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    // Held until the journal is removed: a second recovery skips it, or
    // finds the name gone (or naming another file) once it gets the lock.
    if !try_flock(&file) {
        return Ok(None);
    }
    let meta = file.metadata()?;
    match std::fs::metadata(journal_path) {
        Ok(now) if (now.dev(), now.ino()) == (meta.dev(), meta.ino()) => {}
        Ok(_) => return Ok(None),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    }
    let len = meta.len();
    if len < HEADER_LEN as u64 {
        // Its owner died while making it: nothing was ever in it.
        remove_recovered(journal_path)?;
        return Ok(Some(0));
    }
    let mapping = Mapping::shared(&file, len as usize)?;
    let (valid, unwritten, capacity) = {
        let header = mapping.header();
        let path_len = header.path_len.load(Ordering::Acquire) as usize;
        let layout = header.magic == MAGIC
            && header.version == VERSION
            && header.header_len as usize == HEADER_LEN
            && header.capacity + HEADER_LEN as u64 == len
            && path_len <= PATH_CAPACITY
            && header.owner_pid.load(Ordering::Acquire) == owner.pid
            && header.owner_token.load(Ordering::Acquire) == owner.token;
        // A hash collision names another file's journal.
        let same_log = layout && header.path[..path_len] == *log_path.as_os_str().as_bytes();
        (same_log, header.magic == [0; 8], header.capacity)
    };
    if unwritten {
        // Its owner died before writing the header: nothing was ever in it.
        drop(mapping);
        remove_recovered(journal_path)?;
        return Ok(Some(0));
    }
    if !valid {
        // Another version's journal is left for that version to recover.
        return Ok(None);
    }
    let journal = Journal {
        mapping,
        capacity,
        reserved: AtomicU64::new(capacity),
        backing: None,
        append: Mutex::new(()),
    };
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(log_path)?;
    let header = journal.header();
    let mut committed = header.committed.load(Ordering::Acquire);
    let published = header.published.load(Ordering::Acquire);
    let claim = header.claim.load(Ordering::Acquire) & !CRASH_OWNED;
    if claim > committed && claim <= published {
        // A write was in progress when the process died: did it happen?
        let start = header.claim_start.load(Ordering::Acquire).max(committed);
        let size_before = header.claim_file_size.load(Ordering::Acquire);
        let (first, second) = journal.spans(start, claim);
        let mut expected = Vec::with_capacity(first.len() + second.len());
        expected.extend_from_slice(first);
        expected.extend_from_slice(second);
        let rest = match written_after(log_path, size_before, &expected)? {
            Written::Whole => Some(&[][..]),
            // The rest completes the torn line in place.
            Written::CutAtEnd(done) => Some(&expected[done..]),
            // The torn line's start is stuck to another process's line: the
            // record is written again whole, with what followed it.
            Written::CutBeforeOthers(done) => {
                let line_start = expected[..done]
                    .iter()
                    .rposition(|&byte| byte == b'\n')
                    .map_or(0, |newline| newline + 1);
                Some(&expected[line_start..])
            }
            Written::Nothing => None,
        };
        if let Some(rest) = rest {
            log.write_all(rest)?;
            committed = claim;
        }
    }
    let mut written = 0;
    if committed < published {
        let (first, second) = journal.spans(committed, published);
        log.write_all(first)?;
        log.write_all(second)?;
        written = published - committed;
    }
    log.flush()?;
    header.committed.store(published, Ordering::Release);
    drop(journal);
    remove_recovered(journal_path)?;
    Ok(Some(written))
}

/// Removes a recovered journal; one already gone is as good.
fn remove_recovered(journal_path: &Path) -> io::Result<()> {
    match std::fs::remove_file(journal_path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// What became of a write the dead process had claimed.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    /// All of it is in the file.
    Whole,
    /// Its first `n` bytes end the file: the kill stopped the write there.
    CutAtEnd(usize),
    /// Its first `n` bytes are in the file, followed by other processes'
    /// appends.
    CutBeforeOthers(usize),
    /// None of it.
    Nothing,
}

/// Finds the claimed bytes `expected` in the log file after `size_before`,
/// where other processes' appends may come before and after them. A write
/// to a file opened for appending lands in one piece, and a fatal signal
/// stops it only between pages (the kernel copies it page by page and
/// checks for the signal before each), so a write cut short is a prefix of
/// `expected` that ends the file or ends at a page boundary.
fn written_after(log_path: &Path, size_before: u64, expected: &[u8]) -> io::Result<Written> {
    let mut log = match File::open(log_path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Written::Nothing),
        Err(error) => return Err(error),
    };
    let len = log.metadata()?.len();
    if len <= size_before {
        return Ok(Written::Nothing);
    }
    log.seek(SeekFrom::Start(size_before))?;
    let mut tail = Vec::with_capacity((len - size_before) as usize);
    log.read_to_end(&mut tail)?;
    Ok(find_write(&tail, size_before, expected, page_size()))
}

/// `written_after` on the file's bytes from offset `size_before` on.
fn find_write(tail: &[u8], size_before: u64, expected: &[u8], page: u64) -> Written {
    let Some(&first_byte) = expected.first() else {
        return Written::Nothing;
    };
    let mut best = Written::Nothing;
    for (start, _) in tail
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == first_byte)
    {
        let matched = tail[start..]
            .iter()
            .zip(expected)
            .take_while(|(held, wanted)| held == wanted)
            .count();
        if matched == expected.len() {
            return Written::Whole;
        }
        let candidate = if start + matched == tail.len() {
            Written::CutAtEnd(matched)
        } else {
            let begins = size_before + start as u64;
            let page_end = (begins + matched as u64) / page * page;
            if page_end <= begins {
                continue;
            }
            Written::CutBeforeOthers((page_end - begins) as usize)
        };
        if candidate.cut_len() > best.cut_len() {
            best = candidate;
        }
    }
    best
}

impl Written {
    /// How many bytes of a cut write are in the file.
    fn cut_len(&self) -> usize {
        match self {
            Written::CutAtEnd(done) | Written::CutBeforeOthers(done) => *done,
            Written::Whole | Written::Nothing => 0,
        }
    }
}

/// The size of the pages a write is copied by.
fn page_size() -> u64 {
    // SAFETY: sysconf reads a constant of the system.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        size if size > 0 => size as u64,
        _ => 4096,
    }
}

/// Opens a descriptor for crash writes to `path` (append mode).
pub fn open_for_append(path: &Path) -> io::Result<File> {
    let path = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: open with a NUL-terminated path; checked for failure.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_CLOEXEC,
            0o666,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor we just opened and own.
    Ok(unsafe { File::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` recoveries of `log` from `journals` at once, on threads.
    fn racing_recoveries(journals: &Path, log: &Path, count: usize) -> Vec<Recovered> {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..count)
                .map(|_| scope.spawn(|| recover_in(journals, log).expect("recover")))
                .collect();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("joined"))
                .collect()
        })
    }

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("femto-journal-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn read_all(journal: &Journal) -> Vec<u8> {
        let (first, second) = journal.spans(journal.committed(), journal.published());
        [first, second].concat()
    }

    /// Commits everything published, as the writer does after a write.
    fn commit_all(journal: &Journal) {
        let to = journal.published();
        assert!(journal.claim(journal.committed(), to, 0));
        journal.commit_claim(to);
    }

    /// What a process that died holding `journal` leaves: the journal, now
    /// named (file name and header) for an owner whose liveness file is
    /// there but locked by nobody. Returns the journal's new path.
    fn orphan(journal: Journal) -> PathBuf {
        static FAKE_TOKEN: AtomicU64 = AtomicU64::new(1);
        let backing = journal.backing.as_ref().expect("backed");
        let dir = backing.path.parent().expect("in a directory").to_path_buf();
        let dead = OwnerId {
            // No process has this pid (above the kernel's pid_max).
            pid: 1 << 30,
            token: FAKE_TOKEN.fetch_add(1, Ordering::Relaxed),
        };
        std::fs::write(dead.file_in(&dir), b"").expect("the dead owner's liveness file");
        let name = backing.path.file_name().expect("name").to_string_lossy();
        let renamed = dir.join(name.replace(&backing.owner.id().tag(), &dead.tag()));
        std::fs::rename(&backing.path, &renamed).expect("rename");
        let header = journal.header();
        header.owner_token.store(dead.token, Ordering::Release);
        header.owner_pid.store(dead.pid, Ordering::Release);
        // No longer this process's journal.
        if backing.mark_removed() {
            backing.owner.leave();
        }
        drop(journal);
        renamed
    }

    /// Names in `dir` with the given suffix.
    fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.ends_with(suffix))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// This process's descriptors open on `path`.
    fn descriptors_on(path: &Path) -> usize {
        std::fs::read_dir("/proc/self/fd")
            .expect("/proc/self/fd")
            .flatten()
            .filter(|entry| std::fs::read_link(entry.path()).is_ok_and(|target| target == path))
            .count()
    }

    #[test]
    fn a_ring_emptied_between_records_stays_in_its_first_pages() {
        let dir = scratch("origin");
        let journal = Journal::backed(&dir, &dir.join("app.log"), 1 << 20).expect("journal");
        let line = [b'x'; 100];
        // 1 MiB in all, never more than 300 bytes held at once.
        for round in 0..3500 {
            for _ in 0..3 {
                journal.append(&line).expect("room");
            }
            assert_eq!(read_all(&journal), line.repeat(3), "round {round}");
            commit_all(&journal);
        }
        assert_eq!(journal.reserved(), FIRST_RESERVE);
        journal.retire();
    }

    #[test]
    fn memory_is_mapped_in_ahead_of_the_ring_as_it_grows() {
        let journal = Journal::in_memory(4 << 20).expect("journal");
        assert_eq!(journal.reserved(), 0, "an idle journal maps no ring page");
        let line = [b'y'; 1000];
        journal.append(&line).expect("room");
        assert_eq!(journal.reserved(), FIRST_RESERVE);
        let mut seen = vec![journal.reserved()];
        for _ in 0..1500 {
            journal.append(&line).expect("room");
            if journal.reserved() != *seen.last().expect("seen") {
                seen.push(journal.reserved());
            }
        }
        // Doubling up to a step, then a step at a time; never behind the
        // ring's end, and never more than a step past it.
        let held = 1501 * 1000;
        assert_eq!(seen[..6], [16, 32, 64, 128, 256, 512].map(|k| k << 10));
        assert!(seen.windows(2).all(|w| w[1] - w[0] <= POPULATE_STEP));
        let reserved = journal.reserved();
        assert!(
            reserved >= held && reserved < held + POPULATE_STEP,
            "{reserved}"
        );
        let all: Vec<u8> = line.repeat(1501);
        assert_eq!(read_all(&journal), all);
        // Emptied, the ring starts again in the pages it has.
        commit_all(&journal);
        journal.append(&line).expect("room");
        assert_eq!(journal.reserved(), reserved);
    }

    #[test]
    fn the_reservation_grows_as_more_is_held_and_keeps_every_byte() {
        let dir = scratch("reserve");
        let journal = Journal::backed(&dir, &dir.join("app.log"), 1 << 20).expect("journal");
        let lines: Vec<Vec<u8>> = (0..2000u32)
            .map(|index| format!("line {index:06}\n").into_bytes())
            .collect();
        for line in &lines {
            journal.append(line).expect("room");
        }
        assert_eq!(read_all(&journal), lines.concat());
        assert!(journal.reserved() >= 2000 * 12);
        assert!(journal.reserved() < 1 << 20);
        commit_all(&journal);
        // Held from the start again, across the old end of the data.
        journal.append(b"after\n").expect("room");
        assert_eq!(read_all(&journal), b"after\n");
        commit_all(&journal);
        journal.retire();
    }

    /// A tmpfs of `size`, mounted for the test; `None` (said on stderr)
    /// where mounting is not allowed.
    fn small_tmpfs(tag: &str, size: &str) -> Option<PathBuf> {
        let point = scratch(tag);
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&point)
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(point)
    }

    #[test]
    fn a_reservation_the_file_system_refuses_is_an_error_not_a_sigbus() {
        let Some(dir) = small_tmpfs("full", "32k") else {
            return;
        };
        let journal = Journal::backed(&dir, &dir.join("app.log"), 1 << 20).expect("journal");
        let line = [b'y'; 1000];
        let mut held = 0;
        let refused = loop {
            match journal.append(&line) {
                Ok(_) => held += 1,
                Err(error) => break error,
            }
            assert!(held < 1000, "the tmpfs never filled");
        };
        assert_eq!(refused, AppendError::TooLarge);
        assert!(held >= 16, "the first reservation holds {held} lines");
        assert_eq!(read_all(&journal), line.repeat(held));
        commit_all(&journal);
        journal.retire();
        drop(journal);
        let _ = std::process::Command::new("umount").arg(&dir).status();
    }

    #[test]
    fn recovery_finds_records_held_after_the_ring_started_again() {
        let dir = scratch("origin-recover");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        let journal = Journal::backed(&journals, &log, 4096).expect("journal");
        journal.append(b"written\n").expect("room");
        commit_all(&journal);
        journal.append(b"held one\n").expect("room");
        journal.append(b"held two\n").expect("room");
        orphan(journal);
        let recovered = recover_in(&journals, &log).expect("recovery");
        assert_eq!(recovered.bytes, 18);
        assert_eq!(std::fs::read(&log).expect("log"), b"held one\nheld two\n");
    }

    #[test]
    fn appends_wrap_around_the_ring_and_stay_in_order() {
        let journal = Journal::in_memory(4096).expect("journal");
        let mut expected = Vec::new();
        for round in 0..50 {
            let line = format!("line {round:04} {}\n", "x".repeat(round * 7 % 90));
            journal.append(line.as_bytes()).expect("room");
            expected.extend_from_slice(line.as_bytes());
            let pending = read_all(&journal);
            assert_eq!(pending, expected);
            let end = journal.published();
            assert!(journal.claim(journal.committed(), end, 0));
            journal.commit_claim(end);
            expected.clear();
        }
    }

    #[test]
    fn a_full_ring_refuses_until_committed() {
        let journal = Journal::in_memory(4096).expect("journal");
        let line = [b'a'; 1000];
        for _ in 0..4 {
            journal.append(&line).expect("room");
        }
        assert_eq!(journal.append(&line), Err(AppendError::Full));
        assert_eq!(journal.append(&[0; 5000]), Err(AppendError::TooLarge));
        let end = journal.published();
        assert!(journal.claim(0, end, 0));
        journal.commit_claim(end);
        journal.append(&line).expect("room again");
    }

    #[test]
    fn the_crash_path_writes_the_rest_and_keeps_others_out() {
        let dir = scratch("crash");
        let log = dir.join("app.log");
        let journal = Journal::in_memory(4096).expect("journal");
        journal.append(b"one\n").expect("room");
        let end = journal.published();
        assert!(journal.claim(0, end, 0));
        journal.commit_claim(end);
        journal.append(b"two\nthree\n").expect("room");
        let file = open_for_append(&log).expect("open");
        journal.crash_flush(file.as_raw_fd(), std::time::Duration::ZERO);
        assert_eq!(std::fs::read(&log).expect("read"), b"two\nthree\n");
        assert!(journal.is_empty());
        assert!(!journal.claim(end, end, 0), "the crash path owns it");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_dead_processes_journal_is_recovered_once() {
        let dir = scratch("recover");
        let log = dir.join("app.log");
        std::fs::write(&log, b"zero\n").expect("log");
        let journals = dir.join("journals");
        let journal = Journal::backed(&journals, &log, 4096).expect("journal");
        journal.append(b"one\n").expect("room");
        let end = journal.published();
        assert!(journal.claim(0, end, 5));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .and_then(|mut file| file.write_all(b"one\n"))
            .expect("written");
        // Killed between the write and the bookkeeping; more appended.
        journal.append(b"two\n").expect("room");
        // While its owner lives, nothing is recovered.
        assert_eq!(
            recover_in(&journals, &log).expect("recover"),
            Recovered::default()
        );
        let owner_file = journal
            .backing
            .as_ref()
            .expect("backed")
            .owner
            .id()
            .file_in(&journals);
        assert!(owner_file.exists(), "the owner's liveness file");
        let backing = orphan(journal);
        assert!(
            !owner_file.exists(),
            "went with this process's last journal"
        );
        let recovered = recover_in(&journals, &log).expect("recover");
        assert_eq!(
            recovered,
            Recovered {
                journals: 1,
                bytes: 4
            }
        );
        assert_eq!(std::fs::read(&log).expect("read"), b"zero\none\ntwo\n");
        assert!(!backing.exists());
        // Nothing of the dead owner is left: its liveness file went too.
        assert!(files_ending(&journals, "").is_empty());
        assert_eq!(
            recover_in(&journals, &log).expect("again"),
            Recovered::default()
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_write_cut_short_is_completed_not_repeated() {
        let dir = scratch("torn");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        let journal = Journal::backed(&journals, &log, 4096).expect("journal");
        journal.append(b"first line\nsecond line\n").expect("room");
        let end = journal.published();
        assert!(journal.claim(0, end, 0));
        std::fs::write(&log, b"first line\nsec").expect("torn write");
        orphan(journal);
        recover_in(&journals, &log).expect("recover");
        assert_eq!(
            std::fs::read(&log).expect("read"),
            b"first line\nsecond line\n"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_write_cut_at_a_page_before_others_lines_is_written_again_whole() {
        let dir = scratch("torn-others");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        let page = page_size() as usize;
        // Ours begins 6 bytes before a page boundary, where the kill cut it;
        // another process appended a line after that.
        let before = vec![b'x'; page - 7];
        let mut file = before.clone();
        file.push(b'\n');
        let size_before = file.len() as u64;
        let journal = Journal::backed(&journals, &log, 4 * page as u64).expect("journal");
        journal.append(b"first line\nsecond\n").expect("room");
        let end = journal.published();
        assert!(journal.claim(0, end, size_before));
        file.extend_from_slice(b"first ");
        assert_eq!(file.len(), page);
        file.extend_from_slice(b"theirs\n");
        std::fs::write(&log, &file).expect("log");
        orphan(journal);
        recover_in(&journals, &log).expect("recover");
        let mut wanted = file.clone();
        wanted.extend_from_slice(b"first line\nsecond\n");
        assert_eq!(std::fs::read(&log).expect("read"), wanted);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_write_is_found_between_other_processes_appends() {
        let expected = b"ab\ncd\nef\n";
        let find = |tail: &[u8], size_before: u64| find_write(tail, size_before, expected, 8);
        assert_eq!(find(b"zz\nab\ncd\nef\nzz\n", 0), Written::Whole);
        assert_eq!(find(b"zz\nab\ncd", 0), Written::CutAtEnd(5));
        // Cut at the page boundary (offset 8), others' line after it.
        assert_eq!(find(b"zz\nab\ncdzz\n", 0), Written::CutBeforeOthers(5));
        // Their bytes happen to go on as ours would have: still the page.
        assert_eq!(find(b"zz\nab\ncd\nezz\n", 0), Written::CutBeforeOthers(5));
        // Within one page, not cut at its end: another's bytes, not ours.
        assert_eq!(find(b"ab\ncdzz\n", 8), Written::Nothing);
        assert_eq!(find(b"zz\nzz\n", 0), Written::Nothing);
    }

    #[test]
    fn a_clean_retire_leaves_no_file() {
        let dir = scratch("retire");
        let journals = dir.join("journals");
        let journal = Journal::backed(&journals, &dir.join("a.log"), 4096).expect("journal");
        let backing = journal.backing_path().expect("backed").to_path_buf();
        assert!(backing.exists());
        assert_eq!(files_ending(&journals, ".alive").len(), 1);
        journal.retire();
        assert!(!backing.exists());
        // The process's last journal there took its liveness file along.
        assert!(files_ending(&journals, "").is_empty());
        journal.append(b"still usable\n").expect("room");
        journal.retire();
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_backed_journal_holds_no_descriptor_even_as_it_grows() {
        let dir = scratch("no-fd");
        let journals = dir.join("journals");
        let many: Vec<Journal> = (0..8)
            .map(|index| {
                Journal::backed(&journals, &dir.join(format!("{index}.log")), 1 << 20)
                    .expect("journal")
            })
            .collect();
        let line = [b'z'; 1000];
        for journal in &many {
            for _ in 0..200 {
                journal.append(&line).expect("room");
            }
            assert!(journal.reserved() > FIRST_RESERVE, "grew");
            let path = journal.backing_path().expect("backed");
            assert_eq!(descriptors_on(path), 0, "{}", path.display());
        }
        // One liveness file for all of them, held by one descriptor.
        let alive = files_ending(&journals, ".alive");
        assert_eq!(alive.len(), 1, "{alive:?}");
        assert_eq!(descriptors_on(&journals.join(&alive[0])), 1);
        for journal in &many {
            commit_all(journal);
            journal.retire();
        }
        assert!(files_ending(&journals, "").is_empty());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn growth_refuses_when_the_path_names_another_file() {
        let dir = scratch("replaced");
        let journals = dir.join("journals");
        let journal = Journal::backed(&journals, &dir.join("app.log"), 1 << 20).expect("journal");
        let path = journal.backing_path().expect("backed").to_path_buf();
        std::fs::remove_file(&path).expect("removed behind its back");
        std::fs::write(&path, b"someone else's").expect("another file");
        let line = [b'r'; 1000];
        let refused = loop {
            match journal.append(&line) {
                Ok(_) => assert!(journal.reserved() <= FIRST_RESERVE, "reserved elsewhere"),
                Err(error) => break error,
            }
        };
        assert_eq!(refused, AppendError::TooLarge);
        assert_eq!(std::fs::read(&path).expect("read"), b"someone else's");
        commit_all(&journal);
        drop(journal);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn concurrent_recoveries_write_each_record_once() {
        let dir = scratch("concurrent");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        let mut expected = Vec::new();
        for index in 0..6 {
            let journal = Journal::backed(&journals, &log, 1 << 16).expect("journal");
            for line in 0..50 {
                let text = format!("journal {index} line {line:02}\n");
                journal.append(text.as_bytes()).expect("room");
                expected.push(text);
            }
            orphan(journal);
        }
        let recovered = racing_recoveries(&journals, &log, 4);
        assert_eq!(recovered.iter().map(|r| r.journals).sum::<usize>(), 6);
        let text = std::fs::read_to_string(&log).expect("log");
        let mut lines: Vec<String> = text.lines().map(|line| format!("{line}\n")).collect();
        lines.sort();
        expected.sort();
        assert_eq!(lines, expected, "every record exactly once");
        assert!(files_ending(&journals, "").is_empty());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn unfinished_and_foreign_journals_of_the_dead() {
        let dir = scratch("unfinished");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        std::fs::create_dir_all(&journals).expect("dir");
        let dead = OwnerId {
            pid: 1 << 30,
            token: 0xdead,
        };
        // Killed before the header was written, or before the file had a
        // header's length: nothing was ever in them.
        let zeroes = journals.join(journal_file_name(&log, dead, 0));
        std::fs::write(&zeroes, vec![0u8; HEADER_LEN + 4096]).expect("zeroes");
        let short = journals.join(journal_file_name(&log, dead, 1));
        std::fs::write(&short, b"").expect("short");
        // The previous layout's name: left for that version.
        let older = journals.join(format!("{}-{}-0.journal", path_key(&log), 1u32 << 30));
        std::fs::write(&older, vec![0u8; HEADER_LEN + 4096]).expect("older");
        let recovered = recover_in(&journals, &log).expect("recover");
        assert_eq!(
            recovered,
            Recovered {
                journals: 2,
                bytes: 0
            }
        );
        assert!(!zeroes.exists() && !short.exists());
        assert!(older.exists());
        assert!(!log.exists(), "nothing to write, no file made");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_dead_owners_liveness_file_stays_while_it_has_journals_for_other_paths() {
        let dir = scratch("other-paths");
        let journals = dir.join("journals");
        let a = Journal::backed(&journals, &dir.join("a.log"), 4096).expect("journal");
        a.append(b"to a\n").expect("room");
        let a_path = orphan(a);
        let dead =
            owner_from_name(&a_path.file_name().expect("name").to_string_lossy()).expect("owner");
        // The same dead owner's journal for another log path.
        let b_path = journals.join(journal_file_name(&dir.join("b.log"), dead, 99));
        std::fs::write(&b_path, b"").expect("b");
        recover_in(&journals, &dir.join("a.log")).expect("recover a");
        assert!(dead.file_in(&journals).exists(), "b.log's journal is left");
        recover_in(&journals, &dir.join("b.log")).expect("recover b");
        assert!(!dead.file_in(&journals).exists());
        assert_eq!(std::fs::read(dir.join("a.log")).expect("a"), b"to a\n");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// The journal of another process: run by
    /// `a_live_processes_journal_is_left_and_recovered_once_after_sigkill`
    /// in a child process (this test binary again), which makes a journal,
    /// says so and waits to be killed.
    #[test]
    #[ignore = "run in a child process by the test that needs it"]
    fn journal_owner_process() {
        let (Some(journals), Some(log)) = (
            std::env::var_os("FEMTO_TEST_OWNER_JOURNALS"),
            std::env::var_os("FEMTO_TEST_OWNER_LOG"),
        ) else {
            return;
        };
        let journal =
            Journal::backed(Path::new(&journals), Path::new(&log), 4096).expect("journal");
        journal.append(b"held by the child\n").expect("room");
        println!("OWNER READY");
        std::io::stdout().flush().expect("flush");
        std::thread::sleep(std::time::Duration::from_secs(120));
        drop(journal);
    }

    #[test]
    fn a_live_processes_journal_is_left_and_recovered_once_after_sigkill() {
        use std::io::BufRead;
        let dir = scratch("live-owner");
        let log = dir.join("app.log");
        let journals = dir.join("journals");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "core::journal::tests::journal_owner_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FEMTO_TEST_OWNER_JOURNALS", &journals)
            .env("FEMTO_TEST_OWNER_LOG", &log)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("child");
        let stdout = child.stdout.take().expect("stdout");
        let ready = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("OWNER READY"));
        assert!(ready, "the child made its journal");
        assert_eq!(files_ending(&journals, ".journal").len(), 1);
        assert_eq!(files_ending(&journals, ".alive").len(), 1);
        // While the child lives, no recovery (from any number of threads)
        // takes its journal.
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    assert_eq!(
                        recover_in(&journals, &log).expect("recover"),
                        Recovered::default()
                    );
                });
            }
        });
        assert_eq!(files_ending(&journals, ".journal").len(), 1);
        assert!(!log.exists());
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        // Now it is an orphan: recovered exactly once by racing recoveries.
        let recovered = racing_recoveries(&journals, &log, 3);
        assert_eq!(recovered.iter().map(|r| r.journals).sum::<usize>(), 1);
        assert_eq!(std::fs::read(&log).expect("log"), b"held by the child\n");
        assert!(files_ending(&journals, "").is_empty(), "nothing of it left");
        assert_eq!(
            recover_in(&journals, &log).expect("again"),
            Recovered::default()
        );
        assert_eq!(std::fs::read(&log).expect("log"), b"held by the child\n");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
