//! Exact parsing of non-negative decimal strings into scaled integers (minor units, grams).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    Malformed,
    Negative,
    TooPrecise,
    TooLarge,
}

/// Parses `"12.50"` with `digits = 2` into `1250`. Accepts only ASCII digits with an optional
/// point followed by at least one digit: no sign, exponent, separators or spaces.
/// Trailing zeros in the fraction are not counted as precision (`"1.230"` at 2 digits is fine).
pub fn parse_scaled(text: &str, digits: u8, max: i64) -> Result<i64, DecimalError> {
    debug_assert!(digits <= 6);
    if let Some(rest) = text.strip_prefix('-') {
        let numeric = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        return Err(if numeric {
            DecimalError::Negative
        } else {
            DecimalError::Malformed
        });
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return Err(DecimalError::Malformed);
    }
    if text.contains('.') && fraction.is_empty() {
        return Err(DecimalError::Malformed);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > digits as usize {
        return Err(DecimalError::TooPrecise);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 18 {
        return Err(DecimalError::TooLarge);
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DecimalError::TooLarge)?
    };
    let frac: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| DecimalError::Malformed)?
    };
    let frac = frac * 10i64.pow((digits as usize - fraction.len()) as u32);
    whole
        .checked_mul(10i64.pow(digits as u32))
        .and_then(|w| w.checked_add(frac))
        .filter(|v| *v <= max)
        .ok_or(DecimalError::TooLarge)
}

/// Formats a scaled integer with exactly `digits` fraction digits.
pub fn format_scaled(value: i64, digits: u8) -> String {
    if digits == 0 {
        return value.to_string();
    }
    let scale = 10u64.pow(digits as u32);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_from_kilograms() {
        assert_eq!(parse_scaled("0.250", 3, i64::MAX), Ok(250));
        assert_eq!(parse_scaled("2", 3, i64::MAX), Ok(2000));
        assert_eq!(
            parse_scaled("0.0001", 3, i64::MAX),
            Err(DecimalError::TooPrecise)
        );
        assert_eq!(format_scaled(250, 3), "0.250");
        assert_eq!(parse_scaled("5", 0, 4), Err(DecimalError::TooLarge));
    }
}
