//! The level methods as raw `METH_FASTCALL | METH_KEYWORDS` functions.
//!
//! A disabled `logger.debug("x %s", 1)` is the most frequent logging call in
//! most programs, so it must cost little more than a bare method call: these
//! functions check the logger's lock-free threshold before building any
//! argument tuple. Enabled calls bind the arguments as a Python
//! `def debug(self, msg, *args, **kwargs)` would and go on to `log_at`.

use std::ffi::{c_char, CStr};

use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString, PyTuple, PyType};

use super::call_args::{CallArgs, CallKwargs};
use super::logger_base::LoggerBase;
use crate::bindings::thread_exit;
use crate::core::level::{self, LevelNo};

/// A call's arguments bound to a signature `(<named...>, *args, **kwargs)`.
pub(crate) struct BoundCall<'a, 'py, const N: usize> {
    pub(crate) named: [Bound<'py, PyAny>; N],
    pub(crate) rest: CallArgs<'a, 'py>,
    pub(crate) kwargs: CallKwargs<'a, 'py>,
}

/// Borrowed views of a vectorcall's arguments.
pub(crate) struct Arguments<'a, 'py> {
    py: Python<'py>,
    positional: &'a [*mut ffi::PyObject],
    keyword_names: Option<Bound<'py, PyTuple>>,
    keyword_values: &'a [*mut ffi::PyObject],
}

impl<'a, 'py> Arguments<'a, 'py> {
    /// # Safety
    /// The pointers must be the arguments CPython passed to a vectorcall.
    pub(crate) unsafe fn new(
        py: Python<'py>,
        args: *const *mut ffi::PyObject,
        nargs: ffi::Py_ssize_t,
        kwnames: *mut ffi::PyObject,
    ) -> Arguments<'a, 'py> {
        let positional_count = usize::try_from(nargs).unwrap_or(0);
        let keyword_names = (!kwnames.is_null()).then(|| {
            // SAFETY: kwnames is a tuple of str when not null.
            unsafe { Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<PyTuple>() }
        });
        let keyword_count = keyword_names.as_ref().map_or(0, |names| names.len());
        let all = if args.is_null() {
            &[][..]
        } else {
            // SAFETY: CPython passes nargs positional values followed by one
            // value per keyword name.
            unsafe { std::slice::from_raw_parts(args, positional_count + keyword_count) }
        };
        let (positional, keyword_values) = all.split_at(positional_count);
        Arguments {
            py,
            positional,
            keyword_names,
            keyword_values,
        }
    }

    pub(crate) fn positional(&self, index: usize) -> Option<Bound<'py, PyAny>> {
        self.positional.get(index).map(|pointer| {
            // SAFETY: CPython guarantees the argument pointers are live.
            unsafe { Bound::from_borrowed_ptr(self.py, *pointer) }
        })
    }

    /// Binds `(self, <named...>, *args, **kwargs)`: the named parameters,
    /// the rest of the positional values, and the keywords as a dict.
    pub(crate) fn bind<const N: usize>(
        &self,
        owner: &str,
        method: &str,
        named: &[&str; N],
    ) -> PyResult<BoundCall<'a, 'py, N>> {
        // Arrays, not Vecs: this runs on every enabled call.
        let mut values: [Option<Bound<'py, PyAny>>; N] =
            std::array::from_fn(|i| self.positional(i));
        let rest_start = named.len().min(self.positional.len());
        let rest = CallArgs::new(self.py, &self.positional[rest_start..]);
        let named_keyword = self.keyword_names.as_ref().is_some_and(|names| {
            names.iter().any(|name| {
                name.cast::<PyString>()
                    .ok()
                    .and_then(|name| name.to_str().ok().map(|name| named.contains(&name)))
                    .unwrap_or(false)
            })
        });
        let kwargs = match &self.keyword_names {
            None => CallKwargs::None,
            // The common case: keywords other than the named parameters are
            // kept as CPython passed them, with no dict built.
            Some(names) if !named_keyword => CallKwargs::Borrowed {
                names: names.clone(),
                values: self.keyword_values,
            },
            Some(names) => {
                let dict = PyDict::new(self.py);
                for (name, value) in names.iter().zip(self.keyword_values) {
                    // SAFETY: the keyword values are live argument pointers.
                    let value = unsafe { Bound::from_borrowed_ptr(self.py, *value) };
                    let key = name.cast::<PyString>()?.to_str()?.to_owned();
                    match named.iter().position(|parameter| *parameter == key) {
                        Some(slot) if values[slot].is_some() => {
                            return Err(PyTypeError::new_err(format!(
                                "{owner}.{method}() got multiple values for argument '{key}'"
                            )))
                        }
                        Some(slot) => values[slot] = Some(value),
                        None => dict.set_item(name, value)?,
                    }
                }
                CallKwargs::Dict(dict)
            }
        };
        if values.iter().any(Option::is_none) {
            let missing: Vec<String> = named
                .iter()
                .zip(&values)
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| format!("'{name}'"))
                .collect();
            return Err(PyTypeError::new_err(format!(
                "{owner}.{method}() missing {} required positional argument{}: {}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" },
                missing.join(" and ")
            )));
        }
        // Every value is present (checked above); None is never used.
        let bound = values.map(|value| value.unwrap_or_else(|| self.py.None().into_bound(self.py)));
        Ok(BoundCall {
            named: bound,
            rest,
            kwargs,
        })
    }
}

