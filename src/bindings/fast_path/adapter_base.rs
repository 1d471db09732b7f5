//! `AdapterBase`: the Rust base class of `femtologging.LoggerAdapter`.
//!
//! Its level methods (`debug` ... `critical`) do what the stdlib's do —
//! `self.log(level, ...)`, which asks `isEnabledFor`, runs `process` and
//! calls `self.logger.log` — directly, when the adapter's class and instance
//! keep those three methods as femtologging defines them and the logger is
//! a femtologging logger. Otherwise they call `self.log` in Python.

use std::ffi::CStr;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::{ffi, PyTypeInfo};

use super::call_args::CallKwargs;
use super::environment;
use super::logger_base::LoggerBase;
use super::vectorcall::{guarded, install_methods, method_name, Arguments, BoundCall, Method};
use crate::core::level::{self, LevelNo};

#[pyclass(
    subclass,
    frozen,
    name = "LoggerAdapter",
    module = "femtologging._femtologging_rs"
)]
pub struct AdapterBase;

#[pymethods]
impl AdapterBase {
    /// Accepts any arguments: the Python subclass's `__init__` does the setup.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        AdapterBase
    }
}

/// `LoggerAdapter.log`, `.isEnabledFor` and `.process` as defined.
struct StockMethods {
    log: Py<PyAny>,
    is_enabled_for: Py<PyAny>,
    process: Py<PyAny>,
    /// `(adapter, level, msg, *args, **kwargs) -> adapter.log(...)`: a Python
    /// frame standing in for the stdlib's `info()` frame, which 3.10's
    /// `stacklevel` counts.
    call_log_in_python: Py<PyAny>,
}

static STOCK: PyOnceLock<StockMethods> = PyOnceLock::new();

/// Called once by `femtologging/_adapter.py` with its methods as defined.
#[pyfunction]
pub fn _install_adapter_methods(
    py: Python<'_>,
    log: Py<PyAny>,
    is_enabled_for: Py<PyAny>,
    process: Py<PyAny>,
    call_log_in_python: Py<PyAny>,
) {
    let _ = STOCK.set(
        py,
        StockMethods {
            log,
            is_enabled_for,
            process,
            call_log_in_python,
        },
    );
}

/// The adapter's instance dict if it still has the stock
/// `log`/`isEnabledFor`/`process`, neither overridden by its class nor
/// patched on the instance; `None` otherwise.
fn stock_instance_dict<'py>(adapter: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let py = adapter.py();
    let Some(stock) = STOCK.get(py) else {
        return Ok(None);
    };
    let class = adapter.get_type();
    let names = [
        (intern!(py, "log"), &stock.log),
        (intern!(py, "isEnabledFor"), &stock.is_enabled_for),
        (intern!(py, "process"), &stock.process),
    ];
    for (name, original) in &names {
        if !class.getattr(name)?.is(original.bind(py)) {
            return Ok(None);
        }
    }
    let own = adapter.getattr(intern!(py, "__dict__"))?;
    let own = own.cast_into::<PyDict>()?;
    for (name, _) in &names {
        if own.contains(name)? {
            return Ok(None);
        }
    }
    Ok(Some(own))
}

/// An attribute, from the instance dict when it is there (no exception is
/// raised and caught for a missing one).
fn attribute<'py>(
    adapter: &Bound<'py, PyAny>,
    own: &Bound<'py, PyDict>,
    name: &Bound<'py, pyo3::types::PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    match own.get_item(name)? {
        Some(value) => Ok(value),
        None => adapter.getattr(name),
    }
}

