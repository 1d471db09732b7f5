//! OTLP/HTTP logs export. The logging thread encodes each record as an
//! OTLP `LogRecord` into the handler's journal (log_record.rs, wire.rs); the
//! handler's worker assembles requests from the journal (request.rs) and
//! POSTs them with retries (exporter.rs).

pub mod exporter;
pub mod log_record;
pub mod request;
pub mod wire;
