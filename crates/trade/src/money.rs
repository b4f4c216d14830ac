//! Money as integer minor units with an ISO 4217 currency; decimal strings at the edges.

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency the hub knows, with the number of digits of its minor unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    minor_digits: u8,
}

/// Active ISO 4217 codes with their minor unit (digits after the decimal point).
/// Funds, precious metals and testing codes (XAU, XTS, XXX…) are left out: nobody pays a parcel in them.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an ISO 4217 currency code the hub supports")]
    UnknownCurrency(String),
    #[error(
        "`{0}` is not a decimal amount (digits, an optional point and fraction, e.g. \"12.50\")"
    )]
    Malformed(String),
    #[error("amount must not be negative")]
    Negative,
    #[error("{currency} has {digits} decimal digits; `{amount}` has more")]
    TooPrecise {
        amount: String,
        currency: &'static str,
        digits: u8,
    },
    #[error("amount `{0}` is too large")]
    TooLarge(String),
}

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        CURRENCIES
            .binary_search_by(|(c, _)| (*c).cmp(code))
            .map(|i| Currency {
                code: CURRENCIES[i].0,
                minor_digits: CURRENCIES[i].1,
            })
            .map_err(|_| MoneyError::UnknownCurrency(code.to_string()))
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn minor_digits(&self) -> u8 {
        self.minor_digits
    }

    /// Parses a non-negative decimal string such as `"12.50"` into minor units, exactly.
    /// More fraction digits than the currency has is an error, never a silent rounding.
    pub fn parse_amount(&self, text: &str) -> Result<i64, MoneyError> {
        crate::decimal::parse_scaled(text, self.minor_digits, MAX_MINOR).map_err(|e| match e {
            crate::decimal::DecimalError::Malformed => MoneyError::Malformed(text.to_string()),
            crate::decimal::DecimalError::Negative => MoneyError::Negative,
            crate::decimal::DecimalError::TooPrecise => MoneyError::TooPrecise {
                amount: text.to_string(),
                currency: self.code(),
                digits: self.minor_digits,
            },
            crate::decimal::DecimalError::TooLarge => MoneyError::TooLarge(text.to_string()),
        })
    }

    /// Formats minor units as a decimal string with exactly the currency's digits (`1250` → `"12.50"`).
    pub fn format_amount(&self, minor: i64) -> String {
        crate::decimal::format_scaled(minor, self.minor_digits)
    }
}

/// The largest amount the hub accepts in minor units: leaves head-room so that sums of many
/// lines cannot overflow `i64` before the checked arithmetic reports it.
pub const MAX_MINOR: i64 = 1_000_000_000_000_000; // 10^15 minor units

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount of one currency in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn to_decimal_string(&self) -> String {
        self.currency.format_amount(self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        assert!(
            CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, for the binary search"
        );
        let mut seen = std::collections::HashSet::new();
        for (code, digits) in CURRENCIES {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(*digits <= 3);
        }
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(cur("USD").minor_digits(), 2);
        assert_eq!(cur("JPY").minor_digits(), 0);
        assert_eq!(cur("KWD").minor_digits(), 3);
        assert_eq!(cur("VND").minor_digits(), 0);
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("XXX").is_err());
        assert!(Currency::parse("ABC").is_err());
    }

    #[test]
    fn parses_decimal_strings_exactly() {
        let usd = cur("USD");
        assert_eq!(usd.parse_amount("12.50"), Ok(1250));
        assert_eq!(usd.parse_amount("12.5"), Ok(1250));
        assert_eq!(usd.parse_amount("12"), Ok(1200));
        assert_eq!(usd.parse_amount("0.01"), Ok(1));
        assert_eq!(usd.parse_amount("007.10"), Ok(710));
        assert_eq!(
            usd.parse_amount("1.230"),
            Ok(123),
            "trailing zeros are not extra precision"
        );
        assert_eq!(cur("JPY").parse_amount("1500"), Ok(1500));
        assert_eq!(cur("KWD").parse_amount("1.005"), Ok(1005));
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        let usd = cur("USD");
        assert_eq!(usd.parse_amount("-1.00"), Err(MoneyError::Negative));
        for bad in [
            "", ".", "1.", ".5", "1,00", "1e3", "+1", "1.2.3", " 1", "abc", "-", "--1", "0x10",
        ] {
            assert!(
                matches!(usd.parse_amount(bad), Err(MoneyError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            usd.parse_amount("1.001"),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            cur("JPY").parse_amount("1.5"),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            usd.parse_amount("99999999999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(matches!(
            usd.parse_amount("10000000000000.01"),
            Err(MoneyError::TooLarge(_))
        ));
        assert_eq!(usd.parse_amount("10000000000000.00"), Ok(MAX_MINOR));
    }

    #[test]
    fn formats_with_the_currency_digits() {
        assert_eq!(cur("USD").format_amount(1250), "12.50");
        assert_eq!(cur("USD").format_amount(5), "0.05");
        assert_eq!(cur("USD").format_amount(-5), "-0.05");
        assert_eq!(cur("JPY").format_amount(1500), "1500");
        assert_eq!(cur("BHD").format_amount(1), "0.001");
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(minor in 0i64..=MAX_MINOR, idx in 0usize..CURRENCIES.len()) {
            let c = cur(CURRENCIES[idx].0);
            prop_assert_eq!(c.parse_amount(&c.format_amount(minor)), Ok(minor));
        }
    }
}
