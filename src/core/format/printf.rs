//! Python's `%` conversions (`%-8s`, `%03d`, `%.2f`, ...) applied to one value.
//!
//! Only values a record can hold natively (None, int, float, str) are handled.
//! Where Python's result cannot be reproduced exactly here (for instance the
//! repr of a non-ASCII string), `NeedsPython` tells the caller to let Python
//! do the formatting instead of guessing.

use std::borrow::Cow;
use std::fmt::Write;

use super::digits::{self, DigitBuffer};

/// A value as seen by a `%` conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    None,
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Value<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
        }
    }
}

/// The conversion character of a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    Str,
    Repr,
    Ascii,
    /// `d`, `i` or `u` (the letter Python names in its errors).
    Decimal {
        letter: char,
    },
    Octal,
    Hex {
        upper: bool,
    },
    Fixed {
        upper: bool,
    },
    Exponent {
        upper: bool,
    },
    General {
        upper: bool,
    },
}

impl Conversion {
    pub fn from_char(c: char) -> Option<Self> {
        Some(match c {
            's' => Conversion::Str,
            'r' => Conversion::Repr,
            'a' => Conversion::Ascii,
            'd' | 'i' | 'u' => Conversion::Decimal { letter: c },
            'o' => Conversion::Octal,
            'x' => Conversion::Hex { upper: false },
            'X' => Conversion::Hex { upper: true },
            'f' => Conversion::Fixed { upper: false },
            'F' => Conversion::Fixed { upper: true },
            'e' => Conversion::Exponent { upper: false },
            'E' => Conversion::Exponent { upper: true },
            'g' => Conversion::General { upper: false },
            'G' => Conversion::General { upper: true },
            _ => return None,
        })
    }
}

/// The largest width or precision rendered natively. Rust's formatting
/// machinery panics on precisions above 65535 and padding is allocated up
/// front, so larger values (which no real format uses) are left to Python,
/// which renders them or raises MemoryError as the stdlib does.
pub const MAX_NATIVE_WIDTH: usize = 10_000;

/// Flags, width, precision and conversion of one `%` spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub left: bool,
    pub zero: bool,
    pub plus: bool,
    pub space: bool,
    pub alternate: bool,
    pub width: usize,
    pub precision: Option<usize>,
    pub conversion: Conversion,
}

impl Spec {
    /// `%s` with no width or precision: a str is appended as it is.
    #[inline]
    pub fn is_plain_str(&self) -> bool {
        self.conversion == Conversion::Str && self.width == 0 && self.precision.is_none()
    }

    pub fn plain(conversion: Conversion) -> Self {
        Spec {
            left: false,
            zero: false,
            plus: false,
            space: false,
            alternate: false,
            width: 0,
            precision: None,
            conversion,
        }
    }
}

/// Why a value could not be converted natively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConvertError {
    /// Python would produce something this module does not reproduce.
    NeedsPython,
    /// Python raises TypeError with this message.
    Type(String),
}

/// Appends `value` converted by `spec` to `out`, as `"%<spec>" % value` would.
pub fn convert(out: &mut String, value: Value<'_>, spec: &Spec) -> Result<(), ConvertError> {
    match spec.conversion {
        Conversion::Str => {
            // The common cases, written in place: a plain `%s` of a str or
            // an int (no padding, no truncation).
            if spec.is_plain_str() {
                match value {
                    Value::Str(s) => {
                        out.push_str(s);
                        return Ok(());
                    }
                    Value::Int(n) => {
                        digits::push_signed(out, n);
                        return Ok(());
                    }
                    Value::None | Value::Float(_) => {}
                }
            }
            let mut text = String::new();
            let shown: &str = match value {
                Value::Str(s) => s,
                _ => {
                    write_str_form(&mut text, value);
                    &text
                }
            };
            pad_text(out, truncate_chars(shown, spec.precision), spec);
            Ok(())
        }
        Conversion::Repr | Conversion::Ascii => {
            let mut text = String::new();
            match value {
                Value::Str(s) => write_str_repr(&mut text, s)?,
                _ => write_str_form(&mut text, value),
            }
            pad_text(out, truncate_chars(&text, spec.precision), spec);
            Ok(())
        }
        Conversion::Decimal { .. } | Conversion::Octal | Conversion::Hex { .. } => {
            let number = match (value, spec.conversion) {
                (Value::Int(n), _) => n,
                (Value::Float(f), Conversion::Decimal { .. }) => float_to_int(f)?,
                _ => return Err(integer_type_error(value, spec.conversion)),
            };
            write_integer(out, number, spec);
            Ok(())
        }
        Conversion::Fixed { .. } | Conversion::Exponent { .. } | Conversion::General { .. } => {
            let number = match value {
                Value::Float(f) => f,
                Value::Int(n) => n as f64,
                _ => {
                    return Err(ConvertError::Type(format!(
                        "must be real number, not {}",
                        value.type_name()
                    )))
                }
            };
            write_float(out, number, spec);
            Ok(())
        }
    }
}

