//! The seven automatic checks customs runs before it looks at risk ("three-document matching",
//! 三单对碰), in the order China's CBEC system publishes them. Each has a stable code:
//!
//! | check | code | passes when |
//! | --- | --- | --- |
//! | 1 | `documents_mismatch` | the payment and the waybill name the order's number; their merchant (when given) is the order's; the payment's platform (when given) is the order's submitter or merchant; the payment's transaction id is the one the order names (when it names one); the waybill's consignee is the order's consignee, or the buyer when the order has none (names compared by [`normalize_person_name`]); the waybill's freight and insurance (when given) equal the order's, in the order's currency |
//! | 2 | `party_not_registered` | the merchant is an active merchant of this hub; the submitter is active and is a platform or the merchant itself |
//! | 3 | `buyer_identity_invalid` | the buyer's name is well formed; under [`BuyerIdRule::CnResident`] the ID type is `national_id` and the number a valid resident ID number |
//! | 4 | `annual_quota_exceeded` | the buyer's purchases this calendar year plus this order stay within the annual limit |
//! | 5 | `order_limit_exceeded` | the order's actual payment is within the per-order limit, or it is one indivisible item within the annual limit |
//! | 6 | `amounts_inconsistent` | line values, goods value and total add up; the actual payment is within tolerance of goods + freight + insurance − discount (+ the computed tax under DDP); under DDP the withheld tax is within tolerance of the computed tax |
//! | 7 | `payment_mismatch` | the payment's amount and currency are the order's actual payment; the payer is the buyer (same ID type, same ID number and name in normal form) |
//!
//! Checks 4 and 5 compare amounts in the limits' currency. When the order is in another currency
//! and the caller has no rate, neither can run: one failure `fx_rate_missing` is reported under
//! check 4 (or under check 5 when the destination has only a per-order limit), so the parcel
//! waits for a rate instead of passing unchecked.
//!
//! A failure lists the fields involved as JSON paths (`waybill.consignee.name`, `order.freight`)
//! and says for a person which ones disagree. It never carries a personal value: names, ID
//! numbers, phones and addresses are compared, not quoted; nor the buyer's total of the year.

use crate::documents::{matching_order_no, PaymentNotice, Waybill};
use crate::identity::{check_cn_resident_id, normalize_id_number, normalize_person_name};
use crate::limits::{BuyerIdRule, CustomsLimits, DEFAULT_AMOUNTS_TOLERANCE_BPS};
use serde::{Deserialize, Serialize};
use trade::order::{BuyerIdType, Incoterm};
use trade::party::PartyStatus;
use trade::{Currency, Order, Party, Role};

pub const DOCUMENTS_MISMATCH: &str = "documents_mismatch";
pub const PARTY_NOT_REGISTERED: &str = "party_not_registered";
pub const BUYER_IDENTITY_INVALID: &str = "buyer_identity_invalid";
pub const ANNUAL_QUOTA_EXCEEDED: &str = "annual_quota_exceeded";
pub const ORDER_LIMIT_EXCEEDED: &str = "order_limit_exceeded";
pub const AMOUNTS_INCONSISTENT: &str = "amounts_inconsistent";
pub const PAYMENT_MISMATCH: &str = "payment_mismatch";
pub const FX_RATE_MISSING: &str = "fx_rate_missing";

/// Every failure code with the check it belongs to (`fx_rate_missing` may also come under 5).
pub const CHECK_CODES: [(u8, &str); 8] = [
    (1, DOCUMENTS_MISMATCH),
    (2, PARTY_NOT_REGISTERED),
    (3, BUYER_IDENTITY_INVALID),
    (4, ANNUAL_QUOTA_EXCEEDED),
    (4, FX_RATE_MISSING),
    (5, ORDER_LIMIT_EXCEEDED),
    (6, AMOUNTS_INCONSISTENT),
    (7, PAYMENT_MISMATCH),
];

/// The stable code of `text`, as the `&'static str` a [`CheckFailure`] holds.
pub fn parse_check_code(text: &str) -> Option<&'static str> {
    CHECK_CODES.iter().map(|(_, c)| *c).find(|c| *c == text)
}

/// Everything the checks look at. The hub gathers it inside its single-writer transaction.
pub struct ClearanceInput<'a> {
    pub order: &'a Order,
    pub payment: &'a PaymentNotice,
    pub waybill: &'a Waybill,
    /// The order's merchant; `None` when it is not a party of this hub.
    pub merchant: Option<&'a Party>,
    /// The party that submitted the order (the merchant itself or a platform); `None` when unknown.
    pub submitter: Option<&'a Party>,
    /// The destination's limits; `None` when it has no such regime (checks 3's ID rule, 4 and 5
    /// are then skipped, and check 6 uses [`DEFAULT_AMOUNTS_TOLERANCE_BPS`]).
    pub limits: Option<&'a CustomsLimits>,
    /// Duty and taxes as the landed-cost engine computes them, in minor units of the order's currency.
    pub computed_tax: i64,
    /// `order.actual_paid` converted into the limits' currency by the caller; `None` when no rate
    /// is known. Not needed (ignored) when the order is in the limits' currency.
    pub actual_paid_in_limits_currency: Option<i64>,
    /// The buyer's counted purchases this calendar year before this order, in minor units of the
    /// limits' currency (the quota row of [`crate::quota::QuotaKey`]).
    pub buyer_year_used: i64,
    /// Today in the destination: the latest possible birth date of the buyer.
    pub today: time::Date,
}

