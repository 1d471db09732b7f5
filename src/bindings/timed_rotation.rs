//! `TimedSchedule` and `RolloverCell`: what a `TimedRotatingFileHandler`
//! hands its worker so the worker rolls the file over.
//!
//! The package builds a schedule from a stock handler's `when`, `interval`,
//! `utc` and `atTime` (see `femtologging/handlers.py`). The cell holds the
//! handler's `rolloverAt`, shared between its Python side and the worker:
//! whichever rolls the file over moves it on.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::core::timed_rotation::{Rules, TimedRotation, TimedSchedule as Schedule, Unit};

#[pyclass(
    frozen,
    name = "TimedSchedule",
    module = "femtologging._femtologging_rs"
)]
pub struct TimedSchedule {
    schedule: Schedule,
}

#[pymethods]
impl TimedSchedule {
    /// `interval` in seconds (already multiplied by the unit); `at_time` in
    /// seconds into the day; the two flags choose the running stdlib's rules.
    #[new]
    #[pyo3(signature = (when, interval, utc, at_time, fixes, interval_scales_calendar))]
    fn new(
        when: &str,
        interval: i64,
        utc: bool,
        at_time: Option<i64>,
        fixes: bool,
        interval_scales_calendar: bool,
    ) -> PyResult<Self> {
        let unit = Unit::parse(when).ok_or_else(|| {
            PyValueError::new_err(format!("Invalid rollover interval specified: {when}"))
        })?;
        Ok(TimedSchedule {
            schedule: Schedule {
                unit,
                interval,
                utc,
                at_time,
                rules: Rules {
                    fixes,
                    interval_scales_calendar,
                },
            },
        })
    }

    /// `computeRollover(now)`.
    fn rollover_after(&self, now: i64) -> i64 {
        self.schedule.rollover_after(now)
    }

    /// The `rolloverAt` a rollover at `now` leaves.
    fn next_after_rollover(&self, now: i64) -> i64 {
        self.schedule.next_after_rollover(now)
    }

    /// The suffix of the file rolled over at `now` when due at `rollover_at`.
    fn suffix(&self, rollover_at: i64, now: i64) -> Option<String> {
        self.schedule.suffix(rollover_at, now)
    }

    /// `getFilesToDelete()` for the file `base`.
    fn files_to_delete(&self, base: PathBuf, backup_count: u32) -> PyResult<Vec<PathBuf>> {
        Ok(self.schedule.files_to_delete(&base, backup_count)?)
    }
}

impl TimedSchedule {
    pub fn rotation(&self, cell: &RolloverCell, backup_count: u32) -> TimedRotation {
        TimedRotation {
            schedule: self.schedule,
            backup_count,
            rollover_at: Arc::clone(&cell.value),
        }
    }
}

/// A handler's next rollover time, in whole seconds.
#[pyclass(frozen, module = "femtologging._femtologging_rs")]
pub struct RolloverCell {
    value: Arc<AtomicI64>,
}

#[pymethods]
impl RolloverCell {
    #[new]
    fn new(value: i64) -> Self {
        RolloverCell {
            value: Arc::new(AtomicI64::new(value)),
        }
    }

    fn get(&self) -> i64 {
        self.value.load(Ordering::Acquire)
    }

    fn set(&self, value: i64) {
        self.value.store(value, Ordering::Release);
    }
}
