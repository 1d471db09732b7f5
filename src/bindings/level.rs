//! `FemtoLevel` and the conversion of any Python level value to an integer.
//!
//! Wherever a level is accepted it may be a `FemtoLevel`, an int (custom
//! levels included) or a registered name, exactly as the stdlib's
//! `_checkLevel` accepts them, with the stdlib's errors for anything else.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::core::level::{self, LevelNo};

/// The standard levels, valued as the stdlib's numbers.
#[pyclass(eq, eq_int, frozen, hash, module = "femtologging._femtologging_rs")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum FemtoLevel {
    TRACE = 5,
    DEBUG = 10,
    INFO = 20,
    WARN = 30,
    ERROR = 40,
    CRITICAL = 50,
}

#[pymethods]
impl FemtoLevel {
    /// The stdlib spelling of `WARN`.
    #[classattr]
    #[allow(non_snake_case)]
    fn WARNING() -> FemtoLevel {
        FemtoLevel::WARN
    }

    #[getter]
    fn value(&self) -> i32 {
        *self as i32
    }

    fn __index__(&self) -> i32 {
        *self as i32
    }

    /// The name the stdlib prints for this level (`WARN` prints as `WARNING`).
    #[getter]
    fn levelname(&self) -> String {
        level::level_name(*self as LevelNo).to_string()
    }
}

/// Converts a level given from Python to its number.
pub fn extract_level(value: &Bound<'_, PyAny>) -> PyResult<LevelNo> {
    if let Ok(level) = value.cast::<FemtoLevel>() {
        return Ok(*level.get() as LevelNo);
    }
    if value.is_instance_of::<PyInt>() {
        let number: i64 = value.extract()?;
        return LevelNo::try_from(number).map_err(|_| {
            PyValueError::new_err(format!(
                "Level out of range: {} (levels must fit in 32 bits)",
                value.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        });
    }
    if let Ok(name) = value.cast::<PyString>() {
        let name = name.to_str()?;
        return level::parse_level_name(name).map_err(|error| {
            PyValueError::new_err(format!("Unknown level: {}", repr(value, &error.0)))
        });
    }
    Err(PyTypeError::new_err(format!(
        "Level not an integer or a valid string: {}",
        repr(value, "?")
    )))
}

fn repr(value: &Bound<'_, PyAny>, fallback: &str) -> String {
    value
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| fallback.to_owned())
}
