//! `msg % args` for a log call's positional arguments, when every argument
//! is a value the `%` conversions of printf.rs reproduce exactly.
//!
//! This is `LogRecord.getMessage` for the common call (`"user %s", name`),
//! done without building Python objects. Anything else (a mapping key, a
//! `*` width, a conversion or value this module does not reproduce, a
//! mismatched argument count, which Python reports as an error) answers
//! `None`, and Python formats the message.

use super::printf::{self, Conversion, Spec, Value, MAX_NATIVE_WIDTH};

/// Appends `template % args` to `out`; `None` (with `out` in any state)
/// when Python must format it.
pub fn format_message(out: &mut String, template: &str, args: &[Value<'_>]) -> Option<()> {
    let bytes = template.as_bytes();
    let mut next_arg = args.iter();
    let mut literal_start = 0;
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|byte| *byte == b'%') {
        let percent = at + offset;
        out.push_str(&template[literal_start..percent]);
        at = percent + 1;
        if bytes.get(at) == Some(&b'%') {
            out.push('%');
            at += 1;
        } else {
            let (spec, end) = parse_spec(bytes, at)?;
            printf::convert(out, *next_arg.next()?, &spec).ok()?;
            at = end;
        }
        literal_start = at;
    }
    out.push_str(&template[literal_start..]);
    // Arguments left over: Python raises "not all arguments converted".
    next_arg.next().is_none().then_some(())
}

/// The spec starting at `at` (after its `%`) and where it ends.
fn parse_spec(bytes: &[u8], mut at: usize) -> Option<(Spec, usize)> {
    let mut spec = Spec::plain(Conversion::Str);
    while let Some(flag) = bytes.get(at) {
        match flag {
            b'-' => spec.left = true,
            b'+' => spec.plus = true,
            b' ' => spec.space = true,
            b'#' => spec.alternate = true,
            b'0' => spec.zero = true,
            _ => break,
        }
        at += 1;
    }
    let (width, after_width) = number(bytes, at)?;
    spec.width = width.unwrap_or(0);
    at = after_width;
    if bytes.get(at) == Some(&b'.') {
        let (precision, after_precision) = number(bytes, at + 1)?;
        spec.precision = Some(precision.unwrap_or(0));
        at = after_precision;
    }
    while matches!(bytes.get(at), Some(b'h' | b'l' | b'L')) {
        at += 1;
    }
    // A mapping key, a `*`, `%c`, a bad or missing conversion: Python's.
    spec.conversion = Conversion::from_char(char::from(*bytes.get(at)?))?;
    Some((spec, at + 1))
}

fn number(bytes: &[u8], mut at: usize) -> Option<(Option<usize>, usize)> {
    let mut value: Option<usize> = None;
    while let Some(digit) = bytes.get(at).filter(|byte| byte.is_ascii_digit()) {
        let grown = value
            .unwrap_or(0)
            .checked_mul(10)?
            .checked_add(usize::from(digit - b'0'))?;
        if grown > MAX_NATIVE_WIDTH {
            return None;
        }
        value = Some(grown);
        at += 1;
    }
    Some((value, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, args: &[Value<'_>]) -> Option<String> {
        let mut out = String::new();
        format_message(&mut out, template, args).map(|()| out)
    }

    #[test]
    fn positional_conversions_as_python_renders_them() {
        assert_eq!(
            render("msg %s", &[Value::Int(42)]).as_deref(),
            Some("msg 42")
        );
        assert_eq!(
            render(
                "%-5s|%05d|%x|%.2f|100%%",
                &[
                    Value::Str("ab"),
                    Value::Int(-42),
                    Value::Int(255),
                    Value::Float(2.345),
                ]
            )
            .as_deref(),
            Some("ab   |-0042|ff|2.35|100%")
        );
        assert_eq!(
            render("é %s ü", &[Value::Str("ß")]).as_deref(),
            Some("é ß ü")
        );
        assert_eq!(render("%ld", &[Value::Int(7)]).as_deref(), Some("7"));
    }

    #[test]
    fn what_python_decides_is_left_to_it() {
        // Too few or too many arguments, keys, stars, %c, a bad or missing
        // conversion, a str for %d.
        assert_eq!(render("%s %s", &[Value::Int(1)]), None);
        assert_eq!(render("%s", &[Value::Int(1), Value::Int(2)]), None);
        assert_eq!(render("no directive", &[Value::Int(1)]), None);
        assert_eq!(render("%(key)s", &[Value::Int(1)]), None);
        assert_eq!(render("%*d", &[Value::Int(1)]), None);
        assert_eq!(render("%c", &[Value::Int(65)]), None);
        assert_eq!(render("%y", &[Value::Int(1)]), None);
        assert_eq!(render("50%", &[Value::Int(1)]), None);
        assert_eq!(render("%d", &[Value::Str("x")]), None);
        assert_eq!(render("%99999d", &[Value::Int(1)]), None);
    }
}
