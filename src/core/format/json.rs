//! JSON lines, as python-json-logger's `JsonFormatter` writes them.
//!
//! A `JsonLayout` is that formatter's configuration compiled by the Python
//! side (which also checked that nothing in it needs Python: no custom
//! encoder, no overridden method). Rendering follows its `add_fields` step
//! for step, into an ordered list with a dict's semantics (a key keeps the
//! place of its first insertion and takes its last value): `defaults`, the
//! fields named in `fmt`, `static_fields`, the traceback and stack, the
//! record's other attributes and `extra` values that are not reserved, the
//! timestamp, then the renamed fields kept when missing. The list is then
//! written as `json.dumps` writes it with `indent=None` (separators ", " and
//! ": ", floats by `repr`, NaN and infinities as JavaScript names).

use super::digits::{decimal, push_signed, DigitBuffer};
use super::field::{self, Field};
use super::printf::{self, Value};
use crate::core::record::{ExtraValue, FemtoLogRecord};

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A `LogRecord` attribute the record holds (`asctime` and `message`
    /// included).
    Field(Field),
    /// `record.__dict__.get(key)`: an `extra` value, or null.
    Extra(Box<str>),
    /// Already JSON (a default or static value, encoded once with
    /// non-ASCII left as is).
    Raw(Box<str>),
}

/// python-json-logger's options, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonLayout {
    /// `defaults`, the fields of `fmt` and `static_fields`, in that order,
    /// keys renamed.
    pub leading: Vec<(Box<str>, Source)>,
    /// The keys the traceback and stack text go under (renamed).
    pub exc_key: Box<str>,
    pub stack_key: Box<str>,
    pub exc_info_as_array: bool,
    pub stack_info_as_array: bool,
    /// The record's own attributes that are neither reserved nor in `fmt`,
    /// in `LogRecord.__dict__` order (keys renamed): before the `extra`
    /// values...
    pub merged_before: Vec<(Box<str>, Field)>,
    /// ...and `message`, which `format` sets after them.
    pub merged_after: Vec<(Box<str>, Field)>,
    /// `extra` keys left out (reserved attributes and fields of `fmt`).
    pub skipped: Vec<Box<str>>,
    /// `rename_fields`, for the `extra` keys.
    pub renames: Vec<(Box<str>, Box<str>)>,
    /// The timestamp's key (renamed), when `timestamp` is on.
    pub timestamp_key: Option<Box<str>>,
    /// `rename_fields_keep_missing`: the renamed keys, set to null if absent.
    pub keep_missing: Vec<Box<str>>,
    pub prefix: Box<str>,
    pub ensure_ascii: bool,
}

