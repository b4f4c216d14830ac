//! The payment notice and the waybill: with the order, the three documents that customs matches
//! (CEB411 payment, CEB511 logistics, CEB311 order).
//!
//! Both arrive as drafts from the party that produced them (a payment provider, a carrier) and are
//! validated here the way trade validates an order: every problem is collected with its JSON path
//! and a stable code, and personal values are never echoed in a problem's detail.

use crate::identity::normalize_id_number;
use trade::decimal::{parse_scaled, DecimalError};
use trade::order::{BuyerIdType, ConsigneeDraft};
use trade::party::looks_like_phone;
use trade::validate::{FieldError, Problems};
use trade::{Currency, Order, Personal};

/// How far in the future a payment time may lie, for clocks that disagree a little.
pub const PAID_AT_MAX_AHEAD_MS: i64 = 5 * 60 * 1000;
/// The heaviest parcel a waybill may declare: 10 tonnes, far above any parcel, low enough to
/// catch a weight typed in grams.
pub const MAX_GROSS_WEIGHT_G: i64 = 10_000_000;
pub const MAX_PACKAGE_COUNT: i64 = 9_999;

const MAX_ID_CHARS: usize = 64;
const MAX_NAME_CHARS: usize = 100;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_PHONE_CHARS: usize = 32;
const MAX_ID_NUMBER_CHARS: usize = 32;
const MAX_DESCRIPTION_CHARS: usize = 300;

/// The number customs matches the three documents on: the merchant's or platform's own
/// `order_no` when the order has one, else the hub's order id.
pub fn matching_order_no(order: &Order) -> &str {
    order.order_no.as_deref().unwrap_or(&order.id)
}

/// Who paid: customs requires that it is the buyer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payer {
    pub name: Personal,
    pub id_type: BuyerIdType,
    pub id_number: Personal,
    pub phone: Option<Personal>,
}

/// A payment provider's record that an order was paid (CEB411).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentNotice {
    /// `pay_…`, issued by the hub.
    pub id: String,
    /// The payment party that sent the notice.
    pub provider_id: String,
    /// The provider's own transaction id: unique per provider.
    pub transaction_id: String,
    /// The order number the payment is for (see [`matching_order_no`]).
    pub order_no: String,
    pub merchant_id: Option<String>,
    /// The e-commerce platform (CEB `ebpCode`), when the provider knows it.
    pub platform_id: Option<String>,
    pub payer: Payer,
    /// What was paid, in minor units of `currency`; more than zero.
    pub amount: i64,
    pub currency: Currency,
    pub paid_at_ms: i64,
    pub created_at_ms: i64,
}

/// The payer as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerDraft {
    /// The payer's name as on the ID document; must be the buyer's.
    pub name: Option<String>,
    /// national_id, passport, tax_id or other.
    pub id_type: Option<String>,
    /// Letters, digits and dashes; at most 32.
    pub id_number: Option<String>,
    /// 6 to 20 digits, an optional leading +, spaces or dashes.
    pub phone: Option<String>,
}

/// A payment notice as a payment provider submits it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentDraft {
    /// The order's number: its `order_no`, or the hub's order id when it has none.
    pub order_no: Option<String>,
    /// The merchant the order is for, when the provider knows it.
    pub merchant_id: Option<String>,
    /// The e-commerce platform the order came through, when the provider knows it.
    pub platform_id: Option<String>,
    /// The provider's transaction id: unique per provider, at most 64 characters.
    pub transaction_id: Option<String>,
    pub payer: Option<PayerDraft>,
    /// Decimal string in `currency`, more than zero, e.g. "268.00".
    pub amount: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// RFC 3339, e.g. "2026-11-23T16:48:05+08:00"; not in the future.
    pub paid_at: Option<String>,
}

