//! `{`-style (`str.format`) and `$`-style (`string.Template`) formats:
//! parsing them into template pieces, and Python's `format(value, spec)`
//! for the values a record holds natively.
//!
//! Only what can be reproduced exactly is accepted; anything else (field
//! attribute or index access, nested fields, `!r` on text, the
//! locale-dependent `n` type, ...) is `Unsupported`, so the formatter stays
//! in Python. A spec Python rejects for a value's type is `NeedsPython`
//! when formatted, so that Python raises its own error.

use std::fmt::Write;

use super::field::Field;
use super::printf::{self, Conversion, ConvertError, Spec, Value, MAX_NATIVE_WIDTH};
use super::template::{Key, Piece, TemplateError};

/// Where padding goes (`<`, `>`, `^`, `=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
    AfterSign,
}

/// The sign option (`+`, `-`, ` `; none is `Negative` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Negative,
    Always,
    Space,
}

/// A parsed format-spec mini-language string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BraceSpec {
    /// `' '` by default; `'0'` under the `0` flag unless a fill was given.
    pub fill: char,
    pub align: Option<Align>,
    pub sign: Sign,
    /// A sign option was written, even `-` (strings reject any).
    pub sign_given: bool,
    /// `z`: a negative zero (after rounding) prints without its sign.
    pub coerce_zero: bool,
    pub alternate: bool,
    /// The `0` flag without an explicit fill: numbers then default to `=`.
    pub zero: bool,
    pub width: usize,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub kind: Option<char>,
}