/// One value of the output, borrowed from the layout and the record.
#[derive(Debug, Clone, Copy)]
enum Json<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Raw(&'a str),
    /// A text as the list of its lines (`str.splitlines()`).
    Lines(&'a str),
    /// `datetime.fromtimestamp(created, tz=timezone.utc)`.
    Timestamp(f64),
}

/// Why a record cannot be rendered here (Python then renders it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNative;

impl JsonLayout {
    /// The record's line (without a terminator) into `out`; `asctime` is the
    /// formatted time when `fmt` names it.
    pub fn render(
        &self,
        record: &FemtoLogRecord,
        asctime: &str,
        stamps: &mut TimestampCache,
        out: &mut String,
    ) -> Result<(), NotNative> {
        let mut data: Vec<(&str, Json<'_>)> = Vec::with_capacity(
            self.leading.len() + self.merged_before.len() + self.merged_after.len() + 8,
        );
        for (key, source) in &self.leading {
            let value = match source {
                Source::Field(field) => field_value(field, record, asctime)?,
                Source::Extra(name) => extra_value(record.extra(name)),
                Source::Raw(text) => Json::Raw(text),
            };
            put(&mut data, key, value);
        }
        if let Some(text) = record.exc_text.as_deref() {
            let value = if self.exc_info_as_array {
                Json::Lines(text)
            } else {
                Json::Str(text)
            };
            put(&mut data, &self.exc_key, value);
        }
        if let Some(text) = record.stack_text.as_deref() {
            let value = if self.stack_info_as_array {
                Json::Lines(text)
            } else {
                Json::Str(text)
            };
            put(&mut data, &self.stack_key, value);
        }
        for (key, field) in &self.merged_before {
            put(&mut data, key, field_value(field, record, asctime)?);
        }
        for (name, value) in record.extras() {
            let name: &str = name;
            if name.starts_with('_') || self.skipped.iter().any(|skip| &**skip == name) {
                continue;
            }
            let key = self
                .renames
                .iter()
                .find(|(from, _)| &**from == name)
                .map_or(name, |(_, to)| &**to);
            put(&mut data, key, extra_value(Some(value)));
        }
        for (key, field) in &self.merged_after {
            put(&mut data, key, field_value(field, record, asctime)?);
        }
        if let Some(key) = &self.timestamp_key {
            put(&mut data, key, Json::Timestamp(record.metadata.created()));
        }
        for key in &self.keep_missing {
            if !data.iter().any(|(present, _)| *present == &**key) {
                data.push((key, Json::Null));
            }
        }
        out.push_str(&self.prefix);
        out.push('{');
        for (index, (key, value)) in data.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            write_string(out, key, self.ensure_ascii);
            out.push_str(": ");
            self.write_value(out, *value, stamps)?;
        }
        out.push('}');
        Ok(())
    }

    fn write_value(
        &self,
        out: &mut String,
        value: Json<'_>,
        stamps: &mut TimestampCache,
    ) -> Result<(), NotNative> {
        match value {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Int(number) => push_signed(out, number),
            Json::Float(number) => write_float(out, number),
            Json::Str(text) => write_string(out, text, self.ensure_ascii),
            Json::Raw(text) if self.ensure_ascii => escape_non_ascii(out, text),
            Json::Raw(text) => out.push_str(text),
            Json::Lines(text) => {
                out.push('[');
                for (index, line) in split_lines(text).enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    write_string(out, line, self.ensure_ascii);
                }
                out.push(']');
            }
            Json::Timestamp(created) => {
                out.push('"');
                stamps.write(out, created).ok_or(NotNative)?;
                out.push('"');
            }
        }
        Ok(())
    }

    /// Whether a record made at `created` renders here (a timestamp outside
    /// the years 1-9999 is Python's to reject).
    pub fn renders_time(&self, created: f64) -> bool {
        self.timestamp_key.is_none() || utc_parts(created).is_some()
    }
}

/// The date and time of the last whole second a timestamp was written for:
/// records come many to a second.
#[derive(Debug, Default)]
pub struct TimestampCache {
    second: Option<i64>,
    text: String,
}

impl TimestampCache {
    /// `datetime.fromtimestamp(created, tz=timezone.utc).isoformat()`.
    fn write(&mut self, out: &mut String, created: f64) -> Option<()> {
        let (seconds, micros) = split_timestamp(created)?;
        if self.second != Some(seconds) {
            let (year, month, day, hour, minute, second) = utc_civil(seconds)?;
            use std::fmt::Write;
            self.text.clear();
            let _ = write!(
                self.text,
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
            );
            self.second = Some(seconds);
        }
        out.push_str(&self.text);
        if micros != 0 {
            out.push('.');
            let mut buffer = DigitBuffer::default();
            let digits = decimal(micros.into(), &mut buffer);
            for _ in digits.len()..6 {
                out.push('0');
            }
            out.push_str(digits);
        }
        out.push_str("+00:00");
        Some(())
    }
}

/// A dict assignment: a new key goes last, an existing one keeps its place.
fn put<'a>(data: &mut Vec<(&'a str, Json<'a>)>, key: &'a str, value: Json<'a>) {
    match data.iter_mut().find(|(present, _)| *present == key) {
        Some(slot) => slot.1 = value,
        None => data.push((key, value)),
    }
}

fn field_value<'a>(
    field: &'a Field,
    record: &'a FemtoLogRecord,
    asctime: &'a str,
) -> Result<Json<'a>, NotNative> {
    if *field == Field::Asctime {
        return Ok(Json::Str(asctime));
    }
    match field::value_of(field, record) {
        Ok(Value::None) => Ok(Json::Null),
        Ok(Value::Int(number)) => Ok(Json::Int(number)),
        Ok(Value::Float(number)) => Ok(Json::Float(number)),
        Ok(Value::Str(text)) => Ok(Json::Str(text)),
        Err(field::FieldError::Missing(_)) => Ok(Json::Null),
        Err(field::FieldError::NeedsPython) => Err(NotNative),
    }
}

