//! The `contextvars.ContextVar` of bound values: made by the extension, and
//! read in the caller's context from Rust without calling Python
//! (`PyContextVar_Get`).

use pyo3::ffi;
use pyo3::prelude::*;

/// The variable's value in the current context; `None` when it has none
/// (and no default). `variable` must be a `ContextVar`.
pub fn value<'py>(py: Python<'py>, variable: &Py<PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let mut value: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: the GIL is held and `variable` is a ContextVar (checked by the
    // Python side that handed it over); on success `value` holds a new
    // reference, or null when the variable has no value.
    let status =
        unsafe { ffi::PyContextVar_Get(variable.as_ptr(), std::ptr::null_mut(), &mut value) };
    if status < 0 {
        return Err(PyErr::fetch(py));
    }
    if value.is_null() {
        return Ok(None);
    }
    // SAFETY: `value` is the new reference PyContextVar_Get returned.
    Ok(Some(unsafe { Bound::from_owned_ptr(py, value) }))
}

/// Adds `BOUND_VALUES`, the `ContextVar` holding the values bound with
/// `femtologging.contextvars`, and `NO_BOUND_VALUES`, its default (an empty
/// dict), to the extension module. Made here, where the fast path reads it,
/// so `import femtologging` does not load the `_contextvars` module.
pub fn add_bound_values(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let empty = pyo3::types::PyDict::new(py);
    // SAFETY: the GIL is held and both arguments are valid objects; the
    // call returns a new reference or null with an exception set.
    let variable = unsafe {
        let name = c"femtologging_bound";
        let created = ffi::PyContextVar_New(name.as_ptr(), empty.as_ptr());
        Bound::from_owned_ptr_or_err(py, created)?
    };
    module.add("BOUND_VALUES", variable)?;
    module.add("NO_BOUND_VALUES", empty)
}
