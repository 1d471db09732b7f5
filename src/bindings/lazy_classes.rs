//! The extension's classes that `import femtologging` does not need, made on
//! first access (PEP 562: the module's `__getattr__`) instead of at import.
//!
//! Making a class costs its `PyType_FromSpec` and, for `TargetSpec`, one
//! subclass per variant: most of the module's initialisation, for classes
//! the first plan (`TargetSpec`, `FileStream`, `NativeFormat`), a timed
//! rotating handler, an OTLP handler, the first `LoggerAdapter` or the core
//! classes' first user reach first (issue 17). Each
//! class is made once and stored in the module's dict, so later accesses are
//! ordinary lookups and always give the same object; the Rust side makes the
//! same class when it first needs one, whichever comes first.

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyModule, PyType};

use super::fast_path::adapter_base::{self, AdapterBase};
use super::fast_path::target_spec::TargetSpec;
use super::file_stream::FileStream;
use super::handlers::{FemtoFileHandler, FemtoHandler, FemtoStreamHandler};
use super::logger::FemtoLogger;
use super::native_format::NativeFormat;
use super::otlp_exporter::OtlpExporter;
use super::timed_rotation::{RolloverCell, TimedSchedule};

/// The names `__getattr__` makes. They are in the module's `__all__` from
/// import on, as when every class was added at import.
const LAZY_NAMES: [&str; 11] = [
    "FemtoFileHandler",
    "FemtoHandler",
    "FemtoLogger",
    "FemtoStreamHandler",
    "FileStream",
    "LoggerAdapter",
    "NativeFormat",
    "OtlpExporter",
    "RolloverCell",
    "TargetSpec",
    "TimedSchedule",
];

/// Installs the module's `__getattr__` (not an export, so not through
/// `add_function`, which would list it in `__all__`) and lists the classes
/// it makes in `__all__`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.setattr("__getattr__", wrap_pyfunction!(module_getattr, module)?)?;
    let exported = module.getattr("__all__")?.cast_into::<PyList>()?;
    for name in LAZY_NAMES {
        exported.append(name)?;
    }
    Ok(())
}

fn make<'py>(py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyType>>> {
    Ok(Some(match name {
        "FemtoFileHandler" => py.get_type::<FemtoFileHandler>(),
        "FemtoHandler" => py.get_type::<FemtoHandler>(),
        "FemtoLogger" => py.get_type::<FemtoLogger>(),
        "FemtoStreamHandler" => py.get_type::<FemtoStreamHandler>(),
        "FileStream" => py.get_type::<FileStream>(),
        "LoggerAdapter" => {
            // Its level methods are vectorcall functions set on the class,
            // before any subclass (femtologging's LoggerAdapter) exists.
            adapter_base::install(py)?;
            py.get_type::<AdapterBase>()
        }
        "NativeFormat" => py.get_type::<NativeFormat>(),
        "OtlpExporter" => py.get_type::<OtlpExporter>(),
        "RolloverCell" => py.get_type::<RolloverCell>(),
        "TargetSpec" => py.get_type::<TargetSpec>(),
        "TimedSchedule" => py.get_type::<TimedSchedule>(),
        _ => return Ok(None),
    }))
}

/// Asked only for names the module's dict lacks.
#[pyfunction]
#[pyo3(name = "__getattr__", pass_module)]
fn module_getattr<'py>(module: &Bound<'py, PyModule>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let Some(class) = make(module.py(), name)? else {
        return Err(PyAttributeError::new_err(format!(
            "module 'femtologging._femtologging_rs' has no attribute '{name}'"
        )));
    };
    module.setattr(name, &class)?;
    Ok(class)
}
