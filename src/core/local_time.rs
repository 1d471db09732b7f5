//! Calendar fields of an instant, as Python's `time.localtime` and
//! `time.gmtime` give them.
//!
//! Both go through the C library (`localtime_r`, `gmtime_r`), as CPython
//! does, so a change of `TZ` applied with `time.tzset()` reaches the worker
//! too, and daylight saving time is decided by the same rules.

/// The fields of a `time.struct_time` that rollover schedules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarTime {
    pub year: i64,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 is Monday, as `tm_wday` in Python.
    pub weekday: u32,
    /// `tm_isdst`: positive while daylight saving time is in effect.
    pub is_dst: bool,
}

impl CalendarTime {
    /// Seconds since the start of the day on the clock.
    pub fn seconds_into_day(&self) -> i64 {
        i64::from((self.hour * 60 + self.minute) * 60 + self.second)
    }
}

/// The C library's broken-down time of `seconds` since the epoch, in UTC
/// or local time; `None` where it cannot represent the instant.
pub fn broken_down(seconds: i64, utc: bool) -> Option<libc::tm> {
    let instant = libc::time_t::try_from(seconds).ok()?;
    // SAFETY: `tm` is plain data that the call fills in; both functions are
    // the reentrant variants, which write only to it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let filled = unsafe {
        if utc {
            libc::gmtime_r(&instant, &mut tm)
        } else {
            libc::localtime_r(&instant, &mut tm)
        }
    };
    (!filled.is_null()).then_some(tm)
}

/// The calendar fields of `seconds` since the epoch, in UTC or local time.
pub fn calendar_time(seconds: i64, utc: bool) -> Option<CalendarTime> {
    let tm = broken_down(seconds, utc)?;
    let field = |value: libc::c_int| u32::try_from(value).ok();
    Some(CalendarTime {
        year: i64::from(tm.tm_year) + 1900,
        month: field(tm.tm_mon)? + 1,
        day: field(tm.tm_mday)?,
        hour: field(tm.tm_hour)?,
        minute: field(tm.tm_min)?,
        second: field(tm.tm_sec)?,
        weekday: (field(tm.tm_wday)? + 6) % 7,
        is_dst: tm.tm_isdst > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_fields_of_a_known_instant() {
        // 2024-02-29 13:14:15 UTC, a Thursday.
        let time = calendar_time(1_709_212_455, true).expect("representable");
        assert_eq!(
            (time.year, time.month, time.day),
            (2024, 2, 29),
            "date of {time:?}"
        );
        assert_eq!((time.hour, time.minute, time.second), (13, 14, 15));
        assert_eq!(time.weekday, 3);
        assert!(!time.is_dst);
        assert_eq!(time.seconds_into_day(), 13 * 3600 + 14 * 60 + 15);
    }
}
