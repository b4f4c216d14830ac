//! Payment notices, waybills, declarations and their audit trail as the API answers them.
//! Personal data (payer, consignee) is in clear only for the party that sent the document.

use crate::clock::rfc3339;
use customs::{AuditEntry, Channel, CheckFailure, DeclarationStatus, RuleHit};
use serde::Serialize;
use store::{StoredDeclaration, StoredPayment, StoredWaybill};
use trade::order::BuyerIdType;
use trade::Personal;
use utoipa::ToSchema;

/// Where a parcel's declaration stands, in the answers about its documents.
#[derive(Serialize, ToSchema)]
pub struct DeclarationSummary {
    pub id: String,
    pub status: DeclarationStatus,
    /// green, yellow or red; absent when the automatic checks failed.
    pub channel: Option<Channel>,
}

impl DeclarationSummary {
    fn of(d: Option<&StoredDeclaration>) -> Option<DeclarationSummary> {
        d.map(|d| DeclarationSummary {
            id: d.declaration.id.clone(),
            status: d.declaration.status,
            channel: d.declaration.channel,
        })
    }
}

fn shown(value: &Personal, clear: bool, mask: fn(&Personal) -> String) -> String {
    if clear {
        value.expose().to_string()
    } else {
        mask(value)
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayerView {
    pub name: String,
    pub id_type: BuyerIdType,
    pub id_number: String,
    pub phone: Option<String>,
    /// True when the personal fields are masked (the viewer did not send the notice).
    pub masked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub provider_id: String,
    pub transaction_id: String,
    pub order_no: String,
    pub merchant_id: Option<String>,
    pub platform_id: Option<String>,
    pub payer: PayerView,
    /// Decimal string in `currency`.
    pub amount: String,
    pub currency: String,
    pub paid_at: String,
    pub created_at: String,
    /// The order it was matched with; null while it waits for the order.
    pub order_id: Option<String>,
    /// The pending ledger transfer that holds the payment in escrow.
    pub hold_transfer_id: Option<String>,
    /// The declaration, once the three documents were matched.
    pub declaration: Option<DeclarationSummary>,
}

impl PaymentView {
    pub fn new(
        p: &StoredPayment,
        declaration: Option<&StoredDeclaration>,
        viewer: &str,
    ) -> PaymentView {
        let n = &p.notice;
        let clear = n.provider_id == viewer;
        PaymentView {
            id: n.id.clone(),
            provider_id: n.provider_id.clone(),
            transaction_id: n.transaction_id.clone(),
            order_no: n.order_no.clone(),
            merchant_id: n.merchant_id.clone(),
            platform_id: n.platform_id.clone(),
            payer: PayerView {
                name: shown(&n.payer.name, clear, Personal::masked_name),
                id_type: n.payer.id_type,
                id_number: shown(&n.payer.id_number, clear, Personal::masked_tail),
                phone: n
                    .payer
                    .phone
                    .as_ref()
                    .map(|p| shown(p, clear, Personal::masked_tail)),
                masked: !clear,
            },
            amount: n.currency.format_amount(n.amount),
            currency: n.currency.code().to_string(),
            paid_at: rfc3339(n.paid_at_ms),
            created_at: rfc3339(n.created_at_ms),
            order_id: p.order_id.clone(),
            hold_transfer_id: p.hold_transfer_id.clone(),
            declaration: DeclarationSummary::of(declaration),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WaybillConsigneeView {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub masked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WaybillView {
    pub id: String,
    pub carrier_id: String,
    pub waybill_no: String,
    pub bill_no: Option<String>,
    pub order_no: String,
    pub merchant_id: Option<String>,
    pub consignee: WaybillConsigneeView,
    /// Decimal string, kilograms.
    pub gross_weight_kg: String,
    pub package_count: u32,
    pub freight: Option<String>,
    pub insurance: Option<String>,
    pub currency: Option<String>,
    pub goods_description: Option<String>,
    pub created_at: String,
    pub order_id: Option<String>,
    pub declaration: Option<DeclarationSummary>,
}

impl WaybillView {
    pub fn new(
        w: &StoredWaybill,
        declaration: Option<&StoredDeclaration>,
        viewer: &str,
    ) -> WaybillView {
        let b = &w.waybill;
        let clear = b.carrier_id == viewer;
        let money = |v: Option<i64>| match (v, b.currency) {
            (Some(v), Some(c)) => Some(c.format_amount(v)),
            _ => None,
        };
        WaybillView {
            id: b.id.clone(),
            carrier_id: b.carrier_id.clone(),
            waybill_no: b.waybill_no.clone(),
            bill_no: b.bill_no.clone(),
            order_no: b.order_no.clone(),
            merchant_id: b.merchant_id.clone(),
            consignee: WaybillConsigneeView {
                name: shown(&b.consignee.name, clear, Personal::masked_name),
                address: shown(&b.consignee.address, clear, Personal::masked_all),
                phone: shown(&b.consignee.phone, clear, Personal::masked_tail),
                masked: !clear,
            },
            gross_weight_kg: trade::decimal::format_scaled(b.gross_weight_g, 3),
            package_count: b.package_count,
            freight: money(b.freight),
            insurance: money(b.insurance),
            currency: b.currency.map(|c| c.code().to_string()),
            goods_description: b.goods_description.clone(),
            created_at: rfc3339(b.created_at_ms),
            order_id: w.order_id.clone(),
            declaration: DeclarationSummary::of(declaration),
        }
    }
}

/// The parcel's ledger transfers.
#[derive(Serialize, ToSchema)]
pub struct ParcelTransfersView {
    pub hold: Option<String>,
    pub tax: Option<String>,
    pub merchant: Option<String>,
    pub fee: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationView {
    pub id: String,
    pub order_id: String,
    pub payment_id: String,
    pub waybill_id: String,
    pub merchant_id: String,
    pub submitted_by: String,
    pub destination: String,
    pub currency: String,
    pub status: DeclarationStatus,
    pub channel: Option<Channel>,
    /// Sum of the fired rules' scores, capped at 100.
    pub score: i32,
    /// The automatic checks that failed, in check order.
    pub failures: Vec<CheckFailure>,
    /// The risk rules that fired, with their versions and why.
    pub hits: Vec<RuleHit>,
    /// The random-selection seed (a decimal string: 64 bits), to replay the assessment.
    pub seed: String,
    /// Duty and taxes computed at clearance, decimal string in `currency`.
    pub computed_tax: String,
    /// The inventory list number (CEB invtNo).
    pub inventory_no: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub released_at: Option<String>,
    pub version: i64,
    pub transfers: ParcelTransfersView,
}

impl From<&StoredDeclaration> for DeclarationView {
    fn from(s: &StoredDeclaration) -> Self {
        let d = &s.declaration;
        DeclarationView {
            id: d.id.clone(),
            order_id: d.order_id.clone(),
            payment_id: d.payment_id.clone(),
            waybill_id: d.waybill_id.clone(),
            merchant_id: d.merchant_id.clone(),
            submitted_by: d.submitted_by.clone(),
            destination: d.destination.code().to_string(),
            currency: d.currency.code().to_string(),
            status: d.status,
            channel: d.channel,
            score: d.score,
            failures: d.failures.clone(),
            hits: d.hits.clone(),
            seed: d.seed.to_string(),
            computed_tax: d.currency.format_amount(d.computed_tax),
            inventory_no: d.inventory_no.clone(),
            created_at: rfc3339(d.created_at_ms),
            decided_at: d.decided_at_ms.map(rfc3339),
            released_at: d.released_at_ms.map(rfc3339),
            version: d.version,
            transfers: ParcelTransfersView {
                hold: s.transfers.hold.clone(),
                tax: s.transfers.tax.clone(),
                merchant: s.transfers.merchant.clone(),
                fee: s.transfers.fee.clone(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeclarationPage {
    pub data: Vec<DeclarationView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    /// The officer, the party that cancelled or returned, or `system` for the clearance.
    pub actor_id: String,
    /// cleared, released, rejected, inspect, cancelled or returned.
    pub action: String,
    pub from_status: Option<DeclarationStatus>,
    pub to_status: DeclarationStatus,
    pub channel: Option<Channel>,
    pub reason: String,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(e: &AuditEntry) -> Self {
        AuditEntryView {
            seq: e.seq,
            at: rfc3339(e.at_ms),
            actor_id: e.actor_id.clone(),
            action: e.action.to_string(),
            from_status: e.from_status,
            to_status: e.to_status,
            channel: e.channel,
            reason: e.reason.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditTrail {
    pub declaration_id: String,
    pub entries: Vec<AuditEntryView>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentPage {
    pub data: Vec<PaymentView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WaybillPage {
    pub data: Vec<WaybillView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RiskRuleView {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// 1 when created, +1 with every change; declarations record the version that fired.
    pub version: i64,
    /// Added to a declaration's score when the rule fires.
    pub score: i32,
    /// The least channel of a declaration the rule fires on.
    pub channel: Option<Channel>,
    /// When the rule fires, tagged by `kind` (amounts as decimal strings).
    #[schema(value_type = Object)]
    pub condition: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A condition as officers write it: like the stored form, with a value band's bounds as
/// decimal strings of its currency.
fn condition_json(c: &customs::Condition) -> serde_json::Value {
    match c {
        customs::Condition::ValueBand { currency, min, max } => serde_json::json!({
            "kind": "value_band",
            "currency": currency.code(),
            "min": min.map(|v| currency.format_amount(v)),
            "max": max.map(|v| currency.format_amount(v)),
        }),
        // Plain data: serializing it cannot fail.
        other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
    }
}

impl From<&store::StoredRiskRule> for RiskRuleView {
    fn from(s: &store::StoredRiskRule) -> Self {
        let r = &s.rule;
        RiskRuleView {
            id: r.id.clone(),
            name: r.name.clone(),
            enabled: r.enabled,
            version: r.version,
            score: r.score,
            channel: r.min_channel,
            condition: condition_json(&r.condition),
            created_at: rfc3339(r.created_at_ms),
            updated_at: rfc3339(r.updated_at_ms),
            updated_by: s.updated_by.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskRuleList {
    pub data: Vec<RiskRuleView>,
}