impl ClearanceInput<'_> {
    /// The order's actual payment in the limits' currency: the amount checks 4 and 5 compare and
    /// the amount the order takes from the buyer's annual quota. `None` without limits or rate.
    pub fn paid_in_limits_currency(&self) -> Option<i64> {
        let limits = self.limits?;
        if limits.currency == self.order.currency {
            Some(self.order.actual_paid)
        } else {
            self.actual_paid_in_limits_currency
        }
    }
}

/// One automatic check that did not pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckFailure {
    /// 1 to 7, the published check.
    pub check: u8,
    /// Stable machine-readable code, e.g. `documents_mismatch`.
    pub code: &'static str,
    /// JSON paths of the fields involved, e.g. `waybill.consignee.name`, `order.freight`.
    pub fields: Vec<String>,
    /// Which fields disagree and how, for a person; never a personal value.
    pub detail: String,
}

/// Reads a stored failure back; the code must be one of [`CHECK_CODES`].
impl<'de> Deserialize<'de> for CheckFailure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Stored {
            check: u8,
            code: String,
            fields: Vec<String>,
            detail: String,
        }
        let s = Stored::deserialize(d)?;
        let code = parse_check_code(&s.code).ok_or_else(|| {
            serde::de::Error::custom(format!("`{}` is not a clearance check code", s.code))
        })?;
        Ok(CheckFailure {
            check: s.check,
            code,
            fields: s.fields,
            detail: s.detail,
        })
    }
}

/// Collects the disagreements of one check into at most one failure.
struct Finding {
    check: u8,
    code: &'static str,
    fields: Vec<String>,
    sentences: Vec<String>,
}

impl Finding {
    fn new(check: u8, code: &'static str) -> Finding {
        Finding {
            check,
            code,
            fields: Vec::new(),
            sentences: Vec::new(),
        }
    }

    fn add(&mut self, fields: &[&str], sentence: impl Into<String>) {
        for f in fields {
            if !self.fields.iter().any(|g| g == f) {
                self.fields.push((*f).to_string());
            }
        }
        self.sentences.push(sentence.into());
    }

    fn finish(self, out: &mut Vec<CheckFailure>) {
        if !self.sentences.is_empty() {
            out.push(CheckFailure {
                check: self.check,
                code: self.code,
                fields: self.fields,
                detail: self.sentences.join("; "),
            });
        }
    }
}

fn money(amount: i64, currency: Currency) -> String {
    format!("{} {}", currency.format_amount(amount), currency.code())
}

/// Runs the seven checks; an empty list means every one passed. Failures come in check order,
/// at most one per check.
pub fn check(input: &ClearanceInput) -> Vec<CheckFailure> {
    let mut out = Vec::new();
    documents_match(input).finish(&mut out);
    parties_registered(input).finish(&mut out);
    buyer_identity(input).finish(&mut out);
    limits_respected(input, &mut out);
    amounts_consistent(input).finish(&mut out);
    payment_matches(input).finish(&mut out);
    out
}

/// Check 1: the three documents refer to one another and agree.
fn documents_match(input: &ClearanceInput) -> Finding {
    let (order, payment, waybill) = (input.order, input.payment, input.waybill);
    let mut f = Finding::new(1, DOCUMENTS_MISMATCH);
    let number = matching_order_no(order);
    if payment.order_no != number {
        f.add(
            &["payment.order_no"],
            "payment.order_no is not the order's number",
        );
    }
    if waybill.order_no != number {
        f.add(
            &["waybill.order_no"],
            "waybill.order_no is not the order's number",
        );
    }
    if payment
        .merchant_id
        .as_ref()
        .is_some_and(|m| *m != order.merchant_id)
    {
        f.add(
            &["payment.merchant_id", "order.merchant_id"],
            "payment.merchant_id is not the order's merchant",
        );
    }
    if waybill
        .merchant_id
        .as_ref()
        .is_some_and(|m| *m != order.merchant_id)
    {
        f.add(
            &["waybill.merchant_id", "order.merchant_id"],
            "waybill.merchant_id is not the order's merchant",
        );
    }
    if payment
        .platform_id
        .as_ref()
        .is_some_and(|p| *p != order.submitted_by && *p != order.merchant_id)
    {
        f.add(
            &["payment.platform_id", "order.submitted_by"],
            "payment.platform_id is neither the order's submitter nor its merchant",
        );
    }
    if order
        .payment_transaction_id
        .as_ref()
        .is_some_and(|t| *t != payment.transaction_id)
    {
        f.add(
            &["payment.transaction_id", "order.payment_transaction_id"],
            "payment.transaction_id is not the transaction the order names",
        );
    }
    let (expected_name, expected_field) = match &order.consignee {
        Some(c) => (&c.name, "order.consignee.name"),
        None => (&order.buyer.name, "order.buyer.name"),
    };
    if normalize_person_name(waybill.consignee.name.expose())
        != normalize_person_name(expected_name.expose())
    {
        f.add(
            &["waybill.consignee.name", expected_field],
            format!("waybill.consignee.name differs from {expected_field}"),
        );
    }
    let costs = [
        ("freight", waybill.freight, order.freight),
        ("insurance", waybill.insurance, order.insurance),
    ];
    let costs_given = costs.iter().any(|(_, w, _)| w.is_some());
    if costs_given && waybill.currency != Some(order.currency) {
        f.add(
            &["waybill.currency", "order.currency"],
            format!(
                "waybill.currency is {}, the order is in {}",
                waybill.currency.map_or("missing", |c| c.code()),
                order.currency
            ),
        );
    } else {
        for (name, on_waybill, on_order) in costs {
            if let Some(w) = on_waybill.filter(|w| *w != on_order) {
                f.add(
                    &[&format!("waybill.{name}"), &format!("order.{name}")],
                    format!(
                        "waybill.{name} {} differs from order.{name} {}",
                        money(w, order.currency),
                        money(on_order, order.currency)
                    ),
                );
            }
        }
    }
    f
}

