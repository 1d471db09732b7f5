//! One log record in OTLP's data model, encoded on the logging thread into
//! a frame of the handler's journal.
//!
//! A frame is `[u32 LE length][u16 LE scope length][scope][LogRecord]`:
//! the exporter groups frames by scope (the logger's name) without decoding
//! the records, and the `LogRecord` bytes go into the request as they are.

use prost::encoding::key_len;

use super::wire::{
    delimited_len, key_value_len, put_any_value, put_bytes, put_fixed32, put_fixed64,
    put_key_value, put_varint, Cursor, Out, Scalar, Value,
};

// LogRecord's fields.
const TIME_UNIX_NANO: u32 = 1;
const SEVERITY_NUMBER: u32 = 2;
const SEVERITY_TEXT: u32 = 3;
const BODY: u32 = 5;
const ATTRIBUTES: u32 = 6;
const FLAGS: u32 = 8;
const TRACE_ID: u32 = 9;
const SPAN_ID: u32 = 10;
const OBSERVED_TIME_UNIX_NANO: u32 = 11;

/// The span a record was logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// W3C trace flags (bit 0: sampled).
    pub flags: u8,
}

/// What a record contributes besides its attributes.
#[derive(Debug, Clone, Copy)]
pub struct LogHead<'a> {
    /// The logger's name: the instrumentation scope.
    pub scope: &'a str,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub levelno: i64,
    pub levelname: &'a str,
    pub body: &'a str,
    pub trace: Option<TraceContext>,
}

/// The severity number of a Python level, as OpenTelemetry's Python SDK maps
/// it: each standard level and the three numbers above it take the four
/// steps of a severity (DEBUG 5..8, INFO 9..12, ...), the rest of its decade
/// the fourth; below DEBUG, 1..9 are TRACE's steps the same way (TRACE, 5,
/// is severity 1); above 53, FATAL4.
pub fn severity_number(levelno: i64) -> u64 {
    match levelno {
        i64::MIN..=0 => 0,
        1..=9 => 1 + (levelno - 5).clamp(0, 3) as u64,
        10..=53 => {
            let decade = (levelno / 10) as u64; // DEBUG 1 .. CRITICAL 5
            let step = (levelno % 10).min(3) as u64;
            1 + 4 * decade + step
        }
        _ => 24,
    }
}

/// The severity text: the level's name, with the names OpenTelemetry uses
/// for WARNING and CRITICAL (as its Python SDK does).
pub fn severity_text(levelname: &str) -> &str {
    match levelname {
        "WARNING" => "WARN",
        "CRITICAL" => "FATAL",
        other => other,
    }
}

fn record_len<V: Value>(head: &LogHead<'_>, attributes: &[(&str, V)]) -> usize {
    let severity = severity_number(head.levelno);
    let mut len = 2 * (key_len(TIME_UNIX_NANO) + 8);
    if severity != 0 {
        len += key_len(SEVERITY_NUMBER) + prost::encoding::encoded_len_varint(severity);
    }
    let text = severity_text(head.levelname);
    if !text.is_empty() {
        len += delimited_len(SEVERITY_TEXT, text.len());
    }
    len += delimited_len(BODY, Scalar::Str(head.body).encoded_len());
    for (key, value) in attributes {
        len += key_value_len(ATTRIBUTES, key, value);
    }
    if head.trace.is_some() {
        len += key_len(FLAGS) + 4 + delimited_len(TRACE_ID, 16) + delimited_len(SPAN_ID, 8);
    }
    len
}

