//! The caller's thread name, as `threading.current_thread().name` gives it,
//! read without calling Python.
//!
//! `current_thread()` is `threading._active[get_ident()]`, and `Thread.name`
//! returns the thread's `_name`. When the thread is not in `_active` (a
//! thread started outside `threading`, which `current_thread()` would give
//! a dummy Thread), when its class replaces the `name` property, or when
//! `_name` is not a str, the Python helper answers instead.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};

use super::emit::optional_text;
use super::environment::Environment;

/// The name of the thread with `ident` (the caller's).
pub fn current(
    py: Python<'_>,
    environment: &Environment,
    ident: u64,
) -> PyResult<Option<Arc<str>>> {
    if let Some(name) = native(py, environment, ident)? {
        return Ok(Some(name));
    }
    optional_text(environment.helpers.thread_name.bind(py).call0()?)
}

fn native(py: Python<'_>, environment: &Environment, ident: u64) -> PyResult<Option<Arc<str>>> {
    let active = environment
        .helpers
        .active_threads
        .bind(py)
        .cast::<PyDict>()?;
    let key = PyInt::new(py, ident);
    let Some(thread) = active.get_item(key)? else {
        return Ok(None);
    };
    let property = thread.get_type().getattr(pyo3::intern!(py, "name"))?;
    if !property.is(environment.helpers.thread_name_property.bind(py)) {
        return Ok(None);
    }
    let Ok(attributes) = thread.getattr(pyo3::intern!(py, "__dict__")) else {
        return Ok(None);
    };
    let Ok(attributes) = attributes.cast_into::<PyDict>() else {
        return Ok(None);
    };
    let Some(name) = attributes.get_item(pyo3::intern!(py, "_name"))? else {
        return Ok(None);
    };
    let Ok(name) = name.cast_exact::<PyString>() else {
        return Ok(None);
    };
    match name.to_str() {
        Ok(text) => Ok(Some(Arc::from(text))),
        Err(_) => Ok(None),
    }
}