/// Check 2: the merchant and the submitter are registered, active parties in the right roles.
fn parties_registered(input: &ClearanceInput) -> Finding {
    let order = input.order;
    let mut f = Finding::new(2, PARTY_NOT_REGISTERED);
    match input.merchant {
        None => f.add(
            &["order.merchant_id"],
            "the merchant is not a party of this hub",
        ),
        Some(m) if m.id != order.merchant_id => f.add(
            &["order.merchant_id"],
            "the merchant party given is not the order's merchant",
        ),
        Some(m) if m.role != Role::Merchant => f.add(
            &["order.merchant_id"],
            format!(
                "the order's merchant is registered as {}, not merchant",
                m.role.as_str()
            ),
        ),
        Some(m) if m.status != PartyStatus::Active => {
            f.add(&["order.merchant_id"], "the order's merchant is suspended")
        }
        Some(_) => {}
    }
    match input.submitter {
        None => f.add(
            &["order.submitted_by"],
            "the submitter is not a party of this hub",
        ),
        Some(s) if s.id != order.submitted_by => f.add(
            &["order.submitted_by"],
            "the submitter party given is not the order's submitter",
        ),
        Some(s) if s.status != PartyStatus::Active => f.add(
            &["order.submitted_by"],
            "the order's submitter is suspended",
        ),
        Some(s) if s.role != Role::Platform && s.id != order.merchant_id => f.add(
            &["order.submitted_by"],
            "the order's submitter is neither a platform nor the merchant itself",
        ),
        Some(_) => {}
    }
    f
}

/// A name a person could carry: not blank, at most 100 characters, at least one letter, no
/// digits and no control characters.
fn well_formed_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().count() <= 100
        && name.chars().any(char::is_alphabetic)
        && !name.chars().any(|c| c.is_ascii_digit() || c.is_control())
}

/// Check 3: the buyer's name and ID.
fn buyer_identity(input: &ClearanceInput) -> Finding {
    let buyer = &input.order.buyer;
    let mut f = Finding::new(3, BUYER_IDENTITY_INVALID);
    if !well_formed_name(buyer.name.expose()) {
        f.add(
            &["order.buyer.name"],
            "order.buyer.name is not a well-formed name",
        );
    }
    if input.limits.map(|l| l.buyer_id_rule) == Some(BuyerIdRule::CnResident) {
        if buyer.id_type != BuyerIdType::NationalId {
            f.add(
                &["order.buyer.id_type"],
                format!(
                    "the destination requires a resident identity card (national_id), not {}",
                    buyer.id_type.as_str()
                ),
            );
        } else if let Err(problem) =
            check_cn_resident_id(&normalize_id_number(buyer.id_number.expose()), input.today)
        {
            f.add(
                &["order.buyer.id_number"],
                format!(
                    "order.buyer.id_number is not a valid resident ID number: {} ({})",
                    problem.part(),
                    problem.as_str()
                ),
            );
        }
    }
    f
}

/// Checks 4 and 5: the annual quota and the per-order limit, in the limits' currency.
fn limits_respected(input: &ClearanceInput, out: &mut Vec<CheckFailure>) {
    let Some(limits) = input.limits else { return };
    if limits.per_buyer_year_max.is_none() && limits.per_order_max.is_none() {
        return;
    }
    let Some(paid) = input.paid_in_limits_currency() else {
        let check = if limits.per_buyer_year_max.is_some() {
            4
        } else {
            5
        };
        let mut f = Finding::new(check, FX_RATE_MISSING);
        f.add(
            &["order.actual_paid", "order.currency"],
            format!(
                "no exchange rate from {} to {}: the limits cannot be checked",
                input.order.currency, limits.currency
            ),
        );
        f.finish(out);
        return;
    };
    let within_year = match limits.per_buyer_year_max {
        Some(max) => !crate::quota::would_exceed(input.buyer_year_used, paid, max),
        None => true,
    };
    let mut year = Finding::new(4, ANNUAL_QUOTA_EXCEEDED);
    if let (false, Some(max)) = (within_year, limits.per_buyer_year_max) {
        // The buyer's total of the year is theirs: the detail gives the order and the limit only.
        year.add(
            &["order.actual_paid", "order.buyer.id_number"],
            format!(
                "this order's {} would take the buyer past the annual limit of {}",
                money(paid, limits.currency),
                money(max, limits.currency)
            ),
        );
    }
    year.finish(out);
    let mut order_limit = Finding::new(5, ORDER_LIMIT_EXCEEDED);
    if let Some(max) = limits.per_order_max.filter(|max| paid > *max) {
        if !(is_single_indivisible_item(input.order) && within_year) {
            order_limit.add(
                &["order.actual_paid"],
                format!(
                    "the actual payment {} is above the per-order limit of {}",
                    money(paid, limits.currency),
                    money(max, limits.currency)
                ),
            );
        }
    }
    order_limit.finish(out);
}

