//! The positional arguments of a log call (`*args`), borrowed from the
//! vectorcall: most enabled calls never need them as a tuple.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

pub struct CallArgs<'a, 'py> {
    py: Python<'py>,
    /// Argument pointers CPython passed to the method, alive for the call.
    values: &'a [*mut ffi::PyObject],
}

impl<'a, 'py> CallArgs<'a, 'py> {
    pub fn new(py: Python<'py>, values: &'a [*mut ffi::PyObject]) -> Self {
        CallArgs { py, values }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<Bound<'py, PyAny>> {
        self.values.get(index).map(|pointer| {
            // SAFETY: the pointers are the live arguments of the current call.
            unsafe { Bound::from_borrowed_ptr(self.py, *pointer) }
        })
    }

    /// The arguments as the tuple `Logger._log` receives.
    pub fn to_tuple(&self) -> PyResult<Bound<'py, PyTuple>> {
        let items: Vec<Bound<'py, PyAny>> = (0..self.len())
            .filter_map(|index| self.get(index))
            .collect();
        PyTuple::new(self.py, items)
    }
}
