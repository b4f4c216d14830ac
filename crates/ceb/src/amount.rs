//! Exact conversion between CEB decimal strings (`N19,5`) and integer minor units.

use trade::Currency;

use crate::error::{CebError, ErrorKind};
use crate::model::{LogisticsHead, OrderHead, OrderList, PaymentHead};

/// Converts a decimal string (any `xs:decimal` form: sign, surrounding white space, leading or
/// trailing zeros) to an integer scaled by 10^`digits`, exactly. More significant fraction
/// digits than `digits` is [`ErrorKind::TooPrecise`], never rounded.
pub fn decimal_to_scaled(text: &str, digits: u8) -> Result<i64, CebError> {
    let invalid = || CebError::new(ErrorKind::InvalidDecimal, "", "not a decimal number");
    crate::schema::decimal_digits(text).ok_or_else(invalid)?;
    let text = text.trim_matches(crate::schema::is_xml_space);
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > usize::from(digits) {
        return Err(CebError::new(
            ErrorKind::TooPrecise,
            "",
            format!(
                "{} digits after the point, the unit allows {digits}",
                fraction.len()
            ),
        ));
    }
    let too_large = || CebError::new(ErrorKind::OutOfRange, "", "the number is too large");
    let mut value: i64 = 0;
    let padded = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(usize::from(digits));
    for b in integer.bytes().chain(padded) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    Ok(if negative { -value } else { value })
}

/// Writes a scaled integer back as a decimal string with exactly `digits` decimals
/// (`1250`, 2 → `"12.50"`; `-5`, 2 → `"-0.05"`).
pub fn scaled_to_decimal(value: i64, digits: u8) -> String {
    let magnitude = value.unsigned_abs().to_string();
    let digits = usize::from(digits);
    let sign = if value < 0 { "-" } else { "" };
    if digits == 0 {
        return format!("{sign}{magnitude}");
    }
    let padded = format!("{magnitude:0>width$}", width = digits + 1);
    let (integer, fraction) = padded.split_at(padded.len() - digits);
    format!("{sign}{integer}.{fraction}")
}

/// An amount in minor units of `currency` (CNY: fen), exactly.
pub fn amount_to_minor(text: &str, currency: Currency) -> Result<i64, CebError> {
    decimal_to_scaled(text, currency.minor_digits())
}

/// Minor units back to the decimal string CEB expects (`19050` fen → `"190.50"`).
pub fn minor_to_amount(minor: i64, currency: Currency) -> String {
    scaled_to_decimal(minor, currency.minor_digits())
}

fn at(path: &'static str) -> impl Fn(CebError) -> CebError {
    move |e| CebError {
        path: path.to_string(),
        ..e
    }
}

fn currency_of(code: &str, path: &'static str) -> Result<Currency, CebError> {
    crate::codes::currency_from_customs(code).map_err(at(path))
}

macro_rules! minor_getters {
    ($type:ty, $currency_path:literal, $( $method:ident : $field:ident => $path:literal ),* $(,)?) => {
        impl $type {
            /// The ISO currency of `currency` (customs code `142` → CNY).
            pub fn currency_iso(&self) -> Result<Currency, CebError> {
                currency_of(&self.currency, $currency_path)
            }
            $(
                #[doc = concat!("`", $path, "` in minor units of the currency, exactly.")]
                pub fn $method(&self) -> Result<i64, CebError> {
                    amount_to_minor(&self.$field, self.currency_iso()?).map_err(at($path))
                }
            )*
        }
    };
}

minor_getters!(OrderHead, "OrderHead/currency",
    goods_value_minor: goods_value => "OrderHead/goodsValue",
    freight_minor: freight => "OrderHead/freight",
    discount_minor: discount => "OrderHead/discount",
    tax_total_minor: tax_total => "OrderHead/taxTotal",
    actural_paid_minor: actural_paid => "OrderHead/acturalPaid",
);
minor_getters!(OrderList, "OrderList/currency",
    price_minor: price => "OrderList/price",
    total_price_minor: total_price => "OrderList/totalPrice",
);
minor_getters!(PaymentHead, "PaymentHead/currency",
    amount_paid_minor: amount_paid => "PaymentHead/amountPaid",
);

impl LogisticsHead {
    /// The ISO currency of `currency` (customs code `142` → CNY).
    pub fn currency_iso(&self) -> Result<Currency, CebError> {
        currency_of(&self.currency, "LogisticsHead/currency")
    }

    /// `freight` (optional) in minor units, exactly.
    pub fn freight_minor(&self) -> Result<Option<i64>, CebError> {
        self.freight
            .as_deref()
            .map(|f| amount_to_minor(f, self.currency_iso()?).map_err(at("LogisticsHead/freight")))
            .transpose()
    }

    /// `insuredFee` (optional) in minor units, exactly.
    pub fn insured_fee_minor(&self) -> Result<Option<i64>, CebError> {
        self.insured_fee
            .as_deref()
            .map(|f| {
                amount_to_minor(f, self.currency_iso()?).map_err(at("LogisticsHead/insuredFee"))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_conversions() {
        let cny = Currency::parse("CNY").unwrap();
        assert_eq!(amount_to_minor("190.50", cny).unwrap(), 19050);
        assert_eq!(amount_to_minor("19050", cny).unwrap(), 1_905_000);
        assert_eq!(amount_to_minor(" 0.1000 ", cny).unwrap(), 10);
        assert_eq!(amount_to_minor("+.5", cny).unwrap(), 50);
        assert_eq!(amount_to_minor("-0.05", cny).unwrap(), -5);
        assert_eq!(amount_to_minor("007.", cny).unwrap(), 700);
        assert_eq!(amount_to_minor("0", cny).unwrap(), 0);
        assert_eq!(
            amount_to_minor("0.001", cny).unwrap_err().code(),
            "too_precise"
        );
        assert_eq!(
            amount_to_minor("1,00", cny).unwrap_err().code(),
            "invalid_decimal"
        );
        assert_eq!(
            amount_to_minor("", cny).unwrap_err().code(),
            "invalid_decimal"
        );
        assert_eq!(
            amount_to_minor("99999999999999999999", cny)
                .unwrap_err()
                .code(),
            "out_of_range"
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(amount_to_minor("1500", jpy).unwrap(), 1500);
        assert_eq!(
            amount_to_minor("1500.5", jpy).unwrap_err().code(),
            "too_precise"
        );
        assert_eq!(decimal_to_scaled("1.23456", 5).unwrap(), 123_456);
    }

    #[test]
    fn back_to_decimal() {
        let cny = Currency::parse("CNY").unwrap();
        assert_eq!(minor_to_amount(19050, cny), "190.50");
        assert_eq!(minor_to_amount(5, cny), "0.05");
        assert_eq!(minor_to_amount(-5, cny), "-0.05");
        assert_eq!(minor_to_amount(0, cny), "0.00");
        assert_eq!(scaled_to_decimal(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(scaled_to_decimal(42, 0), "42");
        for v in [0i64, 1, 99, 100, 12345, -12345, 1_000_000_000_000] {
            assert_eq!(amount_to_minor(&minor_to_amount(v, cny), cny).unwrap(), v);
        }
    }
}
