//! Destinations a worker writes bytes to: an inherited descriptor or a file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::{AsRawFd, FromRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::own_line::OwnLine;
use super::raw_write::writev_all_raw;
use super::sync::lock_unpoisoned;

/// A write that failed after `written` bytes had reached the destination
/// (a full disk takes part of a range, then refuses the rest).
#[derive(Debug)]
pub struct WriteError {
    pub written: usize,
    pub error: io::Error,
}

impl From<io::Error> for WriteError {
    fn from(error: io::Error) -> Self {
        WriteError { written: 0, error }
    }
}

/// Where a worker's bytes go. Owned by exactly one worker thread at a time.
pub trait Sink: Send {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Writes `first` then `second` (a journal range that wraps), in one
    /// `writev(2)` where the sink has a descriptor: a write to a file opened
    /// for appending lands whole, so another process's lines never split
    /// one of ours.
    fn write_two(&mut self, first: &[u8], second: &[u8]) -> Result<(), WriteError> {
        self.write_all(first)?;
        self.write_all(second).map_err(|error| WriteError {
            written: first.len(),
            error,
        })
    }
    /// Whether the bytes are text lines (a file, a stream), which a failed
    /// write must not leave cut; not so for an exporter's frames.
    fn writes_lines(&self) -> bool {
        true
    }
    /// Pushes buffered bytes to the OS.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Reopens the destination if it was moved (a watched file). How it
    /// went is kept for the thread that asked (`FileWatch`).
    fn reopen(&mut self) {}
    /// Bytes in the destination so far, where it has a size.
    fn position(&self) -> Option<u64> {
        None
    }
    /// The file written to, where there is one.
    fn file_path(&self) -> Option<&Path> {
        None
    }
    /// Whether the destination is a regular file, whose writes return
    /// promptly: such a sink can share a worker thread (pool.rs), where a
    /// pipe or a socket, which may block for as long as its reader wants,
    /// would hold up every handler sharing it.
    fn is_regular_file(&self) -> bool {
        false
    }
    /// Closes the file, lets `move_aside` rename it and its backups, and
    /// reopens it (a rollover).
    fn roll_over(
        &mut self,
        _move_aside: &mut dyn FnMut(&Path) -> io::Result<()>,
    ) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "only a file rolls over",
        ))
    }
    /// Releases the destination; later writes fail.
    fn close(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// How a forked child gets a sink on the same destination without
    /// touching this one (see `Adoption`). Taken before the sink is handed
    /// to its worker. By default the child's sink refuses every write.
    fn adoption(&self) -> Arc<dyn Adoption> {
        Arc::new(NotCarriedOver)
    }
    /// The descriptor written to now (-1: none), kept current across
    /// reopens, for the crash path (crash.rs); `None`: not reachable there.
    fn crash_descriptor(&self) -> Option<Arc<AtomicI32>> {
        None
    }
}

/// Makes, in a forked child, a sink on the destination of a sink the child
/// must not touch: the parent's worker may have been inside it (stuck in a
/// write) when the child was made, and that thread does not exist there.
/// The new sink uses the same descriptor; the old sink is never dropped in
/// the child, so the descriptor is not closed twice.
pub trait Adoption: Send + Sync {
    fn adopt(&self) -> Box<dyn Sink>;
}

struct NotCarriedOver;

impl Adoption for NotCarriedOver {
    fn adopt(&self) -> Box<dyn Sink> {
        Box::new(NotCarriedOver)
    }
}

impl Sink for NotCarriedOver {
    fn write_all(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Err(io::Error::other(
            "this destination was not carried over into the forked process",
        ))
    }
}

/// A descriptor this process did not open for the handler (stdout, stderr):
/// written with `write(2)`, never closed.
#[derive(Debug)]
pub struct FdSink {
    fd: RawFd,
}

impl FdSink {
    pub fn stdout() -> Self {
        FdSink { fd: 1 }
    }

