//! An unsigned integer's decimal digits, written without an allocation or
//! the `std::fmt` machinery: most formats print two numbers per record (an
//! `int` argument's `%s`, the milliseconds' `%03d`), where `to_string()`
//! cost about a tenth of a file record's whole time.

/// Room for the longest `u64`.
pub type DigitBuffer = [u8; 20];

/// `n`'s decimal digits, at the end of `buffer`.
pub fn decimal(n: u64, buffer: &mut DigitBuffer) -> &str {
    let mut at = buffer.len();
    let mut rest = n;
    loop {
        at -= 1;
        buffer[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // SAFETY: `buffer[at..]` holds only the ASCII digits written above,
    // which are valid UTF-8 (`from_utf8` checked them at about half the
    // cost of the whole conversion).
    unsafe { std::str::from_utf8_unchecked(&buffer[at..]) }
}

/// `str(n)` appended to `out`.
pub fn push_signed(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    out.push_str(decimal(n.unsigned_abs(), &mut DigitBuffer::default()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_those_to_string_gives() {
        for n in [
            0,
            1,
            9,
            10,
            42,
            999,
            1000,
            123_456_789,
            i64::MAX as u64,
            u64::MAX,
        ] {
            assert_eq!(decimal(n, &mut DigitBuffer::default()), n.to_string());
        }
        for n in [0, -1, 7, -12, i64::MIN, i64::MAX] {
            let mut out = String::from("x");
            push_signed(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
