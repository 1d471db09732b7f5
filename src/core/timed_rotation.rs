//! Time-based rollover (`TimedRotatingFileHandler`), done by the worker.
//!
//! The schedule reproduces the stdlib's `computeRollover`, the name
//! `doRollover` gives the rotated file and the backups `getFilesToDelete`
//! picks, for a handler with its stock `suffix` and `extMatch` and without
//! `namer` or `rotator` (Python keeps the others). The rules changed within
//! the supported CPython releases; `Rules` says which ones apply.

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use super::local_time::{calendar_time, CalendarTime};

const DAY: i64 = 24 * 60 * 60;
const WEEK: i64 = 7 * DAY;

/// The stdlib's rollover rules that differ between CPython releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// gh-88352 and gh-115809 (3.11.9, 3.12.3): the next rollover is always
    /// after the given time, daily rollovers are corrected for DST in
    /// `computeRollover`, an existing backup is never overwritten, and a
    /// backup's suffix is the whole rest of its name.
    pub fixes: bool,
    /// gh-90535 (3.13): `interval` also multiplies MIDNIGHT and weekly
    /// rollovers.
    pub interval_scales_calendar: bool,
}

/// What `when` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Midnight,
    /// `W0`..`W6`: the day of the week, 0 being Monday.
    Weekday(u32),
}

impl Unit {
    /// `when` as the handler stores it (upper case).
    pub fn parse(when: &str) -> Option<Unit> {
        Some(match when {
            "S" => Unit::Seconds,
            "M" => Unit::Minutes,
            "H" => Unit::Hours,
            "D" => Unit::Days,
            "MIDNIGHT" => Unit::Midnight,
            _ => match when.as_bytes() {
                [b'W', day @ b'0'..=b'6'] => Unit::Weekday(u32::from(day - b'0')),
                _ => return None,
            },
        })
    }

    fn is_calendar(self) -> bool {
        matches!(self, Unit::Midnight | Unit::Weekday(_))
    }

    /// The fields of the stdlib's `suffix` format, and how many of them.
    fn suffix_fields(self) -> usize {
        match self {
            Unit::Seconds => 6,
            Unit::Minutes => 5,
            Unit::Hours => 4,
            Unit::Days | Unit::Midnight | Unit::Weekday(_) => 3,
        }
    }
}

/// When a file rolls over by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedSchedule {
    pub unit: Unit,
    /// Seconds between rollovers (the unit times `interval`).
    pub interval: i64,
    pub utc: bool,
    /// `atTime` as seconds into the day (calendar units only).
    pub at_time: Option<i64>,
    pub rules: Rules,
}

fn is_dst_at(seconds: i64) -> bool {
    calendar_time(seconds, false).is_some_and(|time| time.is_dst)
}

/// Seconds to add to a wall-clock-based time when DST starts (-3600) or
/// ends (+3600) between two instants.
fn dst_shift(dst_before: bool, dst_after: bool) -> i64 {
    match (dst_before, dst_after) {
        (true, false) => 3600,
        (false, true) => -3600,
        _ => 0,
    }
}

impl TimedSchedule {
    fn calendar_time(&self, seconds: i64) -> Option<CalendarTime> {
        calendar_time(seconds, self.utc)
    }

    /// `computeRollover(now)`: the time of the first rollover after `now`.
    pub fn rollover_after(&self, now: i64) -> i64 {
        if !self.unit.is_calendar() {
            return now + self.interval;
        }
        let Some(moment) = self.calendar_time(now) else {
            return now + self.interval;
        };
        let mut wait = self.at_time.unwrap_or(DAY) - moment.seconds_into_day();
        let mut weekday = moment.weekday;
        let passed = if self.rules.fixes {
            wait <= 0
        } else {
            wait < 0
        };
        if passed {
            // Today's rollover time is behind: tomorrow's.
            wait += DAY;
            weekday = (weekday + 1) % 7;
        }
        let mut result = now + wait;
        let days = match self.unit {
            Unit::Weekday(day) => i64::from((day + 7 - weekday) % 7),
            _ => 0,
        };
        if !self.rules.fixes {
            // Older releases correct for DST only when waiting extra days;
            // their doRollover() corrects daily rollovers.
            if days != 0 {
                result += days * DAY;
                if !self.utc {
                    result += dst_shift(moment.is_dst, is_dst_at(result));
                }
            }
            return result;
        }
        result += days * DAY;
        if self.rules.interval_scales_calendar {
            let period = if matches!(self.unit, Unit::Weekday(_)) {
                WEEK
            } else {
                DAY
            };
            result += self.interval - period;
        }
        if !self.utc {
            let mut shift = dst_shift(moment.is_dst, is_dst_at(result));
            // When DST starts, the hour before the computed time may already
            // be standard time (the skipped hour): then no correction.
            if shift < 0 && !is_dst_at(result - 3600) {
                shift = 0;
            }
            result += shift;
        }
        result
    }

