//! Intake: the three inbound documents customs matches — the order (CEB311), the payment
//! voucher (CEB411) and the waybill (CEB511) — as the hub's JSON drafts, so that a CEB message
//! goes through the same validation as a request to the JSON API.
//!
//! The mapping only moves values; the drafts' own `validate` does the checking. Decisions:
//! - **Order lines carry no HS code in CEB311.** Each `OrderList` becomes a catalog line
//!   `{sku: itemNo, quantity: qty, unit_price: price}`: the merchant's catalog gives the HS code,
//!   the title and the origin, as for a JSON order naming a SKU. A line without `itemNo`, or
//!   with a fractional quantity (the hub counts whole units), cannot be mapped
//!   (`not_mappable`). `totalPrice` and `goodsValue` are not carried: the hub recomputes them
//!   from quantity × unit price; [`OrderIntake::stated_goods_value`] keeps the stated figure.
//! - **Parties are customs codes, not hub parties.** `ebpCode` (platform), `ebcCode`
//!   (merchant), `payCode` (payment company) and `logisticsCode` (carrier) are returned beside
//!   the drafts for the hub to resolve to its parties; the drafts' `merchant_id` and
//!   `platform_id` stay empty.
//! - **Buyer.** CEB311 is an import into China and has no buyer country or address element:
//!   the buyer's country is `CN` and the address is `consigneeAddress`; `buyerIdType`
//!   `1` (身份证) is `national_id`, `2` (其它) is `other`. The consignee is always given.
//! - **Terms.** `destination` is `CN`, `incoterm` `DDP` (the platform withholds the taxes,
//!   `taxTotal`), the currency the ISO code of the customs code (`142` → CNY).
//! - **Amounts** stay exact: each is read into minor units and written back as a decimal
//!   string with the currency's digits (`19050` → `"19050.00"`); more significant decimals
//!   than the currency has is `too_precise`, never rounded. Weights are kilograms with at most
//!   3 decimals (grams).
//! - **Times.** `payTime` is China time (UTC+8) and becomes RFC 3339 with `+08:00`.
//! - Empty optional elements (`<payTransactionId></payTransactionId>`) count as absent.
//!
//! Errors name the element path (`OrderList[2]/qty` for a document;
//! `CEB311Message/Order[1]/OrderList[2]/qty` from [`intake`]) and never quote a value.

use customs::documents::{PayerDraft, PaymentDraft, WaybillDraft};
use trade::order::{BuyerDraft, ConsigneeDraft, LineDraft, OrderDraft};
use trade::Currency;

use crate::amount::{amount_to_minor, decimal_to_scaled, minor_to_amount, scaled_to_decimal};
use crate::codes::{currency_from_customs, IdType};
use crate::error::{CebError, ErrorKind};
use crate::message::{Message, Order311};
use crate::model::{LogisticsHead, PaymentHead};
use crate::time::{parse_ceb_time14, CHINA_OFFSET_MINUTES};

/// The destination of every CEB import.
const DESTINATION: &str = "CN";
/// Cross-border retail imports are delivered duty paid: the platform withholds the taxes.
const INCOTERM: &str = "DDP";
/// Kilograms are read to the gram, as the waybill draft wants them.
const WEIGHT_DIGITS: u8 = 3;

/// An enterprise as customs knows it: its registration code and name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomsParty {
    pub code: String,
    pub name: String,
}

/// A CEB311 order as the hub's draft, with what the draft has no field for.
#[derive(Clone)]
pub struct OrderIntake {
    pub draft: OrderDraft,
    /// `ebpCode`, `ebpName`: the e-commerce platform.
    pub platform: CustomsParty,
    /// `ebcCode`, `ebcName`: the e-commerce enterprise (the merchant).
    pub merchant: CustomsParty,
    /// `payCode`, `payName`, when the order names its payment company.
    pub payment_company: Option<CustomsParty>,
    /// `buyerIdType` (the draft has it as `national_id` / `other`).
    pub buyer_id_type: IdType,
    /// `buyerRegNo`: the buyer's account at the platform (personal data).
    pub buyer_reg_no: String,
    /// `goodsValue` as stated, normalised like the draft's amounts, to compare with the goods
    /// value the hub computes from the lines.
    pub stated_goods_value: String,
}