impl PaymentDraft {
    /// Validates the draft into a notice; `id` is the new `pay_…` id, `provider_id` the caller.
    pub fn validate(
        &self,
        id: String,
        provider_id: String,
        now_ms: i64,
    ) -> Result<PaymentNotice, Vec<FieldError>> {
        let mut p = Problems::default();
        let order_no = p.text("order_no", &self.order_no, MAX_ID_CHARS);
        let merchant_id = p.optional_text("merchant_id", &self.merchant_id, MAX_ID_CHARS);
        let platform_id = p.optional_text("platform_id", &self.platform_id, MAX_ID_CHARS);
        let transaction_id = p.text("transaction_id", &self.transaction_id, MAX_ID_CHARS);
        let payer = p
            .required("payer", &self.payer)
            .and_then(|d| validate_payer(&mut p, d));
        let currency = p.currency("currency", &self.currency);
        let amount = p.amount("amount", &self.amount, currency);
        if amount == Some(0) {
            p.push("amount", "zero_amount", "a payment is more than zero");
        }
        let paid_at_ms = time_at_or_before(&mut p, "paid_at", &self.paid_at, now_ms);
        match (
            order_no,
            transaction_id,
            payer,
            currency,
            amount,
            paid_at_ms,
        ) {
            (
                Some(order_no),
                Some(transaction_id),
                Some(payer),
                Some(currency),
                Some(amount),
                Some(paid_at_ms),
            ) if p.is_empty() => Ok(PaymentNotice {
                id,
                provider_id,
                transaction_id,
                order_no,
                merchant_id,
                platform_id,
                payer,
                amount,
                currency,
                paid_at_ms,
                created_at_ms: now_ms,
            }),
            _ => Err(p.0),
        }
    }
}

fn validate_payer(p: &mut Problems, d: &PayerDraft) -> Option<Payer> {
    let name = p.text("payer.name", &d.name, MAX_NAME_CHARS);
    let id_type =
        p.required("payer.id_type", &d.id_type)
            .and_then(|t| match BuyerIdType::parse(t) {
                Some(t) => Some(t),
                None => {
                    p.push(
                        "payer.id_type",
                        "unknown_id_type",
                        format!(
                            "`{t}` is not an ID type; use national_id, passport, tax_id or other"
                        ),
                    );
                    None
                }
            });
    let id_number = id_number(p, "payer.id_number", &d.id_number);
    let phone = optional_phone(p, "payer.phone", &d.phone);
    Some(Payer {
        name: Personal::new(name?),
        id_type: id_type?,
        id_number: Personal::new(id_number?),
        phone: phone?.map(Personal::new),
    })
}

/// An ID number: letters, digits and dashes. The resident-ID check digit is a clearance check
/// (check 3), not an intake check: a wrong number is still a document customs must see.
fn id_number(p: &mut Problems, field: &str, value: &Option<String>) -> Option<String> {
    let n = p.text(field, value, MAX_ID_NUMBER_CHARS)?;
    if !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        || normalize_id_number(&n).is_empty()
    {
        // Not echoing the value: it is personal data.
        p.push(
            field,
            "invalid_id_number",
            "an ID number has letters, digits and dashes only",
        );
        return None;
    }
    Some(n)
}

/// A required phone number.
fn phone(p: &mut Problems, field: &str, value: &Option<String>) -> Option<String> {
    let ph = p.text(field, value, MAX_PHONE_CHARS)?;
    if !looks_like_phone(&ph) {
        p.push(
            field,
            "invalid_phone",
            "a phone number has 6 to 20 digits, an optional leading +, spaces or dashes",
        );
        return None;
    }
    Some(ph)
}

/// `Some(None)` when absent, `Some(Some(_))` when valid, `None` when given but invalid.
fn optional_phone(p: &mut Problems, field: &str, value: &Option<String>) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(_) => phone(p, field, value).map(Some),
    }
}