fn extra_value(value: Option<ExtraValue<'_>>) -> Json<'_> {
    match value {
        None | Some(ExtraValue::None) => Json::Null,
        Some(ExtraValue::Int(number)) => Json::Int(number),
        Some(ExtraValue::Float(number)) => Json::Float(number),
        Some(ExtraValue::Str(text)) => Json::Str(text),
        Some(ExtraValue::Bool(value)) => Json::Bool(value),
        Some(ExtraValue::Json(text)) => Json::Raw(text),
    }
}

/// `float.__repr__`, with `json`'s names for the values JSON lacks.
fn write_float(out: &mut String, number: f64) {
    if number.is_nan() {
        out.push_str("NaN");
    } else if number == f64::INFINITY {
        out.push_str("Infinity");
    } else if number == f64::NEG_INFINITY {
        out.push_str("-Infinity");
    } else {
        printf::write_float_repr(out, number);
    }
}

/// A JSON string as `json.dumps` writes it: with `ensure_ascii`, every
/// character outside printable ASCII as `\uXXXX` (surrogate pairs beyond
/// the BMP); without, only quotes, backslashes and control characters.
pub fn write_string(out: &mut String, text: &str, ensure_ascii: bool) {
    out.push('"');
    let bytes = text.as_bytes();
    // Runs of bytes that need no escape are copied whole: most text is.
    let mut run_start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let plain = match byte {
            b'"' | b'\\' => false,
            0x20..=0x7e => true,
            0x00..=0x1f => false,
            // DEL and the bytes of non-ASCII characters.
            _ => !ensure_ascii,
        };
        if plain {
            continue;
        }
        if byte >= 0x80 && !text.is_char_boundary(at) {
            continue; // escaped with its character's first byte
        }
        out.push_str(&text[run_start..at]);
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let character = text[at..].chars().next().unwrap_or('\u{fffd}');
                push_escaped(out, character);
                run_start = at + character.len_utf8();
                continue;
            }
        }
        run_start = at + 1;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

fn push_escaped(out: &mut String, character: char) {
    use std::fmt::Write;
    let mut units = [0u16; 2];
    for unit in character.encode_utf16(&mut units) {
        let _ = write!(out, "\\u{unit:04x}");
    }
}

/// JSON written without `ensure_ascii` made ASCII: non-ASCII characters
/// only occur inside its strings, where `json.dumps` would have escaped
/// them (and DEL) the same way.
fn escape_non_ascii(out: &mut String, text: &str) {
    for character in text.chars() {
        if (character as u32) >= 0x7f {
            push_escaped(out, character);
        } else {
            out.push(character);
        }
    }
}

/// `str.splitlines()`: the line boundaries Python recognises, a `\r\n`
/// counting once, no empty line after a final boundary.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let boundary = rest.char_indices().find(|(_, c)| {
            matches!(
                c,
                '\n' | '\r'
                    | '\u{b}'
                    | '\u{c}'
                    | '\u{1c}'
                    | '\u{1d}'
                    | '\u{1e}'
                    | '\u{85}'
                    | '\u{2028}'
                    | '\u{2029}'
            )
        });
        match boundary {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some((at, c)) => {
                let line = &rest[..at];
                let skip = if c == '\r' && rest[at + 1..].starts_with('\n') {
                    2
                } else {
                    c.len_utf8()
                };
                rest = &rest[at + skip..];
                Some(line)
            }
        }
    })
}

/// Whole seconds and microseconds of a timestamp, as CPython's
/// `datetime.fromtimestamp` splits a float: the fraction scaled to
/// microseconds and rounded half to even.
fn split_timestamp(created: f64) -> Option<(i64, u32)> {
    if !created.is_finite() {
        return None;
    }
    let whole = created.trunc();
    let mut fraction = round_half_even((created - whole) * 1e6);
    let mut seconds = whole;
    if fraction >= 1e6 {
        fraction -= 1e6;
        seconds += 1.0;
    } else if fraction < 0.0 {
        fraction += 1e6;
        seconds -= 1.0;
    }
    if seconds.abs() > 1e15 {
        return None;
    }
    Some((seconds as i64, fraction as u32))
}