/// A CEB411 payment voucher as the hub's draft.
#[derive(Clone)]
pub struct PaymentIntake {
    pub draft: PaymentDraft,
    /// `payCode`, `payName`: the payment company that issued the voucher.
    pub payment_company: CustomsParty,
    /// `ebpCode`, `ebpName`: the platform the order came through.
    pub platform: CustomsParty,
    /// `payerIdType`.
    pub payer_id_type: IdType,
}

/// A CEB511 waybill as the hub's draft.
#[derive(Clone)]
pub struct WaybillIntake {
    pub draft: WaybillDraft,
    /// `logisticsCode`, `logisticsName`: the carrier.
    pub logistics: CustomsParty,
}

/// One inbound document as a draft.
#[derive(Clone)]
pub enum Draft {
    Order(Box<OrderIntake>),
    Payment(Box<PaymentIntake>),
    Waybill(Box<WaybillIntake>),
}

// The drafts hold personal data in plain strings: Debug shows only what identifies a document.
impl std::fmt::Debug for OrderIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderIntake")
            .field("order_no", &self.draft.order_no)
            .field("platform", &self.platform)
            .field("merchant", &self.merchant)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PaymentIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentIntake")
            .field("order_no", &self.draft.order_no)
            .field("transaction_id", &self.draft.transaction_id)
            .field("payment_company", &self.payment_company)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WaybillIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaybillIntake")
            .field("waybill_no", &self.draft.waybill_no)
            .field("order_no", &self.draft.order_no)
            .field("logistics", &self.logistics)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Draft::Order(o) => o.fmt(f),
            Draft::Payment(p) => p.fmt(f),
            Draft::Waybill(w) => w.fmt(f),
        }
    }
}

/// The drafts of an inbound CEB311, CEB411 or CEB511: one result per document, in order, so
/// that each document's outcome can go into its receipt ([`crate::receipt_for`]). Other kinds
/// have no draft (`not_mappable`).
pub fn intake(message: &Message) -> Result<Vec<Result<Draft, CebError>>, CebError> {
    let root = message.kind().root_name();
    let under = |prefix: String| move |e: CebError| within(&prefix, e);
    match message {
        Message::Ceb311 { orders, .. } => Ok(orders
            .iter()
            .enumerate()
            .map(|(i, order)| {
                order_intake(order)
                    .map(|o| Draft::Order(Box::new(o)))
                    .map_err(under(format!("{root}/Order[{}]", i + 1)))
            })
            .collect()),
        Message::Ceb411 { payments, .. } => Ok(payments
            .iter()
            .enumerate()
            .map(|(i, head)| {
                payment_intake(head)
                    .map(|p| Draft::Payment(Box::new(p)))
                    .map_err(under(format!("{root}/Payment[{}]", i + 1)))
            })
            .collect()),
        Message::Ceb511 { waybills, .. } => Ok(waybills
            .iter()
            .enumerate()
            .map(|(i, head)| {
                waybill_intake(head)
                    .map(|w| Draft::Waybill(Box::new(w)))
                    .map_err(under(format!("{root}/Logistics[{}]", i + 1)))
            })
            .collect()),
        _ => Err(CebError::new(
            ErrorKind::NotMappable,
            root,
            "only CEB311 orders, CEB411 payments and CEB511 waybills have a hub draft",
        )),
    }
}