    pub fn stderr() -> Self {
        FdSink { fd: 2 }
    }

    /// A descriptor some other object owns and keeps open while this is used.
    pub fn borrowed(fd: RawFd) -> Self {
        FdSink { fd }
    }
}

impl Sink for FdSink {
    fn write_two(&mut self, first: &[u8], second: &[u8]) -> Result<(), WriteError> {
        writev_all(self.fd, first, second)
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            // SAFETY: the pointer and length describe a live byte slice.
            let written = unsafe { libc::write(self.fd, bytes.as_ptr().cast(), bytes.len()) };
            if written < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            bytes = &bytes[written as usize..];
        }
        Ok(())
    }

    fn adoption(&self) -> Arc<dyn Adoption> {
        Arc::new(FdSink { fd: self.fd })
    }

    fn crash_descriptor(&self) -> Option<Arc<AtomicI32>> {
        Some(Arc::new(AtomicI32::new(self.fd)))
    }
}

impl Adoption for FdSink {
    fn adopt(&self) -> Box<dyn Sink> {
        Box::new(FdSink { fd: self.fd })
    }
}

/// `writev(2)` of two slices until both are written (see raw_write.rs).
fn writev_all(fd: RawFd, first: &[u8], second: &[u8]) -> Result<(), WriteError> {
    writev_all_raw(fd, first, second).map_err(|(written, errno)| WriteError {
        written,
        error: io::Error::from_raw_os_error(errno),
    })
}

/// How a file handler opens its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    Append,
    Truncate,
    /// Create, failing if the file exists (`open(path, "x")`).
    CreateNew,
}

/// A file the handler owns.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    mode: FileMode,
    file: Option<File>,
    /// Set for a watched file (`WatchedFileHandler`).
    watch: Option<Arc<FileWatch>>,
    /// Bytes in the open file (its size at open plus what was written),
    /// published for `tell()`.
    position: Arc<OwnLine<AtomicU64>>,
    /// The open file's descriptor (-1: none), for a forked child's adoption.
    descriptor: Arc<AtomicI32>,
    /// Closed by its handler; otherwise a file lost to a failed reopen (its
    /// directory was removed during a rollover) is opened again on the next
    /// write, as the stdlib's `emit` opens a stream it lost.
    closed: bool,
}

/// A watched file as the logging threads see it. They check the path before
/// handing over a record (`WatchedFileHandler.reopenIfNeeded` runs on every
/// emit); a reopen is then queued behind the records already sent, so those
/// still land in the file that was open when they were logged.
#[derive(Debug)]
pub struct FileWatch {
    path: PathBuf,
    identity: FileIdentity,
    /// How the last reopen failed, for the thread that asked for it.
    reopen_error: Mutex<Option<io::Error>>,
}

impl FileWatch {
    /// Whether the path is gone or names another file than the one open
    /// (or none is open, after a failed reopen). Other `stat` errors are
    /// returned, as `os.stat` raises them.
    pub fn moved(&self) -> io::Result<bool> {
        match std::fs::metadata(&self.path) {
            Ok(current) => {
                Ok(self.identity.fd() < 0
                    || (current.dev(), current.ino()) != self.identity.dev_ino())
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(error) => Err(error),
        }
    }

    pub fn identity(&self) -> &FileIdentity {
        &self.identity
    }

    /// Takes the error of the last reopen, if it failed.
    pub fn take_reopen_error(&self) -> Option<io::Error> {
        lock_unpoisoned(&self.reopen_error).take()
    }
}

/// Device, inode and descriptor of the file a watched sink has open, kept
/// where the Python side can read them (`WatchedFileHandler.dev`/`.ino`)
/// without waiting for the worker.
#[derive(Debug)]
pub struct FileIdentity {
    dev: AtomicU64,
    ino: AtomicU64,
    fd: AtomicI32,
}

impl FileIdentity {
    pub fn dev_ino(&self) -> (u64, u64) {
        (
            self.dev.load(Ordering::Acquire),
            self.ino.load(Ordering::Acquire),
        )
    }

