//! Registers the `femtologging._femtologging_rs` extension module.

mod allocator;
mod bindings;
pub mod core;

use pyo3::prelude::*;

// The module relies on the GIL to serialise fork hooks against log calls.
#[pymodule(gil_used = true)]
fn _femtologging_rs(module: &Bound<'_, PyModule>) -> PyResult<()> {
    allocator::configure();
    // Seen before anything can replace it (see python_clock.rs).
    bindings::python_clock::watch_from_now(module.py());
    bindings::context_var::add_bound_values(module)?;
    module.add_class::<bindings::level::FemtoLevel>()?;
    module.add_class::<bindings::handler_lock::HandlerLock>()?;
    module.add_class::<bindings::fast_path::logger_base::LoggerBase>()?;
    // The other classes are made on first access.
    bindings::lazy_classes::register(module)?;
    bindings::fast_path::vectorcall::install(
        &module
            .py()
            .get_type::<bindings::fast_path::logger_base::LoggerBase>(),
    )?;
    module.add_function(wrap_pyfunction!(
        bindings::fast_path::logger_base::_path_counts,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::fast_path::adapter_base::_install_adapter_methods,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::fast_path::environment::_install_fast_path,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::fast_path::environment::_set_fast_path_loader,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(bindings::lifecycle::hello, module)?)?;
    module.add_function(wrap_pyfunction!(bindings::lifecycle::_shutdown, module)?)?;
    module.add_function(wrap_pyfunction!(bindings::lifecycle::_flush_all, module)?)?;
    module.add_function(wrap_pyfunction!(bindings::lifecycle::_before_fork, module)?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_after_fork_in_parent,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_after_fork_in_child,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_set_raise_exceptions,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_install_crash_handlers,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_flush_before_exit,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(bindings::lifecycle::_recover, module)?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_configure_clock,
        module
    )?)?;
    module.add_function(wrap_pyfunction!(
        bindings::lifecycle::_configuration_changed,
        module
    )?)?;
    Ok(())
}