/// A CEB311 order (head and lines) as an [`OrderDraft`].
pub fn order_intake(order: &Order311) -> Result<OrderIntake, CebError> {
    let head = &order.head;
    let currency = currency_at(&head.currency, "OrderHead/currency")?;
    let amount =
        |text: &str, name: &str| normalised_amount(text, currency, &format!("OrderHead/{name}"));
    let buyer_id_type = id_type_at(&head.buyer_id_type, "OrderHead/buyerIdType")?;
    let mut lines = Vec::with_capacity(order.lists.len());
    for (i, line) in order.lists.iter().enumerate() {
        let at = |name: &str| format!("OrderList[{}]/{name}", i + 1);
        // Each line states its own currency; it must be the order's.
        let line_currency = currency_at(&line.currency, &at("currency"))?;
        if line_currency != currency {
            return Err(CebError::new(
                ErrorKind::NotMappable,
                at("currency"),
                "a line's currency differs from the order's",
            ));
        }
        let sku = nonblank(&line.item_no).ok_or_else(|| {
            CebError::new(
                ErrorKind::NotMappable,
                at("itemNo"),
                "the hub finds a line's HS code and origin in the catalog by itemNo (SKU); \
                 this line has none",
            )
        })?;
        lines.push(LineDraft {
            sku: Some(sku),
            quantity: Some(whole_quantity(&line.qty, &at("qty"))?),
            unit_price: Some(normalised_amount(&line.price, currency, &at("price"))?),
            ..LineDraft::default()
        });
    }
    let payment_company = nonblank(&head.pay_code).map(|code| CustomsParty {
        code,
        name: head.pay_name.clone().unwrap_or_default(),
    });
    let draft = OrderDraft {
        merchant_id: None,
        order_no: Some(head.order_no.clone()),
        buyer: Some(BuyerDraft {
            name: Some(head.buyer_name.clone()),
            id_type: Some(buyer_id_type.buyer_id_type().as_str().to_string()),
            id_number: Some(head.buyer_id_number.clone()),
            country: Some(DESTINATION.to_string()),
            address: Some(head.consignee_address.clone()),
            phone: Some(head.buyer_telephone.clone()),
        }),
        destination: Some(DESTINATION.to_string()),
        currency: Some(currency.code().to_string()),
        lines: Some(lines),
        freight: Some(amount(&head.freight, "freight")?),
        insurance: None,
        discount: Some(amount(&head.discount, "discount")?),
        tax_withheld: Some(amount(&head.tax_total, "taxTotal")?),
        actual_paid: Some(amount(&head.actural_paid, "acturalPaid")?),
        payment_transaction_id: nonblank(&head.pay_transaction_id),
        consignee: Some(ConsigneeDraft {
            name: Some(head.consignee.clone()),
            address: Some(head.consignee_address.clone()),
            phone: Some(head.consignee_telephone.clone()),
        }),
        incoterm: Some(INCOTERM.to_string()),
    };
    Ok(OrderIntake {
        draft,
        platform: CustomsParty {
            code: head.ebp_code.clone(),
            name: head.ebp_name.clone(),
        },
        merchant: CustomsParty {
            code: head.ebc_code.clone(),
            name: head.ebc_name.clone(),
        },
        payment_company,
        buyer_id_type,
        buyer_reg_no: head.buyer_reg_no.clone(),
        stated_goods_value: amount(&head.goods_value, "goodsValue")?,
    })
}

/// A CEB411 payment voucher as a [`PaymentDraft`].
pub fn payment_intake(head: &PaymentHead) -> Result<PaymentIntake, CebError> {
    let currency = currency_at(&head.currency, "PaymentHead/currency")?;
    let payer_id_type = id_type_at(&head.payer_id_type, "PaymentHead/payerIdType")?;
    let draft = PaymentDraft {
        order_no: Some(head.order_no.clone()),
        merchant_id: None,
        platform_id: None,
        transaction_id: Some(head.pay_transaction_id.clone()),
        payer: Some(PayerDraft {
            name: Some(head.payer_name.clone()),
            id_type: Some(payer_id_type.buyer_id_type().as_str().to_string()),
            id_number: Some(head.payer_id_number.clone()),
            phone: nonblank(&head.telephone),
        }),
        amount: Some(normalised_amount(
            &head.amount_paid,
            currency,
            "PaymentHead/amountPaid",
        )?),
        currency: Some(currency.code().to_string()),
        paid_at: Some(china_time_rfc3339(&head.pay_time, "PaymentHead/payTime")?),
    };
    Ok(PaymentIntake {
        draft,
        payment_company: CustomsParty {
            code: head.pay_code.clone(),
            name: head.pay_name.clone(),
        },
        platform: CustomsParty {
            code: head.ebp_code.clone(),
            name: head.ebp_name.clone(),
        },
        payer_id_type,
    })
}

/// A CEB511 waybill as a [`WaybillDraft`].
pub fn waybill_intake(head: &LogisticsHead) -> Result<WaybillIntake, CebError> {
    let currency = currency_at(&head.currency, "LogisticsHead/currency")?;
    let optional_amount = |text: &Option<String>, name: &str| {
        text.as_deref()
            .map(|t| normalised_amount(t, currency, &format!("LogisticsHead/{name}")))
            .transpose()
    };
    let grams = decimal_to_scaled(&head.weight, WEIGHT_DIGITS).map_err(|e| {
        let detail = match e.kind {
            ErrorKind::TooPrecise => "the weight has more than 3 decimals (the hub keeps grams)",
            _ => "the weight is not a decimal number of kilograms the hub can hold",
        };
        CebError::new(e.kind, "LogisticsHead/weight", detail)
    })?;
    let draft = WaybillDraft {
        waybill_no: Some(head.logistics_no.clone()),
        bill_no: nonblank(&head.bill_no),
        order_no: Some(head.order_no.clone()),
        merchant_id: None,
        consignee: Some(ConsigneeDraft {
            name: Some(head.consignee.clone()),
            address: Some(head.consignee_address.clone()),
            phone: Some(head.consignee_telephone.clone()),
        }),
        gross_weight_kg: Some(scaled_to_decimal(grams, WEIGHT_DIGITS)),
        package_count: Some(i64::from(head.pack_no)),
        freight: optional_amount(&head.freight, "freight")?,
        insurance: optional_amount(&head.insured_fee, "insuredFee")?,
        currency: Some(currency.code().to_string()),
        goods_description: nonblank(&head.goods_info),
    };
    Ok(WaybillIntake {
        draft,
        logistics: CustomsParty {
            code: head.logistics_code.clone(),
            name: head.logistics_name.clone(),
        },
    })
}