    /// The `rolloverAt` that `doRollover` at `now` leaves behind.
    pub fn next_after_rollover(&self, now: i64) -> i64 {
        let mut next = self.rollover_after(now);
        if self.rules.fixes {
            return next;
        }
        while next <= now {
            next += self.interval;
        }
        if self.unit.is_calendar() && !self.utc {
            next += dst_shift(is_dst_at(now), is_dst_at(next));
        }
        next
    }

    /// The stdlib's suffix for the interval that ends at `rollover_at`,
    /// named at `now`: its start, in the wall-clock terms of `now`.
    pub fn suffix(&self, rollover_at: i64, now: i64) -> Option<String> {
        let start = rollover_at - self.interval;
        let mut moment = self.calendar_time(start)?;
        if !self.utc {
            let shift = -dst_shift(moment.is_dst, is_dst_at(now));
            if shift != 0 {
                moment = self.calendar_time(start + shift)?;
            }
        }
        let fields = [
            format!("{:04}", moment.year),
            format!("{:02}", moment.month),
            format!("{:02}", moment.day),
            format!("{:02}", moment.hour),
            format!("{:02}", moment.minute),
            format!("{:02}", moment.second),
        ];
        let separators = ["", "-", "-", "_", "-", "-"];
        let mut suffix = String::new();
        for (field, separator) in fields
            .iter()
            .zip(separators)
            .take(self.unit.suffix_fields())
        {
            suffix.push_str(separator);
            suffix.push_str(field);
        }
        Some(suffix)
    }

    /// Whether `text` has the shape of this unit's suffix (`\d{4}-\d{2}-...`,
    /// ASCII digits).
    fn is_suffix(&self, text: &[u8]) -> bool {
        let shape = &b"dddd-dd-dd_dd-dd-dd"[..4 + 3 * (self.unit.suffix_fields() - 1)];
        text.len() == shape.len()
            && text
                .iter()
                .zip(shape)
                .all(|(byte, expected)| match expected {
                    b'd' => byte.is_ascii_digit(),
                    other => byte == other,
                })
    }

    /// Whether a file in the base file's directory is one of its backups,
    /// as the stdlib's `getFilesToDelete` decides without a namer.
    fn is_backup(&self, base_name: &[u8], name: &[u8]) -> bool {
        if self.rules.fixes {
            let Some(rest) = name
                .strip_prefix(base_name)
                .and_then(|rest| rest.strip_prefix(b"."))
            else {
                return false;
            };
            return self.is_suffix(rest);
        }
        // The prefix is the name without its extension; the pattern then
        // has to match one dot-separated part of the rest (`$` also matches
        // before a final newline).
        if !name.starts_with(base_name) {
            return false;
        }
        let stem_len = match base_name.iter().rposition(|byte| *byte == b'.') {
            Some(dot) if base_name[..dot].iter().any(|byte| *byte != b'.') => dot,
            _ => base_name.len(),
        };
        let prefix_len = stem_len + 1;
        if name.len() < prefix_len || name[stem_len] != b'.' {
            return false;
        }
        name[prefix_len..].split(|byte| *byte == b'.').any(|part| {
            self.is_suffix(part)
                || part
                    .strip_suffix(b"\n")
                    .is_some_and(|part| self.is_suffix(part))
        })
    }

    /// `getFilesToDelete`: the oldest backups beyond `backup_count`.
    pub fn files_to_delete(&self, base: &Path, backup_count: u32) -> io::Result<Vec<PathBuf>> {
        let directory = match base.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let Some(base_name) = base.file_name() else {
            return Ok(Vec::new());
        };
        let mut found: Vec<OsString> = Vec::new();
        for entry in std::fs::read_dir(directory)? {
            let name = entry?.file_name();
            if self.is_backup(base_name.as_bytes(), name.as_bytes()) {
                found.push(name);
            }
        }
        let keep = backup_count as usize;
        if found.len() < keep {
            return Ok(Vec::new());
        }
        found.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        found.truncate(found.len() - keep);
        Ok(found
            .into_iter()
            .map(|name| directory.join(PathBuf::from(OsString::from_vec(name.into_vec()))))
            .collect())
    }
}

/// A schedule and its next rollover time, which the handler's Python side
/// reads and sets as `rolloverAt` (shared, so either side may roll over).
#[derive(Debug, Clone)]
pub struct TimedRotation {
    pub schedule: TimedSchedule,
    pub backup_count: u32,
    pub rollover_at: Arc<AtomicI64>,
}