    /// The descriptor of the open file; -1 while none is open.
    pub fn fd(&self) -> RawFd {
        self.fd.load(Ordering::Acquire)
    }

    fn record(&self, file: Option<&File>) -> io::Result<()> {
        match file {
            Some(file) => {
                let metadata = file.metadata()?;
                self.dev.store(metadata.dev(), Ordering::Release);
                self.ino.store(metadata.ino(), Ordering::Release);
                self.fd.store(file.as_raw_fd(), Ordering::Release);
            }
            None => self.fd.store(-1, Ordering::Release),
        }
        Ok(())
    }
}

/// Whether `fd` is on a file system whose writes may hang for as long as a
/// server or a user-space daemon wants (NFS hard mounts, SMB, FUSE, ...):
/// such a file keeps a worker thread of its own, like a pipe. Unknown
/// (`fstatfs` failed): taken as local.
fn on_a_network_file_system(fd: RawFd) -> bool {
    const REMOTE: [i64; 12] = [
        0x6969,      // NFS
        0x517B,      // SMB
        0xFF53_4D42, // CIFS
        0xFE53_4D42, // SMB2
        0x6573_5546, // FUSE
        0x00C3_6400, // Ceph
        0x5346_414F, // AFS
        0x7375_7245, // Coda
        0x0102_1997, // 9P
        0x0116_1970, // GFS2
        0x7461_636F, // OCFS2
        0x0BD0_0BD0, // Lustre
    ];
    // SAFETY: fstatfs fills the zeroed struct for an open descriptor.
    let mut stats: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(fd, &mut stats) } != 0 {
        return false;
    }
    REMOTE.contains(&(stats.f_type as i64))
}

fn open_file(path: &Path, mode: FileMode) -> io::Result<File> {
    let mut options = OpenOptions::new();
    match mode {
        FileMode::Append => options.append(true).create(true),
        FileMode::Truncate => options.write(true).create(true).truncate(true),
        FileMode::CreateNew => options.write(true).create_new(true),
    };
    options.open(path)
}

impl FileSink {
    /// Opens `path`, after writing to it what journals of processes that
    /// died while writing it still hold (journal.rs): their records come
    /// before this one's, as they would have without the kill. A failed
    /// recovery leaves the journals for the next open.
    pub fn open(path: &Path, mode: FileMode) -> io::Result<Self> {
        let _ = super::journal::recover(path);
        FileSink::open_without_recovery(path, mode)
    }

    fn open_without_recovery(path: &Path, mode: FileMode) -> io::Result<Self> {
        let mut sink = FileSink {
            path: path.to_owned(),
            mode,
            file: None,
            watch: None,
            position: Arc::new(OwnLine(AtomicU64::new(0))),
            descriptor: Arc::new(AtomicI32::new(-1)),
            closed: false,
        };
        sink.set_file(Some(open_file(path, mode)?));
        sink.position.0.store(sink.len()?, Ordering::Release);
        Ok(sink)
    }

    fn set_file(&mut self, file: Option<File>) {
        let fd = file.as_ref().map_or(-1, AsRawFd::as_raw_fd);
        self.file = file;
        self.descriptor.store(fd, Ordering::Release);
    }

    /// Opens the file again if a failed reopen lost it (not if it was closed).
    fn open_if_lost(&mut self) -> io::Result<()> {
        if self.file.is_none() && !self.closed {
            self.open_again()?;
        }
        Ok(())
    }

    /// Bytes in the file as of the last write; follows reopens and rollovers.
    pub fn shared_position(&self) -> Arc<OwnLine<AtomicU64>> {
        Arc::clone(&self.position)
    }

