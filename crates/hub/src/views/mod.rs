//! What the API answers: domain records rendered as JSON, amounts as decimal strings, times as
//! RFC 3339, and the buyer's personal data masked for everyone but the party that submitted it.

use crate::clock::rfc3339;
use serde::Serialize;
use store::ApiKey;
use trade::order::{Buyer, BuyerIdType, Consignee, Incoterm, OrderLine};
use trade::party::{Contact, PartyStatus};
use trade::{Order, OrderStatus, Party, Product, Role};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PartyView {
    pub id: String,
    pub role: Role,
    pub legal_name: String,
    pub country: String,
    pub registration_number: String,
    /// The registration code with customs (CEB party code), when it has one.
    pub customs_code: Option<String>,
    pub contact: Contact,
    pub status: PartyStatus,
    pub created_at: String,
}

impl From<&Party> for PartyView {
    fn from(p: &Party) -> Self {
        PartyView {
            id: p.id.clone(),
            role: p.role,
            legal_name: p.legal_name.clone(),
            country: p.country.code().to_string(),
            registration_number: p.registration_number.clone(),
            customs_code: p.customs_code.clone(),
            contact: p.contact.clone(),
            status: p.status,
            created_at: rfc3339(p.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub party_id: String,
    /// The first characters of the token, to recognise it.
    pub token_prefix: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// When the key stops working; `null`: it works until revoked.
    pub expires_at: Option<String>,
}

impl From<&ApiKey> for KeyView {
    fn from(k: &ApiKey) -> Self {
        KeyView {
            id: k.id.clone(),
            party_id: k.party_id.clone(),
            token_prefix: k.token_prefix.clone(),
            created_at: rfc3339(k.created_at_ms),
            revoked_at: k.revoked_at_ms.map(rfc3339),
            expires_at: k.expires_at_ms.map(rfc3339),
        }
    }
}

/// A new key with its secret token: shown in this answer only.
#[derive(Serialize, ToSchema)]
pub struct NewKeyView {
    #[serde(flatten)]
    pub key: KeyView,
    /// The bearer token. Shown once; an idempotent replay of the request answers `null`.
    pub token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedPartyView {
    pub party: PartyView,
    pub key: NewKeyView,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub party: PartyView,
    pub key_id: String,
    pub hub: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProductView {
    pub id: String,
    pub merchant_id: String,
    pub sku: String,
    pub title: String,
    pub hs_code: String,
    pub origin: String,
    /// Decimal string in `currency`.
    pub unit_price: String,
    pub currency: String,
    /// Decimal string, kilograms.
    pub net_weight_kg: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Product> for ProductView {
    fn from(p: &Product) -> Self {
        ProductView {
            id: p.id.clone(),
            merchant_id: p.merchant_id.clone(),
            sku: p.sku.clone(),
            title: p.title.clone(),
            hs_code: p.hs_code.to_string(),
            origin: p.origin.code().to_string(),
            unit_price: p.currency.format_amount(p.unit_price),
            currency: p.currency.code().to_string(),
            net_weight_kg: trade::decimal::format_scaled(p.net_weight_g, 3),
            version: p.version,
            created_at: rfc3339(p.created_at_ms),
            updated_at: rfc3339(p.updated_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProductPage {
    pub data: Vec<ProductView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BuyerView {
    pub name: String,
    pub id_type: BuyerIdType,
    pub id_number: String,
    pub country: String,
    pub address: String,
    pub phone: String,
    /// True when the personal fields are masked (the viewer did not submit the order).
    pub masked: bool,
}

impl BuyerView {
    fn new(b: &Buyer, clear: bool) -> BuyerView {
        if clear {
            BuyerView {
                name: b.name.expose().to_string(),
                id_type: b.id_type,
                id_number: b.id_number.expose().to_string(),
                country: b.country.code().to_string(),
                address: b.address.expose().to_string(),
                phone: b.phone.expose().to_string(),
                masked: false,
            }
        } else {
            BuyerView {
                name: b.name.masked_name(),
                id_type: b.id_type,
                id_number: b.id_number.masked_tail(),
                country: b.country.code().to_string(),
                address: b.address.masked_all(),
                phone: b.phone.masked_tail(),
                masked: true,
            }
        }
    }
}

/// The receiver, when not the buyer: masked like the buyer.
#[derive(Serialize, ToSchema)]
pub struct ConsigneeView {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub masked: bool,
}

impl ConsigneeView {
    fn new(c: &Consignee, clear: bool) -> ConsigneeView {
        if clear {
            ConsigneeView {
                name: c.name.expose().to_string(),
                address: c.address.expose().to_string(),
                phone: c.phone.expose().to_string(),
                masked: false,
            }
        } else {
            ConsigneeView {
                name: c.name.masked_name(),
                address: c.address.masked_all(),
                phone: c.phone.masked_tail(),
                masked: true,
            }
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderLineView {
    pub line_no: u32,
    pub product_id: Option<String>,
    pub sku: Option<String>,
    pub hs_code: String,
    pub description: String,
    pub origin: String,
    pub quantity: u32,
    pub unit_price: String,
    /// quantity × unit_price.
    pub line_value: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub merchant_id: String,
    pub submitted_by: String,
    pub order_no: Option<String>,
    pub status: OrderStatus,
    pub buyer: BuyerView,
    /// The receiver when not the buyer; absent when the buyer receives the parcel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consignee: Option<ConsigneeView>,
    pub destination: String,
    pub currency: String,
    pub lines: Vec<OrderLineView>,
    pub goods_value: String,
    pub freight: String,
    pub insurance: String,
    /// goods_value + freight + insurance.
    pub total: String,
    pub discount: String,
    /// Duty and taxes collected at checkout, as the seller declared them.
    pub tax_withheld: String,
    /// What the buyer paid: total − discount + tax_withheld unless the seller said otherwise.
    pub actual_paid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_transaction_id: Option<String>,
    pub incoterm: Incoterm,
    pub created_at: String,
    pub updated_at: String,
}

impl OrderView {
    /// Renders `order` for `viewer_party_id`: personal data in clear only for its submitter.
    pub fn new(o: &Order, viewer_party_id: &str) -> OrderView {
        let money = |v: i64| o.currency.format_amount(v);
        OrderView {
            id: o.id.clone(),
            merchant_id: o.merchant_id.clone(),
            submitted_by: o.submitted_by.clone(),
            order_no: o.order_no.clone(),
            status: o.status,
            buyer: BuyerView::new(&o.buyer, o.submitted_by == viewer_party_id),
            consignee: o
                .consignee
                .as_ref()
                .map(|c| ConsigneeView::new(c, o.submitted_by == viewer_party_id)),
            destination: o.destination.code().to_string(),
            currency: o.currency.code().to_string(),
            lines: o
                .lines
                .iter()
                .map(|l: &OrderLine| OrderLineView {
                    line_no: l.line_no,
                    product_id: l.product_id.clone(),
                    sku: l.sku.clone(),
                    hs_code: l.hs_code.to_string(),
                    description: l.description.clone(),
                    origin: l.origin.code().to_string(),
                    quantity: l.quantity,
                    unit_price: money(l.unit_price),
                    line_value: money(l.line_value),
                })
                .collect(),
            goods_value: money(o.goods_value),
            freight: money(o.freight),
            insurance: money(o.insurance),
            total: money(o.total),
            discount: money(o.discount),
            tax_withheld: money(o.tax_withheld),
            actual_paid: money(o.actual_paid),
            payment_transaction_id: o.payment_transaction_id.clone(),
            incoterm: o.incoterm,
            created_at: rfc3339(o.created_at_ms),
            updated_at: rfc3339(o.updated_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub data: Vec<OrderView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub hub: String,
}

#[derive(Serialize, ToSchema)]
pub struct HubIdentityView {
    pub code: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 of the jurisdiction.
    pub country: String,
    /// Ed25519 public key, 32 bytes in hex.
    pub public_key: String,
    pub signature_algorithm: &'static str,
}
pub mod clearance;
pub mod ledger;
