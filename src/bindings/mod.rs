//! The Python face of the core: `#[pyclass]`/`#[pyfunction]` wrappers.
//! Converting Python values to Rust values happens here and only here.

pub mod capture;
pub mod context_var;
pub mod dict_version;
pub mod fast_path;
pub mod file_stream;
pub mod gil_cell;
pub mod handler_lock;
pub mod handlers;
pub mod lazy_classes;
pub mod level;
pub mod lifecycle;
pub mod logger;
pub mod member;
pub mod native_format;
pub mod otlp_exporter;
pub mod python_clock;
pub mod thread_exit;
pub mod timed_rotation;