/// An RFC 3339 time, at most [`PAID_AT_MAX_AHEAD_MS`] after `now_ms`, as Unix milliseconds.
fn time_at_or_before(
    p: &mut Problems,
    field: &str,
    value: &Option<String>,
    now_ms: i64,
) -> Option<i64> {
    let text = p.required(field, value)?;
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok());
    match parsed {
        None => {
            p.push(
                field,
                "invalid_time",
                format!("`{field}` is an RFC 3339 time such as 2026-11-23T16:48:05+08:00"),
            );
            None
        }
        Some(ms) if ms > now_ms.saturating_add(PAID_AT_MAX_AHEAD_MS) => {
            p.push(
                field,
                "time_in_future",
                format!("`{field}` is more than 5 minutes after the hub's clock"),
            );
            None
        }
        Some(ms) => Some(ms),
    }
}

/// A carrier's waybill for one parcel (CEB511 logistics), with the consignee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waybill {
    /// `wb_…`, issued by the hub.
    pub id: String,
    /// The logistics party that posted it.
    pub carrier_id: String,
    /// The carrier's number (CEB `logisticsNo`): unique per carrier.
    pub waybill_no: String,
    /// The master air waybill (or bill of lading) the parcel travels under, when known.
    pub bill_no: Option<String>,
    /// The order number the parcel carries (see [`matching_order_no`]).
    pub order_no: String,
    pub merchant_id: Option<String>,
    pub consignee: trade::order::Consignee,
    pub gross_weight_g: i64,
    pub package_count: u32,
    /// Freight as the carrier states it, in minor units of `currency`.
    pub freight: Option<i64>,
    pub insurance: Option<i64>,
    /// Present whenever `freight` or `insurance` is.
    pub currency: Option<Currency>,
    pub goods_description: Option<String>,
    pub created_at_ms: i64,
}

/// A waybill as a carrier submits it.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaybillDraft {
    /// The carrier's waybill number (CEB logisticsNo): unique per carrier, at most 64 characters.
    pub waybill_no: Option<String>,
    /// The master air waybill or bill of lading, when known.
    pub bill_no: Option<String>,
    /// The order's number: its `order_no`, or the hub's order id when it has none.
    pub order_no: Option<String>,
    /// The merchant the order is for, when the carrier knows it.
    pub merchant_id: Option<String>,
    /// The receiver: name, address and phone.
    pub consignee: Option<ConsigneeDraft>,
    /// Decimal string in kilograms, at most 3 decimals, more than zero, e.g. "1.250".
    pub gross_weight_kg: Option<String>,
    /// Number of packages, 1 to 9999.
    pub package_count: Option<i64>,
    /// Decimal string in `currency`; when given, customs matches it with the order's freight.
    pub freight: Option<String>,
    /// Decimal string in `currency`; when given, customs matches it with the order's insurance.
    pub insurance: Option<String>,
    /// ISO 4217; required when freight or insurance is given.
    pub currency: Option<String>,
    /// What the parcel holds, in the carrier's words; at most 300 characters.
    pub goods_description: Option<String>,
}

