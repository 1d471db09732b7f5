//! Rollovers a worker does itself, and the size-based one
//! (`RotatingFileHandler`); the time-based one is in timed_rotation.rs.
//!
//! The worker formats each record, so it knows the record's length before
//! writing it; when that length would take the file to `max_bytes`, it
//! writes out what it holds, renames the backups and reopens the file, as
//! the stdlib's `shouldRollover` and `doRollover` do for a handler without
//! `namer`, `rotator` or overridden methods (Python keeps the others).

use std::io;
use std::path::{Path, PathBuf};

use super::timed_rotation::TimedRotation;

/// How a worker rolls its file over.
#[derive(Debug, Clone, PartialEq)]
pub enum Rotation {
    Size(SizeRotation),
    Timed(TimedRotation),
}

/// When and how a file rolls over by size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRotation {
    pub max_bytes: u64,
    /// Backups kept as `name.1` .. `name.<backup_count>`; with none, the
    /// file is only reopened, as the stdlib does.
    pub backup_count: u32,
    /// gh-116263 (3.12.6, 3.13): an empty file never rolls over.
    pub skip_empty: bool,
}

impl SizeRotation {
    /// `shouldRollover`: the file holds `position` bytes and the record is
    /// `chars` characters long, plus the newline the stdlib always counts.
    pub fn is_due(&self, position: u64, chars: u64) -> bool {
        if self.skip_empty && position == 0 {
            return false;
        }
        position + chars + 1 >= self.max_bytes
    }
}

fn numbered(base: &Path, index: u32) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

/// The renames of `doRollover`: `name.<i>` becomes `name.<i+1>` from the
/// oldest down, then `name` becomes `name.1`; the oldest backup is dropped.
/// The file must be closed; the caller reopens it.
pub fn shift_backups(base: &Path, backup_count: u32) -> io::Result<()> {
    if backup_count == 0 {
        return Ok(());
    }
    for index in (1..backup_count).rev() {
        let older = numbered(base, index);
        let newer = numbered(base, index + 1);
        if older.exists() {
            if newer.exists() {
                std::fs::remove_file(&newer)?;
            }
            std::fs::rename(&older, &newer)?;
        }
    }
    let first = numbered(base, 1);
    if first.exists() {
        std::fs::remove_file(&first)?;
    }
    // A delayed handler may never have made the file.
    if base.exists() {
        std::fs::rename(base, &first)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_counts_the_newline_and_may_skip_an_empty_file() {
        let rotation = SizeRotation {
            max_bytes: 10,
            backup_count: 1,
            skip_empty: false,
        };
        assert!(!rotation.is_due(4, 4));
        assert!(rotation.is_due(4, 5));
        assert!(rotation.is_due(0, 20));
        let skipping = SizeRotation {
            skip_empty: true,
            ..rotation
        };
        assert!(!skipping.is_due(0, 20));
        assert!(skipping.is_due(1, 8));
    }

    #[test]
    fn backups_shift_and_the_oldest_goes() {
        let dir = std::env::temp_dir().join(format!("femto-rotation-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let base = dir.join("r.log");
        for (name, text) in [("r.log", "now"), ("r.log.1", "one"), ("r.log.2", "two")] {
            std::fs::write(dir.join(name), text).expect("write");
        }
        shift_backups(&base, 2).expect("shift");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        assert_eq!(read("r.log"), None);
        assert_eq!(read("r.log.1").as_deref(), Some("now"));
        assert_eq!(read("r.log.2").as_deref(), Some("one"));
        assert_eq!(read("r.log.3"), None);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