/// Puts a document-relative path under a message path.
fn within(prefix: &str, e: CebError) -> CebError {
    let path = if e.path.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}/{}", e.path)
    };
    CebError { path, ..e }
}

fn at_path(path: &str) -> impl Fn(CebError) -> CebError + '_ {
    move |e| CebError {
        path: path.to_string(),
        ..e
    }
}

fn currency_at(code: &str, path: &str) -> Result<Currency, CebError> {
    currency_from_customs(code).map_err(at_path(path))
}

fn id_type_at(code: &str, path: &str) -> Result<IdType, CebError> {
    IdType::from_code(code).ok_or_else(|| {
        CebError::new(
            ErrorKind::NotMappable,
            path,
            "the ID type is not 1 (身份证, national ID) or 2 (其它, other)",
        )
    })
}

/// An exact amount as a decimal string with the currency's digits.
fn normalised_amount(text: &str, currency: Currency, path: &str) -> Result<String, CebError> {
    amount_to_minor(text, currency)
        .map(|minor| minor_to_amount(minor, currency))
        .map_err(at_path(path))
}

/// A quantity in whole units (`100`, `100.00000`); a fraction is refused, never rounded.
fn whole_quantity(text: &str, path: &str) -> Result<i64, CebError> {
    decimal_to_scaled(text, 0).map_err(|e| {
        let (kind, detail) = match e.kind {
            ErrorKind::TooPrecise => (
                ErrorKind::NotMappable,
                "the hub counts whole units; a fractional quantity cannot be mapped",
            ),
            kind => (kind, "the quantity is not a number the hub can hold"),
        };
        CebError::new(kind, path, detail)
    })
}

/// `YYYYMMDDhhmmss` in China time as RFC 3339 (`2016-03-15T15:35:55+08:00`).
fn china_time_rfc3339(text: &str, path: &str) -> Result<String, CebError> {
    if parse_ceb_time14(text, CHINA_OFFSET_MINUTES).is_none() {
        return Err(CebError::new(
            ErrorKind::InvalidTime,
            path,
            "not a real date and time written YYYYMMDDhhmmss",
        ));
    }
    // Validated above: 14 ASCII digits.
    let d = |from: usize, to: usize| &text[from..to];
    Ok(format!(
        "{}-{}-{}T{}:{}:{}+08:00",
        d(0, 4),
        d(4, 6),
        d(6, 8),
        d(8, 10),
        d(10, 12),
        d(12, 14)
    ))
}

