//! Currency conversion through the hub's FX accounts, in integers.
//!
//! A rate is a decimal string (`"4.7215"`: 1 unit of the source currency = 4.7215 units of the
//! target), parsed exactly into `units / 10^scale`. The converted amount in target minor units is
//!
//! ```text
//! source_minor × units × 10^target_digits / (10^scale × 10^source_digits)
//! ```
//!
//! computed in `i128` and rounded **half up** (a remainder of at least half the divisor rounds
//! away from zero; amounts are never negative). Minor-unit digits may differ (JPY 0, USD 2,
//! KWD 3): they are part of the exact fraction, not a float scaling.

use trade::{Currency, MAX_MINOR};

use crate::transfer::{FxNote, Transfer, TransferFlags};

/// At most this many digits after the point (trailing zeros aside).
pub const MAX_RATE_FRACTION_DIGITS: usize = 12;
/// At most this many digits before the point (leading zeros aside): past it no amount converts
/// within [`MAX_MINOR`] anyway.
pub const MAX_RATE_INTEGER_DIGITS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    #[error("`{0}` is not a rate: digits with at most one point, digits on both sides of it, at most 12 after it (e.g. \"4.7215\")")]
    MalformedRate(String),
    #[error("rate `{0}` has more than 20 digits before the point")]
    RateTooLarge(String),
    #[error("the rate must be greater than zero")]
    ZeroRate,
    #[error("a conversion needs two different currencies, not {0} to {0}")]
    SameCurrency(Currency),
    #[error("the amount must be between 1 and {max} minor units, not {0}", max = MAX_MINOR)]
    AmountOutOfRange(i64),
    #[error(
        "{amount} minor units of {source_currency} at {rate} convert to zero {target_currency}"
    )]
    ConvertsToZero {
        amount: i64,
        source_currency: Currency,
        rate: String,
        target_currency: Currency,
    },
    #[error("{amount} minor units of {source_currency} at {rate} convert to more than {max} minor units of {target_currency}", max = MAX_MINOR)]
    ConvertsTooLarge {
        amount: i64,
        source_currency: Currency,
        rate: String,
        target_currency: Currency,
    },
}

/// An exact positive decimal: `units / 10^scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    units: i128,
    scale: u32,
    text: String,
}

impl Rate {
    /// Digits, at most one point with digits on both sides, at most 12 fraction digits once
    /// trailing zeros are dropped, greater than zero. No sign, exponent, spaces or separators.
    pub fn parse(text: &str) -> Result<Rate, FxError> {
        let malformed = || FxError::MalformedRate(text.to_string());
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
            Some(_) => return Err(malformed()),
            None => (text, ""),
        };
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(malformed());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > MAX_RATE_FRACTION_DIGITS {
            return Err(malformed());
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > MAX_RATE_INTEGER_DIGITS {
            return Err(FxError::RateTooLarge(text.to_string()));
        }
        // At most 32 digits: fits an i128 (max ≈ 1.7 × 10^38).
        let digits = format!("{whole}{fraction}");
        let units = if digits.is_empty() {
            0
        } else {
            digits.parse::<i128>().map_err(|_| malformed())?
        };
        if units == 0 {
            return Err(FxError::ZeroRate);
        }
        Ok(Rate {
            units,
            scale: fraction.len() as u32,
            text: text.to_string(),
        })
    }

    /// The rate as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Converts `amount` minor units of `source` into minor units of `target` at `rate`, rounding
/// half up to the target's minor unit. The result must be within 1..=[`MAX_MINOR`].
pub fn convert(
    amount: i64,
    source: Currency,
    target: Currency,
    rate: &Rate,
) -> Result<i64, FxError> {
    if amount <= 0 || amount > MAX_MINOR {
        return Err(FxError::AmountOutOfRange(amount));
    }
    let too_large = || FxError::ConvertsTooLarge {
        amount,
        source_currency: source,
        rate: rate.text.clone(),
        target_currency: target,
    };
    let target_scale = 10i128.pow(u32::from(target.minor_digits()));
    // ≤ 10^(12 + 3): no overflow.
    let divisor = 10i128.pow(rate.scale + u32::from(source.minor_digits()));
    // An overflow here means a quotient above 10^38 / 10^15, far past MAX_MINOR.
    let dividend = i128::from(amount)
        .checked_mul(rate.units)
        .and_then(|product| product.checked_mul(target_scale))
        .ok_or_else(too_large)?;
    debug_assert!(dividend > 0 && divisor > 0);
    let quotient = dividend / divisor;
    let remainder = dividend % divisor;
    let rounded = if remainder * 2 >= divisor {
        quotient + 1
    } else {
        quotient
    };
    if rounded == 0 {
        return Err(FxError::ConvertsToZero {
            amount,
            source_currency: source,
            rate: rate.text.clone(),
            target_currency: target,
        });
    }
    if rounded > i128::from(MAX_MINOR) {
        return Err(too_large());
    }
    Ok(rounded as i64)
}

/// What a conversion needs: the payer pays `source_amount` of `source_currency` into the hub's FX
/// account of that currency; the hub's FX account of `target_currency` pays the payee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxConversion {
    pub first_leg_id: String,
    pub second_leg_id: String,
    pub payer_account_id: String,
    /// The hub's FX account in `source_currency` (credited by the first leg).
    pub fx_source_account_id: String,
    /// The hub's FX account in `target_currency` (debited by the second leg).
    pub fx_target_account_id: String,
    pub payee_account_id: String,
    pub source_currency: Currency,
    pub target_currency: Currency,
    /// Minor units of `source_currency`.
    pub source_amount: i64,
    /// 1 `source_currency` = `rate` `target_currency`.
    pub rate: String,
    /// Where the rate came from, e.g. a rate sheet id.
    pub rate_source: String,
    pub code: String,
    pub user_ref: String,
}

