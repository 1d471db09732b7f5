//! The Python class `FemtoLogger` over the core logger.

use crate::bindings::thread_exit;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyString;

use super::capture;
use super::handlers::native_handler;
use super::level::extract_level;
use crate::core::handler::Submit;
use crate::core::level::LevelNo;
use crate::core::logger::FemtoLogger as CoreLogger;
use crate::core::record::FemtoLogRecord;

#[pyclass(frozen, name = "FemtoLogger", module = "femtologging._femtologging_rs")]
pub struct FemtoLogger {
    core: Arc<CoreLogger>,
}

#[pymethods]
impl FemtoLogger {
    #[new]
    fn new(name: String) -> Self {
        FemtoLogger {
            core: Arc::new(CoreLogger::new(name)),
        }
    }

    #[getter]
    fn name(&self) -> &str {
        self.core.name()
    }

    #[getter]
    fn level(&self) -> LevelNo {
        self.core.level()
    }

    fn set_level(&self, level: &Bound<'_, PyAny>) -> PyResult<()> {
        self.core.set_level(extract_level(level)?);
        Ok(())
    }

    /// Logs `message` at `level`; returns the formatted line, or `None` when
    /// the logger's level filters the record out. Records at or above a
    /// handler's flush level are written before this returns.
    fn log(
        &self,
        py: Python<'_>,
        level: &Bound<'_, PyAny>,
        message: &Bound<'_, PyAny>,
    ) -> PyResult<Option<String>> {
        // Capturing the call site and thread name runs Python code.
        thread_exit::cover_this_thread();
        let level = extract_level(level)?;
        if !self.core.accepts(level) {
            return Ok(None);
        }
        let message = match message.cast::<PyString>() {
            Ok(text) => text.to_str()?.to_owned(),
            Err(_) => message.str()?.to_str()?.to_owned(),
        };
        let metadata = capture::capture(py, self.core.needs());
        let record =
            FemtoLogRecord::with_metadata(self.core.name().clone(), level, message, metadata);
        let text = self
            .core
            .formatter()
            .format(&record)
            .unwrap_or_else(|_| record.message().to_owned());
        let waits: Vec<Submit> = self.core.dispatch(record);
        if !waits.is_empty() {
            thread_exit::detach(py, || waits.into_iter().for_each(Submit::complete));
        }
        Ok(Some(text))
    }

    fn add_handler(&self, handler: &Bound<'_, PyAny>) -> PyResult<()> {
        self.core.add_handler(native_handler(handler)?);
        Ok(())
    }

    /// Detaches `handler`; returns whether it was attached.
    fn remove_handler(&self, handler: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.core.remove_handler(&native_handler(handler)?))
    }

    fn __repr__(&self) -> String {
        format!("<FemtoLogger {} ({})>", self.core.name(), self.core.level())
    }
}
