//! Formatters: a compiled template plus the stdlib's time and exception rules.
//!
//! `Formatter::format_into` reproduces `logging.Formatter.format` for records
//! the core holds: the template with `asctime` filled in, then the traceback
//! and stack text appended on their own lines.

pub mod brace;
pub mod digits;
pub mod field;
pub mod json;
pub mod message;
pub mod printf;
pub mod strftime;
pub mod template;

use std::fmt;
use std::sync::Arc;

use field::{Field, FieldError};
use printf::{ConvertError, Spec, Value};
use strftime::TimeError;
use template::{Key, Piece, Style, Template, TemplateError};

use super::level::LevelNo;
use super::record::FemtoLogRecord;

/// The stdlib's `BASIC_FORMAT`.
pub const BASIC_FORMAT: &str = "%(levelname)s:%(name)s:%(message)s";
/// `Formatter.default_time_format`.
pub const DEFAULT_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// `Formatter.default_msec_format`.
pub const DEFAULT_MSEC_FORMAT: &str = "%s,%03d";

/// How `asctime` is produced (`datefmt`, the defaults, and the converter).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeStyle {
    pub datefmt: Option<String>,
    pub default_time_format: String,
    pub default_msec_format: Option<Template>,
    /// `converter = time.gmtime` instead of `time.localtime`.
    pub utc: bool,
}

impl Default for TimeStyle {
    fn default() -> Self {
        TimeStyle {
            datefmt: None,
            default_time_format: DEFAULT_TIME_FORMAT.to_owned(),
            default_msec_format: Template::parse(DEFAULT_MSEC_FORMAT).ok(),
            utc: false,
        }
    }
}

/// Which costly parts of a record a formatter reads, so capture can skip the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub call_site: bool,
    pub thread_name: bool,
    pub process_name: bool,
    pub task_name: bool,
    /// Every `extra` value, not only those named (a JSON layout prints all).
    pub all_extras: bool,
}

impl Needs {
    pub fn union(self, other: Needs) -> Needs {
        Needs {
            call_site: self.call_site || other.call_site,
            thread_name: self.thread_name || other.thread_name,
            process_name: self.process_name || other.process_name,
            task_name: self.task_name || other.task_name,
            all_extras: self.all_extras || other.all_extras,
        }
    }
}