/// Appends one frame for the record to `out`; `None` (nothing appended)
/// when the scope name or the record is too long for a frame.
pub fn encode_frame<V: Value>(
    head: &LogHead<'_>,
    attributes: &[(&str, V)],
    out: &mut Vec<u8>,
) -> Option<()> {
    let scope_len = u16::try_from(head.scope.len()).ok()?;
    let record = record_len(head, attributes);
    let frame = u32::try_from(2 + head.scope.len() + record).ok()?;
    let start = out.len();
    out.resize(start + 4 + frame as usize, 0);
    let mut cursor = Cursor::new(&mut out[start..]);
    let cursor = &mut cursor;
    cursor.bytes(&frame.to_le_bytes());
    cursor.bytes(&scope_len.to_le_bytes());
    cursor.bytes(head.scope.as_bytes());
    put_fixed64(TIME_UNIX_NANO, head.time_unix_nano, cursor);
    let severity = severity_number(head.levelno);
    if severity != 0 {
        put_varint(SEVERITY_NUMBER, severity, cursor);
    }
    let text = severity_text(head.levelname);
    if !text.is_empty() {
        put_bytes(SEVERITY_TEXT, text.as_bytes(), cursor);
    }
    put_any_value(BODY, &Scalar::Str(head.body), cursor);
    for (key, value) in attributes {
        put_key_value(ATTRIBUTES, key, value, cursor);
    }
    if let Some(trace) = &head.trace {
        put_fixed32(FLAGS, u32::from(trace.flags), cursor);
        put_bytes(TRACE_ID, &trace.trace_id, cursor);
        put_bytes(SPAN_ID, &trace.span_id, cursor);
    }
    put_fixed64(
        OBSERVED_TIME_UNIX_NANO,
        head.observed_time_unix_nano,
        cursor,
    );
    // The length computed first is what was written, or the frame is not
    // kept (a mistake in a `*_len`, which the tests would catch).
    let filled = cursor.filled();
    debug_assert!(
        filled,
        "a record's encoded length differs from its computed one"
    );
    if !filled {
        out.truncate(start);
        return None;
    }
    Some(())
}

/// One frame read back: the scope and the encoded `LogRecord`.
pub struct Frame<'a> {
    pub scope: &'a [u8],
    pub record: &'a [u8],
}

/// Splits journal bytes into frames; stops at a torn frame.
pub fn frames(mut bytes: &[u8]) -> impl Iterator<Item = Frame<'_>> {
    std::iter::from_fn(move || {
        let length = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let body = bytes.get(4..4 + length)?;
        let scope_len = u16::from_le_bytes(body.get(..2)?.try_into().ok()?) as usize;
        let scope = body.get(2..2 + scope_len)?;
        let record = body.get(2 + scope_len..)?;
        bytes = &bytes[4 + length..];
        Some(Frame { scope, record })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_follow_the_python_sdk() {
        let cases = [
            (0, 0),
            (5, 1),
            (9, 4),
            (10, 5),
            (11, 6),
            (13, 8),
            (19, 8),
            (20, 9),
            (30, 13),
            (40, 17),
            (50, 21),
            (53, 24),
            (54, 24),
            (1000, 24),
            (-3, 0),
        ];
        for (level, severity) in cases {
            assert_eq!(severity_number(level), severity, "level {level}");
        }
        assert_eq!(severity_text("WARNING"), "WARN");
        assert_eq!(severity_text("CRITICAL"), "FATAL");
        assert_eq!(severity_text("Level 7"), "Level 7");
    }

    #[test]
    fn frames_round_trip() {
        let head = LogHead {
            scope: "shop.orders",
            time_unix_nano: 1,
            observed_time_unix_nano: 2,
            levelno: 20,
            levelname: "INFO",
            body: "paid",
            trace: Some(TraceContext {
                trace_id: [1; 16],
                span_id: [2; 8],
                flags: 1,
            }),
        };
        let mut out = Vec::new();
        let id = Scalar::Int(7);
        encode_frame(&head, &[("id", id)], &mut out).expect("fits");
        encode_frame::<Scalar>(&LogHead { scope: "", ..head }, &[], &mut out).expect("fits");
        let read: Vec<_> = frames(&out).collect();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].scope, b"shop.orders");
        assert_eq!(read[1].scope, b"");
        assert!(read[0].record.len() > read[1].record.len());
    }
}
