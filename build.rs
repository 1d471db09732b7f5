//! Emits pyo3's `Py_3_X` cfg flags, so code can use C API that exists only
//! from some CPython version on (type watchers, 3.12+).

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
