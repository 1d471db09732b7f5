//! The extension's classes that `import femtologging` does not need, made on
//! first access (PEP 562: the module's `__getattr__`) instead of at import.
//!
//! Making a class costs its `PyType_FromSpec` and, for `TargetSpec`, one
//! subclass per variant: most of the module's initialisation, for classes
//! the first plan (`TargetSpec`, `FileStream`, `NativeFormat`), a timed
//! rotating handler, an OTLP handler, the first `LoggerAdapter` or the core
//! classes' first user reach first (issue 17). Each class is made once and
//! stored in the module's dict, so later accesses are ordinary lookups and
//! always give the same object; the Rust side makes the same class when it
//! first needs one, whichever comes first.

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::type_object::PyTypeInfo;
use pyo3::types::{PyList, PyModule, PyType};

use super::fast_path::adapter_base::{self, AdapterBase};
use super::fast_path::target_spec::TargetSpec;
use super::file_stream::FileStream;
use super::handlers::{FemtoFileHandler, FemtoHandler, FemtoStreamHandler};
use super::logger::FemtoLogger;
use super::native_format::NativeFormat;
use super::otlp_exporter::OtlpExporter;
use super::timed_rotation::{RolloverCell, TimedSchedule};

/// How a class is made: its type object, created on first need.
type Make = for<'py> fn(Python<'py>) -> PyResult<Bound<'py, PyType>>;

/// The classes `__getattr__` makes, by name. They are in the module's
/// `__all__` from import on, as when every class was added at import.
const LAZY: [(&str, Make); 11] = [
    ("FemtoFileHandler", class::<FemtoFileHandler>),
    ("FemtoHandler", class::<FemtoHandler>),
    ("FemtoLogger", class::<FemtoLogger>),
    ("FemtoStreamHandler", class::<FemtoStreamHandler>),
    ("FileStream", class::<FileStream>),
    ("LoggerAdapter", adapter_class),
    ("NativeFormat", class::<NativeFormat>),
    ("OtlpExporter", class::<OtlpExporter>),
    ("RolloverCell", class::<RolloverCell>),
    ("TargetSpec", class::<TargetSpec>),
    ("TimedSchedule", class::<TimedSchedule>),
];

fn class<T: PyTypeInfo>(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    Ok(py.get_type::<T>())
}

/// The adapter base's level methods are vectorcall functions set on the
/// class, before any subclass (femtologging's LoggerAdapter) exists.
fn adapter_class(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    adapter_base::install(py)?;
    Ok(py.get_type::<AdapterBase>())
}

/// Installs the module's `__getattr__` (not an export, so not through
/// `add_function`, which would list it in `__all__`) and lists the classes
/// it makes in `__all__`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.setattr("__getattr__", wrap_pyfunction!(module_getattr, module)?)?;
    let exported = module.getattr("__all__")?.cast_into::<PyList>()?;
    for (name, _) in LAZY {
        exported.append(name)?;
    }
    Ok(())
}

/// Asked only for names the module's dict lacks.
#[pyfunction]
#[pyo3(name = "__getattr__", pass_module)]
fn module_getattr<'py>(module: &Bound<'py, PyModule>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let Some((_, make)) = LAZY.iter().find(|(lazy, _)| *lazy == name) else {
        return Err(PyAttributeError::new_err(format!(
            "module 'femtologging._femtologging_rs' has no attribute '{name}'"
        )));
    };
    let class = make(module.py())?;
    module.setattr(name, &class)?;
    Ok(class)
}
