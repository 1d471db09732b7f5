//! Wall-clock timestamps and the values the stdlib derives from them.
//!
//! A record stores its creation time as nanoseconds since the epoch. The
//! stdlib's `created`, `msecs` and `relativeCreated` are computed from it with
//! the arithmetic of the running CPython version (3.13 switched from a float
//! clock to `time.time_ns()`), so the printed digits match the stdlib's.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether `msecs`/`relativeCreated` use 3.13's integer-nanosecond arithmetic.
static NANOSECOND_ARITHMETIC: AtomicBool = AtomicBool::new(true);
/// `logging._startTime`, in nanoseconds since the epoch.
static START_NS: AtomicI64 = AtomicI64::new(0);
/// `logging._startTime` as the float `time.time()` returned (before 3.13).
static START_SECS_BITS: AtomicU64 = AtomicU64::new(0);

/// Nanoseconds since the Unix epoch, as `time.time_ns()` returns them.
/// Read with `clock_gettime` as CPython does (every log call reads it;
/// `SystemTime` adds a checked subtraction and a 128-bit conversion).
pub fn now_ns() -> i64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the current time into `now`; CLOCK_REALTIME exists
    // everywhere, so it cannot fail with a valid pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) } != 0 {
        return fallback_now_ns();
    }
    now.tv_sec
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(now.tv_nsec))
        .unwrap_or(if now.tv_sec < 0 { i64::MIN } else { i64::MAX })
}

fn fallback_now_ns() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX),
        Err(before_epoch) => -i64::try_from(before_epoch.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Chooses the derivation rules of the running interpreter and records the
/// start time that `relativeCreated` counts from.
/// `start_ns` is `_startTime` in 3.13's integer form; `start_secs` is the
/// float form earlier versions keep (it cannot always be derived exactly).
pub fn configure(nanosecond_arithmetic: bool, start_ns: i64, start_secs: f64) {
    NANOSECOND_ARITHMETIC.store(nanosecond_arithmetic, Ordering::Relaxed);
    START_NS.store(start_ns, Ordering::Relaxed);
    START_SECS_BITS.store(start_secs.to_bits(), Ordering::Relaxed);
}

/// The start time `relativeCreated` counts from.
pub fn start_ns() -> i64 {
    START_NS.load(Ordering::Relaxed)
}

/// `record.created`: seconds since the epoch as a float.
pub fn created(ns: i64) -> f64 {
    ns as f64 / 1e9
}

/// `record.msecs`: the millisecond part, as the running stdlib computes it.
pub fn msecs(ns: i64) -> f64 {
    msecs_with(ns, NANOSECOND_ARITHMETIC.load(Ordering::Relaxed))
}

/// `msecs` of a float clock reading, as the stdlib before 3.13 computes it.
pub fn float_msecs(created: f64) -> f64 {
    // `int(...) + 0.0` in Python: a negative fraction under 1 ms is 0.0, not -0.0.
    ((created - created.trunc()) * 1000.0).trunc() + 0.0
}

/// `relativeCreated` of a float clock reading (before 3.13).
pub fn float_relative_created(created: f64) -> f64 {
    (created - f64::from_bits(START_SECS_BITS.load(Ordering::Relaxed))) * 1000.0
}

fn msecs_with(ns: i64, nanosecond_arithmetic: bool) -> f64 {
    if nanosecond_arithmetic {
        let msecs = ns.rem_euclid(1_000_000_000) / 1_000_000;
        // 3.13: when the float `created` rounded up into the next second,
        // the milliseconds restart from zero.
        if msecs == 999 && created(ns).trunc() as i64 != ns.div_euclid(1_000_000_000) {
            return 0.0;
        }
        msecs as f64
    } else {
        float_msecs(created(ns))
    }
}

/// `record.relativeCreated`: milliseconds since the logging module loaded.
pub fn relative_created(ns: i64) -> f64 {
    let start = START_NS.load(Ordering::Relaxed);
    if NANOSECOND_ARITHMETIC.load(Ordering::Relaxed) {
        (ns - start) as f64 / 1e6
    } else {
        float_relative_created(created(ns))
    }
}

/// The whole second `time.localtime(created)` converts: Python floors the float.
pub fn whole_second(ns: i64) -> i64 {
    created(ns).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_what_system_time_reads() {
        let (before, now, after) = (fallback_now_ns(), now_ns(), fallback_now_ns());
        assert!(before <= now && now <= after, "{before} {now} {after}");
    }

    #[test]
    fn msecs_truncates_like_the_stdlib() {
        assert_eq!(msecs_with(1_700_000_000_123_999_999, true), 123.0);
        // Before 3.13 the float clock rounds first: 1700000000.124.
        assert_eq!(msecs_with(1_700_000_000_123_999_999, false), 124.0);
        assert_eq!(msecs_with(1_700_000_000_123_400_000, false), 123.0);
        assert_eq!(msecs_with(1_700_000_000_999_999_999, true), 0.0);
        assert_eq!(msecs_with(1_700_000_000_999_000_000, true), 999.0);
        // A clock before 1970 within 1 ms of a second: 0.0, never -0.0.
        assert!(float_msecs(-0.0004).is_sign_positive());
        assert!(float_msecs(-1_700_000_000.000_5).is_sign_positive());
    }

    #[test]
    fn the_second_is_taken_from_the_float_as_python_does() {
        // 0.999999999 s past a second rounds up to the next one as a double.
        assert_eq!(whole_second(1_700_000_000_999_999_999), 1_700_000_001);
        assert_eq!(whole_second(1_700_000_000_500_000_000), 1_700_000_000);
    }

    #[test]
    fn now_is_after_2020() {
        assert!(now_ns() > 1_577_836_800_000_000_000);
    }
}