impl WaybillDraft {
    /// Validates the draft into a waybill; `id` is the new `wb_…` id, `carrier_id` the caller.
    pub fn validate(
        &self,
        id: String,
        carrier_id: String,
        now_ms: i64,
    ) -> Result<Waybill, Vec<FieldError>> {
        let mut p = Problems::default();
        let waybill_no = p.text("waybill_no", &self.waybill_no, MAX_ID_CHARS);
        let bill_no = p.optional_text("bill_no", &self.bill_no, MAX_ID_CHARS);
        let order_no = p.text("order_no", &self.order_no, MAX_ID_CHARS);
        let merchant_id = p.optional_text("merchant_id", &self.merchant_id, MAX_ID_CHARS);
        let consignee = p
            .required("consignee", &self.consignee)
            .and_then(|c| validate_consignee(&mut p, c));
        let gross_weight_g = gross_weight(&mut p, "gross_weight_kg", &self.gross_weight_kg);
        let package_count = match p.required("package_count", &self.package_count) {
            Some(n) if (1..=MAX_PACKAGE_COUNT).contains(n) => Some(*n as u32),
            Some(_) => {
                p.push(
                    "package_count",
                    "invalid_package_count",
                    format!("package_count is a whole number from 1 to {MAX_PACKAGE_COUNT}"),
                );
                None
            }
            None => None,
        };
        let costs_given = self.freight.is_some() || self.insurance.is_some();
        let currency = match &self.currency {
            None if costs_given => {
                p.push(
                    "currency",
                    "missing_field",
                    "`currency` is required when freight or insurance is given",
                );
                None
            }
            None => None,
            Some(_) => p.currency("currency", &self.currency),
        };
        let freight = optional_amount(&mut p, "freight", &self.freight, currency);
        let insurance = optional_amount(&mut p, "insurance", &self.insurance, currency);
        let goods_description = p.optional_text(
            "goods_description",
            &self.goods_description,
            MAX_DESCRIPTION_CHARS,
        );
        match (
            waybill_no,
            order_no,
            consignee,
            gross_weight_g,
            package_count,
            freight,
            insurance,
        ) {
            (
                Some(waybill_no),
                Some(order_no),
                Some(consignee),
                Some(gross_weight_g),
                Some(package_count),
                Some(freight),
                Some(insurance),
            ) if p.is_empty() => Ok(Waybill {
                id,
                carrier_id,
                waybill_no,
                bill_no,
                order_no,
                merchant_id,
                consignee,
                gross_weight_g,
                package_count,
                freight,
                insurance,
                currency,
                goods_description,
                created_at_ms: now_ms,
            }),
            _ => Err(p.0),
        }
    }
}

fn validate_consignee(p: &mut Problems, c: &ConsigneeDraft) -> Option<trade::order::Consignee> {
    let name = p.text("consignee.name", &c.name, MAX_NAME_CHARS);
    let address = p.text("consignee.address", &c.address, MAX_ADDRESS_CHARS);
    let phone = phone(p, "consignee.phone", &c.phone);
    Some(trade::order::Consignee {
        name: Personal::new(name?),
        address: Personal::new(address?),
        phone: Personal::new(phone?),
    })
}

/// `Some(None)` when absent, `Some(Some(minor))` when valid, `None` when invalid (or when the
/// currency is missing, which has its own problem).
fn optional_amount(
    p: &mut Problems,
    field: &str,
    value: &Option<String>,
    currency: Option<Currency>,
) -> Option<Option<i64>> {
    match value {
        None => Some(None),
        Some(_) => p.amount(field, value, currency).map(Some),
    }
}