/// One line of quantity one: under Cai Guan Shui [2018] No. 49, a single indivisible item above
/// the per-order limit but within the annual limit may still be imported through CBEC; it is
/// taxed in full under general trade (the landed-cost engine applies the full rates above the
/// regime threshold, so `computed_tax` already says so) and it counts toward the annual total.
pub fn is_single_indivisible_item(order: &Order) -> bool {
    matches!(order.lines.as_slice(), [line] if line.quantity == 1)
}

/// `|actual − expected| ≤ bps/10 000 × expected + slack_minor`, exactly, in i128.
fn within_tolerance(actual: i64, expected: i64, bps: u32, slack_minor: i128) -> bool {
    let difference = (i128::from(actual) - i128::from(expected)).abs();
    let base = i128::from(expected.max(0));
    difference * 10_000 <= i128::from(bps) * base + slack_minor * 10_000
}

/// Check 6: goods price, withheld tax and actual payment add up.
fn amounts_consistent(input: &ClearanceInput) -> Finding {
    let order = input.order;
    let mut f = Finding::new(6, AMOUNTS_INCONSISTENT);
    let bps = input
        .limits
        .map_or(DEFAULT_AMOUNTS_TOLERANCE_BPS, |l| l.amounts_tolerance_bps);
    let mut goods: i128 = 0;
    for (i, line) in order.lines.iter().enumerate() {
        let value = i128::from(line.quantity) * i128::from(line.unit_price);
        if value != i128::from(line.line_value) {
            f.add(
                &[&format!("order.lines[{i}].line_value")],
                format!("order.lines[{i}].line_value is not quantity × unit_price"),
            );
        }
        goods += i128::from(line.line_value);
    }
    if goods != i128::from(order.goods_value) {
        f.add(
            &["order.goods_value"],
            "order.goods_value is not the sum of the line values",
        );
    }
    let total =
        i128::from(order.goods_value) + i128::from(order.freight) + i128::from(order.insurance);
    if total != i128::from(order.total) {
        f.add(
            &["order.total"],
            "order.total is not goods + freight + insurance",
        );
    }
    let tax = match order.incoterm {
        Incoterm::Ddp => input.computed_tax,
        Incoterm::Dap => 0,
    };
    let expected = total - i128::from(order.discount) + i128::from(tax);
    match i64::try_from(expected) {
        Ok(expected) if within_tolerance(order.actual_paid, expected, bps, 0) => {}
        Ok(expected) => f.add(
            &["order.actual_paid"],
            format!(
                "order.actual_paid {} is more than {}.{:02}% away from goods + freight + insurance − discount{} = {}",
                money(order.actual_paid, order.currency),
                bps / 100,
                bps % 100,
                if order.incoterm == Incoterm::Ddp { " + computed tax" } else { "" },
                money(expected, order.currency)
            ),
        ),
        Err(_) => f.add(&["order.actual_paid"], "the order's amounts are out of range"),
    }
    if order.incoterm == Incoterm::Ddp {
        // Customs rounds per line: each line may differ from the seller's rounding by one minor unit.
        let slack = order.lines.len() as i128;
        if !within_tolerance(order.tax_withheld, input.computed_tax, bps, slack) {
            f.add(
                &["order.tax_withheld"],
                format!(
                    "order.tax_withheld {} is more than {}.{:02}% away from the computed tax {}",
                    money(order.tax_withheld, order.currency),
                    bps / 100,
                    bps % 100,
                    money(input.computed_tax, order.currency)
                ),
            );
        }
    }
    f
}