/// The two linked single-phase transfers of a conversion: payer → FX(source), then
/// FX(target) → payee for the converted amount. The first is `linked` to the second, so they
/// commit together or not at all; both carry the rate as an [`FxNote`].
pub fn fx_conversion(conversion: &FxConversion) -> Result<[Transfer; 2], FxError> {
    if conversion.source_currency == conversion.target_currency {
        return Err(FxError::SameCurrency(conversion.source_currency));
    }
    let rate = Rate::parse(&conversion.rate)?;
    let target_amount = convert(
        conversion.source_amount,
        conversion.source_currency,
        conversion.target_currency,
        &rate,
    )?;
    let note = FxNote {
        base: conversion.source_currency,
        quote: conversion.target_currency,
        rate: conversion.rate.clone(),
        source: conversion.rate_source.clone(),
    };
    let leg = |id: &str, debit: &str, credit: &str, amount: i64, currency: Currency| Transfer {
        fx: Some(note.clone()),
        ..Transfer::single(id, debit, credit, amount, currency)
            .with_code(conversion.code.clone())
            .with_user_ref(conversion.user_ref.clone())
    };
    let mut first = leg(
        &conversion.first_leg_id,
        &conversion.payer_account_id,
        &conversion.fx_source_account_id,
        conversion.source_amount,
        conversion.source_currency,
    );
    first.flags = TransferFlags {
        linked: true,
        ..TransferFlags::single()
    };
    let second = leg(
        &conversion.second_leg_id,
        &conversion.fx_target_account_id,
        &conversion.payee_account_id,
        target_amount,
        conversion.target_currency,
    );
    Ok([first, second])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn at(amount: i64, source: &str, target: &str, rate: &str) -> Result<i64, FxError> {
        convert(
            amount,
            cur(source),
            cur(target),
            &Rate::parse(rate).unwrap(),
        )
    }

    #[test]
    fn rates_parse_exactly() {
        let rate = Rate::parse("4.7215").unwrap();
        assert_eq!((rate.units, rate.scale), (47215, 4));
        assert_eq!(rate.as_str(), "4.7215");
        let rate = Rate::parse("0.000000000001").unwrap();
        assert_eq!((rate.units, rate.scale), (1, 12));
        let rate = Rate::parse("007.50000000000000").unwrap();
        assert_eq!(
            (rate.units, rate.scale),
            (75, 1),
            "trailing zeros are not precision"
        );
        let rate = Rate::parse("150").unwrap();
        assert_eq!((rate.units, rate.scale), (150, 0));
    }

    #[test]
    fn malformed_rates_are_refused() {
        for bad in [
            "",
            ".",
            "1.",
            ".5",
            "-1",
            "+1",
            "1e3",
            "1,5",
            " 1",
            "1 ",
            "1.2.3",
            "abc",
            "0x10",
            "0.0000000000001",
            "١",
        ] {
            assert!(
                matches!(Rate::parse(bad), Err(FxError::MalformedRate(_))),
                "{bad:?}"
            );
        }
        assert_eq!(Rate::parse("0"), Err(FxError::ZeroRate));
        assert_eq!(Rate::parse("0.000"), Err(FxError::ZeroRate));
        assert!(matches!(
            Rate::parse("123456789012345678901"),
            Err(FxError::RateTooLarge(_))
        ));
        assert!(Rate::parse("12345678901234567890.123456789012").is_ok());
    }

    #[test]
    fn rounds_half_up_at_the_halfway_point() {
        // 1.00 USD × 0.125 = 0.125 EUR → 0.13.
        assert_eq!(at(100, "USD", "EUR", "0.125"), Ok(13));
        // Just under half: 0.1249 → 0.12.
        assert_eq!(at(100, "USD", "EUR", "0.1249"), Ok(12));
        // 0.01 USD × 0.5 = 0.005 → 0.01.
        assert_eq!(at(1, "USD", "EUR", "0.5"), Ok(1));
        // 0.01 USD × 0.4999 = 0.004999 → 0 is refused.
        assert!(matches!(
            at(1, "USD", "EUR", "0.4999"),
            Err(FxError::ConvertsToZero { .. })
        ));
    }

    #[test]
    fn different_minor_digits_are_exact() {
        // 10.00 USD at 150.5 JPY = 1505 JPY.
        assert_eq!(at(1000, "USD", "JPY", "150.5"), Ok(1505));
        // 1 JPY at 0.0067 USD = 0.0067 → 0.01.
        assert_eq!(at(1, "JPY", "USD", "0.0067"), Ok(1));
        // 1,000 JPY at 0.002 KWD = 2.000 KWD.
        assert_eq!(at(1000, "JPY", "KWD", "0.002"), Ok(2000));
        // 1.234 KWD at 3.25 USD = 4.0105 USD → 4.01 (below half).
        assert_eq!(at(1234, "KWD", "USD", "3.25"), Ok(401));
        // 1.235 KWD at 3.25 USD = 4.01375 → 4.01; 1.238 → 4.0235 → 4.02.
        assert_eq!(at(1235, "KWD", "USD", "3.25"), Ok(401));
        assert_eq!(at(1238, "KWD", "USD", "3.25"), Ok(402));
        // 0.005 KWD at 100 = 0.5 JPY → 1 (exactly half rounds up).
        assert_eq!(at(5, "KWD", "JPY", "100"), Ok(1));
        // 100.00 MYR at 4.7215 = 472.15.
        assert_eq!(at(10000, "MYR", "CNY", "4.7215"), Ok(47215));
    }

    #[test]
    fn large_amounts_stay_exact_or_are_refused() {
        // The largest amount at a 12-digit rate: no overflow, exact.
        assert_eq!(
            at(MAX_MINOR, "JPY", "USD", "0.006700000001"),
            Ok(670_000_000_100_000)
        );
        assert_eq!(
            at(MAX_MINOR, "USD", "JPY", "1"),
            Ok(MAX_MINOR / 100),
            "USD cents to whole yen"
        );
        assert!(matches!(
            at(MAX_MINOR, "USD", "JPY", "150"),
            Err(FxError::ConvertsTooLarge { .. })
        ));
        assert!(matches!(
            at(MAX_MINOR, "JPY", "KWD", "99999999999999999999.999999999999"),
            Err(FxError::ConvertsTooLarge { .. })
        ));
        assert_eq!(at(0, "USD", "EUR", "1"), Err(FxError::AmountOutOfRange(0)));
        assert_eq!(
            at(MAX_MINOR + 1, "USD", "EUR", "1"),
            Err(FxError::AmountOutOfRange(MAX_MINOR + 1))
        );
    }

    #[test]
    fn conversion_builds_two_linked_legs_with_the_rate() {
        let conversion = FxConversion {
            first_leg_id: "t1".into(),
            second_leg_id: "t2".into(),
            payer_account_id: "buyer_cny".into(),
            fx_source_account_id: "fx_cny".into(),
            fx_target_account_id: "fx_myr".into(),
            payee_account_id: "merchant_myr".into(),
            source_currency: cur("CNY"),
            target_currency: cur("MYR"),
            source_amount: 10_000,
            rate: "0.6543".into(),
            rate_source: "sheet-7".into(),
            code: "payout_fx".into(),
            user_ref: "ord_1".into(),
        };
        let [first, second] = fx_conversion(&conversion).unwrap();
        assert!(first.flags.linked && !second.flags.linked);
        assert_eq!(
            (
                first.debit_account_id.as_str(),
                first.credit_account_id.as_str(),
                first.amount
            ),
            ("buyer_cny", "fx_cny", 10_000)
        );
        assert_eq!(
            (
                second.debit_account_id.as_str(),
                second.credit_account_id.as_str(),
                second.amount
            ),
            ("fx_myr", "merchant_myr", 6543)
        );
        assert_eq!(first.currency, cur("CNY"));
        assert_eq!(second.currency, cur("MYR"));
        assert_eq!(first.fx, second.fx);
        let note = first.fx.unwrap();
        assert_eq!(
            (
                note.base,
                note.quote,
                note.rate.as_str(),
                note.source.as_str()
            ),
            (cur("CNY"), cur("MYR"), "0.6543", "sheet-7")
        );
        assert_eq!(second.code, "payout_fx");
        assert_eq!(second.user_ref, "ord_1");

        let same = FxConversion {
            target_currency: cur("CNY"),
            ..conversion.clone()
        };
        assert_eq!(fx_conversion(&same), Err(FxError::SameCurrency(cur("CNY"))));
        let bad_rate = FxConversion {
            rate: "1,5".into(),
            ..conversion
        };
        assert!(matches!(
            fx_conversion(&bad_rate),
            Err(FxError::MalformedRate(_))
        ));
    }
}