impl BraceSpec {
    pub fn empty() -> Self {
        BraceSpec {
            fill: ' ',
            align: None,
            sign: Sign::Negative,
            sign_given: false,
            coerce_zero: false,
            alternate: false,
            zero: false,
            width: 0,
            grouping: None,
            precision: None,
            kind: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == BraceSpec::empty()
    }
}

fn unsupported(what: impl Into<String>) -> TemplateError {
    TemplateError::Unsupported(what.into())
}

/// Parses `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
pub fn parse_spec(text: &str) -> Result<BraceSpec, TemplateError> {
    let chars: Vec<char> = text.chars().collect();
    let mut spec = BraceSpec::empty();
    let mut at = 0;
    let align_of = |c: char| match c {
        '<' => Some(Align::Left),
        '>' => Some(Align::Right),
        '^' => Some(Align::Center),
        '=' => Some(Align::AfterSign),
        _ => None,
    };
    let mut fill_given = false;
    if chars.len() >= 2 && align_of(chars[1]).is_some() {
        spec.fill = chars[0];
        spec.align = align_of(chars[1]);
        fill_given = true;
        at = 2;
    } else if let Some(align) = chars.first().and_then(|c| align_of(*c)) {
        spec.align = Some(align);
        at = 1;
    }
    if let Some(sign @ ('+' | '-' | ' ')) = chars.get(at) {
        spec.sign = match sign {
            '+' => Sign::Always,
            ' ' => Sign::Space,
            _ => Sign::Negative,
        };
        spec.sign_given = true;
        at += 1;
    }
    if chars.get(at) == Some(&'z') {
        spec.coerce_zero = true;
        at += 1;
    }
    if chars.get(at) == Some(&'#') {
        spec.alternate = true;
        at += 1;
    }
    // As CPython: with an explicit fill, a leading 0 is part of the width.
    if !fill_given && chars.get(at) == Some(&'0') {
        spec.zero = true;
        spec.fill = '0';
        at += 1;
    }
    let start = at;
    while chars.get(at).is_some_and(char::is_ascii_digit) {
        at += 1;
    }
    if at > start {
        let digits: String = chars[start..at].iter().collect();
        spec.width = digits
            .parse()
            .map_err(|_| unsupported("format width too large"))?;
    }
    if let Some(c @ (',' | '_')) = chars.get(at) {
        spec.grouping = Some(*c);
        at += 1;
    }
    if chars.get(at) == Some(&'.') {
        at += 1;
        let start = at;
        while chars.get(at).is_some_and(char::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(unsupported("format precision without digits"));
        }
        let digits: String = chars[start..at].iter().collect();
        spec.precision = Some(
            digits
                .parse()
                .map_err(|_| unsupported("format precision too large"))?,
        );
    }
    if spec.width > MAX_NATIVE_WIDTH || spec.precision.is_some_and(|p| p > MAX_NATIVE_WIDTH) {
        return Err(unsupported(
            "a width or precision too large to render natively",
        ));
    }
    match &chars[at..] {
        [] => {}
        [kind] if "sdxXobceEfFgG%".contains(*kind) => spec.kind = Some(*kind),
        _ => {
            return Err(unsupported(format!(
                "format spec '{text}' is left to Python"
            )))
        }
    }
    Ok(spec)
}

/// Parses a `str.format` string into pieces whose fields name record
/// attributes (or `extra` keys).
pub fn parse_brace(source: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '}' => {
                return Err(TemplateError::Invalid(
                    "Single '}' encountered in format string".into(),
                ))
            }
            '{' => {
                let mut inside = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(TemplateError::Invalid(
                                "expected '}' before end of string".into(),
                            ))
                        }
                        Some('{') => {
                            return Err(unsupported("nested format fields are left to Python"))
                        }
                        Some('}') => break,
                        Some(other) => inside.push(other),
                    }
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(brace_field(&inside)?);
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

fn brace_field(inside: &str) -> Result<Piece, TemplateError> {
    let (head, spec) = match inside.split_once(':') {
        Some((head, spec)) => (head, spec),
        None => (inside, ""),
    };
    let (name, conversion) = match head.split_once('!') {
        Some((name, conversion)) => (name, Some(conversion)),
        None => (head, None),
    };
    let plain_identifier = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !plain_identifier {
        return Err(unsupported(format!(
            "field '{name}' (positional, attribute or index) is left to Python"
        )));
    }
    let conversion = match conversion {
        None | Some("s") => conversion.map(|_| 's'),
        Some(_) => return Err(unsupported("!r and !a conversions are left to Python")),
    };
    Ok(Piece::Brace {
        field: Field::from_name(name),
        str_first: conversion.is_some(),
        spec: parse_spec(spec)?,
    })
}

/// Parses a `string.Template` string (`$name`, `${name}`, `$$`).
pub fn parse_dollar(source: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let chars: Vec<char> = source.chars().collect();
    let mut at = 0;
    let identifier_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let identifier_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while at < chars.len() {
        let c = chars[at];
        at += 1;
        if c != '$' {
            literal.push(c);
            continue;
        }
        let name = match chars.get(at) {
            Some('$') => {
                at += 1;
                literal.push('$');
                continue;
            }
            Some('{') => {
                let close = chars[at..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or_else(|| unsupported("an unclosed ${ is left to Python"))?;
                let name: String = chars[at + 1..at + close].iter().collect();
                at += close + 1;
                name
            }
            Some(first) if identifier_start(*first) => {
                let start = at;
                while chars.get(at).is_some_and(|c| identifier_char(*c)) {
                    at += 1;
                }
                chars[start..at].iter().collect()
            }
            _ => return Err(unsupported("a bare '$' is left to Python")),
        };
        let valid =
            name.chars().next().is_some_and(identifier_start) && name.chars().all(identifier_char);
        if !valid {
            return Err(unsupported(format!(
                "placeholder '{name}' is left to Python"
            )));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Field {
            key: Key::Named(Field::from_name(&name)),
            spec: Spec::plain(Conversion::Str),
        });
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// Appends `format(value, spec)` (after `str()` when `str_first`).
pub fn format_value(
    out: &mut String,
    value: Value<'_>,
    str_first: bool,
    spec: &BraceSpec,
) -> Result<(), ConvertError> {
    let mut text = String::new();
    let value = if str_first {
        printf::convert(&mut text, value, &Spec::plain(Conversion::Str))?;
        Value::Str(&text)
    } else {
        value
    };
    match value {
        Value::Str(s) => format_text(out, s, spec),
        Value::None if spec.is_empty() => {
            out.push_str("None");
            Ok(())
        }
        Value::None => Err(ConvertError::Type(
            "unsupported format string passed to NoneType.__format__".into(),
        )),
        Value::Int(n) => format_int(out, n, spec),
        Value::Float(f) => format_float(out, f, spec),
    }
}

fn format_text(out: &mut String, text: &str, spec: &BraceSpec) -> Result<(), ConvertError> {
    // Python raises for each of these ("Sign not allowed in string format
    // specifier", ...).
    if !matches!(spec.kind, None | Some('s'))
        || spec.sign_given
        || spec.coerce_zero
        || spec.alternate
        || spec.grouping.is_some()
        || spec.align == Some(Align::AfterSign)
    {
        return Err(ConvertError::NeedsPython);
    }
    let shown = match spec.precision {
        Some(limit) => match text.char_indices().nth(limit) {
            Some((cut, _)) => &text[..cut],
            None => text,
        },
        None => text,
    };
    pad(
        out,
        "",
        shown,
        spec.fill,
        spec.align.unwrap_or(Align::Left),
        spec.width,
    );
    Ok(())
}

fn format_int(out: &mut String, number: i64, spec: &BraceSpec) -> Result<(), ConvertError> {
    if let Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') = spec.kind {
        return format_float(out, number as f64, spec);
    }
    if spec.precision.is_some() || spec.coerce_zero {
        return Err(ConvertError::NeedsPython);
    }
    if spec.kind == Some('c') {
        return format_char(out, number, spec);
    }
    let magnitude = number.unsigned_abs();
    let (digits, prefix, group) = match spec.kind {
        None | Some('d') => (magnitude.to_string(), "", 3),
        Some('x') => (format!("{magnitude:x}"), "0x", 4),
        Some('X') => (format!("{magnitude:X}"), "0X", 4),
        Some('o') => (format!("{magnitude:o}"), "0o", 4),
        Some('b') => (format!("{magnitude:b}"), "0b", 4),
        _ => return Err(ConvertError::NeedsPython),
    };
    if spec.grouping == Some(',') && group != 3 {
        return Err(ConvertError::NeedsPython); // Python: "Cannot specify ',' with 'x'."
    }
    let prefix = if spec.alternate { prefix } else { "" };
    let sign = sign_text(number < 0, spec.sign);
    emit_grouped(out, sign, prefix, (&digits, ""), group, spec);
    Ok(())
}

/// `format(n, "c")`: the character, laid out as a number.
fn format_char(out: &mut String, number: i64, spec: &BraceSpec) -> Result<(), ConvertError> {
    if spec.sign_given || spec.alternate || spec.grouping.is_some() {
        return Err(ConvertError::NeedsPython);
    }
    // Out of range: Python's OverflowError; a lone surrogate is a valid
    // Python str but not a Rust one.
    let Some(character) = u32::try_from(number).ok().and_then(char::from_u32) else {
        return Err(ConvertError::NeedsPython);
    };
    emit_number(out, "", "", character.encode_utf8(&mut [0; 4]), spec);
    Ok(())
}

fn format_float(out: &mut String, number: f64, spec: &BraceSpec) -> Result<(), ConvertError> {
    let mut negative = number.is_sign_negative() && !number.is_nan();
    let magnitude = number.abs();
    let body = if !magnitude.is_finite() {
        let text = if magnitude.is_nan() { "nan" } else { "inf" };
        if matches!(spec.kind, Some('E' | 'F' | 'G')) {
            text.to_uppercase()
        } else if spec.kind == Some('%') {
            format!("{text}%")
        } else {
            text.to_owned()
        }
    } else {
        match (spec.kind, spec.precision) {
            (None, None) => {
                let mut text = String::new();
                printf::write_float_repr(&mut text, magnitude);
                if spec.alternate && !text.contains('.') {
                    if let Some(at) = text.find('e') {
                        text.insert(at, '.');
                    }
                }
                text
            }
            (None, Some(precision)) => general_with_point(magnitude, precision, spec.alternate),
            (Some(kind), precision) => {
                let mut printf_spec = Spec::plain(match kind {
                    'e' => Conversion::Exponent { upper: false },
                    'E' => Conversion::Exponent { upper: true },
                    'f' | '%' => Conversion::Fixed { upper: false },
                    'F' => Conversion::Fixed { upper: true },
                    'g' => Conversion::General { upper: false },
                    'G' => Conversion::General { upper: true },
                    _ => return Err(ConvertError::NeedsPython),
                });
                printf_spec.precision = precision;
                printf_spec.alternate = spec.alternate;
                let scaled = if kind == '%' {
                    magnitude * 100.0
                } else {
                    magnitude
                };
                let mut text = String::new();
                printf::convert(&mut text, Value::Float(scaled), &printf_spec)?;
                if kind == '%' {
                    text.push('%');
                }
                text
            }
        }
    };
    if spec.coerce_zero && is_zero(&body) {
        negative = false;
    }
    let sign = sign_text(negative, spec.sign);
    if !magnitude.is_finite() {
        emit_number(out, sign, "", &body, spec);
        return Ok(());
    }
    let split = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    emit_grouped(out, sign, "", body.split_at(split), 3, spec);
    Ok(())
}

/// `format(x, ".Np")` without a type: `g`, but a number that would print
/// as an integer gets `.0`, and exponent notation starts one digit earlier.
fn general_with_point(magnitude: f64, precision: usize, alternate: bool) -> String {
    let significant = precision.max(1);
    let probe = format!("{magnitude:.prec$e}", prec = significant - 1);
    let (mantissa, exponent) = probe.split_once('e').unwrap_or((probe.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= significant as i64 - 1 {
        let mut mantissa = mantissa.to_owned();
        if alternate {
            if !mantissa.contains('.') {
                mantissa.push('.');
            }
        } else if mantissa.contains('.') {
            mantissa = mantissa
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_owned();
        }
        return format!(
            "{mantissa}e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
    let decimals = (significant as i64 - 1 - exponent) as usize;
    let text = format!("{magnitude:.decimals$}");
    if alternate {
        return text;
    }
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.contains('.') {
        trimmed.to_owned()
    } else {
        format!("{trimmed}.0")
    }
}

/// Whether a formatted magnitude reads as zero (for `z`).
fn is_zero(body: &str) -> bool {
    let number = body.split(['e', 'E', '%']).next().unwrap_or(body);
    number.chars().all(|c| matches!(c, '0' | '.' | ',' | '_'))
}

fn sign_text(negative: bool, sign: Sign) -> &'static str {
    match (negative, sign) {
        (true, _) => "-",
        (false, Sign::Always) => "+",
        (false, Sign::Space) => " ",
        (false, Sign::Negative) => "",
    }
}

/// A number whose integer digits are grouped by the spec's separator every
/// `size` digits. Under sign-aware zero padding (`0` fill, `=` alignment)
/// the padding zeros are digits too, and grouped with them, as Python does:
/// `format(1, "07,")` is `000,001`.
fn emit_grouped(
    out: &mut String,
    sign: &str,
    prefix: &str,
    (integer, rest): (&str, &str),
    size: usize,
    spec: &BraceSpec,
) {
    let Some(separator) = spec.grouping else {
        emit_number(out, sign, prefix, &format!("{integer}{rest}"), spec);
        return;
    };
    let zero_padded = spec.fill == '0'
        && (spec.align == Some(Align::AfterSign) || (spec.zero && spec.align.is_none()));
    let min_width = if zero_padded {
        let around = sign.chars().count() + prefix.chars().count() + rest.chars().count();
        spec.width.saturating_sub(around)
    } else {
        0
    };
    let grouped = group_digits(integer, separator, size, min_width);
    emit_number(out, sign, prefix, &format!("{grouped}{rest}"), spec);
}

/// Groups `digits` from the right, padding with zeros until the result is
/// `min_width` long; a separator is always followed by a digit.
fn group_digits(digits: &str, separator: char, size: usize, min_width: usize) -> String {
    let mut remaining: Vec<char> = digits.chars().collect();
    let mut reversed: Vec<char> = Vec::with_capacity(min_width.max(digits.len() * 2));
    let mut missing = min_width as isize;
    loop {
        let wanted = remaining
            .len()
            .min(size)
            .max(missing.clamp(0, size as isize) as usize);
        for _ in 0..wanted.max(1) {
            reversed.push(remaining.pop().unwrap_or('0'));
        }
        missing -= wanted.max(1) as isize;
        if remaining.is_empty() && missing <= 0 {
            break;
        }
        reversed.push(separator);
        missing -= 1;
    }
    reversed.into_iter().rev().collect()
}

fn emit_number(out: &mut String, sign: &str, prefix: &str, body: &str, spec: &BraceSpec) {
    let fill = spec.fill;
    let align = match (spec.zero, spec.align) {
        (true, None) => Align::AfterSign,
        (_, align) => align.unwrap_or(Align::Right),
    };
    if align == Align::AfterSign {
        let used = sign.chars().count() + prefix.chars().count() + body.chars().count();
        out.push_str(sign);
        out.push_str(prefix);
        for _ in used..spec.width {
            out.push(fill);
        }
        out.push_str(body);
        return;
    }
    let mut text = String::with_capacity(sign.len() + prefix.len() + body.len());
    let _ = write!(text, "{sign}{prefix}{body}");
    pad(out, "", &text, fill, align, spec.width);
}

fn pad(out: &mut String, before: &str, text: &str, fill: char, align: Align, width: usize) {
    let len = before.chars().count() + text.chars().count();
    let missing = width.saturating_sub(len);
    let (left, right) = match align {
        Align::Left => (0, missing),
        Align::Right | Align::AfterSign => (missing, 0),
        Align::Center => (missing / 2, missing - missing / 2),
    };
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(before);
    out.push_str(text);
    out.extend(std::iter::repeat_n(fill, right));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(value: Value<'_>, spec: &str) -> String {
        let mut out = String::new();
        format_value(
            &mut out,
            value,
            false,
            &parse_spec(spec).expect("valid spec"),
        )
        .expect("formats");
        out
    }

    #[test]
    fn zero_padding_follows_an_explicit_alignment() {
        assert_eq!(fmt(Value::Str("t"), "<08"), "t0000000");
        assert_eq!(fmt(Value::Str("t"), "^08"), "000t0000");
        assert_eq!(fmt(Value::Str("t"), "x<08"), "txxxxxxx");
        assert_eq!(fmt(Value::Int(30), "<05"), "30000");
        assert_eq!(fmt(Value::Int(-3), "=+08"), "-0000003");
    }

    #[test]
    fn the_rest_of_the_mini_language_matches_python() {
        assert_eq!(fmt(Value::Int(65), "05c"), "0000A");
        assert_eq!(fmt(Value::Int(65), "<5c"), "A    ");
        assert_eq!(fmt(Value::Float(-0.0001), "z.2f"), "0.00");
        assert_eq!(fmt(Value::Float(-0.0001), "z.2%"), "-0.01%");
        assert_eq!(fmt(Value::Float(-0.0), "z"), "0.0");
        assert_eq!(fmt(Value::Float(1e16), "#"), "1.e+16");
        assert_eq!(fmt(Value::Float(100.0), ".3"), "1e+02");
        assert_eq!(fmt(Value::Float(1.0), ".3"), "1.0");
        assert_eq!(fmt(Value::Float(5.0), "#.1"), "5.e+00");
        assert_eq!(fmt(Value::Float(1.5), "#.3"), "1.50");
        assert_eq!(fmt(Value::Float(0.0001), ".3"), "0.0001");
        assert_eq!(fmt(Value::Float(12345.678), ",.2"), "1.2e+04");
    }

    #[test]
    fn zero_padding_is_grouped_like_the_digits() {
        assert_eq!(fmt(Value::Int(1), "04,"), "0,001");
        assert_eq!(fmt(Value::Int(1), "06,"), "00,001");
        assert_eq!(fmt(Value::Int(-1), "07,"), "-00,001");
        assert_eq!(fmt(Value::Int(1234), "012,"), "0,000,001,234");
        assert_eq!(fmt(Value::Int(1), "0=7,"), "000,001");
        assert_eq!(fmt(Value::Int(1), "x=7,"), "xxxxxx1");
        assert_eq!(fmt(Value::Int(1), "#09_x"), "0x00_0001");
        assert_eq!(fmt(Value::Float(1.5), "010,.2f"), "000,001.50");
        assert_eq!(fmt(Value::Float(1.5), "08,.0e"), "0,002e+00");
        assert_eq!(fmt(Value::Float(f64::INFINITY), "010,"), "0000000inf");
    }

    #[test]
    fn text_alignment_matches_python() {
        assert_eq!(fmt(Value::Str("ab"), "05"), "ab000");
        assert_eq!(fmt(Value::Str("ab"), ">5"), "   ab");
        assert_eq!(fmt(Value::Str("ab"), "^7"), "  ab   ");
        assert_eq!(fmt(Value::Str("INFO"), "*<8"), "INFO****");
        assert_eq!(fmt(Value::Str("WARNING"), ".3"), "WAR");
        assert_eq!(fmt(Value::Str("x"), ""), "x");
    }

    #[test]
    fn integers_match_python() {
        assert_eq!(fmt(Value::Int(5), "05"), "00005");
        assert_eq!(fmt(Value::Int(-5), "05"), "-0005");
        assert_eq!(fmt(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(fmt(Value::Int(1234567), "_"), "1_234_567");
        assert_eq!(fmt(Value::Int(255), "#_b"), "0b1111_1111");
        assert_eq!(fmt(Value::Int(65535), "_x"), "ffff");
        assert_eq!(fmt(Value::Int(12), "x<+6d"), "+12xxx");
        assert_eq!(fmt(Value::Int(12), "^7"), "  12   ");
        assert_eq!(fmt(Value::Int(5), ".2f"), "5.00");
    }

    #[test]
    fn floats_match_python() {
        assert_eq!(fmt(Value::Float(1.5), ""), "1.5");
        assert_eq!(fmt(Value::Float(1e16), ""), "1e+16");
        assert_eq!(fmt(Value::Float(2.5), "%"), "250.000000%");
        assert_eq!(fmt(Value::Float(1234567.891), ",.2f"), "1,234,567.89");
        assert_eq!(fmt(Value::Float(5.0), "e"), "5.000000e+00");
        assert_eq!(fmt(Value::Float(-1.25), "+08.2f"), "-0001.25");
    }

    #[test]
    fn what_python_rejects_is_left_to_python() {
        for spec in ["n", "5!", ".x"] {
            assert!(parse_spec(spec).is_err(), "{spec}");
        }
        let mut out = String::new();
        let sign = parse_spec("+").expect("parses");
        assert_eq!(
            format_value(&mut out, Value::Str("ab"), false, &sign),
            Err(ConvertError::NeedsPython)
        );
    }

    #[test]
    fn parses_brace_and_dollar_formats() {
        let pieces = parse_brace("{asctime} {levelname:<8} {{x}} {message!s}").expect("valid");
        assert_eq!(pieces.len(), 5);
        assert!(parse_brace("{0}").is_err());
        assert!(parse_brace("{a.b}").is_err());
        assert!(parse_brace("{message!r}").is_err());
        let pieces = parse_dollar("$levelname ${name}: $$ $message").expect("valid");
        assert_eq!(pieces.len(), 5);
        assert_eq!(pieces[3], Piece::Literal(": $ ".into()));
        assert!(parse_dollar("cost $5").is_err());
    }
}