fn round_half_even(x: f64) -> f64 {
    let rounded = x.round();
    if (x - rounded).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        rounded
    }
}

/// Year, month, day, hour, minute, second, microsecond in UTC; `None`
/// outside the years `datetime` knows (1-9999).
fn utc_parts(created: f64) -> Option<(i64, u32, u32, u32, u32, u32, u32)> {
    let (seconds, micros) = split_timestamp(created)?;
    let (year, month, day, hour, minute, second) = utc_civil(seconds)?;
    Some((year, month, day, hour, minute, second, micros))
}

/// The UTC calendar date and time of whole `seconds` since the epoch.
fn utc_civil(seconds: i64) -> Option<(i64, u32, u32, u32, u32, u32)> {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    if !(1..=9999).contains(&year) {
        return None;
    }
    Some((
        year,
        month,
        day,
        (of_day / 3600) as u32,
        (of_day % 3600 / 60) as u32,
        (of_day % 60) as u32,
    ))
}

#[cfg(test)]
fn write_utc_isoformat(out: &mut String, created: f64) -> Option<()> {
    use std::fmt::Write;
    let (year, month, day, hour, minute, second, micros) = utc_parts(created)?;
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
    );
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str("+00:00");
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str, ensure_ascii: bool) -> String {
        let mut out = String::new();
        write_string(&mut out, value, ensure_ascii);
        out
    }

    #[test]
    fn strings_are_escaped_as_json_dumps_escapes_them() {
        assert_eq!(text("a\"b\\c\n\t\u{1}", true), r#""a\"b\\c\n\t\u0001""#);
        assert_eq!(text("é\u{7f}😀", true), r#""\u00e9\u007f\ud83d\ude00""#);
        assert_eq!(text("é\u{7f}😀", false), "\"é\u{7f}😀\"");
        assert_eq!(text("\u{8}\u{c}\r", false), r#""\b\f\r""#);
    }

    #[test]
    fn lines_split_as_str_splitlines_does() {
        let lines: Vec<&str> = split_lines("a\r\nb\rc\u{2028}d\n").collect();
        assert_eq!(lines, ["a", "b", "c", "d"]);
        let lines: Vec<&str> = split_lines("one\n\ntwo").collect();
        assert_eq!(lines, ["one", "", "two"]);
    }

    #[test]
    fn timestamps_are_isoformat_in_utc() {
        let mut out = String::new();
        write_utc_isoformat(&mut out, 1_700_000_000.123_456).expect("in range");
        assert_eq!(out, "2023-11-14T22:13:20.123456+00:00");
        out.clear();
        write_utc_isoformat(&mut out, 0.0).expect("in range");
        assert_eq!(out, "1970-01-01T00:00:00+00:00");
        out.clear();
        write_utc_isoformat(&mut out, -1.5).expect("in range");
        assert_eq!(out, "1969-12-31T23:59:58.500000+00:00");
        assert!(utc_parts(1e12).is_none());
        // Half a microsecond rounds to even.
        assert_eq!(split_timestamp(0.0000005), Some((0, 0)));
        assert_eq!(split_timestamp(0.0000015), Some((0, 2)));
    }

    #[test]
    fn floats_follow_repr_and_json_names() {
        let mut out = String::new();
        for number in [0, 7, -12, i64::MIN, i64::MAX] {
            push_signed(&mut out, number);
            out.push(' ');
        }
        assert_eq!(out, format!("0 7 -12 {} {} ", i64::MIN, i64::MAX));
        out.clear();
        let mut stamps = TimestampCache::default();
        stamps
            .write(&mut out, 1_700_000_000.000_042)
            .expect("in range");
        assert_eq!(out, "2023-11-14T22:13:20.000042+00:00");
        out.clear();
        for number in [1.5, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e16] {
            write_float(&mut out, number);
            out.push(' ');
        }
        assert_eq!(out, "1.5 -0.0 NaN Infinity -Infinity 1e+16 ");
    }
}