/// An optional text that is present and not blank.
fn nonblank(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OrderList;

    fn head() -> crate::model::OrderHead {
        crate::model::OrderHead {
            order_no: "SO-1".into(),
            ebp_code: "EBP1".into(),
            ebp_name: "平台".into(),
            ebc_code: "EBC1".into(),
            ebc_name: "商家".into(),
            goods_value: "268".into(),
            freight: "30.5".into(),
            discount: "0".into(),
            tax_total: "21.95".into(),
            actural_paid: "320.45000".into(),
            currency: "142".into(),
            buyer_name: "王芳".into(),
            buyer_telephone: "13800000000".into(),
            buyer_id_type: "1".into(),
            buyer_id_number: "11010519491231002X".into(),
            consignee: "王芳".into(),
            consignee_telephone: "13800000000".into(),
            consignee_address: "杭州市文三路1号".into(),
            pay_transaction_id: Some(" ".into()),
            ..Default::default()
        }
    }

    fn line(item_no: Option<&str>, qty: &str, price: &str) -> OrderList {
        OrderList {
            gnum: 1,
            item_no: item_no.map(str::to_string),
            qty: qty.into(),
            price: price.into(),
            currency: "142".into(),
            ..Default::default()
        }
    }

    fn order(lists: Vec<OrderList>) -> Order311 {
        Order311 {
            head: head(),
            lists,
        }
    }

    #[test]
    fn an_order_maps_exactly() {
        let o = order_intake(&order(vec![line(Some("TEA-1"), "2.00000", "134")])).unwrap();
        let d = &o.draft;
        assert_eq!(d.currency.as_deref(), Some("CNY"));
        assert_eq!(d.freight.as_deref(), Some("30.50"));
        assert_eq!(d.tax_withheld.as_deref(), Some("21.95"));
        assert_eq!(d.actual_paid.as_deref(), Some("320.45"));
        assert_eq!(d.payment_transaction_id, None, "blank counts as absent");
        let lines = d.lines.as_ref().unwrap();
        assert_eq!(lines[0].sku.as_deref(), Some("TEA-1"));
        assert_eq!(lines[0].quantity, Some(2));
        assert_eq!(lines[0].unit_price.as_deref(), Some("134.00"));
        assert!(lines[0].hs_code.is_none() && lines[0].origin.is_none());
        assert_eq!(o.stated_goods_value, "268.00");
        assert_eq!(o.buyer_id_type, IdType::NationalIdCard);
        assert!(o.payment_company.is_none());
        let debug = format!("{o:?}");
        assert!(
            !debug.contains("王芳") && !debug.contains("002X"),
            "{debug}"
        );
    }

    #[test]
    fn unmappable_orders_name_the_element() {
        let cases = [
            (
                line(None, "1", "1"),
                "OrderList[1]/itemNo",
                ErrorKind::NotMappable,
            ),
            (
                line(Some(""), "1", "1"),
                "OrderList[1]/itemNo",
                ErrorKind::NotMappable,
            ),
            (
                line(Some("A"), "1.5", "1"),
                "OrderList[1]/qty",
                ErrorKind::NotMappable,
            ),
            (
                line(Some("A"), "1", "1.001"),
                "OrderList[1]/price",
                ErrorKind::TooPrecise,
            ),
        ];
        for (l, path, kind) in cases {
            let e = order_intake(&order(vec![l])).unwrap_err();
            assert_eq!((e.path.as_str(), e.kind), (path, kind));
        }
        let mut o = order(vec![line(Some("A"), "1", "1")]);
        o.head.currency = "502".into();
        let e = order_intake(&o).unwrap_err();
        assert_eq!(e.code(), "unknown_currency_code");
        assert_eq!(e.path, "OrderHead/currency");
        let mut o = order(vec![line(Some("A"), "1", "1")]);
        o.head.buyer_id_type = "9".into();
        assert_eq!(order_intake(&o).unwrap_err().path, "OrderHead/buyerIdType");
        let mut o = order(vec![line(Some("A"), "1", "1")]);
        o.lists[0].currency = "303".into();
        assert_eq!(order_intake(&o).unwrap_err().path, "OrderList[1]/currency");
    }

    #[test]
    fn pay_time_is_china_time() {
        assert_eq!(
            china_time_rfc3339("20160315153555", "p").unwrap(),
            "2016-03-15T15:35:55+08:00"
        );
        for bad in ["20160230153555", "2016031515355", "2016031515355x", ""] {
            assert_eq!(
                china_time_rfc3339(bad, "p").unwrap_err().code(),
                "invalid_time"
            );
        }
    }

    #[test]
    fn weights_are_kept_to_the_gram() {
        let mut head = LogisticsHead {
            currency: "142".into(),
            weight: "1.25".into(),
            pack_no: 1,
            ..Default::default()
        };
        let w = waybill_intake(&head).unwrap();
        assert_eq!(w.draft.gross_weight_kg.as_deref(), Some("1.250"));
        assert_eq!(
            (w.draft.freight.clone(), w.draft.bill_no.clone()),
            (None, None)
        );
        head.weight = "1.2345".into();
        let e = waybill_intake(&head).unwrap_err();
        assert_eq!(
            (e.code(), e.path.as_str()),
            ("too_precise", "LogisticsHead/weight")
        );
    }

    #[test]
    fn other_kinds_have_no_draft() {
        let m = Message::Ceb312 {
            guid: String::new(),
            version: String::new(),
            returns: Vec::new(),
        };
        assert_eq!(intake(&m).unwrap_err().code(), "not_mappable");
    }
}
