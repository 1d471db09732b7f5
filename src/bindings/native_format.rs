//! `NativeFormat`: a stdlib `Formatter`'s settings compiled for the core.
//!
//! The Python package builds one from a `logging.Formatter` whose behaviour
//! is the stdlib default (see `femtologging/_formatter.py`); construction
//! fails with ValueError when the core could not print the same bytes, and
//! the handler then keeps formatting in Python.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::core::format::field::Field;
use crate::core::format::template::{Style, Template};
use crate::core::format::{Formatter, TimeStyle};

#[pyclass(frozen, module = "femtologging._femtologging_rs")]
pub struct NativeFormat {
    formatter: Arc<Formatter>,
}

impl NativeFormat {
    pub fn formatter(&self) -> &Arc<Formatter> {
        &self.formatter
    }
}

#[pymethods]
impl NativeFormat {
    /// `task_names`: whether records have `taskName` (CPython 3.12+).
    #[new]
    #[pyo3(signature = (fmt, datefmt, utc, default_time_format, default_msec_format, task_names, style="%"))]
    fn new(
        fmt: &str,
        datefmt: Option<String>,
        utc: bool,
        default_time_format: String,
        default_msec_format: Option<&str>,
        task_names: bool,
        style: &str,
    ) -> PyResult<Self> {
        let style = match style {
            "%" => Style::Percent,
            "{" => Style::Brace,
            "$" => Style::Dollar,
            other => {
                return Err(PyValueError::new_err(format!(
                    "Style must be one of: %,{{,$ (got '{other}')"
                )))
            }
        };
        let unsupported = |why: String| PyValueError::new_err(why);
        let default_msec_format = match default_msec_format.filter(|f| !f.is_empty()) {
            Some(source) => {
                Some(Template::parse(source).map_err(|error| unsupported(error.to_string()))?)
            }
            None => None,
        };
        let time = TimeStyle {
            datefmt,
            default_time_format,
            default_msec_format,
            utc,
        };
        let formatter = Formatter::with_style(fmt, style, time)
            .map_err(|error| unsupported(error.to_string()))?;
        if !task_names && formatter.source_fields().any(|f| *f == Field::TaskName) {
            return Err(unsupported(
                "records have no taskName before CPython 3.12".into(),
            ));
        }
        if cfg!(not(Py_3_11)) && formatter.has_negative_zero_coercion() {
            return Err(unsupported(
                "the 'z' format option needs CPython 3.11".into(),
            ));
        }
        if formatter.has_repr_conversions() {
            return Err(unsupported("%r/%a conversions are left to Python".into()));
        }
        Ok(NativeFormat {
            formatter: Arc::new(formatter),
        })
    }

    #[getter]
    fn fmt(&self) -> &str {
        self.formatter.source()
    }

    /// Names of the fields that are not record attributes (the `extra` keys).
    #[getter]
    fn extra_keys(&self) -> Vec<String> {
        self.formatter
            .source_fields()
            .filter_map(|field| match field {
                Field::Extra(key) => Some(key.to_string()),
                _ => None,
            })
            .collect()
    }
}
