//! Writing bytes to a descriptor with nothing but system calls, so that the
//! same code serves a handler's writes and the crash path in a signal
//! handler.

use std::os::fd::RawFd;

/// `writev(2)` of two slices until both are written, with system calls
/// only (the crash path runs it in a signal handler): one call for the whole range where it can, so the range lands
/// whole in a file others append to; on failure, how many bytes were
/// written and the errno.
pub fn writev_all_raw(fd: RawFd, mut first: &[u8], mut second: &[u8]) -> Result<(), (usize, i32)> {
    let mut total = 0;
    while !first.is_empty() || !second.is_empty() {
        let parts = [
            libc::iovec {
                iov_base: first.as_ptr() as *mut libc::c_void,
                iov_len: first.len(),
            },
            libc::iovec {
                iov_base: second.as_ptr() as *mut libc::c_void,
                iov_len: second.len(),
            },
        ];
        // SAFETY: both iovecs describe live slices; writev is a system call.
        let written = unsafe { libc::writev(fd, parts.as_ptr(), 2) };
        if written < 0 {
            // SAFETY: reading errno is async-signal-safe.
            let errno = unsafe { *libc::__errno_location() };
            if errno == libc::EINTR {
                continue;
            }
            return Err((total, errno));
        }
        let written = written as usize;
        total += written;
        if written >= first.len() {
            second = &second[written - first.len()..];
            first = &[];
        } else {
            first = &first[written..];
        }
    }
    Ok(())
}