/// Runs a method body and hands its result to CPython: None, or NULL with
/// the exception set. These raw `extern "C"` methods have no PyO3
/// trampoline, and a panic unwinding out of one would abort the process:
/// it is turned into `PanicException` here, as PyO3 does for its methods.
pub(crate) fn guarded(py: Python<'_>, body: impl FnOnce() -> PyResult<()>) -> *mut ffi::PyObject {
    thread_exit::cover_this_thread();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(panic_error(payload.as_ref())));
    match result {
        Ok(()) => py.None().into_ptr(),
        Err(error) => {
            error.restore(py);
            std::ptr::null_mut()
        }
    }
}

fn panic_error(payload: &(dyn std::any::Any + Send)) -> PyErr {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("panic in femtologging's fast path");
    PanicException::new_err(message.to_owned())
}

/// `debug`/`info`/`warning`/`error`/`critical`.
unsafe extern "C" fn level_method<const LEVEL: LevelNo>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: the method descriptor only calls this with instances of its type.
    let logger = unsafe { Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<LoggerBase>() };
    if nargs >= 1 && kwnames.is_null() && logger.get().known_disabled(LEVEL) {
        return py.None().into_ptr();
    }
    // SAFETY: these are the arguments of this vectorcall.
    let arguments = unsafe { Arguments::new(py, args, nargs, kwnames) };
    guarded(py, || {
        let call = arguments.bind("Logger", method_name(LEVEL), &["msg"])?;
        LoggerBase::log_at(&logger, LEVEL, &call.named[0], &call.rest, &call.kwargs)
    })
}

/// `log(level, msg, *args, **kwargs)`.
unsafe extern "C" fn log_method(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: the method descriptor only calls this with instances of its type.
    let logger = unsafe { Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<LoggerBase>() };
    // SAFETY: these are the arguments of this vectorcall.
    let arguments = unsafe { Arguments::new(py, args, nargs, kwnames) };
    if nargs >= 2 && kwnames.is_null() {
        if let Some(level) = arguments.positional(0) {
            if level.is_exact_instance_of::<PyInt>() {
                if let Ok(level) = level.extract::<LevelNo>() {
                    if logger.get().known_disabled(level) {
                        return py.None().into_ptr();
                    }
                }
            }
        }
    }
    guarded(py, || {
        let call = arguments.bind("Logger", "log", &["level", "msg"])?;
        LoggerBase::log_any_level(
            &logger,
            &call.named[0],
            &call.named[1],
            &call.rest,
            &call.kwargs,
        )
    })
}

pub(crate) fn method_name(level: LevelNo) -> &'static str {
    match level {
        level::DEBUG => "debug",
        level::INFO => "info",
        level::WARNING => "warning",
        level::ERROR => "error",
        _ => "critical",
    }
}

pub(crate) type Method = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

const METHODS: [(&CStr, Method, &CStr); 6] = [
    (
        c"debug",
        level_method::<{ level::DEBUG }>,
        c"Log 'msg % args' with severity DEBUG.",
    ),
    (
        c"info",
        level_method::<{ level::INFO }>,
        c"Log 'msg % args' with severity INFO.",
    ),
    (
        c"warning",
        level_method::<{ level::WARNING }>,
        c"Log 'msg % args' with severity WARNING.",
    ),
    (
        c"error",
        level_method::<{ level::ERROR }>,
        c"Log 'msg % args' with severity ERROR.",
    ),
    (
        c"critical",
        level_method::<{ level::CRITICAL }>,
        c"Log 'msg % args' with severity CRITICAL.",
    ),
    (
        c"log",
        log_method,
        c"Log 'msg % args' with the integer severity 'level'.",
    ),
];

/// Installs the level methods on the `Logger` base type.
pub fn install(logger_type: &Bound<'_, PyType>) -> PyResult<()> {
    install_methods(logger_type, &METHODS)
}

/// Replaces methods of `class` with raw `METH_FASTCALL | METH_KEYWORDS` ones.
pub(crate) fn install_methods(
    class: &Bound<'_, PyType>,
    methods: &[(&'static CStr, Method, &'static CStr)],
) -> PyResult<()> {
    let logger_type = class;
    for &(name, method, doc) in methods {
        // The definition must outlive the type: leaked once per process.
        let definition: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: method,
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: doc.as_ptr() as *const c_char,
        }));
        // SAFETY: the type object is live and the definition is 'static.
        let descriptor = unsafe {
            Bound::from_owned_ptr_or_err(
                logger_type.py(),
                ffi::PyDescr_NewMethod(logger_type.as_type_ptr(), definition),
            )?
        };
        let key = name
            .to_str()
            .map_err(|_| PyAttributeError::new_err("method names are ASCII"))?;
        logger_type.setattr(key, descriptor)?;
    }
    Ok(())
}
