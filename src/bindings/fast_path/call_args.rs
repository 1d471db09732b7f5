//! The positional arguments of a log call (`*args`), borrowed from the
//! vectorcall: most enabled calls never need them as a tuple.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

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

    /// The argument at `index`, borrowed for the whole call: no reference is
    /// taken or dropped.
    pub fn borrowed(&self, index: usize) -> Option<&'a Bound<'py, PyAny>> {
        let values: &'a [*mut ffi::PyObject] = self.values;
        // SAFETY: the pointers are the live arguments of the current call,
        // alive (held by the caller's frame) for all of `'a`.
        values
            .get(index)
            .map(|pointer| unsafe { Bound::ref_from_ptr(self.py, pointer) })
    }

    /// The arguments as the tuple `Logger._log` receives.
    pub fn to_tuple(&self) -> PyResult<Bound<'py, PyTuple>> {
        let items: Vec<Bound<'py, PyAny>> = (0..self.len())
            .filter_map(|index| self.get(index))
            .collect();
        PyTuple::new(self.py, items)
    }
}

/// The keyword arguments of a log call (`**kwargs`), borrowed from the
/// vectorcall: a dict is only built when the call goes to Python.
pub enum CallKwargs<'a, 'py> {
    None,
    /// Names (a tuple of str) and values as CPython passed them.
    Borrowed {
        names: Bound<'py, PyTuple>,
        values: &'a [*mut ffi::PyObject],
    },
    Dict(Bound<'py, PyDict>),
}

impl<'py> CallKwargs<'_, 'py> {
    /// The (name, value) pairs, in call order.
    pub fn pairs(&self) -> Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        match self {
            CallKwargs::None => Vec::new(),
            CallKwargs::Borrowed { names, values } => names
                .iter()
                .zip(values.iter())
                .map(|(name, value)| {
                    // SAFETY: the values are the live arguments of the current call.
                    (name, unsafe {
                        Bound::from_borrowed_ptr(names.py(), *value)
                    })
                })
                .collect(),
            CallKwargs::Dict(dict) => dict.iter().collect(),
        }
    }

    /// The keywords as the dict `Logger._log(**kwargs)` receives, if any.
    pub fn to_dict(&self) -> PyResult<Option<Bound<'py, PyDict>>> {
        match self {
            CallKwargs::None => Ok(None),
            CallKwargs::Dict(dict) => Ok(Some(dict.clone())),
            CallKwargs::Borrowed { names, .. } => {
                let dict = PyDict::new(names.py());
                for (name, value) in self.pairs() {
                    dict.set_item(name, value)?;
                }
                Ok(Some(dict))
            }
        }
    }
}
