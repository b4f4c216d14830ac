//! Orders: the buyer, the lines, the totals, and the lifecycle state machine.

use crate::personal::Personal;
use crate::product::{valid_sku, Product};
use crate::validate::{FieldError, Problems};
use crate::{Country, Currency, HsCode, MAX_MINOR};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where an order is in its life. Only the transitions in [`OrderStatus::can_become`] exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted by the hub, waiting for payment and waybill.
    Placed,
    /// A customs declaration exists for it.
    Declared,
    /// Held by customs for a document check or an inspection.
    Held,
    Released,
    Rejected,
    Delivered,
    Cancelled,
    Returned,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Placed,
        OrderStatus::Declared,
        OrderStatus::Held,
        OrderStatus::Released,
        OrderStatus::Rejected,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Declared => "declared",
            OrderStatus::Held => "held",
            OrderStatus::Released => "released",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The lifecycle: placed → declared → (held →) released | rejected; released → delivered;
    /// cancellation before delivery; a return after release (refused at the door) or delivery.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Placed, Declared)
                | (Placed, Cancelled)
                | (Declared, Held)
                | (Declared, Released)
                | (Declared, Rejected)
                | (Declared, Cancelled)
                | (Held, Released)
                | (Held, Rejected)
                | (Held, Cancelled)
                | (Released, Delivered)
                | (Released, Cancelled)
                | (Released, Returned)
                | (Delivered, Returned)
        )
    }

    pub fn is_final(self) -> bool {
        OrderStatus::ALL.iter().all(|n| !self.can_become(*n))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Incoterm {
    /// Delivered duty paid: the seller collects duty and taxes at checkout.
    #[serde(rename = "DDP")]
    Ddp,
    /// Delivered at place: the buyer pays duty and taxes on arrival.
    #[serde(rename = "DAP")]
    Dap,
}

impl Incoterm {
    pub fn as_str(self) -> &'static str {
        match self {
            Incoterm::Ddp => "DDP",
            Incoterm::Dap => "DAP",
        }
    }

    pub fn parse(text: &str) -> Option<Incoterm> {
        match text {
            "DDP" => Some(Incoterm::Ddp),
            "DAP" => Some(Incoterm::Dap),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuyerIdType {
    /// A national identity card (CEB `buyerIdType` 1).
    NationalId,
    Passport,
    TaxId,
    Other,
}

impl BuyerIdType {
    pub fn as_str(self) -> &'static str {
        match self {
            BuyerIdType::NationalId => "national_id",
            BuyerIdType::Passport => "passport",
            BuyerIdType::TaxId => "tax_id",
            BuyerIdType::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<BuyerIdType> {
        [
            BuyerIdType::NationalId,
            BuyerIdType::Passport,
            BuyerIdType::TaxId,
            BuyerIdType::Other,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

/// Who receives the parcel, when not the buyer: every field is personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consignee {
    pub name: Personal,
    pub address: Personal,
    pub phone: Personal,
}

/// The buyer: every field but the country is personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buyer {
    pub name: Personal,
    pub id_type: BuyerIdType,
    pub id_number: Personal,
    pub country: Country,
    pub address: Personal,
    pub phone: Personal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub line_no: u32,
    /// The catalog item the line came from, when it named one.
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub hs_code: HsCode,
    pub description: String,
    pub origin: Country,
    pub quantity: u32,
    pub unit_price: i64,
    /// `quantity × unit_price`, in minor units of the order's currency.
    pub line_value: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub merchant_id: String,
    /// The party whose key submitted it (the merchant itself or a platform): the only one that
    /// sees the buyer's personal data unmasked.
    pub submitted_by: String,
    /// The merchant's or platform's own order number, unique per merchant when given.
    pub order_no: Option<String>,
    pub status: OrderStatus,
    pub buyer: Buyer,
    /// The receiver when it is not the buyer (customs matches the waybill's consignee against it).
    pub consignee: Option<Consignee>,
    pub destination: Country,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub goods_value: i64,
    pub freight: i64,
    pub insurance: i64,
    /// goods + freight + insurance (duty and taxes come from the landed-cost quote).
    pub total: i64,
    /// Price reduction granted on the order, in the order's currency.
    pub discount: i64,
    /// Duty and taxes the seller collected at checkout (DDP), as declared; customs recomputes them.
    pub tax_withheld: i64,
    /// What the buyer paid: by default total − discount + tax_withheld.
    pub actual_paid: i64,
    /// The payment provider's transaction id for this order, when the seller knows it.
    pub payment_transaction_id: Option<String>,
    pub incoterm: Incoterm,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

pub const MAX_LINES: usize = 500;
pub const MAX_QUANTITY: i64 = 1_000_000;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerDraft {
    pub name: Option<String>,
    /// national_id, passport, tax_id or other.
    pub id_type: Option<String>,
    pub id_number: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// One order line: either a catalog `sku` (its HS code, title, origin and price are taken from
/// the catalog unless given) or an inline item with `hs_code`, `description`, `origin` and `unit_price`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineDraft {
    pub sku: Option<String>,
    pub hs_code: Option<String>,
    pub description: Option<String>,
    pub origin: Option<String>,
    /// A whole number of units, 1 to 1,000,000.
    pub quantity: Option<i64>,
    /// Decimal string in the order's currency.
    pub unit_price: Option<String>,
}

/// The receiver of the parcel, when not the buyer.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsigneeDraft {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderDraft {
    /// The merchant the order is for: required when a platform submits, optional (self) for a merchant.
    pub merchant_id: Option<String>,
    pub order_no: Option<String>,
    pub buyer: Option<BuyerDraft>,
    /// ISO 3166-1 alpha-2.
    pub destination: Option<String>,
    /// ISO 4217: the currency of every amount in the order.
    pub currency: Option<String>,
    pub lines: Option<Vec<LineDraft>>,
    /// Decimal string; 0 when absent.
    pub freight: Option<String>,
    /// Decimal string; 0 when absent.
    pub insurance: Option<String>,
    /// Decimal string; 0 when absent. At most the goods value.
    pub discount: Option<String>,
    /// Decimal string: duty and taxes collected at checkout; 0 when absent.
    pub tax_withheld: Option<String>,
    /// Decimal string: what the buyer paid; default total − discount + tax_withheld.
    pub actual_paid: Option<String>,
    /// The payment provider's transaction id for this order.
    pub payment_transaction_id: Option<String>,
    /// The receiver, when not the buyer.
    pub consignee: Option<ConsigneeDraft>,
    /// DDP or DAP.
    pub incoterm: Option<String>,
}

/// Who submits, and for whom: resolved by the caller from the API key before validation.
pub struct Submission<'a> {
    pub id: String,
    pub merchant_id: String,
    pub submitted_by: String,
    pub now_ms: i64,
    /// The merchant's catalog items named by the lines, by SKU.
    pub catalog: &'a HashMap<String, Product>,
}

impl OrderDraft {
    /// The SKUs the lines name, to fetch from the catalog before [`OrderDraft::validate`].
    pub fn skus(&self) -> Vec<String> {
        let mut skus: Vec<String> = self
            .lines
            .iter()
            .flatten()
            .filter_map(|l| l.sku.clone())
            .filter(|s| valid_sku(s))
            .collect();
        skus.sort();
        skus.dedup();
        skus
    }

    pub fn validate(&self, s: Submission<'_>) -> Result<Order, Vec<FieldError>> {
        let mut p = Problems::default();
        let order_no = p.optional_text("order_no", &self.order_no, 64);
        let buyer = match p.required("buyer", &self.buyer) {
            Some(b) => validate_buyer(&mut p, b),
            None => None,
        };
        let destination = p.country("destination", &self.destination);
        let currency = p.currency("currency", &self.currency);
        let freight = p.amount_or_zero("freight", &self.freight, currency);
        let insurance = p.amount_or_zero("insurance", &self.insurance, currency);
        let discount = p.amount_or_zero("discount", &self.discount, currency);
        let tax_withheld = p.amount_or_zero("tax_withheld", &self.tax_withheld, currency);
        let actual_paid = match &self.actual_paid {
            None => None,
            Some(_) => p.amount("actual_paid", &self.actual_paid, currency),
        };
        let payment_transaction_id =
            p.optional_text("payment_transaction_id", &self.payment_transaction_id, 64);
        let consignee = self
            .consignee
            .as_ref()
            .map(|c| validate_consignee(&mut p, c));
        let incoterm = match p.required("incoterm", &self.incoterm) {
            Some(t) => Incoterm::parse(t).or_else(|| {
                p.push(
                    "incoterm",
                    "unknown_incoterm",
                    format!("`{t}` is not supported; use DDP or DAP"),
                );
                None
            }),
            None => None,
        };
        let lines = match p.required("lines", &self.lines) {
            Some(lines) if lines.is_empty() => {
                p.push("lines", "empty_lines", "an order needs at least one line");
                None
            }
            Some(lines) if lines.len() > MAX_LINES => {
                p.push(
                    "lines",
                    "too_many_lines",
                    format!("an order has at most {MAX_LINES} lines"),
                );
                None
            }
            Some(lines) => {
                let built: Vec<Option<OrderLine>> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| validate_line(&mut p, i, l, currency, s.catalog))
                    .collect();
                built.into_iter().collect::<Option<Vec<_>>>()
            }
            None => None,
        };
        let mut goods_value: Option<i64> = None;
        if let Some(lines) = &lines {
            goods_value = lines
                .iter()
                .try_fold(0i64, |acc, l| acc.checked_add(l.line_value))
                .filter(|v| *v <= MAX_MINOR);
            if goods_value.is_none() {
                p.push(
                    "lines",
                    "amount_too_large",
                    "the order's goods value is too large",
                );
            }
        }
        let total = match (goods_value, freight, insurance) {
            (Some(g), Some(f), Some(i)) => {
                let t = g
                    .checked_add(f)
                    .and_then(|v| v.checked_add(i))
                    .filter(|v| *v <= MAX_MINOR);
                if t.is_none() {
                    p.push(
                        "freight",
                        "amount_too_large",
                        "goods, freight and insurance together are too large",
                    );
                }
                t
            }
            _ => None,
        };
        if let (Some(d), Some(g)) = (discount, goods_value) {
            if d > g {
                p.push(
                    "discount",
                    "discount_too_large",
                    "the discount is larger than the goods value",
                );
            }
        }
        // Both terms are at most MAX_MINOR, so the sum cannot overflow; a negative result means the
        // discount exceeds the total, already reported.
        let actual_paid = match (actual_paid, total, discount, tax_withheld) {
            (Some(paid), ..) => Some(paid),
            (None, Some(t), Some(d), Some(w)) => Some(t - d + w).filter(|v| *v >= 0),
            _ => None,
        };
        let consignee = match consignee {
            None => Some(None),
            Some(Some(c)) => Some(Some(c)),
            Some(None) => None,
        };
        match (
            buyer,
            destination,
            currency,
            lines,
            goods_value,
            freight,
            insurance,
            total,
            incoterm,
        ) {
            (
                Some(buyer),
                Some(destination),
                Some(currency),
                Some(lines),
                Some(goods_value),
                Some(freight),
                Some(insurance),
                Some(total),
                Some(incoterm),
            ) if p.is_empty() => Ok(Order {
                consignee: consignee.unwrap_or(None),
                discount: discount.unwrap_or(0),
                tax_withheld: tax_withheld.unwrap_or(0),
                actual_paid: actual_paid.unwrap_or(total),
                payment_transaction_id,
                id: s.id,
                merchant_id: s.merchant_id,
                submitted_by: s.submitted_by,
                order_no,
                status: OrderStatus::Placed,
                buyer,
                destination,
                currency,
                lines,
                goods_value,
                freight,
                insurance,
                total,
                incoterm,
                created_at_ms: s.now_ms,
                updated_at_ms: s.now_ms,
            }),
            _ => Err(p.0),
        }
    }
}

fn validate_buyer(p: &mut Problems, b: &BuyerDraft) -> Option<Buyer> {
    let name = p.text("buyer.name", &b.name, 100);
    let id_type = match p.required("buyer.id_type", &b.id_type) {
        Some(t) => BuyerIdType::parse(t).or_else(|| {
            p.push(
                "buyer.id_type",
                "unknown_id_type",
                format!("`{t}` is not an ID type; use national_id, passport, tax_id or other"),
            );
            None
        }),
        None => None,
    };
    let id_number = p.text("buyer.id_number", &b.id_number, 32);
    if let Some(n) = &id_number {
        if !n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
            // Deliberately not echoing the value: it is personal data.
            p.push(
                "buyer.id_number",
                "invalid_id_number",
                "an ID number has letters, digits and dashes only",
            );
        }
    }
    let country = p.country("buyer.country", &b.country);
    let address = p.text("buyer.address", &b.address, 500);
    let phone = p.text("buyer.phone", &b.phone, 32);
    if let Some(ph) = &phone {
        if !crate::party::looks_like_phone(ph) {
            p.push(
                "buyer.phone",
                "invalid_phone",
                "a phone number has 6 to 20 digits, an optional leading +, spaces or dashes",
            );
        }
    }
    Some(Buyer {
        name: Personal::new(name?),
        id_type: id_type?,
        id_number: Personal::new(id_number?),
        country: country?,
        address: Personal::new(address?),
        phone: Personal::new(phone?),
    })
}

fn validate_consignee(p: &mut Problems, c: &ConsigneeDraft) -> Option<Consignee> {
    let name = p.text("consignee.name", &c.name, 100);
    let address = p.text("consignee.address", &c.address, 500);
    let phone = p.text("consignee.phone", &c.phone, 32);
    if let Some(ph) = &phone {
        if !crate::party::looks_like_phone(ph) {
            p.push(
                "consignee.phone",
                "invalid_phone",
                "a phone number has 6 to 20 digits, an optional leading +, spaces or dashes",
            );
        }
    }
    Some(Consignee {
        name: Personal::new(name?),
        address: Personal::new(address?),
        phone: Personal::new(phone?),
    })
}

fn validate_line(
    p: &mut Problems,
    i: usize,
    l: &LineDraft,
    currency: Option<Currency>,
    catalog: &HashMap<String, Product>,
) -> Option<OrderLine> {
    let f = |name: &str| format!("lines[{i}].{name}");
    let quantity = match l.quantity {
        None => {
            p.push(
                f("quantity"),
                "missing_field",
                format!("`{}` is required", f("quantity")),
            );
            None
        }
        Some(q) if !(1..=MAX_QUANTITY).contains(&q) => {
            p.push(
                f("quantity"),
                "invalid_quantity",
                format!("quantity must be a whole number from 1 to {MAX_QUANTITY}"),
            );
            None
        }
        Some(q) => Some(q as u32),
    };
    let product = match &l.sku {
        Some(sku) => match catalog.get(sku) {
            Some(prod) => Some(prod),
            None => {
                p.push(
                    f("sku"),
                    "unknown_sku",
                    format!("the merchant has no product with SKU `{sku}`"),
                );
                return None;
            }
        },
        None => None,
    };
    let (hs_code, description, origin) = match product {
        Some(prod) => (
            match l.hs_code {
                Some(_) => p.hs_code(&f("hs_code"), &l.hs_code),
                None => Some(prod.hs_code.clone()),
            },
            match l.description {
                Some(_) => p.text(&f("description"), &l.description, 300),
                None => Some(prod.title.clone()),
            },
            match l.origin {
                Some(_) => p.country(&f("origin"), &l.origin),
                None => Some(prod.origin),
            },
        ),
        None => (
            p.hs_code(&f("hs_code"), &l.hs_code),
            p.text(&f("description"), &l.description, 300),
            p.country(&f("origin"), &l.origin),
        ),
    };
    let unit_price = match (&l.unit_price, product) {
        (None, Some(prod)) => match currency {
            Some(c) if c != prod.currency => {
                p.push(f("unit_price"), "currency_mismatch", format!("the catalog price of `{}` is in {}, the order is in {c}; give a unit_price", prod.sku, prod.currency));
                None
            }
            Some(_) => Some(prod.unit_price),
            None => None,
        },
        _ => p.amount(&f("unit_price"), &l.unit_price, currency),
    };
    let quantity = quantity?;
    let unit_price = unit_price?;
    let line_value = (quantity as i64)
        .checked_mul(unit_price)
        .filter(|v| *v <= MAX_MINOR);
    if line_value.is_none() {
        p.push(
            f("unit_price"),
            "amount_too_large",
            "quantity × unit_price is too large",
        );
    }
    Some(OrderLine {
        line_no: i as u32 + 1,
        product_id: product.map(|prod| prod.id.clone()),
        sku: l.sku.clone(),
        hs_code: hs_code?,
        description: description?,
        origin: origin?,
        quantity,
        unit_price,
        line_value: line_value?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyer() -> BuyerDraft {
        BuyerDraft {
            name: Some("Wang Fang".into()),
            id_type: Some("national_id".into()),
            id_number: Some("11010519491231002X".into()),
            country: Some("CN".into()),
            address: Some("1 Wensan Road, Hangzhou".into()),
            phone: Some("+86 138 0000 0000".into()),
        }
    }

    fn draft() -> OrderDraft {
        OrderDraft {
            merchant_id: None,
            order_no: Some("SO-1".into()),
            buyer: Some(buyer()),
            destination: Some("CN".into()),
            currency: Some("CNY".into()),
            lines: Some(vec![
                LineDraft {
                    sku: Some("TEA-1".into()),
                    quantity: Some(2),
                    ..Default::default()
                },
                LineDraft {
                    hs_code: Some("330499".into()),
                    description: Some("Face cream".into()),
                    origin: Some("MY".into()),
                    quantity: Some(1),
                    unit_price: Some("120.50".into()),
                    ..Default::default()
                },
            ]),
            freight: Some("30".into()),
            insurance: None,
            incoterm: Some("DDP".into()),
            ..Default::default()
        }
    }

    fn catalog() -> HashMap<String, Product> {
        let prod = Product {
            id: "prd_1".into(),
            merchant_id: "pty_m".into(),
            sku: "TEA-1".into(),
            title: "Oolong tea 100 g".into(),
            hs_code: HsCode::parse("090230").unwrap(),
            origin: Country::parse("MY").unwrap(),
            unit_price: 4500,
            currency: Currency::parse("CNY").unwrap(),
            net_weight_g: 100,
            version: 1,
            created_at_ms: 0,
            updated_at_ms: 0,
        };
        HashMap::from([("TEA-1".to_string(), prod)])
    }

    fn submit(d: &OrderDraft, cat: &HashMap<String, Product>) -> Result<Order, Vec<FieldError>> {
        d.validate(Submission {
            id: "ord_1".into(),
            merchant_id: "pty_m".into(),
            submitted_by: "pty_m".into(),
            now_ms: 7,
            catalog: cat,
        })
    }

    #[test]
    fn totals_are_exact() {
        let o = submit(&draft(), &catalog()).unwrap();
        assert_eq!(o.lines[0].line_value, 9000);
        assert_eq!(o.lines[0].product_id.as_deref(), Some("prd_1"));
        assert_eq!(o.lines[1].line_value, 12050);
        assert_eq!(o.goods_value, 21050);
        assert_eq!(o.freight, 3000);
        assert_eq!(o.insurance, 0);
        assert_eq!(o.total, 24050);
        assert_eq!(o.status, OrderStatus::Placed);
        assert_eq!(draft().skus(), vec!["TEA-1".to_string()]);
    }

    #[test]
    fn paid_defaults_to_total_less_discount_plus_tax() {
        let o = submit(&draft(), &catalog()).unwrap();
        assert_eq!((o.discount, o.tax_withheld, o.actual_paid), (0, 0, 24050));
        assert!(o.consignee.is_none());
        let d = OrderDraft {
            discount: Some("10.00".into()),
            tax_withheld: Some("21.95".into()),
            payment_transaction_id: Some("PAY-1".into()),
            consignee: Some(ConsigneeDraft {
                name: Some("Li Lei".into()),
                address: Some("2 Wensan Road".into()),
                phone: Some("13800000001".into()),
            }),
            ..draft()
        };
        let o = submit(&d, &catalog()).unwrap();
        assert_eq!(o.actual_paid, 24050 - 1000 + 2195);
        assert_eq!(o.payment_transaction_id.as_deref(), Some("PAY-1"));
        assert_eq!(o.consignee.unwrap().name.expose(), "Li Lei");
        let given = OrderDraft {
            actual_paid: Some("1.00".into()),
            ..draft()
        };
        assert_eq!(submit(&given, &catalog()).unwrap().actual_paid, 100);
        let too_much = OrderDraft {
            discount: Some("210.51".into()),
            consignee: Some(ConsigneeDraft::default()),
            ..draft()
        };
        let errs = submit(&too_much, &catalog()).unwrap_err();
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("consignee.name", "missing_field"),
                ("consignee.address", "missing_field"),
                ("consignee.phone", "missing_field"),
                ("discount", "discount_too_large"),
            ]
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut d = draft();
        d.buyer.as_mut().unwrap().id_number = None;
        d.currency = Some("XYZ".into());
        let lines = d.lines.as_mut().unwrap();
        lines[0].sku = Some("NOPE".into());
        lines[1].hs_code = Some("12345".into());
        lines[1].quantity = Some(-1);
        let errs = submit(&d, &catalog()).unwrap_err();
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("buyer.id_number", "missing_field"),
                ("currency", "unknown_currency"),
                ("lines[0].sku", "unknown_sku"),
                ("lines[1].quantity", "invalid_quantity"),
                ("lines[1].hs_code", "invalid_hs_code"),
            ]
        );
    }

    #[test]
    fn empty_lines_and_missing_incoterm() {
        let d = OrderDraft {
            lines: Some(vec![]),
            incoterm: None,
            ..draft()
        };
        let errs = submit(&d, &catalog()).unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.field == "lines" && e.code == "empty_lines"));
        assert!(errs
            .iter()
            .any(|e| e.field == "incoterm" && e.code == "missing_field"));
    }

    #[test]
    fn catalog_price_in_another_currency_needs_a_price() {
        let d = OrderDraft {
            currency: Some("USD".into()),
            ..draft()
        };
        let errs = submit(&d, &catalog()).unwrap_err();
        assert_eq!(errs[0].field, "lines[0].unit_price");
        assert_eq!(errs[0].code, "currency_mismatch");
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let mut d = draft();
        d.lines = Some(vec![LineDraft {
            quantity: Some(MAX_QUANTITY),
            unit_price: Some("9999999999999".into()),
            hs_code: Some("330499".into()),
            description: Some("x".into()),
            origin: Some("MY".into()),
            ..Default::default()
        }]);
        let errs = submit(&d, &catalog()).unwrap_err();
        assert_eq!(errs[0].code, "amount_too_large");
    }

    #[test]
    fn id_numbers_are_not_echoed_in_errors() {
        let mut d = draft();
        d.buyer.as_mut().unwrap().id_number = Some("SECRET!!42".into());
        let errs = submit(&d, &catalog()).unwrap_err();
        assert!(errs.iter().all(|e| !e.detail.contains("SECRET")));
    }

    #[test]
    fn lifecycle_transitions() {
        use OrderStatus::*;
        assert!(Placed.can_become(Declared));
        assert!(Declared.can_become(Held));
        assert!(Held.can_become(Released));
        assert!(Released.can_become(Delivered));
        assert!(Delivered.can_become(Returned));
        assert!(
            !Placed.can_become(Released),
            "no release without a declaration"
        );
        assert!(!Delivered.can_become(Cancelled));
        assert!(!Placed.can_become(Placed));
        for s in [Rejected, Cancelled, Returned] {
            assert!(s.is_final(), "{s:?}");
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}
