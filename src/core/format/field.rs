//! The record attributes a template can name, and their values for a record.
//!
//! Names are the stdlib `LogRecord` attribute names. Any other name is looked
//! up in the record's key-value pairs (the stdlib's `extra`).

use std::sync::Arc;

use super::printf::Value;
use crate::core::record::{ExtraValue, FemtoLogRecord};

/// What the stdlib prints for a record without a known call site.
pub const UNKNOWN_FILE: &str = "(unknown file)";
pub const UNKNOWN_FUNCTION: &str = "(unknown function)";
const MAIN_PROCESS: &str = "MainProcess";

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Name,
    Msg,
    Args,
    LevelName,
    LevelNo,
    Pathname,
    Filename,
    Module,
    Lineno,
    FuncName,
    Created,
    Msecs,
    RelativeCreated,
    Thread,
    ThreadName,
    Process,
    ProcessName,
    TaskName,
    Message,
    Asctime,
    ExcInfo,
    ExcText,
    StackInfo,
    Extra(Arc<str>),
}

impl Field {
    pub fn from_name(name: &str) -> Field {
        match name {
            "name" => Field::Name,
            "msg" => Field::Msg,
            "args" => Field::Args,
            "levelname" => Field::LevelName,
            "levelno" => Field::LevelNo,
            "pathname" => Field::Pathname,
            "filename" => Field::Filename,
            "module" => Field::Module,
            "lineno" => Field::Lineno,
            "funcName" => Field::FuncName,
            "created" => Field::Created,
            "msecs" => Field::Msecs,
            "relativeCreated" => Field::RelativeCreated,
            "thread" => Field::Thread,
            "threadName" => Field::ThreadName,
            "process" => Field::Process,
            "processName" => Field::ProcessName,
            "taskName" => Field::TaskName,
            "message" => Field::Message,
            "asctime" => Field::Asctime,
            "exc_info" => Field::ExcInfo,
            "exc_text" => Field::ExcText,
            "stack_info" => Field::StackInfo,
            other => Field::Extra(Arc::from(other)),
        }
    }

    /// Whether the record can supply this field without Python objects.
    /// `exc_text` is excluded because its stdlib value depends on whether an
    /// earlier handler's formatter already cached the traceback text.
    pub fn is_native(&self) -> bool {
        !matches!(
            self,
            Field::Msg | Field::Args | Field::ExcInfo | Field::ExcText
        )
    }

    /// Whether capturing this field needs the caller's frame.
    pub fn needs_call_site(&self) -> bool {
        matches!(
            self,
            Field::Pathname | Field::Filename | Field::Module | Field::Lineno | Field::FuncName
        )
    }
}

/// Why a field has no value for a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Not a record attribute and not among the key-value pairs.
    Missing(Arc<str>),
    /// Only Python holds this value.
    NeedsPython,
}

/// The value of `field` for `record`. `asctime` is resolved by the formatter.
pub fn value_of<'r>(field: &'r Field, record: &'r FemtoLogRecord) -> Result<Value<'r>, FieldError> {
    let meta = &record.metadata;
    Ok(match field {
        Field::Name => Value::Str(&record.logger),
        Field::LevelName => Value::Str(&record.level_name),
        Field::LevelNo => Value::Int(i64::from(record.level)),
        Field::Pathname => Value::Str(meta.filename.as_deref().unwrap_or(UNKNOWN_FILE)),
        Field::Filename => Value::Str(basename(meta.filename.as_deref().unwrap_or(UNKNOWN_FILE))),
        Field::Module => Value::Str(match &meta.module_path {
            Some(module) => module,
            None => strip_extension(basename(meta.filename.as_deref().unwrap_or(UNKNOWN_FILE))),
        }),
        Field::Lineno => Value::Int(i64::from(meta.lineno)),
        Field::FuncName => Value::Str(meta.func_name.as_deref().unwrap_or(UNKNOWN_FUNCTION)),
        Field::Created => Value::Float(meta.created()),
        Field::Msecs => Value::Float(meta.msecs()),
        Field::RelativeCreated => Value::Float(meta.relative_created()),
        Field::Thread => Value::Int(meta.thread_id as i64),
        Field::ThreadName => optional_str(meta.thread_name.as_deref()),
        Field::Process => Value::Int(i64::from(meta.process_id)),
        Field::ProcessName => Value::Str(meta.process_name.as_deref().unwrap_or(MAIN_PROCESS)),
        Field::TaskName => optional_str(meta.task_name.as_deref()),
        Field::Message => Value::Str(record.message()),
        Field::ExcText => optional_str(record.exc_text.as_deref()),
        Field::StackInfo => optional_str(record.stack_text.as_deref()),
        Field::Extra(key) => match record.extra(key) {
            Some(ExtraValue::None) => Value::None,
            Some(ExtraValue::Int(n)) => Value::Int(n),
            Some(ExtraValue::Float(f)) => Value::Float(f),
            Some(ExtraValue::Str(s)) => Value::Str(s),
            // Text formats print these through Python (the plan sees to it).
            Some(ExtraValue::Bool(_) | ExtraValue::Json(_)) => return Err(FieldError::NeedsPython),
            None => return Err(FieldError::Missing(Arc::clone(key))),
        },
        Field::Msg | Field::Args | Field::ExcInfo | Field::Asctime => {
            return Err(FieldError::NeedsPython)
        }
    })
}

fn optional_str(value: Option<&str>) -> Value<'_> {
    value.map_or(Value::None, Value::Str)
}

/// `os.path.basename` on POSIX.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `os.path.splitext(name)[0]`: leading dots do not start an extension.
pub fn strip_extension(name: &str) -> &str {
    match name.rfind('.') {
        Some(dot) if name[..dot].chars().any(|c| c != '.') => &name[..dot],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_helpers_match_os_path() {
        assert_eq!(basename("/a/b/app.py"), "app.py");
        assert_eq!(basename("app.py"), "app.py");
        assert_eq!(strip_extension("app.py"), "app");
        assert_eq!(strip_extension("a.b.c"), "a.b");
        assert_eq!(strip_extension(".bashrc"), ".bashrc");
        assert_eq!(strip_extension("..x"), "..x");
        assert_eq!(strip_extension("noext"), "noext");
    }

    #[test]
    fn unknown_call_site_prints_like_the_stdlib() {
        let record = FemtoLogRecord::new("app", 20, "m");
        assert_eq!(
            value_of(&Field::Pathname, &record),
            Ok(Value::Str(UNKNOWN_FILE))
        );
        assert_eq!(
            value_of(&Field::Module, &record),
            Ok(Value::Str(UNKNOWN_FILE))
        );
        assert_eq!(
            value_of(&Field::FuncName, &record),
            Ok(Value::Str(UNKNOWN_FUNCTION))
        );
    }

    #[test]
    fn extra_fields_come_from_key_values() {
        let mut record = FemtoLogRecord::new("app", 20, "m");
        record.push_extra(crate::core::name::Name::from("user"), ExtraValue::Int(7));
        let user = Field::from_name("user");
        assert_eq!(value_of(&user, &record), Ok(Value::Int(7)));
        let absent = Field::from_name("absent");
        assert_eq!(
            value_of(&absent, &record),
            Err(FieldError::Missing(Arc::from("absent")))
        );
    }
}
