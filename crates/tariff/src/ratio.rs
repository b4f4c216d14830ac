//! Exact arithmetic for rates and tax amounts: a rate is a non-negative decimal fraction held as
//! an integer over a power of ten, and every product is rounded once, explicitly, in integers.
//! No floats anywhere: a tax is `round(base × rate × factor)` computed in `i128`.

use serde::Serialize;

/// A non-negative fraction `num / den` (`den` a power of ten): `16.9%` is `169 / 1000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    num: i64,
    den: i64,
}

/// How an exact amount becomes a whole number of minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Halves go up (away from zero): the default for customs (per line, to the minor unit).
    #[default]
    HalfUp,
    /// Halves go to the even neighbour (banker's rounding).
    HalfEven,
    /// Always down (truncation), as some administrations do for tax amounts.
    Down,
}

impl Rate {
    pub const ZERO: Rate = Rate { num: 0, den: 1 };
    pub const ONE: Rate = Rate { num: 1, den: 1 };

    /// Parses a percentage such as `"13%"`, `"16.9%"` or `"0%"` (at most 6 fraction digits).
    pub fn parse_percent(text: &str) -> Option<Rate> {
        let number = text.strip_suffix('%')?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 6 || !digits_ok(whole) || !digits_ok(fraction) {
            return None;
        }
        if number.contains('.') && fraction.is_empty() || fraction.len() > 6 {
            return None;
        }
        let scale = 10i64.pow(fraction.len() as u32);
        let num = whole.parse::<i64>().ok()? * scale
            + if fraction.is_empty() {
                0
            } else {
                fraction.parse::<i64>().ok()?
            };
        Some(Rate::new(num, scale * 100))
    }

    fn new(num: i64, den: i64) -> Rate {
        assert!(num >= 0 && den > 0, "a rate is a non-negative fraction");
        // Keep the fraction small so products of a few rates stay far inside i128.
        let (mut num, mut den) = (num, den);
        while num % 10 == 0 && den % 10 == 0 && den > 1 {
            num /= 10;
            den /= 10;
        }
        Rate { num, den }
    }