    /// Opens the path again (after a move or a rollover); the file's size
    /// becomes the position.
    fn open_again(&mut self) -> io::Result<()> {
        self.set_file(None);
        self.position.0.store(0, Ordering::Release);
        let file = open_file(&self.path, self.mode)?;
        self.position
            .0
            .store(file.metadata()?.len(), Ordering::Release);
        self.set_file(Some(file));
        Ok(())
    }

    /// Makes this a watched file; the watch follows every reopen.
    pub fn watch(&mut self) -> io::Result<Arc<FileWatch>> {
        let watch = Arc::new(FileWatch {
            path: self.path.clone(),
            identity: FileIdentity {
                dev: AtomicU64::new(0),
                ino: AtomicU64::new(0),
                fd: AtomicI32::new(-1),
            },
            reopen_error: Mutex::new(None),
        });
        watch.identity.record(self.file.as_ref())?;
        self.watch = Some(Arc::clone(&watch));
        Ok(watch)
    }

    /// The reopen of `WatchedFileHandler.reopenIfNeeded`, with the handler's
    /// mode, done only if the path still does not name the open file (a
    /// reopen asked for twice is done once).
    fn reopen_if_moved(&mut self) -> io::Result<()> {
        let Some(watch) = &self.watch else {
            return Ok(());
        };
        if !watch.moved()? {
            return Ok(());
        }
        // Closed first, as the stdlib does: if the open fails, the file
        // stays closed until a later reopen succeeds.
        let watch = Arc::clone(watch);
        watch.identity.record(None)?;
        self.open_again()?;
        watch.identity.record(self.file.as_ref())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current size of the open file, where appended bytes will land.
    pub fn len(&self) -> io::Result<u64> {
        match &self.file {
            Some(file) => Ok(file.metadata()?.len()),
            None => Ok(0),
        }
    }

    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The descriptor of the open file.
    pub fn raw_fd(&self) -> Option<RawFd> {
        self.file.as_ref().map(AsRawFd::as_raw_fd)
    }
}

impl Sink for FileSink {
    fn write_two(&mut self, first: &[u8], second: &[u8]) -> Result<(), WriteError> {
        self.open_if_lost()?;
        let Some(file) = &self.file else {
            return Err(io::Error::other("the file is closed").into());
        };
        let written = writev_all(file.as_raw_fd(), first, second);
        let position = match written {
            Ok(()) => self.position.0.load(Ordering::Relaxed) + (first.len() + second.len()) as u64,
            // Part may have been written: ask the file.
            Err(_) => self.len().unwrap_or(0),
        };
        self.position.0.store(position, Ordering::Release);
        written
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.open_if_lost()?;
        let Some(file) = &mut self.file else {
            return Err(io::Error::other("the file is closed"));
        };
        let written = file.write_all(bytes);
        let position = match written {
            Ok(()) => self.position.0.load(Ordering::Relaxed) + bytes.len() as u64,
            // Part may have been written: ask the file.
            Err(_) => self.len().unwrap_or(0),
        };
        self.position.0.store(position, Ordering::Release);
        written
    }

    fn position(&self) -> Option<u64> {
        Some(self.position.0.load(Ordering::Relaxed))
    }

    fn file_path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn is_regular_file(&self) -> bool {
        self.file.as_ref().is_some_and(|file| {
            file.metadata().is_ok_and(|metadata| metadata.is_file())
                && !on_a_network_file_system(file.as_raw_fd())
        })
    }

    fn roll_over(&mut self, move_aside: &mut dyn FnMut(&Path) -> io::Result<()>) -> io::Result<()> {
        self.set_file(None);
        let moved = move_aside(&self.path);
        // Reopened even when a rename failed, so later records are written.
        let reopened = self.open_again();
        moved.and(reopened)
    }

    fn reopen(&mut self) {
        let outcome = self.reopen_if_moved().err();
        if let Some(watch) = &self.watch {
            *lock_unpoisoned(&watch.reopen_error) = outcome;
        }
    }