/// Why a record could not be formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The stdlib: "Formatting field not found in record: 'key'".
    MissingField(Arc<str>),
    /// A conversion Python rejects (TypeError message).
    Type(String),
    /// Only Python can produce this output.
    NeedsPython,
    Time(TimeError),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::MissingField(key) => {
                write!(f, "Formatting field not found in record: '{key}'")
            }
            RenderError::Type(message) => f.write_str(message),
            RenderError::NeedsPython => f.write_str("this record needs Python to be formatted"),
            RenderError::Time(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for RenderError {}

impl From<ConvertError> for RenderError {
    fn from(error: ConvertError) -> Self {
        match error {
            ConvertError::NeedsPython => RenderError::NeedsPython,
            ConvertError::Type(message) => RenderError::Type(message),
        }
    }
}

impl From<FieldError> for RenderError {
    fn from(error: FieldError) -> Self {
        match error {
            FieldError::Missing(key) => RenderError::MissingField(key),
            FieldError::NeedsPython => RenderError::NeedsPython,
        }
    }
}

/// Rejects `{field:spec}` combinations that could fail at render time (in a
/// worker, where Python's `handleError` cannot report them): a spec is kept
/// only when it formats a sample of the field's (known, never None) type.
fn check_brace_specs(template: &Template) -> Result<(), TemplateError> {
    for piece in template.pieces() {
        let Piece::Brace {
            field,
            str_first,
            spec,
        } = piece
        else {
            continue;
        };
        if spec.is_empty() {
            continue;
        }
        // Thread ids, line numbers and process ids are rarely characters;
        // a level's range is checked per call (`prints_level`).
        if spec.kind == Some('c') && *field != Field::LevelNo {
            return Err(TemplateError::Unsupported(format!(
                "the 'c' type on {field:?} is left to Python"
            )));
        }
        let sample = match field {
            Field::Name
            | Field::LevelName
            | Field::Pathname
            | Field::Filename
            | Field::Module
            | Field::FuncName
            | Field::Message
            | Field::Asctime
            | Field::ProcessName => Value::Str("x"),
            Field::LevelNo | Field::Lineno | Field::Thread | Field::Process => Value::Int(1),
            Field::Created | Field::Msecs | Field::RelativeCreated => Value::Float(1.5),
            _ if *str_first => Value::Str("x"),
            other => {
                return Err(TemplateError::Unsupported(format!(
                    "a format spec on {other:?}, whose type varies, is left to Python"
                )))
            }
        };
        brace::format_value(&mut String::new(), sample, *str_first, spec).map_err(|_| {
            TemplateError::Unsupported(format!("spec {spec:?} does not suit {field:?}"))
        })?;
    }
    Ok(())
}

/// Per-thread memo of the last second formatted, so `asctime` costs one
/// `strftime` per second rather than one per record, and of the last
/// `asctime`, which records in the same millisecond share.
#[derive(Debug, Default)]
pub struct FormatCache {
    second: Option<i64>,
    second_text: String,
    /// The last `asctime` made, and what it was made from: the record's
    /// second and the bits of its `msecs` (0 where the text has none).
    asctime: String,
    asctime_of: Option<(i64, u64)>,
    /// A JSON layout's last timestamp second.
    stamps: json::TimestampCache,
}

/// A compiled `%`-style formatter.
#[derive(Debug, Clone, PartialEq)]
pub struct Formatter {
    template: Template,
    time: TimeStyle,
    uses_time: bool,
    needs: Needs,
    /// `{levelno:c}` is printed.
    char_level: bool,
    /// A JSON formatter's layout, which replaces the template.
    json: Option<Box<json::JsonLayout>>,
}

impl Formatter {
    /// Compiles a `%`-style `format`; fails when the core cannot render it exactly.
    pub fn new(format: &str, time: TimeStyle) -> Result<Formatter, TemplateError> {
        Formatter::with_style(format, Style::Percent, time)
    }

    /// Compiles `format` in `style`; fails when the core cannot render it exactly.
    pub fn with_style(
        format: &str,
        style: Style,
        time: TimeStyle,
    ) -> Result<Formatter, TemplateError> {
        let template = Template::parse_style(format, style)?;
        check_brace_specs(&template)?;
        if template.positional_count() > 0 {
            return Err(TemplateError::Unsupported(format!(
                "format {format:?} mixes positional specs with record fields"
            )));
        }
        if let Some(field) = template.fields().find(|field| !field.is_native()) {
            return Err(TemplateError::Unsupported(format!(
                "the field {field:?} of format {format:?} is only available in Python"
            )));
        }
        if let Some(msec) = &time.default_msec_format {
            if msec.positional_count() != 2 || msec.fields().next().is_some() {
                return Err(TemplateError::Unsupported(format!(
                    "default_msec_format {:?} must take exactly two values",
                    msec.source()
                )));
            }
        }
        let mut needs = Needs::default();
        for field in template.fields() {
            needs.call_site |= field.needs_call_site();
            needs.thread_name |= *field == Field::ThreadName;
            needs.process_name |= *field == Field::ProcessName;
            needs.task_name |= *field == Field::TaskName;
        }
        // The stdlib decides this by substring search, not by parsing.
        let uses_time = match style {
            Style::Percent => format.contains("%(asctime)"),
            Style::Brace => format.contains("{asctime"),
            Style::Dollar => format.contains("$asctime") || format.contains("${asctime}"),
        };
        let json = None;
        let char_level = template.pieces().iter().any(|piece| {
            matches!(piece, Piece::Brace { field: Field::LevelNo, spec, .. } if spec.kind == Some('c'))
        });
        Ok(Formatter {
            json,
            char_level,
            uses_time,
            template,
            time,
            needs,
        })
    }

    /// `logging.Formatter(BASIC_FORMAT)`.
    pub fn basic() -> Formatter {
        Formatter::new(BASIC_FORMAT, TimeStyle::default())
            .unwrap_or_else(|_| unreachable!("BASIC_FORMAT is a valid native template"))
    }

    pub fn source(&self) -> &str {
        self.template.source()
    }

    /// The record fields the template names.
    pub fn source_fields(&self) -> impl Iterator<Item = &Field> {
        self.template.fields()
    }

    /// Whether some field is printed with `%r` or `%a`, whose output for
    /// arbitrary strings needs Python's Unicode tables.
    pub fn has_repr_conversions(&self) -> bool {
        self.template.pieces().iter().any(|piece| {
            matches!(
                piece,
                Piece::Field { spec, .. }
                    if matches!(spec.conversion, printf::Conversion::Repr | printf::Conversion::Ascii)
            )
        })
    }

    /// Whether a record at `level` made at `created` renders here:
    /// `{levelno:c}` needs the level to be a character (Python raises
    /// OverflowError otherwise), a JSON timestamp a year `datetime` knows.
    pub fn renders(&self, level: LevelNo, created: f64) -> bool {
        (!self.char_level || u32::try_from(level).ok().and_then(char::from_u32).is_some())
            && self
                .json
                .as_ref()
                .is_none_or(|layout| layout.renders_time(created))
    }

    /// Whether `renders` can be false for some level or time.
    pub fn may_not_render(&self) -> bool {
        self.char_level || self.json.is_some()
    }

    /// python-json-logger's `JsonFormatter`, compiled (see format/json.rs);
    /// `time` makes `asctime` when a field of `fmt` names it.
    pub fn json(layout: json::JsonLayout, time: TimeStyle) -> Formatter {
        let mut needs = Needs {
            all_extras: true,
            ..Needs::default()
        };
        let mut uses_time = false;
        let fields = layout
            .leading
            .iter()
            .filter_map(|(_, source)| match source {
                json::Source::Field(field) => Some(field),
                _ => None,
            })
            .chain(layout.merged_before.iter().map(|(_, field)| field))
            .chain(layout.merged_after.iter().map(|(_, field)| field));
        for field in fields {
            needs.call_site |= field.needs_call_site();
            needs.thread_name |= *field == Field::ThreadName;
            needs.process_name |= *field == Field::ProcessName;
            needs.task_name |= *field == Field::TaskName;
            uses_time |= *field == Field::Asctime;
        }
        Formatter {
            template: Template::parse("")
                .unwrap_or_else(|_| unreachable!("an empty template parses")),
            time,
            uses_time,
            needs,
            char_level: false,
            json: Some(Box::new(layout)),
        }
    }

    /// Whether this formatter writes JSON lines.
    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }

    /// Whether some `{` field has the `z` option (CPython 3.11+ only).
    pub fn has_negative_zero_coercion(&self) -> bool {
        self.template
            .pieces()
            .iter()
            .any(|piece| matches!(piece, Piece::Brace { spec, .. } if spec.coerce_zero))
    }

    pub fn needs(&self) -> Needs {
        self.needs
    }

    pub fn format(&self, record: &FemtoLogRecord) -> Result<String, RenderError> {
        let mut out = String::new();
        self.format_into(record, &mut FormatCache::default(), &mut out)?;
        Ok(out)
    }

    /// Appends the formatted record to `out`; on error `out` is left as it was.
    pub fn format_into(
        &self,
        record: &FemtoLogRecord,
        cache: &mut FormatCache,
        out: &mut String,
    ) -> Result<(), RenderError> {
        let start = out.len();
        let result = self.render(record, cache, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn render(
        &self,
        record: &FemtoLogRecord,
        cache: &mut FormatCache,
        out: &mut String,
    ) -> Result<(), RenderError> {
        if self.uses_time {
            self.asctime(record, cache)?;
        }
        let asctime = std::mem::take(&mut cache.asctime);
        let result = self.render_with(record, cache, out, &asctime);
        cache.asctime = asctime;
        result
    }

    fn render_with(
        &self,
        record: &FemtoLogRecord,
        cache: &mut FormatCache,
        out: &mut String,
        asctime: &str,
    ) -> Result<(), RenderError> {
        if let Some(layout) = &self.json {
            return layout
                .render(record, asctime, &mut cache.stamps, out)
                .map_err(|json::NotNative| RenderError::NeedsPython);
        }
        for piece in self.template.pieces() {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field {
                    key: Key::Named(Field::Asctime),
                    spec,
                } => convert(out, Value::Str(asctime), spec)?,
                Piece::Field {
                    key: Key::Named(field),
                    spec,
                } => convert(out, field::value_of(field, record)?, spec)?,
                Piece::Field {
                    key: Key::Positional(_),
                    ..
                } => return Err(RenderError::NeedsPython),
                Piece::Brace {
                    field: Field::Asctime,
                    str_first,
                    spec,
                } => brace::format_value(out, Value::Str(asctime), *str_first, spec)?,
                Piece::Brace {
                    field,
                    str_first,
                    spec,
                } => brace::format_value(out, field::value_of(field, record)?, *str_first, spec)?,
            }
        }
        for appendix in [&record.exc_text, &record.stack_text].into_iter().flatten() {
            if appendix.is_empty() {
                continue;
            }
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(appendix);
        }
        Ok(())
    }

    /// `Formatter.formatTime(record, datefmt)`.
    /// Makes `cache.asctime` the record's `asctime`, unless it already is:
    /// the text is a function of the second and of `msecs` alone.
    fn asctime(&self, record: &FemtoLogRecord, cache: &mut FormatCache) -> Result<(), RenderError> {
        let second = record.metadata.whole_second();
        let datefmt = self.time.datefmt.as_deref().filter(|f| !f.is_empty());
        let msec_format = match (&self.time.default_msec_format, datefmt) {
            (Some(msec), None) => Some(msec),
            _ => None,
        };
        let msecs = record.metadata.msecs();
        let made_of = (second, msec_format.map_or(0, |_| msecs.to_bits()));
        if cache.asctime_of == Some(made_of) {
            return Ok(());
        }
        // A failure below leaves no text claiming to be this one.
        cache.asctime_of = None;
        cache.asctime.clear();
        if cache.second != Some(second) {
            let pattern = datefmt.unwrap_or(&self.time.default_time_format);
            cache.second_text =
                strftime::strftime(pattern, second, self.time.utc).map_err(RenderError::Time)?;
            cache.second = Some(second);
        }
        let out = &mut cache.asctime;
        match msec_format {
            Some(msec) => {
                let values = [Value::Str(&cache.second_text), Value::Float(msecs)];
                for piece in msec.pieces() {
                    match piece {
                        Piece::Literal(text) => out.push_str(text),
                        Piece::Field {
                            key: Key::Positional(index),
                            spec,
                        } => printf::convert(out, values[*index], spec)?,
                        Piece::Field { .. } | Piece::Brace { .. } => {
                            return Err(RenderError::NeedsPython)
                        }
                    }
                }
            }
            None => out.push_str(&cache.second_text),
        }
        cache.asctime_of = Some(made_of);
        Ok(())
    }
}

/// `printf::convert`, with the most common piece of a format, a plain `%s`
/// of a str (`%(levelname)s`, `%(name)s`, `%(message)s`), appended here
/// without the call.
#[inline]
fn convert(out: &mut String, value: Value<'_>, spec: &Spec) -> Result<(), ConvertError> {
    match value {
        Value::Str(text) if spec.is_plain_str() => {
            out.push_str(text);
            Ok(())
        }
        _ => printf::convert(out, value, spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::name::Name;
    use crate::core::record::{ExtraValue, RecordMetadata};

    fn record_at(ns: i64) -> FemtoLogRecord {
        let metadata = RecordMetadata {
            timestamp_ns: ns,
            float_clock: None,
            filename: Some(Arc::from("/srv/app/main.py")),
            lineno: 12,
            func_name: Some(Arc::from("run")),
            thread_name: Some(Arc::from("MainThread")),
            ..RecordMetadata::capture()
        };
        FemtoLogRecord::with_metadata("app.db", 30, "disk low", metadata)
    }

    fn utc() -> TimeStyle {
        TimeStyle {
            utc: true,
            ..TimeStyle::default()
        }
    }

    #[test]
    fn basic_format_matches_the_stdlib() {
        let record = FemtoLogRecord::new("app", 20, "hello");
        assert_eq!(
            Formatter::basic().format(&record),
            Ok("INFO:app:hello".into())
        );
    }

    #[test]
    fn a_kept_asctime_follows_each_millisecond_and_a_clock_going_back() {
        let formatter = Formatter::new("%(asctime)s %(message)s", utc()).expect("valid");
        let mut cache = FormatCache::default();
        let mut lines = Vec::new();
        for ns in [
            1_700_000_000_042_000_000,
            1_700_000_000_042_900_000,
            1_700_000_000_043_000_000,
            1_700_000_001_043_000_000,
            1_700_000_000_042_100_000,
        ] {
            let mut out = String::new();
            formatter
                .format_into(&record_at(ns), &mut cache, &mut out)
                .expect("renders");
            assert_eq!(Ok(out.clone()), formatter.format(&record_at(ns)));
            lines.push(out);
        }
        assert_eq!(
            lines,
            [
                "2023-11-14 22:13:20,042 disk low",
                "2023-11-14 22:13:20,042 disk low",
                "2023-11-14 22:13:20,043 disk low",
                "2023-11-14 22:13:21,043 disk low",
                "2023-11-14 22:13:20,042 disk low",
            ]
        );
    }

    #[test]
    fn asctime_has_milliseconds_by_default() {
        let formatter =
            Formatter::new("%(asctime)s %(levelname)s %(message)s", utc()).expect("valid");
        assert_eq!(
            formatter.format(&record_at(1_700_000_000_042_000_000)),
            Ok("2023-11-14 22:13:20,042 WARNING disk low".into())
        );
    }

    #[test]
    fn datefmt_replaces_the_milliseconds() {
        let time = TimeStyle {
            datefmt: Some("%H:%M".into()),
            ..utc()
        };
        let formatter = Formatter::new("%(asctime)s|%(msecs)03d", time).expect("valid");
        assert_eq!(
            formatter.format(&record_at(1_700_000_000_042_000_000)),
            Ok("22:13|042".into())
        );
    }

    #[test]
    fn the_second_cache_follows_the_clock() {
        let formatter = Formatter::new("%(asctime)s", utc()).expect("valid");
        let mut cache = FormatCache::default();
        let mut out = String::new();
        for ns in [1_700_000_000_001_000_000, 1_700_000_001_002_000_000] {
            formatter
                .format_into(&record_at(ns), &mut cache, &mut out)
                .expect("formats");
            out.push('|');
        }
        assert_eq!(out, "2023-11-14 22:13:20,001|2023-11-14 22:13:21,002|");
    }

    #[test]
    fn call_site_fields_and_needs() {
        let formatter = Formatter::new("%(filename)s:%(lineno)d %(funcName)s %(module)s", utc())
            .expect("valid");
        assert!(formatter.needs().call_site);
        assert!(!formatter.needs().thread_name);
        assert_eq!(
            formatter.format(&record_at(0)),
            Ok("main.py:12 run main".into())
        );
    }

    #[test]
    fn tracebacks_follow_on_their_own_line() {
        let mut record = record_at(0);
        record.exc_text = Some("Traceback (most recent call last):\nBoom".into());
        record.stack_text = Some("Stack (most recent call last):".into());
        assert_eq!(
            Formatter::new("%(message)s", utc()).expect("valid").format(&record),
            Ok("disk low\nTraceback (most recent call last):\nBoom\nStack (most recent call last):".into())
        );
    }

    #[test]
    fn extra_fields_render_and_missing_ones_fail_cleanly() {
        let formatter = Formatter::new("%(message)s user=%(user)s", utc()).expect("valid");
        let mut record = record_at(0);
        let mut out = String::from("kept ");
        assert_eq!(
            formatter.format_into(&record, &mut FormatCache::default(), &mut out),
            Err(RenderError::MissingField(Arc::from("user")))
        );
        assert_eq!(out, "kept ");
        record.push_extra(Name::from("user"), ExtraValue::Str("ann"));
        assert_eq!(formatter.format(&record), Ok("disk low user=ann".into()));
    }

    #[test]
    fn python_only_fields_are_refused_at_compile_time() {
        assert!(matches!(
            Formatter::new("%(args)s", utc()),
            Err(TemplateError::Unsupported(_))
        ));
        assert!(matches!(
            Formatter::new("%s %(message)s", utc()),
            Err(TemplateError::Unsupported(_))
        ));
    }
}