fn integer_type_error(value: Value<'_>, conversion: Conversion) -> ConvertError {
    let (letter, wanted) = match conversion {
        Conversion::Decimal { letter } => (letter, "a real number"),
        Conversion::Octal => ('o', "an integer"),
        Conversion::Hex { upper: true } => ('X', "an integer"),
        _ => ('x', "an integer"),
    };
    ConvertError::Type(format!(
        "%{letter} format: {wanted} is required, not {}",
        value.type_name()
    ))
}

fn float_to_int(f: f64) -> Result<i64, ConvertError> {
    if !f.is_finite() || f.abs() >= 9.2e18 {
        return Err(ConvertError::NeedsPython);
    }
    Ok(f.trunc() as i64)
}

/// `str(value)` for the non-string values.
fn write_str_form(out: &mut String, value: Value<'_>) {
    match value {
        Value::None => out.push_str("None"),
        Value::Int(n) => digits::push_signed(out, n),
        Value::Float(f) => write_float_repr(out, f),
        Value::Str(s) => out.push_str(s),
    }
}

/// `repr(s)` for strings whose repr is unambiguous without Unicode tables.
fn write_str_repr(out: &mut String, s: &str) -> Result<(), ConvertError> {
    if !s.is_ascii() {
        return Err(ConvertError::NeedsPython);
    }
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    Ok(())
}