    /// The rate in basis points (1/10,000), when it is a whole number of them.
    pub fn basis_points(self) -> Option<u32> {
        let scaled = i128::from(self.num) * 10_000;
        let den = i128::from(self.den);
        if scaled % den != 0 {
            return None;
        }
        u32::try_from(scaled / den).ok()
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// Below one (100%): the condition for grossing a base up by `1 / (1 − rate)`.
    pub fn is_below_one(self) -> bool {
        self.num < self.den
    }

    pub fn times(self, other: Rate) -> Rate {
        let num = self.num.checked_mul(other.num).expect("rate product fits");
        let den = self.den.checked_mul(other.den).expect("rate product fits");
        Rate::new(num, den)
    }

    /// `round(amount × self)`.
    pub fn apply(self, amount_minor: i64, rounding: Rounding) -> i64 {
        round_fraction(
            amount_minor as i128 * self.num as i128,
            self.den as i128,
            rounding,
        )
    }

    /// `round(amount / (1 − self))`: a base that includes the tax itself, as ad valorem
    /// consumption tax is levied on (value + duty) / (1 − rate).
    pub fn gross_up(self, amount_minor: i64, rounding: Rounding) -> i64 {
        assert!(self.is_below_one(), "gross-up needs a rate below 100%");
        round_fraction(
            amount_minor as i128 * self.den as i128,
            (self.den - self.num) as i128,
            rounding,
        )
    }

    /// Whether `amount × self ≥ threshold`, exactly (no rounding).
    pub fn product_at_least(self, amount: i64, threshold: i64) -> bool {
        amount as i128 * self.num as i128 >= threshold as i128 * self.den as i128
    }

    /// The percentage as text, without trailing zeros: `"16.9%"`, `"9.1%"`, `"0%"`.
    pub fn percent_text(self) -> String {
        // num/den × 100 with den a power of ten.
        let mut digits = 0u32;
        let mut den = self.den;
        while den > 1 {
            den /= 10;
            digits += 1;
        }
        let (int_digits, scaled) = if digits >= 2 {
            (digits - 2, self.num)
        } else {
            (0, self.num * 10i64.pow(2 - digits))
        };
        trim_decimal(scaled, int_digits) + "%"
    }

    /// The rate as a decimal fraction: `"0.169"`.
    pub fn decimal_text(self) -> String {
        let mut digits = 0u32;
        let mut den = self.den;
        while den > 1 {
            den /= 10;
            digits += 1;
        }
        trim_decimal(self.num, digits)
    }
}

fn trim_decimal(value: i64, fraction_digits: u32) -> String {
    let text = trade::decimal::format_scaled(value, fraction_digits as u8);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Rounds the non-negative fraction `num / den` to an integer by `rounding`.
pub fn round_fraction(num: i128, den: i128, rounding: Rounding) -> i64 {
    assert!(num >= 0 && den > 0, "amounts and rates are non-negative");
    let quotient = num / den;
    let remainder = num % den;
    let rounded = match rounding {
        Rounding::Down => quotient,
        Rounding::HalfUp => quotient + i128::from(2 * remainder >= den),
        Rounding::HalfEven => {
            let twice = 2 * remainder;
            if twice > den || (twice == den && quotient % 2 == 1) {
                quotient + 1
            } else {
                quotient
            }
        }
    };
    i64::try_from(rounded).expect("a rounded amount fits in i64 minor units")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages() {
        assert_eq!(
            Rate::parse_percent("13%").map(|r| r.percent_text()),
            Some("13%".into())
        );
        assert_eq!(
            Rate::parse_percent("16.9%").map(|r| r.decimal_text()),
            Some("0.169".into())
        );
        assert_eq!(Rate::parse_percent("0%"), Some(Rate { num: 0, den: 1 }));
        assert_eq!(Rate::parse_percent("100%"), Some(Rate::ONE));
        for bad in [
            "13",
            "-1%",
            "1.%",
            ".5%",
            "1e2%",
            "",
            "%",
            "1.0000001%",
            " 5%",
        ] {
            assert_eq!(Rate::parse_percent(bad), None, "{bad}");
        }
    }

    #[test]
    fn products_and_text() {
        let vat = Rate::parse_percent("13%").unwrap();
        let cbec = Rate::parse_percent("70%").unwrap();
        assert_eq!(vat.times(cbec).percent_text(), "9.1%");
        assert_eq!(vat.times(cbec).decimal_text(), "0.091");
        assert_eq!(Rate::parse_percent("2.5%").unwrap().percent_text(), "2.5%");
    }

    #[test]
    fn rounding_modes_at_the_half() {
        // 12.5 → 13 half-up, 12 half-even, 12 down; 13.5 → 14 half-even.
        assert_eq!(round_fraction(25, 2, Rounding::HalfUp), 13);
        assert_eq!(round_fraction(25, 2, Rounding::HalfEven), 12);
        assert_eq!(round_fraction(27, 2, Rounding::HalfEven), 14);
        assert_eq!(round_fraction(25, 2, Rounding::Down), 12);
        assert_eq!(round_fraction(1249, 100, Rounding::HalfUp), 12);
        assert_eq!(round_fraction(1251, 100, Rounding::HalfEven), 13);
    }

    #[test]
    fn applies_and_grosses_up() {
        let twelve = Rate::parse_percent("12%").unwrap();
        // 12% of 10.38 = 1.2456 → 1.25
        assert_eq!(twelve.apply(1038, Rounding::HalfUp), 125);
        let fifteen = Rate::parse_percent("15%").unwrap();
        // 100.00 / 0.85 = 117.647… → 117.65
        assert_eq!(fifteen.gross_up(10000, Rounding::HalfUp), 11765);
        assert!(Rate::ONE.product_at_least(1500, 1500));
        assert!(!fifteen.product_at_least(99, 15));
        assert!(fifteen.product_at_least(100, 15));
    }
}

impl Rate {
    /// Parses a positive plain decimal such as an exchange rate, `"4.6875"` (at most 10 fraction
    /// digits, at most 12 integer digits).
    pub fn parse_decimal(text: &str) -> Option<Rate> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || !digits_ok(whole) || !digits_ok(fraction) {
            return None;
        }
        if text.contains('.') && fraction.is_empty() || fraction.len() > 10 {
            return None;
        }
        let scale = 10i64.pow(fraction.len() as u32);
        let num =
            whole
                .parse::<i64>()
                .ok()?
                .checked_mul(scale)?
                .checked_add(if fraction.is_empty() {
                    0
                } else {
                    fraction.parse::<i64>().ok()?
                })?;
        Some(Rate::new(num, scale))
    }

    pub fn numerator(self) -> i64 {
        self.num
    }

    pub fn denominator(self) -> i64 {
        self.den
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::*;

    #[test]
    fn exchange_rates() {
        assert_eq!(
            Rate::parse_decimal("4.6875").map(|r| r.decimal_text()),
            Some("4.6875".into())
        );
        assert_eq!(
            Rate::parse_decimal("1").map(|r| r.decimal_text()),
            Some("1".into())
        );
        assert_eq!(
            Rate::parse_decimal("0.000123").map(|r| r.decimal_text()),
            Some("0.000123".into())
        );
        for bad in ["", "1.", ".1", "-1", "1e3", "1,5", "0.12345678901"] {
            assert_eq!(Rate::parse_decimal(bad), None, "{bad}");
        }
    }
}
