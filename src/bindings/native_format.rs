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
use crate::core::format::{json, Formatter, TimeStyle};

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

    /// python-json-logger's `JsonFormatter` compiled (format/json.rs); the
    /// Python side checked its class and options and encoded the static
    /// values. `leading` holds `(key, kind, value)` with kind "field" (a
    /// record attribute), "extra" (`record.__dict__.get`) or "raw" (JSON).
    /// ValueError when a field needs Python.
    #[staticmethod]
    #[pyo3(signature = (leading, exc_key, stack_key, exc_info_as_array, stack_info_as_array, merged_before, merged_after, skipped, renames, timestamp_key, keep_missing, prefix, ensure_ascii, datefmt, utc, default_time_format, default_msec_format))]
    #[allow(clippy::too_many_arguments)]
    fn json(
        leading: Vec<(String, String, String)>,
        exc_key: String,
        stack_key: String,
        exc_info_as_array: bool,
        stack_info_as_array: bool,
        merged_before: Vec<(String, String)>,
        merged_after: Vec<(String, String)>,
        skipped: Vec<String>,
        renames: Vec<(String, String)>,
        timestamp_key: Option<String>,
        keep_missing: Vec<String>,
        prefix: String,
        ensure_ascii: bool,
        datefmt: Option<String>,
        utc: bool,
        default_time_format: String,
        default_msec_format: Option<&str>,
    ) -> PyResult<Self> {
        let native_field = |name: &str| -> PyResult<Field> {
            let field = Field::from_name(name);
            if !field.is_native() || matches!(field, Field::Extra(_)) {
                return Err(PyValueError::new_err(format!(
                    "the record attribute {name:?} is only available in Python"
                )));
            }
            Ok(field)
        };
        let mut compiled = Vec::with_capacity(leading.len());
        for (key, kind, value) in leading {
            let source = match kind.as_str() {
                "field" => json::Source::Field(native_field(&value)?),
                "extra" => json::Source::Extra(value.into()),
                "raw" => json::Source::Raw(value.into()),
                other => {
                    return Err(PyValueError::new_err(format!(
                        "unknown JSON field kind {other:?}"
                    )))
                }
            };
            compiled.push((key.into_boxed_str(), source));
        }
        let fields = |pairs: Vec<(String, String)>| -> PyResult<Vec<(Box<str>, Field)>> {
            pairs
                .into_iter()
                .map(|(key, name)| Ok((key.into_boxed_str(), native_field(&name)?)))
                .collect()
        };
        let default_msec_format = match default_msec_format.filter(|f| !f.is_empty()) {
            Some(source) => Some(
                Template::parse(source)
                    .map_err(|error| PyValueError::new_err(error.to_string()))?,
            ),
            None => None,
        };
        let layout = json::JsonLayout {
            leading: compiled,
            exc_key: exc_key.into(),
            stack_key: stack_key.into(),
            exc_info_as_array,
            stack_info_as_array,
            merged_before: fields(merged_before)?,
            merged_after: fields(merged_after)?,
            skipped: skipped.into_iter().map(String::into_boxed_str).collect(),
            renames: renames
                .into_iter()
                .map(|(from, to)| (from.into_boxed_str(), to.into_boxed_str()))
                .collect(),
            timestamp_key: timestamp_key.map(String::into_boxed_str),
            keep_missing: keep_missing
                .into_iter()
                .map(String::into_boxed_str)
                .collect(),
            prefix: prefix.into(),
            ensure_ascii,
        };
        let time = TimeStyle {
            datefmt,
            default_time_format,
            default_msec_format,
            utc,
        };
        Ok(NativeFormat {
            formatter: Arc::new(Formatter::json(layout, time)),
        })
    }

    /// Whether this writes JSON lines (it then prints every `extra` value).
    #[getter]
    fn is_json(&self) -> bool {
        self.formatter.is_json()
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