/// `repr(f)`: the shortest round-tripping digits, laid out as Python does.
pub fn write_float_repr(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f < 0.0 { "-inf" } else { "inf" });
        return;
    }
    let mut scientific = format!("{f:e}");
    let shortest_len = scientific.split('e').next().map_or(0, |mantissa| {
        mantissa.bytes().filter(u8::is_ascii_digit).count()
    });
    // Two candidates of the shortest length can be equally near (only at
    // 16-17 digits): Python takes the even one, which exact formatting
    // gives, when it still reads back as `f` (near a power of two the
    // lower one may not).
    if shortest_len >= 16 {
        let nearest = format!("{:.*e}", shortest_len - 1, f);
        if nearest != scientific && nearest.parse::<f64>() == Ok(f) {
            scientific = nearest;
        }
    }
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    out.push_str(sign);
    if (-4..16).contains(&exponent) {
        if exponent >= 0 {
            let integer_len = exponent as usize + 1;
            if digits.len() <= integer_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', integer_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..integer_len]);
                out.push('.');
                out.push_str(&digits[integer_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
}

fn truncate_chars(s: &str, precision: Option<usize>) -> &str {
    match precision {
        Some(limit) => match s.char_indices().nth(limit) {
            Some((cut, _)) => &s[..cut],
            None => s,
        },
        None => s,
    }
}

fn pad_text(out: &mut String, text: &str, spec: &Spec) {
    // No width: nothing to measure (the common `%(message)s` case).
    if spec.width == 0 || spec.width <= text.len() && text.is_ascii() {
        out.push_str(text);
        return;
    }
    let len = text.chars().count();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(text);
    }
}

/// Lays out sign, prefix and digits in the field width: `-0042`, `  +7`, `0x1f  `.
fn pad_number(out: &mut String, negative: bool, prefix: &str, body: &str, spec: &Spec) {
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + prefix.len() + body.len();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        out.push_str(sign);
        out.push_str(prefix);
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero {
        out.push_str(sign);
        out.push_str(prefix);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(sign);
        out.push_str(prefix);
        out.push_str(body);
    }
}

fn write_integer(out: &mut String, number: i64, spec: &Spec) {
    let magnitude = number.unsigned_abs();
    let mut buffer = DigitBuffer::default();
    let (digits, prefix): (Cow<'_, str>, &str) = match spec.conversion {
        Conversion::Octal => (format!("{magnitude:o}").into(), "0o"),
        Conversion::Hex { upper: false } => (format!("{magnitude:x}").into(), "0x"),
        Conversion::Hex { upper: true } => (format!("{magnitude:X}").into(), "0X"),
        _ => (digits::decimal(magnitude, &mut buffer).into(), ""),
    };
    let digits = match spec.precision {
        Some(min_digits) if digits.len() < min_digits => {
            Cow::Owned("0".repeat(min_digits - digits.len()) + &digits)
        }
        _ => digits,
    };
    let prefix = if spec.alternate { prefix } else { "" };
    pad_number(out, number < 0, prefix, &digits, spec);
}

fn write_float(out: &mut String, number: f64, spec: &Spec) {
    let upper = matches!(
        spec.conversion,
        Conversion::Fixed { upper: true }
            | Conversion::Exponent { upper: true }
            | Conversion::General { upper: true }
    );
    let negative = number.is_sign_negative() && !number.is_nan();
    let magnitude = number.abs();
    let body = if magnitude.is_nan() {
        "nan".to_owned()
    } else if magnitude.is_infinite() {
        "inf".to_owned()
    } else {
        let precision = spec.precision.unwrap_or(6);
        match spec.conversion {
            Conversion::Fixed { .. } => fixed(magnitude, precision, spec.alternate),
            Conversion::Exponent { .. } => exponent(magnitude, precision, spec.alternate),
            _ => general(magnitude, precision, spec.alternate),
        }
    };
    let body = if upper { body.to_uppercase() } else { body };
    pad_number(out, negative, "", &body, spec);
}

fn fixed(magnitude: f64, precision: usize, alternate: bool) -> String {
    let mut text = format!("{magnitude:.precision$}");
    if alternate && precision == 0 {
        text.push('.');
    }
    text
}

fn exponent(magnitude: f64, precision: usize, alternate: bool) -> String {
    let text = format!("{magnitude:.precision$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((text.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let dot = if alternate && precision == 0 { "." } else { "" };
    format!(
        "{mantissa}{dot}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

fn general(magnitude: f64, precision: usize, alternate: bool) -> String {
    let significant = precision.max(1);
    let probe = format!("{magnitude:.prec$e}", prec = significant - 1);
    let exp: i64 = probe
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut text = if exp >= -4 && exp < significant as i64 {
        let decimals = (significant as i64 - 1 - exp) as usize;
        fixed(magnitude, decimals, false)
    } else {
        exponent(magnitude, significant - 1, false)
    };
    if alternate {
        if !text.contains('.') {
            match text.find('e') {
                Some(at) => text.insert(at, '.'),
                None => text.push('.'),
            }
        }
        return text;
    }
    let (number, suffix) = match text.find('e') {
        Some(at) => text.split_at(at),
        None => (text.as_str(), ""),
    };
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    format!("{number}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        let mut parsed = Spec::plain(Conversion::Str);
        let mut chars = text.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '-' => parsed.left = true,
                '0' => parsed.zero = true,
                '+' => parsed.plus = true,
                ' ' => parsed.space = true,
                '#' => parsed.alternate = true,
                _ => break,
            }
            chars.next();
        }
        let rest: String = chars.collect();
        let (numbers, conv) = rest.split_at(rest.len() - 1);
        let (width, precision) = match numbers.split_once('.') {
            Some((w, p)) => (w, Some(p.parse().unwrap_or(0))),
            None => (numbers, None),
        };
        parsed.width = width.parse().unwrap_or(0);
        parsed.precision = precision;
        parsed.conversion = conv
            .chars()
            .next()
            .and_then(Conversion::from_char)
            .expect("test spec has a conversion");
        parsed
    }

    fn fmt(text: &str, value: Value<'_>) -> String {
        let mut out = String::new();
        convert(&mut out, value, &spec(text)).expect("convertible");
        out
    }

    #[test]
    fn strings_pad_and_truncate_like_python() {
        assert_eq!(fmt("-8s", Value::Str("INFO")), "INFO    ");
        assert_eq!(fmt("8s", Value::Str("INFO")), "    INFO");
        assert_eq!(fmt(".3s", Value::Str("WARNING")), "WAR");
        assert_eq!(fmt("-5.1s", Value::Str("été")), "é    ");
        assert_eq!(fmt("05s", Value::Str("ab")), "   ab");
        assert_eq!(fmt("s", Value::None), "None");
    }

    #[test]
    fn integers_follow_printf_rules() {
        assert_eq!(fmt("03d", Value::Int(7)), "007");
        assert_eq!(fmt("05d", Value::Int(-42)), "-0042");
        assert_eq!(fmt("+d", Value::Int(5)), "+5");
        assert_eq!(fmt(" d", Value::Int(5)), " 5");
        assert_eq!(fmt("-4d", Value::Int(5)), "5   ");
        assert_eq!(fmt(".3d", Value::Int(5)), "005");
        assert_eq!(fmt("#x", Value::Int(255)), "0xff");
        assert_eq!(fmt("#X", Value::Int(255)), "0XFF");
        assert_eq!(fmt("#o", Value::Int(8)), "0o10");
        assert_eq!(fmt("x", Value::Int(-255)), "-ff");
        assert_eq!(fmt("03d", Value::Float(42.9)), "042");
        assert_eq!(fmt("d", Value::Float(-3.7)), "-3");
    }

    #[test]
    fn floats_follow_printf_rules() {
        assert_eq!(fmt("f", Value::Float(1.23456)), "1.234560");
        assert_eq!(fmt(".2f", Value::Float(2.675)), "2.67");
        assert_eq!(fmt("08.2f", Value::Float(-1.23456)), "-0001.23");
        assert_eq!(fmt("e", Value::Float(123456.0)), "1.234560e+05");
        assert_eq!(fmt(".2E", Value::Float(0.000123)), "1.23E-04");
        assert_eq!(fmt("g", Value::Float(0.0001)), "0.0001");
        assert_eq!(fmt("g", Value::Float(0.00001)), "1e-05");
        assert_eq!(fmt("g", Value::Float(123456789.0)), "1.23457e+08");
        assert_eq!(fmt("g", Value::Float(100.0)), "100");
        assert_eq!(fmt("#g", Value::Float(100.0)), "100.000");
        assert_eq!(fmt("f", Value::Float(f64::INFINITY)), "inf");
        assert_eq!(fmt("F", Value::Float(f64::NAN)), "NAN");
        assert_eq!(fmt("05f", Value::Float(f64::NEG_INFINITY)), "-0inf");
        assert_eq!(fmt("#.0e", Value::Float(3.0)), "3.e+00");
        assert_eq!(fmt("#5x", Value::Int(255)), " 0xff");
        assert_eq!(fmt(".1f", Value::Int(3)), "3.0");
    }

    #[test]
    fn float_repr_matches_python() {
        let repr = |f: f64| {
            let mut out = String::new();
            write_float_repr(&mut out, f);
            out
        };
        assert_eq!(repr(1700000000.123456), "1700000000.123456");
        assert_eq!(repr(42.0), "42.0");
        assert_eq!(repr(0.1), "0.1");
        assert_eq!(repr(0.0001), "0.0001");
        assert_eq!(repr(0.00001), "1e-05");
        assert_eq!(repr(1.5e-7), "1.5e-07");
        assert_eq!(repr(1e16), "1e+16");
        assert_eq!(repr(1234567890123456.0), "1234567890123456.0");
        assert_eq!(repr(-0.0), "-0.0");
        assert_eq!(repr(f64::NAN), "nan");
        // Exactly halfway between two 17-digit candidates: the even one.
        assert_eq!(repr(272_103_164_043_305.0 + 0.125), "272103164043305.12");
        assert_eq!(
            repr(-(3_271_931_664.0 + 129.0 / 256.0)),
            "-3271931664.5039062"
        );
    }

    #[test]
    fn repr_of_ascii_strings_matches_python() {
        assert_eq!(fmt("r", Value::Str("a'b")), "\"a'b\"");
        assert_eq!(fmt("r", Value::Str("a\nb")), "'a\\nb'");
        assert_eq!(fmt("r", Value::Str("a'\"")), "'a\\'\"'");
        assert_eq!(fmt("r", Value::Int(3)), "3");
        let mut out = String::new();
        assert_eq!(
            convert(&mut out, Value::Str("é"), &spec("r")),
            Err(ConvertError::NeedsPython)
        );
    }

    #[test]
    fn wrong_types_raise_python_type_errors() {
        let mut out = String::new();
        assert_eq!(
            convert(&mut out, Value::Str("x"), &spec("d")),
            Err(ConvertError::Type(
                "%d format: a real number is required, not str".into()
            ))
        );
        assert_eq!(
            convert(&mut out, Value::Str("x"), &spec("i")),
            Err(ConvertError::Type(
                "%i format: a real number is required, not str".into()
            ))
        );
        assert_eq!(
            convert(&mut out, Value::Float(1.5), &spec("x")),
            Err(ConvertError::Type(
                "%x format: an integer is required, not float".into()
            ))
        );
    }
}
