//! `time.strftime` over `time.localtime`/`time.gmtime`, through the C library.
//!
//! The stdlib formats `asctime` with the C library's `strftime`, so this does
//! too: every directive, locale and time-zone rule then matches byte for byte.

use std::ffi::CString;
use std::fmt;

use super::super::local_time::broken_down;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// The format contains a NUL character (Python: "embedded null character").
    EmbeddedNul,
    /// The C library could not convert the timestamp.
    OutOfRange(i64),
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::EmbeddedNul => f.write_str("embedded null character"),
            TimeError::OutOfRange(seconds) => write!(f, "timestamp out of range: {seconds}"),
        }
    }
}

impl std::error::Error for TimeError {}

/// Formats the whole second `seconds` (since the epoch) with `format`.
pub fn strftime(format: &str, seconds: i64, utc: bool) -> Result<String, TimeError> {
    if format.is_empty() {
        return Ok(String::new());
    }
    let c_format = CString::new(format).map_err(|_| TimeError::EmbeddedNul)?;
    let tm = broken_down(seconds, utc).ok_or(TimeError::OutOfRange(seconds))?;
    // strftime returns 0 both for "buffer too small" and for an empty result,
    // so grow the buffer a few times before accepting an empty string.
    let mut capacity = 64 + format.len() * 4;
    for _ in 0..6 {
        let mut buffer = vec![0u8; capacity];
        // SAFETY: the buffer is `capacity` bytes, the format is NUL-terminated,
        // and tm was filled above.
        let written =
            unsafe { libc::strftime(buffer.as_mut_ptr().cast(), capacity, c_format.as_ptr(), &tm) };
        if written > 0 {
            buffer.truncate(written);
            return Ok(String::from_utf8_lossy(&buffer).into_owned());
        }
        capacity *= 4;
    }
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(
            strftime("%Y-%m-%d %H:%M:%S", 1_700_000_000, true),
            Ok("2023-11-14 22:13:20".into())
        );
        assert_eq!(strftime("%%", 0, true), Ok("%".into()));
        assert_eq!(strftime("", 0, true), Ok(String::new()));
    }

    #[test]
    fn rejects_nul() {
        assert_eq!(strftime("a\0b", 0, true), Err(TimeError::EmbeddedNul));
    }
}
