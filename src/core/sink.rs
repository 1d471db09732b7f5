//! Destinations a worker writes bytes to: an inherited descriptor or a file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::io::RawFd;
use std::path::{Path, PathBuf};

/// Where a worker's bytes go. Owned by exactly one worker thread at a time.
pub trait Sink: Send {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Pushes buffered bytes to the OS.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Releases the destination; later writes fail.
    fn close(&mut self) -> io::Result<()> {
        Ok(())
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
    file: Option<File>,
}

impl FileSink {
    pub fn open(path: &Path, mode: FileMode) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        match mode {
            FileMode::Append => options.append(true).create(true),
            FileMode::Truncate => options.write(true).create(true).truncate(true),
            FileMode::CreateNew => options.write(true).create_new(true),
        };
        Ok(FileSink {
            path: path.to_owned(),
            file: Some(options.open(path)?),
        })
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
        use std::os::unix::io::AsRawFd;
        self.file.as_ref().map(AsRawFd::as_raw_fd)
    }
}

impl Sink for FileSink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Err(io::Error::other("the file is closed")),
        }
    }

    fn close(&mut self) -> io::Result<()> {
        self.file.take();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sink_appends_and_truncates() {
        let dir = std::env::temp_dir().join(format!("femto-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
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
    fn a_missing_directory_is_an_os_error() {
        let error = FileSink::open(Path::new("/nonexistent-dir/x.log"), FileMode::Append)
            .expect_err("cannot open");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