fn log_through_adapter(
    adapter: &Bound<'_, PyAny>,
    level: LevelNo,
    call: &BoundCall<'_, '_, 1>,
) -> PyResult<()> {
    let py = adapter.py();
    let msg = &call.named[0];
    // 3.10's stacklevel counts raw frames, the adapter's own among them:
    // only the Python path has those frames.
    let counts_frames = environment::load(py)?.is_some_and(|env| env.legacy_stacklevel)
        && call.kwargs.pairs().iter().any(|(name, _)| {
            name.cast::<pyo3::types::PyString>()
                .is_ok_and(|name| name.to_str().is_ok_and(|name| name == "stacklevel"))
        });
    let own = if counts_frames {
        None
    } else {
        stock_instance_dict(adapter)?
    };
    if let Some(own) = own {
        let logger = attribute(adapter, &own, intern!(py, "logger"))?;
        if let Ok(logger) = logger.cast::<LoggerBase>() {
            if logger.get().known_disabled(level) {
                return Ok(());
            }
            if !LoggerBase::asks_python_for_levels(logger)? {
                // What `process` does: `extra` replaced by the adapter's
                // (merged with the call's, with merge_extra on 3.13).
                let kwargs = call.kwargs.to_dict()?.unwrap_or_else(|| PyDict::new(py));
                let extra = attribute(adapter, &own, intern!(py, "extra"))?;
                // Set by __init__ from 3.13 on; absent before.
                let merge = match own.get_item(intern!(py, "merge_extra"))? {
                    Some(value) => value.is_truthy()?,
                    None => false,
                };
                match kwargs.get_item(intern!(py, "extra"))? {
                    Some(own) if merge => {
                        let merged = PyDict::new(py);
                        merged.update(extra.cast::<pyo3::types::PyMapping>()?)?;
                        merged.update(own.cast::<pyo3::types::PyMapping>()?)?;
                        kwargs.set_item(intern!(py, "extra"), merged)?;
                    }
                    _ => kwargs.set_item(intern!(py, "extra"), extra)?,
                }
                return LoggerBase::log_at(
                    logger,
                    level,
                    msg,
                    &call.rest,
                    &CallKwargs::Dict(kwargs),
                );
            }
        }
    }
    let mut positional = vec![
        adapter.clone(),
        level.into_pyobject(py)?.into_any(),
        msg.clone(),
    ];
    positional.extend((0..call.rest.len()).filter_map(|i| call.rest.get(i)));
    let kwargs = call.kwargs.to_dict()?;
    let Some(stock) = STOCK.get(py) else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "femtologging's LoggerAdapter is not installed",
        ));
    };
    stock
        .call_log_in_python
        .bind(py)
        .call(PyTuple::new(py, positional)?, kwargs.as_ref())?;
    Ok(())
}

unsafe extern "C" fn adapter_level_method<const LEVEL: LevelNo>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `slf` is the live instance the method is called on.
    let adapter = unsafe { Bound::from_borrowed_ptr(py, slf) };
    // SAFETY: these are the arguments of this vectorcall.
    let arguments = unsafe { Arguments::new(py, args, nargs, kwnames) };
    guarded(py, || {
        let call = arguments.bind("LoggerAdapter", method_name(LEVEL), &["msg"])?;
        log_through_adapter(&adapter, LEVEL, &call)
    })
}

const METHODS: [(&CStr, Method, &CStr); 5] = [
    (
        c"debug",
        adapter_level_method::<{ level::DEBUG }>,
        c"Delegate a debug call to the underlying logger.",
    ),
    (
        c"info",
        adapter_level_method::<{ level::INFO }>,
        c"Delegate an info call to the underlying logger.",
    ),
    (
        c"warning",
        adapter_level_method::<{ level::WARNING }>,
        c"Delegate a warning call to the underlying logger.",
    ),
    (
        c"error",
        adapter_level_method::<{ level::ERROR }>,
        c"Delegate an error call to the underlying logger.",
    ),
    (
        c"critical",
        adapter_level_method::<{ level::CRITICAL }>,
        c"Delegate a critical call to the underlying logger.",
    ),
];

/// Installs the level methods on the `LoggerAdapter` base type.
pub fn install(py: Python<'_>) -> PyResult<()> {
    let class: Bound<'_, PyType> = AdapterBase::type_object(py);
    install_methods(&class, &METHODS)
}