/// Check 7: the payment is the order's actual payment, made by the buyer.
fn payment_matches(input: &ClearanceInput) -> Finding {
    let (order, payment) = (input.order, input.payment);
    let mut f = Finding::new(7, PAYMENT_MISMATCH);
    if payment.currency != order.currency {
        f.add(
            &["payment.currency", "order.currency"],
            format!(
                "payment.currency is {}, the order is in {}",
                payment.currency, order.currency
            ),
        );
    } else if payment.amount != order.actual_paid {
        f.add(
            &["payment.amount", "order.actual_paid"],
            format!(
                "payment.amount {} is not order.actual_paid {}",
                money(payment.amount, payment.currency),
                money(order.actual_paid, order.currency)
            ),
        );
    }
    let (payer, buyer) = (&payment.payer, &order.buyer);
    if payer.id_type != buyer.id_type {
        f.add(
            &["payment.payer.id_type", "order.buyer.id_type"],
            "payment.payer.id_type is not the buyer's",
        );
    }
    if normalize_id_number(payer.id_number.expose())
        != normalize_id_number(buyer.id_number.expose())
    {
        f.add(
            &["payment.payer.id_number", "order.buyer.id_number"],
            "payment.payer.id_number is not the buyer's",
        );
    }
    if normalize_person_name(payer.name.expose()) != normalize_person_name(buyer.name.expose()) {
        f.add(
            &["payment.payer.name", "order.buyer.name"],
            "payment.payer.name is not the buyer's",
        );
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{self, Parcel};
    use proptest::prelude::*;

    fn failures(p: &Parcel) -> Vec<(u8, &'static str, Vec<String>)> {
        check(&p.input())
            .into_iter()
            .map(|f| (f.check, f.code, f.fields))
            .collect()
    }

    fn one(check: u8, code: &'static str, fields: &[&str]) -> Vec<(u8, &'static str, Vec<String>)> {
        vec![(check, code, fields.iter().map(|s| s.to_string()).collect())]
    }

    #[test]
    fn a_consistent_parcel_passes_every_check() {
        let p = Parcel::new();
        assert_eq!(check(&p.input()), vec![]);
    }

    #[test]
    fn check_1_order_numbers() {
        let mut p = Parcel::new();
        p.payment.order_no = "SO-2".into();
        assert_eq!(
            failures(&p),
            one(1, DOCUMENTS_MISMATCH, &["payment.order_no"])
        );
        let mut p = Parcel::new();
        p.waybill.order_no = "ord_1".into();
        assert_eq!(
            failures(&p),
            one(1, DOCUMENTS_MISMATCH, &["waybill.order_no"])
        );
        // Without an order_no, the documents carry the order id.
        let mut p = Parcel::new();
        p.order.order_no = None;
        p.payment.order_no = "ord_1".into();
        p.waybill.order_no = "ord_1".into();
        assert_eq!(failures(&p), vec![]);
    }

    #[test]
    fn check_1_merchant_platform_and_transaction() {
        let mut p = Parcel::new();
        p.payment.merchant_id = Some("pty_other".into());
        p.waybill.merchant_id = Some("pty_other".into());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &[
                    "payment.merchant_id",
                    "order.merchant_id",
                    "waybill.merchant_id"
                ]
            )
        );
        let mut p = Parcel::new();
        p.payment.platform_id = Some("pty_other".into());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &["payment.platform_id", "order.submitted_by"]
            )
        );
        let mut p = Parcel::new();
        p.payment.platform_id = Some(p.order.merchant_id.clone());
        assert_eq!(failures(&p), vec![], "the merchant selling on its own site");
        let mut p = Parcel::new();
        p.order.payment_transaction_id = Some("TX-OTHER".into());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &["payment.transaction_id", "order.payment_transaction_id"]
            )
        );
        let mut p = Parcel::new();
        p.order.payment_transaction_id = None;
        assert_eq!(failures(&p), vec![], "an order that names no transaction");
    }

    #[test]
    fn check_1_consignee_name() {
        let mut p = Parcel::new();
        p.waybill.consignee.name = trade::Personal::new("Li Lei");
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &["waybill.consignee.name", "order.buyer.name"]
            )
        );
        assert!(!f[0].detail.contains("Li Lei") && !f[0].detail.contains("Wang"));
        // The order names a consignee: the waybill must carry that one.
        p.order.consignee = Some(trade::order::Consignee {
            name: trade::Personal::new("LI  LEI"),
            address: trade::Personal::new("2 Wensan Road"),
            phone: trade::Personal::new("13800000001"),
        });
        assert_eq!(failures(&p), vec![], "names compare in normal form");
        p.waybill.consignee.name = trade::Personal::new("Wang Fang");
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &["waybill.consignee.name", "order.consignee.name"]
            )
        );
    }

    #[test]
    fn check_1_freight_and_insurance() {
        let mut p = Parcel::new();
        p.waybill.freight = Some(p.order.freight + 100);
        p.waybill.insurance = Some(1);
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &[
                    "waybill.freight",
                    "order.freight",
                    "waybill.insurance",
                    "order.insurance"
                ]
            )
        );
        assert!(
            f[0].detail
                .contains("waybill.freight 31.00 CNY differs from order.freight 30.00 CNY"),
            "{}",
            f[0].detail
        );
        let mut p = Parcel::new();
        p.waybill.currency = Some(Currency::parse("USD").unwrap());
        assert_eq!(
            failures(&p),
            one(
                1,
                DOCUMENTS_MISMATCH,
                &["waybill.currency", "order.currency"]
            )
        );
        let mut p = Parcel::new();
        (p.waybill.freight, p.waybill.insurance, p.waybill.currency) = (None, None, None);
        assert_eq!(failures(&p), vec![], "a waybill that states no costs");
    }

    #[test]
    fn check_2_parties() {
        let mut p = Parcel::new();
        p.merchant = None;
        assert_eq!(
            failures(&p),
            one(2, PARTY_NOT_REGISTERED, &["order.merchant_id"])
        );
        let mut p = Parcel::new();
        p.merchant.as_mut().unwrap().status = PartyStatus::Suspended;
        assert_eq!(
            failures(&p),
            one(2, PARTY_NOT_REGISTERED, &["order.merchant_id"])
        );
        let mut p = Parcel::new();
        p.merchant.as_mut().unwrap().role = Role::Logistics;
        assert_eq!(
            failures(&p),
            one(2, PARTY_NOT_REGISTERED, &["order.merchant_id"])
        );
        let mut p = Parcel::new();
        p.submitter.as_mut().unwrap().status = PartyStatus::Suspended;
        assert_eq!(
            failures(&p),
            one(2, PARTY_NOT_REGISTERED, &["order.submitted_by"])
        );
        let mut p = Parcel::new();
        p.submitter.as_mut().unwrap().role = Role::Payment;
        assert_eq!(
            failures(&p),
            one(2, PARTY_NOT_REGISTERED, &["order.submitted_by"])
        );
        let mut p = Parcel::new();
        p.submitter = None;
        p.merchant = None;
        assert_eq!(
            failures(&p),
            one(
                2,
                PARTY_NOT_REGISTERED,
                &["order.merchant_id", "order.submitted_by"]
            )
        );
        // The merchant submitting its own order.
        let mut p = Parcel::new();
        p.order.submitted_by = p.order.merchant_id.clone();
        p.submitter = p.merchant.clone();
        p.payment.platform_id = None;
        assert_eq!(failures(&p), vec![]);
    }

    #[test]
    fn check_3_buyer_identity() {
        let mut p = Parcel::new();
        p.set_buyer_id("11010519491231002X".replace('X', "1").as_str());
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(3, BUYER_IDENTITY_INVALID, &["order.buyer.id_number"])
        );
        assert!(f[0].detail.contains("check digit"));
        assert!(
            !f[0].detail.contains("110105"),
            "the number is never quoted"
        );
        let mut p = Parcel::new();
        p.set_buyer_id("1101-0519491231002x");
        assert_eq!(
            failures(&p),
            vec![],
            "separators and a lower-case x are tolerated"
        );
        let mut p = Parcel::new();
        p.order.buyer.id_type = BuyerIdType::Passport;
        p.payment.payer.id_type = BuyerIdType::Passport;
        assert_eq!(
            failures(&p),
            one(3, BUYER_IDENTITY_INVALID, &["order.buyer.id_type"])
        );
        p.limits = None;
        assert_eq!(failures(&p), vec![], "no ID rule without limits");
        let mut p = Parcel::new();
        p.set_buyer_name("Wang Fang 2");
        assert_eq!(
            failures(&p),
            one(3, BUYER_IDENTITY_INVALID, &["order.buyer.name"])
        );
        p.set_buyer_name("---");
        assert_eq!(
            failures(&p),
            one(3, BUYER_IDENTITY_INVALID, &["order.buyer.name"])
        );
        p.set_buyer_name("王芳");
        assert_eq!(failures(&p), vec![]);
    }

    #[test]
    fn check_4_annual_quota() {
        let mut p = Parcel::new();
        let limit = 2_600_000;
        p.buyer_year_used = limit - p.order.actual_paid;
        assert_eq!(failures(&p), vec![], "exactly at the limit");
        p.buyer_year_used += 1;
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(
                4,
                ANNUAL_QUOTA_EXCEEDED,
                &["order.actual_paid", "order.buyer.id_number"]
            )
        );
        assert!(f[0].detail.contains("26000.00 CNY"), "{}", f[0].detail);
        let used = Currency::parse("CNY")
            .unwrap()
            .format_amount(p.buyer_year_used);
        assert!(
            !f[0].detail.contains(&used),
            "the year's total stays private"
        );
    }

    #[test]
    fn check_4_and_5_need_a_rate() {
        let mut p = Parcel::new();
        p.in_currency("USD", None);
        assert_eq!(
            failures(&p),
            one(4, FX_RATE_MISSING, &["order.actual_paid", "order.currency"])
        );
        p.limits.as_mut().unwrap().per_buyer_year_max = None;
        assert_eq!(
            failures(&p),
            one(5, FX_RATE_MISSING, &["order.actual_paid", "order.currency"])
        );
        let mut p = Parcel::new();
        p.in_currency("USD", Some(600_000));
        assert_eq!(
            failures(&p),
            one(5, ORDER_LIMIT_EXCEEDED, &["order.actual_paid"]),
            "the converted amount is what counts"
        );
        let mut p = Parcel::new();
        p.in_currency("USD", Some(10_000));
        assert_eq!(failures(&p), vec![]);
    }

    #[test]
    fn check_5_order_limit_and_the_single_item() {
        let mut p = Parcel::new();
        p.limits.as_mut().unwrap().per_order_max = Some(p.order.actual_paid);
        assert_eq!(failures(&p), vec![], "exactly at the limit");
        p.limits.as_mut().unwrap().per_order_max = Some(p.order.actual_paid - 1);
        assert_eq!(
            failures(&p),
            one(5, ORDER_LIMIT_EXCEEDED, &["order.actual_paid"])
        );
        // One indivisible item above the per-order limit but within the year passes…
        let mut p = Parcel::single_item(800_000);
        assert!(is_single_indivisible_item(&p.order));
        assert_eq!(failures(&p), vec![]);
        // …but not when it would exceed the year: then both limits fail.
        p.buyer_year_used = 2_000_000;
        assert_eq!(
            failures(&p).iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            vec![(4, ANNUAL_QUOTA_EXCEEDED), (5, ORDER_LIMIT_EXCEEDED)]
        );
        // Two of the same item are divisible.
        let mut p = Parcel::single_item(400_000);
        p.set_quantity(0, 2);
        assert_eq!(
            failures(&p),
            one(5, ORDER_LIMIT_EXCEEDED, &["order.actual_paid"])
        );
    }

    #[test]
    fn check_6_amounts() {
        let mut p = Parcel::new();
        p.order.lines[0].line_value += 1;
        p.order.goods_value += 1;
        p.order.total += 1;
        p.order.actual_paid += 1;
        p.payment.amount += 1;
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.lines[0].line_value"])
        );
        let mut p = Parcel::new();
        p.order.goods_value += 1;
        assert_eq!(
            failures(&p),
            one(
                6,
                AMOUNTS_INCONSISTENT,
                &["order.goods_value", "order.total"]
            )
        );
        let mut p = Parcel::new();
        p.order.total += 1;
        assert_eq!(failures(&p), one(6, AMOUNTS_INCONSISTENT, &["order.total"]));
    }

    #[test]
    fn check_6_tolerance_is_exact() {
        // Expected = goods 210.50 + freight 30.00 − discount 0 + tax 21.95 = 262.45 CNY; 5% = 13.1225.
        let mut p = Parcel::new();
        assert_eq!(p.order.actual_paid, 26_245);
        p.set_actual_paid(26_245 + 1_312);
        assert_eq!(failures(&p), vec![], "13.12 is within 13.1225");
        p.set_actual_paid(26_245 + 1_313);
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.actual_paid"])
        );
        p.set_actual_paid(26_245 - 1_313);
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.actual_paid"])
        );
        p.limits.as_mut().unwrap().amounts_tolerance_bps = 1_000;
        assert_eq!(failures(&p), vec![]);
    }

    #[test]
    fn check_6_withheld_tax() {
        // Computed 21.95 CNY: 5% is 1.0975, plus one minor unit for each of the two lines.
        let mut p = Parcel::new();
        p.order.tax_withheld = 2_195 + 111;
        assert_eq!(failures(&p), vec![]);
        p.order.tax_withheld = 2_195 + 112;
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.tax_withheld"])
        );
        assert!(f[0].detail.contains("5.00%"), "{}", f[0].detail);
        p.order.tax_withheld = 2_195 - 112;
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.tax_withheld"])
        );
        // Under DAP the buyer pays taxes on arrival: the tax is neither expected nor compared.
        let mut p = Parcel::new();
        p.order.incoterm = Incoterm::Dap;
        p.order.tax_withheld = 0;
        p.set_actual_paid(p.order.total - p.order.discount);
        assert_eq!(failures(&p), vec![]);
        // A zero computed tax still allows the per-line rounding slack.
        let mut p = Parcel::new();
        p.computed_tax = 0;
        p.order.tax_withheld = 2;
        p.set_actual_paid(p.order.total - p.order.discount);
        assert_eq!(failures(&p), vec![]);
        p.order.tax_withheld = 3;
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.tax_withheld"])
        );
    }

    #[test]
    fn check_6_discount_lowers_what_is_expected() {
        let mut p = Parcel::new();
        p.order.discount = 5_000;
        p.set_actual_paid(26_245 - 5_000);
        assert_eq!(failures(&p), vec![]);
        p.set_actual_paid(26_245);
        assert_eq!(
            failures(&p),
            one(6, AMOUNTS_INCONSISTENT, &["order.actual_paid"])
        );
    }

    #[test]
    fn check_7_payment() {
        let mut p = Parcel::new();
        p.payment.amount += 1;
        assert_eq!(
            failures(&p),
            one(
                7,
                PAYMENT_MISMATCH,
                &["payment.amount", "order.actual_paid"]
            )
        );
        let mut p = Parcel::new();
        p.payment.currency = Currency::parse("HKD").unwrap();
        assert_eq!(
            failures(&p),
            one(7, PAYMENT_MISMATCH, &["payment.currency", "order.currency"])
        );
        let mut p = Parcel::new();
        p.payment.payer.name = trade::Personal::new("Wang Fan");
        p.payment.payer.id_number = trade::Personal::new("110101199003074514");
        p.payment.payer.id_type = BuyerIdType::Passport;
        let f = check(&p.input());
        assert_eq!(
            failures(&p),
            one(
                7,
                PAYMENT_MISMATCH,
                &[
                    "payment.payer.id_type",
                    "order.buyer.id_type",
                    "payment.payer.id_number",
                    "order.buyer.id_number",
                    "payment.payer.name",
                    "order.buyer.name"
                ]
            )
        );
        assert!(!f[0].detail.contains("Wang") && !f[0].detail.contains("4514"));
        let mut p = Parcel::new();
        p.payment.payer.name = trade::Personal::new(" WANG   fang ");
        p.payment.payer.id_number = trade::Personal::new("11010519491231002x");
        assert_eq!(failures(&p), vec![], "normal forms agree");
    }

    #[test]
    fn failures_come_in_check_order_and_round_trip() {
        let mut p = Parcel::new();
        p.payment.amount += 1;
        p.waybill.order_no = "X".into();
        p.merchant = None;
        let f = check(&p.input());
        assert_eq!(f.iter().map(|f| f.check).collect::<Vec<_>>(), vec![1, 2, 7]);
        let json = serde_json::to_string(&f).unwrap();
        let back: Vec<CheckFailure> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        let bad = r#"[{"check":1,"code":"made_up","fields":[],"detail":""}]"#;
        assert!(serde_json::from_str::<Vec<CheckFailure>>(bad).is_err());
    }

    #[test]
    fn no_limits_skips_the_limit_checks() {
        let mut p = Parcel::single_item(10_000_000);
        p.limits = None;
        p.buyer_year_used = i64::MAX;
        assert_eq!(failures(&p), vec![]);
    }

    /// One perturbation of a consistent parcel and the checks it must fail.
    #[derive(Clone, Copy, Debug)]
    enum Perturbation {
        PaymentOrderNo,
        WaybillOrderNo,
        WaybillConsignee,
        WaybillFreight,
        MerchantSuspended,
        SubmitterNotPlatform,
        BuyerCheckDigit,
        YearUsedUp,
        OrderLimitLowered,
        GoodsValue,
        TaxWithheld,
        PaymentAmount,
        PayerName,
        PayerIdNumber,
    }

    const PERTURBATIONS: [Perturbation; 14] = [
        Perturbation::PaymentOrderNo,
        Perturbation::WaybillOrderNo,
        Perturbation::WaybillConsignee,
        Perturbation::WaybillFreight,
        Perturbation::MerchantSuspended,
        Perturbation::SubmitterNotPlatform,
        Perturbation::BuyerCheckDigit,
        Perturbation::YearUsedUp,
        Perturbation::OrderLimitLowered,
        Perturbation::GoodsValue,
        Perturbation::TaxWithheld,
        Perturbation::PaymentAmount,
        Perturbation::PayerName,
        Perturbation::PayerIdNumber,
    ];

    /// Applies `what` and answers the checks that must fail.
    fn perturb(p: &mut Parcel, what: Perturbation) -> Vec<u8> {
        use Perturbation::*;
        match what {
            PaymentOrderNo => {
                p.payment.order_no.push('X');
                vec![1]
            }
            WaybillOrderNo => {
                p.waybill.order_no = format!("X{}", p.waybill.order_no);
                vec![1]
            }
            WaybillConsignee => {
                let other = if normalize_person_name(&p.expected_consignee_name()) == "zhou xun" {
                    "Chen Jie"
                } else {
                    "Zhou Xun"
                };
                p.waybill.consignee.name = trade::Personal::new(other);
                vec![1]
            }
            WaybillFreight => {
                p.waybill.freight = Some(p.order.freight + 1);
                vec![1]
            }
            MerchantSuspended => {
                p.merchant.as_mut().unwrap().status = PartyStatus::Suspended;
                vec![2]
            }
            SubmitterNotPlatform => {
                // A lender submitting the order: neither a platform nor the merchant itself.
                let submitter = p.submitter.as_mut().unwrap();
                submitter.role = Role::Lender;
                submitter.id = "pty_lender".into();
                p.order.submitted_by = "pty_lender".into();
                p.payment.platform_id = None;
                vec![2]
            }
            BuyerCheckDigit => {
                let id = p.order.buyer.id_number.expose().to_string();
                let last = id.chars().last().unwrap();
                let wrong = if last == '0' { '1' } else { '0' };
                p.set_buyer_id(&format!("{}{wrong}", &id[..17]));
                vec![3]
            }
            YearUsedUp => {
                p.buyer_year_used = 2_600_000 - p.order.actual_paid + 1;
                vec![4]
            }
            OrderLimitLowered => {
                p.limits.as_mut().unwrap().per_order_max = Some(p.order.actual_paid - 1);
                if is_single_indivisible_item(&p.order) {
                    vec![]
                } else {
                    vec![5]
                }
            }
            GoodsValue => {
                p.order.goods_value += 1;
                p.order.total += 1;
                vec![6]
            }
            TaxWithheld => {
                p.order.tax_withheld = p.computed_tax * 2 + 100;
                match p.order.incoterm {
                    Incoterm::Ddp => vec![6],
                    // Under DAP nothing was withheld that customs would compare.
                    Incoterm::Dap => vec![],
                }
            }
            PaymentAmount => {
                p.payment.amount += 1;
                vec![7]
            }
            PayerName => {
                p.payment.payer.name = trade::Personal::new("Somebody Else");
                vec![7]
            }
            PayerIdNumber => {
                p.payment.payer.id_number = trade::Personal::new("E12345678");
                vec![7]
            }
        }
    }

    proptest! {
        #[test]
        fn generated_parcels_pass(p in fixtures::parcel()) {
            prop_assert_eq!(check(&p.input()), vec![]);
        }

        #[test]
        fn one_perturbation_fails_exactly_its_check(
            mut p in fixtures::parcel(),
            which in 0usize..PERTURBATIONS.len(),
        ) {
            let expected = perturb(&mut p, PERTURBATIONS[which]);
            let got: Vec<u8> = check(&p.input()).iter().map(|f| f.check).collect();
            prop_assert_eq!(got, expected, "{:?}", PERTURBATIONS[which]);
        }
    }
}