    fn close(&mut self) -> io::Result<()> {
        self.closed = true;
        self.set_file(None);
        // A closed watched file is not reopened later.
        if let Some(watch) = self.watch.take() {
            watch.identity.record(None)?;
        }
        Ok(())
    }

    fn crash_descriptor(&self) -> Option<Arc<AtomicI32>> {
        Some(Arc::clone(&self.descriptor))
    }

    fn adoption(&self) -> Arc<dyn Adoption> {
        Arc::new(FileAdoption {
            path: self.path.clone(),
            mode: self.mode,
            watch: self.watch.clone(),
            position: Arc::clone(&self.position),
            descriptor: Arc::clone(&self.descriptor),
        })
    }
}

/// A file sink's destination, as a forked child adopts it.
struct FileAdoption {
    path: PathBuf,
    mode: FileMode,
    watch: Option<Arc<FileWatch>>,
    position: Arc<OwnLine<AtomicU64>>,
    descriptor: Arc<AtomicI32>,
}

impl Adoption for FileAdoption {
    fn adopt(&self) -> Box<dyn Sink> {
        let fd = self.descriptor.load(Ordering::Acquire);
        // SAFETY: the descriptor belongs to the parent's sink, which the
        // child never drops (see `Adoption`), so this File is its only owner
        // there.
        let file = (fd >= 0).then(|| unsafe { File::from_raw_fd(fd) });
        if let Some(Ok(metadata)) = file.as_ref().map(File::metadata) {
            // The parent may have written since: the size is the file's.
            self.position.0.store(metadata.len(), Ordering::Release);
        }
        Box::new(FileSink {
            path: self.path.clone(),
            mode: self.mode,
            // No file in the parent: closed there, or not to be reopened by
            // a child that cannot tell.
            closed: file.is_none(),
            file,
            watch: self.watch.clone(),
            position: Arc::clone(&self.position),
            descriptor: Arc::clone(&self.descriptor),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("femto-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn file_sink_appends_and_truncates() {
        let dir = scratch_dir("sink");
        let path = dir.join("a.log");
        let mut sink = FileSink::open(&path, FileMode::Truncate).expect("open");
        sink.write_all(b"one\n").expect("write");
        sink.close().expect("close");
        assert!(sink.write_all(b"late\n").is_err());
        let mut sink = FileSink::open(&path, FileMode::Append).expect("open");
        sink.write_all(b"two\n").expect("write");
        drop(sink);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "one\ntwo\n");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_watched_file_is_reopened_after_a_move_or_delete() {
        let dir = scratch_dir("watch");
        let path = dir.join("w.log");
        let mut sink = FileSink::open(&path, FileMode::Append).expect("open");
        let watch = sink.watch().expect("watch");
        let first = watch.identity().dev_ino();
        assert!(!watch.moved().expect("stat"));
        sink.write_all(b"one\n").expect("write");
        std::fs::rename(&path, dir.join("w.log.1")).expect("move");
        assert!(watch.moved().expect("stat"));
        sink.write_all(b"still one\n").expect("write");
        sink.reopen();
        assert!(watch.take_reopen_error().is_none());
        assert!(!watch.moved().expect("stat"));
        // A second reopen does nothing.
        sink.reopen();
        sink.write_all(b"two\n").expect("write");
        assert_ne!(watch.identity().dev_ino(), first);
        std::fs::remove_file(&path).expect("delete");
        assert!(watch.moved().expect("stat"));
        sink.reopen();
        sink.write_all(b"three\n").expect("write");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read");
        assert_eq!(read("w.log.1"), "one\nstill one\n");
        assert_eq!(read("w.log"), "three\n");
        sink.close().expect("close");
        assert_eq!(watch.identity().fd(), -1);
        assert!(sink.write_all(b"late\n").is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_missing_directory_is_an_os_error() {
        let error = FileSink::open(Path::new("/nonexistent-dir/x.log"), FileMode::Append)
            .expect_err("cannot open");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