/// Kilograms with up to 3 decimals into grams: more than zero, at most [`MAX_GROSS_WEIGHT_G`].
fn gross_weight(p: &mut Problems, field: &str, value: &Option<String>) -> Option<i64> {
    let text = p.required(field, value)?;
    let (code, detail) = match parse_scaled(text, 3, MAX_GROSS_WEIGHT_G) {
        Ok(0) => (
            "invalid_weight",
            "gross weight must be more than zero".to_string(),
        ),
        Ok(grams) => return Some(grams),
        Err(DecimalError::TooPrecise) => (
            "too_precise",
            "gross weight has at most 3 decimals (grams)".to_string(),
        ),
        Err(DecimalError::TooLarge) => (
            "invalid_weight",
            "gross weight is above 10000 kg".to_string(),
        ),
        Err(DecimalError::Negative) => (
            "invalid_weight",
            "gross weight must not be negative".to_string(),
        ),
        Err(DecimalError::Malformed) => (
            "invalid_weight",
            format!("`{text}` is not a decimal number of kilograms"),
        ),
    };
    p.push(field, code, detail);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_795_334_400_000; // 2026-11-22T08:00:00Z

    fn payment() -> PaymentDraft {
        PaymentDraft {
            order_no: Some("SO-1".into()),
            merchant_id: Some("pty_m".into()),
            platform_id: None,
            transaction_id: Some("TX-9".into()),
            payer: Some(PayerDraft {
                name: Some("Wang Fang".into()),
                id_type: Some("national_id".into()),
                id_number: Some("11010519491231002X".into()),
                phone: Some("+86 138 0000 0000".into()),
            }),
            amount: Some("268.00".into()),
            currency: Some("CNY".into()),
            paid_at: Some("2026-11-22T15:59:00+08:00".into()),
        }
    }

    fn waybill() -> WaybillDraft {
        WaybillDraft {
            waybill_no: Some("SF1234567890".into()),
            bill_no: Some("784-12345675".into()),
            order_no: Some("SO-1".into()),
            merchant_id: None,
            consignee: Some(ConsigneeDraft {
                name: Some("Wang Fang".into()),
                address: Some("1 Wensan Road, Hangzhou".into()),
                phone: Some("13800000000".into()),
            }),
            gross_weight_kg: Some("1.25".into()),
            package_count: Some(1),
            freight: Some("30".into()),
            insurance: None,
            currency: Some("CNY".into()),
            goods_description: Some("tea".into()),
        }
    }

    fn codes(errs: &[FieldError]) -> Vec<(&str, &str)> {
        errs.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn a_complete_payment_validates() {
        let n = payment()
            .validate("pay_1".into(), "pty_p".into(), NOW_MS)
            .unwrap();
        assert_eq!(n.amount, 26800);
        assert_eq!(n.currency.code(), "CNY");
        assert_eq!(n.paid_at_ms, NOW_MS - 60_000);
        assert_eq!(n.payer.id_type, BuyerIdType::NationalId);
        assert_eq!(n.payer.name.expose(), "Wang Fang");
        assert_eq!(n.provider_id, "pty_p");
        assert_eq!(n.created_at_ms, NOW_MS);
        assert!(!format!("{n:?}").contains("Wang"), "Debug masks the payer");
        assert!(!format!("{n:?}").contains("002X"));
    }

    #[test]
    fn every_payment_problem_is_named() {
        let d = PaymentDraft {
            order_no: None,
            transaction_id: Some(" ".into()),
            payer: Some(PayerDraft {
                name: None,
                id_type: Some("licence".into()),
                id_number: Some("SECRET 42!".into()),
                phone: Some("call me".into()),
            }),
            amount: Some("0.00".into()),
            paid_at: Some("yesterday".into()),
            ..payment()
        };
        let errs = d
            .validate("pay_1".into(), "pty_p".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(
            codes(&errs),
            vec![
                ("order_no", "missing_field"),
                ("transaction_id", "blank_field"),
                ("payer.name", "missing_field"),
                ("payer.id_type", "unknown_id_type"),
                ("payer.id_number", "invalid_id_number"),
                ("payer.phone", "invalid_phone"),
                ("amount", "zero_amount"),
                ("paid_at", "invalid_time"),
            ]
        );
        assert!(errs.iter().all(|e| !e.detail.contains("SECRET")));
    }

    #[test]
    fn payment_amount_is_exact_and_not_from_the_future() {
        let d = PaymentDraft {
            amount: Some("1.005".into()),
            paid_at: Some("2026-11-22T08:05:00.001Z".into()),
            ..payment()
        };
        let errs = d
            .validate("pay_1".into(), "pty_p".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(
            codes(&errs),
            vec![("amount", "too_precise"), ("paid_at", "time_in_future")]
        );
        let d = PaymentDraft {
            paid_at: Some("2026-11-22T08:05:00Z".into()),
            ..payment()
        };
        assert!(
            d.validate("pay_1".into(), "pty_p".into(), NOW_MS).is_ok(),
            "five minutes ahead is clock skew"
        );
        let d = PaymentDraft {
            currency: Some("XYZ".into()),
            ..payment()
        };
        let errs = d
            .validate("pay_1".into(), "pty_p".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(codes(&errs), vec![("currency", "unknown_currency")]);
        let d = PaymentDraft {
            payer: None,
            ..payment()
        };
        let errs = d
            .validate("pay_1".into(), "pty_p".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(codes(&errs), vec![("payer", "missing_field")]);
    }

    #[test]
    fn payment_draft_refuses_unknown_fields() {
        let r: Result<PaymentDraft, _> =
            serde_json::from_str(r#"{"order_no":"SO-1","amount_cents":100}"#);
        assert!(r.is_err());
        let r: Result<PaymentDraft, _> = serde_json::from_str(
            r#"{"order_no":"SO-1","payer":{"name":"A","id_type":"passport","id_number":"E1","phone":null}}"#,
        );
        assert!(r.is_ok());
    }

    #[test]
    fn a_complete_waybill_validates() {
        let w = waybill()
            .validate("wb_1".into(), "pty_c".into(), NOW_MS)
            .unwrap();
        assert_eq!(w.gross_weight_g, 1250);
        assert_eq!(w.package_count, 1);
        assert_eq!(w.freight, Some(3000));
        assert_eq!(w.insurance, None);
        assert_eq!(w.currency.map(|c| c.code()), Some("CNY"));
        assert_eq!(w.consignee.name.expose(), "Wang Fang");
        assert_eq!(w.carrier_id, "pty_c");
        assert!(!format!("{w:?}").contains("Wensan"));
    }

    #[test]
    fn every_waybill_problem_is_named() {
        let d = WaybillDraft {
            waybill_no: Some("x".repeat(65)),
            consignee: Some(ConsigneeDraft {
                name: Some("Wang Fang".into()),
                address: None,
                phone: Some("12".into()),
            }),
            gross_weight_kg: Some("1.2345".into()),
            package_count: Some(0),
            currency: None,
            ..waybill()
        };
        let errs = d
            .validate("wb_1".into(), "pty_c".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(
            codes(&errs),
            vec![
                ("waybill_no", "too_long"),
                ("consignee.address", "missing_field"),
                ("consignee.phone", "invalid_phone"),
                ("gross_weight_kg", "too_precise"),
                ("package_count", "invalid_package_count"),
                ("currency", "missing_field"),
            ]
        );
        for (kg, code) in [
            ("0", "invalid_weight"),
            ("0.000", "invalid_weight"),
            ("-1", "invalid_weight"),
            ("10000.001", "invalid_weight"),
            ("1,5", "invalid_weight"),
        ] {
            let d = WaybillDraft {
                gross_weight_kg: Some(kg.into()),
                ..waybill()
            };
            let errs = d
                .validate("wb_1".into(), "pty_c".into(), NOW_MS)
                .unwrap_err();
            assert_eq!(codes(&errs), vec![("gross_weight_kg", code)], "{kg}");
        }
        let d = WaybillDraft {
            package_count: Some(10_000),
            consignee: None,
            ..waybill()
        };
        let errs = d
            .validate("wb_1".into(), "pty_c".into(), NOW_MS)
            .unwrap_err();
        assert_eq!(
            codes(&errs),
            vec![
                ("consignee", "missing_field"),
                ("package_count", "invalid_package_count")
            ]
        );
    }

    #[test]
    fn waybill_without_costs_needs_no_currency() {
        let d = WaybillDraft {
            freight: None,
            currency: None,
            bill_no: None,
            goods_description: None,
            package_count: Some(9_999),
            gross_weight_kg: Some("10000".into()),
            ..waybill()
        };
        let w = d.validate("wb_1".into(), "pty_c".into(), NOW_MS).unwrap();
        assert_eq!(
            (w.freight, w.currency, w.gross_weight_g),
            (None, None, MAX_GROSS_WEIGHT_G)
        );
    }

    #[test]
    fn matching_number_falls_back_to_the_id() {
        let mut o = crate::fixtures::order();
        assert_eq!(matching_order_no(&o), "SO-1");
        o.order_no = None;
        assert_eq!(matching_order_no(&o), "ord_1");
    }
}