impl PartialEq for TimedRotation {
    fn eq(&self, other: &Self) -> bool {
        self.schedule == other.schedule
            && self.backup_count == other.backup_count
            && Arc::ptr_eq(&self.rollover_at, &other.rollover_at)
    }
}

impl TimedRotation {
    /// `shouldRollover` for a record made at `now` (whole seconds).
    pub fn is_due(&self, now: i64) -> bool {
        now >= self.rollover_at.load(Ordering::Acquire)
    }

    /// Where the file goes when it rolls over at `now`.
    pub fn backup_path(&self, base: &Path, now: i64) -> Option<PathBuf> {
        let suffix = self
            .schedule
            .suffix(self.rollover_at.load(Ordering::Acquire), now)?;
        let mut name = base.as_os_str().to_owned();
        name.push(".");
        name.push(suffix);
        Some(PathBuf::from(name))
    }

    /// The renames and deletions of `doRollover`, with the file closed:
    /// `base` becomes `backup` (replacing it under the older rules), then
    /// backups beyond `backup_count` go. The caller reopens the file.
    pub fn move_aside(&self, base: &Path, backup: &Path) -> io::Result<()> {
        if !self.schedule.rules.fixes && backup.exists() {
            std::fs::remove_file(backup)?;
        }
        // A delayed handler may never have made the file.
        if base.exists() {
            std::fs::rename(base, backup)?;
        }
        if self.backup_count > 0 {
            for old in self.schedule.files_to_delete(base, self.backup_count)? {
                std::fs::remove_file(old)?;
            }
        }
        Ok(())
    }

    /// Sets the next rollover after one done at `now`.
    pub fn rolled_over(&self, now: i64) {
        self.rollover_at
            .store(self.schedule.next_after_rollover(now), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(unit: Unit, interval: i64, fixes: bool) -> TimedSchedule {
        TimedSchedule {
            unit,
            interval,
            utc: true,
            at_time: None,
            rules: Rules {
                fixes,
                interval_scales_calendar: false,
            },
        }
    }

    #[test]
    fn units_parse_as_the_stdlib_accepts_them() {
        assert_eq!(Unit::parse("MIDNIGHT"), Some(Unit::Midnight));
        assert_eq!(Unit::parse("W6"), Some(Unit::Weekday(6)));
        assert_eq!(Unit::parse("W7"), None);
        assert_eq!(Unit::parse("W+1"), None);
        assert_eq!(Unit::parse("X"), None);
    }

    #[test]
    fn midnight_in_utc_is_the_next_day_boundary() {
        // 2024-02-29 13:14:15 UTC.
        let now = 1_709_212_455;
        let midnight = 1_709_251_200;
        assert_eq!(
            schedule(Unit::Midnight, DAY, true).rollover_after(now),
            midnight
        );
        // At midnight exactly the fixed rules move on a day.
        assert_eq!(
            schedule(Unit::Midnight, DAY, true).rollover_after(midnight),
            midnight + DAY
        );
        assert_eq!(
            schedule(Unit::Midnight, DAY, false).rollover_after(midnight),
            midnight + DAY
        );
        // A weekday's rollover ends that day: from Thursday, the midnight
        // after the next Monday.
        assert_eq!(
            schedule(Unit::Weekday(0), WEEK, true).rollover_after(now),
            midnight + 4 * DAY
        );
    }

    #[test]
    fn suffixes_name_the_interval_start() {
        let now = 1_709_212_455;
        let hourly = schedule(Unit::Hours, 3600, true);
        assert_eq!(hourly.suffix(now, now).as_deref(), Some("2024-02-29_12"));
        let secondly = schedule(Unit::Seconds, 1, true);
        assert_eq!(
            secondly.suffix(now, now).as_deref(),
            Some("2024-02-29_13-14-14")
        );
        assert!(hourly.is_suffix(b"2024-02-29_12"));
        assert!(!hourly.is_suffix(b"2024-02-29"));
        assert!(!hourly.is_suffix(b"2024-02-29_1x"));
    }

    #[test]
    fn backups_are_recognised_by_the_rules_in_force() {
        let daily_fixed = schedule(Unit::Days, DAY, true);
        let daily_legacy = schedule(Unit::Days, DAY, false);
        for (name, fixed, legacy) in [
            (&b"app.log.2024-01-01"[..], true, true),
            (b"app.log.2024-01-01.gz", false, true),
            (b"app.log.x2024-01-01", false, false),
            (b"app.log", false, false),
            (b"other.log.2024-01-01", false, false),
        ] {
            assert_eq!(daily_fixed.is_backup(b"app.log", name), fixed, "{name:?}");
            assert_eq!(daily_legacy.is_backup(b"app.log", name), legacy, "{name:?}");
        }
    }
}
