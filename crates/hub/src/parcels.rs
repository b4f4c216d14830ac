//! A parcel's journey inside the writer: the three documents matched, the declaration cleared
//! in the same transaction as the document that completed it, officers' decisions, delivery,
//! cancellation and return, with the buyer's quota and the money moving alongside.
//!
//! Every function here runs on the writer's transaction (`s`) and the batch's working set
//! (`ctx`); the pure crates decide (`customs` for clearance, [`crate::escrow`] for the money).
//!
//! Matching: a document names its order by number (the order's `order_no`, else its id) and,
//! optionally, by merchant. It attaches to the oldest order with that number (and merchant) that
//! has no such document yet and is still `placed`; otherwise it waits, and the order attaches it
//! when it arrives. A document repeated with the same content answers the stored one; the same
//! provider transaction id (or carrier waybill number) with other content is a conflict.

use crate::engine::{Applied, EngineError, Requester};
use crate::escrow::{self, Collected, ParcelAccounts, Purpose};
use crate::views::clearance::{DeclarationView, PaymentView, WaybillView};
use crate::writer::BatchCtx;
use customs::quota::{buyer_ref_material, movement_for_transition, QuotaMovement};
use customs::{
    matching_order_no, ChannelThresholds, ClearanceInput, CustomsLimits, Decision,
    DeclarationStatus, PaymentNotice, QuotaKey, RiskFacts, Waybill,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use store::{OrderLinks, StoredDeclaration, StoredPayment, StoredWaybill, Stores};
use trade::id::IdKind;
use trade::order::Incoterm;
use trade::{Currency, Order, OrderStatus, Role};

/// A failure the landed-cost engine reports instead of a tax: the declaration cannot pass check 6.
pub const TAX_NOT_COMPUTABLE: &str = "tax_not_computable";

fn rendered(status: u16, body: String) -> Applied {
    Applied::Rendered { status, body }
}

fn to_json(view: &impl serde::Serialize) -> String {
    crate::routes::to_json(view)
}

/// The declaration of an order, when it has one.
async fn declaration_of(
    s: &mut dyn Stores,
    links: &OrderLinks,
) -> Result<Option<StoredDeclaration>, EngineError> {
    match &links.declaration_id {
        Some(id) => Ok(s.get_declaration(id).await?),
        None => Ok(None),
    }
}

/// The payment notice: held in escrow at once, matched with its order, and — when it completes
/// the three documents — cleared.
pub async fn create_payment(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    notice: PaymentNotice,
) -> Result<Applied, EngineError> {
    if let Some(stored) = s
        .find_payment(&notice.provider_id, &notice.transaction_id)
        .await?
    {
        if !same_payment(&stored.notice, &notice) {
            return Err(EngineError::Conflict {
                code: "payment_conflict",
                detail: "this provider already sent a payment with this transaction_id and other details".into(),
            });
        }
        // A repeat of the same notice: the stored one, as it stands now.
        let declaration = match &stored.order_id {
            Some(order_id) => match s.order_with_links(order_id).await? {
                Some((_, links)) => declaration_of(s, &links).await?,
                None => None,
            },
            None => None,
        };
        let view = PaymentView::new(&stored, declaration.as_ref(), &notice.provider_id);
        return Ok(rendered(200, to_json(&view)));
    }
    let currency = notice.currency;
    let provider_funds = ctx.account(Purpose::ProviderFunds, &notice.provider_id, currency);
    let escrow_account = ctx.account(Purpose::Escrow, "", currency);
    let hold = escrow::hold(
        ctx,
        &provider_funds,
        &escrow_account,
        notice.amount,
        currency,
        &notice.id,
    );
    let hold_id = hold.id.clone();
    ctx.book(s, &[hold]).await?;

    let order = find_order_for(s, &notice.order_no, notice.merchant_id.as_deref(), |l| {
        l.payment_id.is_none()
    })
    .await?;
    let stored = StoredPayment {
        notice,
        order_id: order.as_ref().map(|(o, _)| o.id.clone()),
        hold_transfer_id: Some(hold_id),
    };
    let mut declaration = None;
    match order {
        Some((order, mut links)) => {
            s.insert_payment(&stored).await?;
            links.payment_id = Some(stored.notice.id.clone());
            match links.waybill_id.clone() {
                // The clearance writes the links with the order's new status.
                Some(waybill_id) => {
                    let waybill = load_waybill(s, &waybill_id).await?;
                    declaration =
                        Some(clear_parcel(s, ctx, &order, &mut links, &stored, &waybill).await?);
                }
                None => s.set_order_links(&order.id, &links).await?,
            }
        }
        None => {
            s.insert_payment(&stored).await?;
            ctx.add_waiting(&stored.notice.order_no, 1);
        }
    }
    let view = PaymentView::new(&stored, declaration.as_ref(), &stored.notice.provider_id);
    Ok(rendered(201, to_json(&view)))
}

fn same_payment(a: &PaymentNotice, b: &PaymentNotice) -> bool {
    // Ids and times of receipt differ between two submissions of the same notice.
    PaymentNotice {
        id: String::new(),
        created_at_ms: 0,
        ..a.clone()
    } == PaymentNotice {
        id: String::new(),
        created_at_ms: 0,
        ..b.clone()
    }
}

fn same_waybill(a: &Waybill, b: &Waybill) -> bool {
    Waybill {
        id: String::new(),
        created_at_ms: 0,
        ..a.clone()
    } == Waybill {
        id: String::new(),
        created_at_ms: 0,
        ..b.clone()
    }
}

/// The waybill: matched with its order and — when it completes the three documents — cleared.
pub async fn create_waybill(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    waybill: Waybill,
) -> Result<Applied, EngineError> {
    if let Some(stored) = s
        .find_waybill(&waybill.carrier_id, &waybill.waybill_no)
        .await?
    {
        if !same_waybill(&stored.waybill, &waybill) {
            return Err(EngineError::Conflict {
                code: "waybill_conflict",
                detail:
                    "this carrier already sent a waybill with this waybill_no and other details"
                        .into(),
            });
        }
        let declaration = match &stored.order_id {
            Some(order_id) => match s.order_with_links(order_id).await? {
                Some((_, links)) => declaration_of(s, &links).await?,
                None => None,
            },
            None => None,
        };
        let view = WaybillView::new(&stored, declaration.as_ref(), &waybill.carrier_id);
        return Ok(rendered(200, to_json(&view)));
    }
    let order = find_order_for(s, &waybill.order_no, waybill.merchant_id.as_deref(), |l| {
        l.waybill_id.is_none()
    })
    .await?;
    let stored = StoredWaybill {
        order_id: order.as_ref().map(|(o, _)| o.id.clone()),
        waybill,
    };
    s.insert_waybill(&stored).await?;
    let mut declaration = None;
    match order {
        Some((order, mut links)) => {
            links.waybill_id = Some(stored.waybill.id.clone());
            match links.payment_id.clone() {
                Some(payment_id) => {
                    let payment = load_payment(s, &payment_id).await?;
                    declaration = Some(
                        clear_parcel(s, ctx, &order, &mut links, &payment, &stored.waybill).await?,
                    );
                }
                None => s.set_order_links(&order.id, &links).await?,
            }
        }
        None => ctx.add_waiting(&stored.waybill.order_no, 1),
    }
    let view = WaybillView::new(&stored, declaration.as_ref(), &stored.waybill.carrier_id);
    Ok(rendered(201, to_json(&view)))
}

/// The oldest `placed` order with this number (and merchant, when named) still missing the
/// document `free` tests for.
async fn find_order_for(
    s: &mut dyn Stores,
    number: &str,
    merchant_id: Option<&str>,
    free: impl Fn(&OrderLinks) -> bool,
) -> Result<Option<(Order, OrderLinks)>, EngineError> {
    let candidates = s.orders_by_number(number).await?;
    Ok(candidates.into_iter().find(|(o, links)| {
        o.status == OrderStatus::Placed
            && merchant_id.is_none_or(|m| m == o.merchant_id)
            && free(links)
    }))
}

async fn load_payment(s: &mut dyn Stores, id: &str) -> Result<StoredPayment, EngineError> {
    s.get_payment(id)
        .await?
        .ok_or_else(|| corrupt_link("payments", id))
}

async fn load_waybill(s: &mut dyn Stores, id: &str) -> Result<Waybill, EngineError> {
    Ok(s.get_waybill(id)
        .await?
        .ok_or_else(|| corrupt_link("waybills", id))?
        .waybill)
}

fn corrupt_link(table: &'static str, id: &str) -> EngineError {
    EngineError::Store(store::StoreError::Corrupt {
        table,
        id: id.to_string(),
        detail: "an order links to a document that does not exist".into(),
    })
}

/// A new order whose number has documents waiting: attaches the oldest of each kind (for its
/// merchant) and clears the parcel when both are there. The order is already inserted.
pub async fn order_placed(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order: &Order,
) -> Result<(), EngineError> {
    let number = matching_order_no(order).to_string();
    if ctx.waiting_count(&number) <= 0 {
        return Ok(());
    }
    let mine = |m: &Option<String>| m.as_deref().is_none_or(|m| m == order.merchant_id);
    let payment = s
        .waiting_payments(&number)
        .await?
        .into_iter()
        .find(|p| mine(&p.notice.merchant_id));
    let waybill = s
        .waiting_waybills(&number)
        .await?
        .into_iter()
        .find(|w| mine(&w.waybill.merchant_id));
    let mut links = OrderLinks::default();
    if let Some(p) = &payment {
        s.link_payment(&p.notice.id, &order.id).await?;
        links.payment_id = Some(p.notice.id.clone());
        ctx.add_waiting(&number, -1);
    }
    if let Some(w) = &waybill {
        s.link_waybill(&w.waybill.id, &order.id).await?;
        links.waybill_id = Some(w.waybill.id.clone());
        ctx.add_waiting(&number, -1);
    }
    if links == OrderLinks::default() {
        return Ok(());
    }
    match (payment, waybill) {
        (Some(mut payment), Some(w)) => {
            payment.order_id = Some(order.id.clone());
            clear_parcel(s, ctx, order, &mut links, &payment, &w.waybill).await?;
        }
        _ => s.set_order_links(&order.id, &links).await?,
    }
    Ok(())
}

/// The destination's limits, from its rule pack's `[customs]`.
fn limits_of(pack: &tariff::RulePack) -> Option<CustomsLimits> {
    let c = pack.customs.as_ref()?;
    Some(CustomsLimits {
        currency: pack.currency,
        per_order_max: c.per_order_max,
        per_buyer_year_max: c.per_buyer_year_max,
        amounts_tolerance_bps: c.amounts_tolerance_bps,
        buyer_id_rule: match c.buyer_id {
            tariff::BuyerIdCheck::None => customs::BuyerIdRule::None,
            tariff::BuyerIdCheck::CnResident => customs::BuyerIdRule::CnResident,
        },
        year_utc_offset_minutes: c.year_utc_offset_minutes,
    })
}

/// Duty and taxes of the order as the landed-cost engine computes them today, in the order's
/// currency; the reason when it cannot.
fn computed_tax(ctx: &BatchCtx<'_>, order: &Order, today: time::Date) -> Result<i64, String> {
    let input = tariff::QuoteInput {
        origin: order.lines[0].origin,
        destination: order.destination,
        currency: order.currency,
        date: today,
        incoterm: order.incoterm,
        freight: order.freight,
        insurance: order.insurance,
        items: order
            .lines
            .iter()
            .map(|l| tariff::quote::ItemInput {
                hs_code: l.hs_code.clone(),
                description: l.description.clone(),
                quantity: i64::from(l.quantity),
                unit_price: l.unit_price,
                origin: l.origin,
                unit_weight_g: None,
            })
            .collect(),
    };
    let fx = ctx.fx();
    let quote = tariff::quote(&ctx.setup().packs, &input, |from, to| {
        fx.get(&(from.code(), to.code())).cloned()
    })
    .map_err(|e| format!("the landed-cost engine cannot compute the tax: {e}"))?;
    convert(ctx, quote.tax_total, quote.currency, order.currency).ok_or_else(|| {
        format!(
            "no exchange rate from {} to {} for the computed tax",
            quote.currency, order.currency
        )
    })
}

/// `amount` of `from` in `to` at the operator's direct rate; `None` without one.
fn convert(ctx: &BatchCtx<'_>, amount: i64, from: Currency, to: Currency) -> Option<i64> {
    if from == to {
        return Some(amount);
    }
    let rate = ctx.fx().get(&(from.code(), to.code()))?;
    Some(tariff::quote::convert_minor(amount, rate, from, to))
}

/// The buyer's reference in the quota table: a hash, never the ID number itself.
fn buyer_ref(order: &Order) -> String {
    quota_buyer_ref(order.buyer.id_type, &order.buyer.id_number)
}

/// The buyer's reference in the quota table: the SHA-256 (hex) of the ID type and number in
/// normal form, never the number itself.
pub fn quota_buyer_ref(id_type: trade::order::BuyerIdType, id_number: &trade::Personal) -> String {
    let material = buyer_ref_material(id_type, id_number);
    hex::encode(Sha256::digest(material.expose().as_bytes()))
}

fn utc_date(ms: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// A date in the destination's calendar (its UTC offset).
fn local_date(ms: i64, offset_minutes: i32) -> time::Date {
    utc_date(ms.saturating_add(i64::from(offset_minutes) * 60_000))
}

/// The declaration of a parcel whose three documents are all there: the automatic checks, the
/// risk rules, the channel; the quota taken; the money captured (green), held (yellow, red) or
/// given back (rejected).
async fn clear_parcel(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order: &Order,
    links: &mut OrderLinks,
    payment: &StoredPayment,
    waybill: &Waybill,
) -> Result<StoredDeclaration, EngineError> {
    let now = ctx.now_ms;
    let id = ctx.setup().ids.next(IdKind::Declaration);
    let merchant = ctx.party(s, &order.merchant_id).await?;
    let submitter = ctx.party(s, &order.submitted_by).await?;
    let limits = ctx
        .setup()
        .packs
        .find(order.destination, utc_date(now))
        .and_then(limits_of);
    let offset = limits.map_or(0, |l| l.year_utc_offset_minutes);
    let today = local_date(now, offset);
    let tax = computed_tax(ctx, order, utc_date(now));
    let paid_in_limits =
        limits.and_then(|l| convert(ctx, order.actual_paid, order.currency, l.currency));
    let quota_key = limits.filter(|l| l.per_buyer_year_max.is_some()).map(|l| {
        QuotaKey::at(
            order.destination,
            now,
            l.year_utc_offset_minutes,
            buyer_ref(order),
        )
    });
    let used = match &quota_key {
        Some(key) => s.quota_used(key).await?,
        None => 0,
    };
    let rules = ctx.rules().to_vec();
    let enabled =
        |f: fn(&customs::Condition) -> bool| rules.iter().any(|r| r.enabled && f(&r.condition));
    let catalog_prices: HashMap<String, (i64, Currency)> =
        if enabled(|c| matches!(c, customs::Condition::Undervalued { .. })) {
            let mut skus: Vec<String> = order.lines.iter().filter_map(|l| l.sku.clone()).collect();
            skus.sort();
            skus.dedup();
            s.products_by_sku(&order.merchant_id, &skus)
                .await?
                .into_iter()
                .map(|p| (p.sku, (p.unit_price, p.currency)))
                .collect()
        } else {
            HashMap::new()
        };
    // Only whether there was one counts (a first shipment), and only when such a rule is on.
    let prior_releases = if enabled(|c| matches!(c, customs::Condition::FirstShipment)) {
        u64::from(s.merchant_has_release(&order.merchant_id).await?)
    } else {
        0
    };
    let value_in = |currency: Currency| convert(ctx, order.actual_paid, order.currency, currency);
    let merchant_name = merchant
        .as_ref()
        .map_or("", |m| m.legal_name.as_str())
        .to_string();
    let facts = RiskFacts {
        declaration_id: &id,
        seed: customs::risk::draw::seed_from_id(&id),
        order,
        value_in: &value_in,
        catalog_prices: &catalog_prices,
        merchant_name: &merchant_name,
        payer_name: Some(&payment.notice.payer.name),
        merchant_prior_releases: prior_releases,
    };
    let input = ClearanceInput {
        order,
        payment: &payment.notice,
        waybill,
        merchant: merchant.as_ref(),
        submitter: submitter.as_ref(),
        limits: limits.as_ref(),
        computed_tax: *tax.as_ref().unwrap_or(&0),
        actual_paid_in_limits_currency: paid_in_limits,
        buyer_year_used: used,
        today,
    };
    let inventory_no = inventory_number(&id);
    let (mut declaration, mut entry) = customs::clear(
        id.clone(),
        &input,
        &rules,
        &facts,
        ChannelThresholds::default(),
        inventory_no,
        now,
    );
    if let Err(reason) = &tax {
        // The engine could not compute the tax: check 6 cannot pass.
        let failure = customs::CheckFailure {
            check: 6,
            code: TAX_NOT_COMPUTABLE,
            fields: vec!["order.lines".into(), "order.destination".into()],
            detail: reason.clone(),
        };
        if declaration.status != DeclarationStatus::Rejected {
            let (rejected, rejected_entry) = reject_for(&declaration, &entry, failure);
            declaration = rejected;
            entry = rejected_entry;
        } else {
            declaration.failures.push(failure);
            declaration.failures.sort_by_key(|f| f.check);
        }
    }
    // A declaration that clears the checks (released or held) takes the order's payment from
    // the buyer's quota; a rejected one takes nothing.
    let quota = match (&quota_key, paid_in_limits, &limits) {
        (Some(key), Some(paid), Some(l)) if declaration.status.counts_toward_quota() => {
            let next = customs::quota::apply(
                used,
                &customs::quota::consume_for(key.clone(), paid).map_err(quota_error)?,
            )
            .map_err(quota_error)?;
            s.put_quota(key, l.currency, next).await?;
            Some((key.clone(), paid))
        }
        _ => None,
    };
    let mut stored = StoredDeclaration {
        declaration,
        quota,
        transfers: store::ParcelTransfers {
            hold: payment.hold_transfer_id.clone(),
            ..Default::default()
        },
    };
    settle(s, ctx, order, &mut stored, None, Some(payment)).await?;
    s.insert_declaration(&stored).await?;
    s.append_audit(&[entry]).await?;
    links.declaration_id = Some(stored.declaration.id.clone());
    let status = order_status_for(stored.declaration.status);
    s.update_order(&order.id, links, status, now).await?;
    Ok(stored)
}

/// The clearance as a rejection for `failure` (the automatic checks passed otherwise).
fn reject_for(
    d: &customs::Declaration,
    entry: &customs::AuditEntry,
    failure: customs::CheckFailure,
) -> (customs::Declaration, customs::AuditEntry) {
    let reason = format!(
        "automatic checks failed: {} {}",
        failure.check, failure.code
    );
    let declaration = customs::Declaration {
        status: DeclarationStatus::Rejected,
        channel: None,
        score: 0,
        hits: Vec::new(),
        failures: vec![failure],
        decided_at_ms: Some(d.created_at_ms),
        released_at_ms: None,
        ..d.clone()
    };
    let entry = customs::AuditEntry {
        to_status: DeclarationStatus::Rejected,
        channel: None,
        reason,
        ..entry.clone()
    };
    (declaration, entry)
}

/// An 18-character inventory list number (CEB `invtNo`), from the declaration id's time and
/// random parts.
fn inventory_number(declaration_id: &str) -> String {
    let ulid = declaration_id.rsplit('_').next().unwrap_or(declaration_id);
    let start = ulid.len().saturating_sub(18);
    ulid[start..].to_string()
}

fn order_status_for(status: DeclarationStatus) -> OrderStatus {
    match status {
        DeclarationStatus::Released => OrderStatus::Released,
        DeclarationStatus::Held => OrderStatus::Held,
        DeclarationStatus::Rejected => OrderStatus::Rejected,
        DeclarationStatus::Cancelled => OrderStatus::Cancelled,
        DeclarationStatus::Returned => OrderStatus::Returned,
    }
}

fn quota_error(e: customs::quota::QuotaError) -> EngineError {
    EngineError::Conflict {
        code: e.as_str(),
        detail: format!("the buyer's annual quota cannot change: {e}"),
    }
}

/// The accounts of a parcel in the payment's currency.
fn parcel_accounts(
    ctx: &mut BatchCtx<'_>,
    order: &Order,
    payment_provider: &str,
    currency: Currency,
) -> ParcelAccounts {
    ParcelAccounts {
        provider_funds: ctx.account(Purpose::ProviderFunds, payment_provider, currency),
        escrow: ctx.account(Purpose::Escrow, "", currency),
        customs_revenue: ctx.account(Purpose::CustomsRevenue(order.destination), "", currency),
        merchant_payable: ctx.account(Purpose::MerchantPayable, &order.merchant_id, currency),
        fees: ctx.account(Purpose::Fees, "", currency),
    }
}

/// The money for a declaration's new status (`from` is its status before; `None` at clearance):
/// release captures, rejection and cancellation before release void the hold, cancellation and
/// return after release refund. `delivered` orders refund from the merchant's account.
async fn settle(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order: &Order,
    stored: &mut StoredDeclaration,
    from: Option<DeclarationStatus>,
    payment: Option<&StoredPayment>,
) -> Result<(), EngineError> {
    let d = &stored.declaration;
    let Some(hold_id) = stored.transfers.hold.clone() else {
        return Ok(());
    };
    let payment = match payment {
        Some(p) => p.clone(),
        None => load_payment(s, &d.payment_id).await?,
    };
    let currency = payment.notice.currency;
    let user_ref = order.id.clone();
    let was_released = from == Some(DeclarationStatus::Released);
    match d.status {
        DeclarationStatus::Held => Ok(()),
        DeclarationStatus::Released => {
            // Only a declaration that passed check 7 is released: the payment is in the order's
            // currency and amount.
            let tax = match order.incoterm {
                Incoterm::Ddp => d.computed_tax,
                Incoterm::Dap => 0,
            };
            let accounts = parcel_accounts(ctx, order, &payment.notice.provider_id, currency);
            let fee_bps = ctx.setup().fee_bps;
            let release = escrow::release(
                ctx,
                &accounts,
                &hold_id,
                payment.notice.amount,
                tax,
                fee_bps,
                currency,
                &user_ref,
            );
            ctx.book(s, &release.transfers).await?;
            stored.transfers = release.parcel;
            Ok(())
        }
        DeclarationStatus::Rejected
        | DeclarationStatus::Cancelled
        | DeclarationStatus::Returned
            if !was_released =>
        {
            let transfers = escrow::void_hold(ctx, &hold_id, currency, &user_ref);
            ctx.book(s, &transfers).await
        }
        DeclarationStatus::Rejected
        | DeclarationStatus::Cancelled
        | DeclarationStatus::Returned => {
            let accounts = parcel_accounts(ctx, order, &payment.notice.provider_id, currency);
            let parcel = stored.transfers.clone();
            let mut collected = Collected {
                paid: payment.notice.amount,
                tax: 0,
                share: 0,
                fee: 0,
            };
            if let Some(id) = &parcel.tax {
                collected.tax = ctx.transfer_amount(s, id).await?;
            }
            if let Some(id) = &parcel.merchant {
                collected.share = ctx.transfer_amount(s, id).await?;
            }
            if let Some(id) = &parcel.fee {
                collected.fee = ctx.transfer_amount(s, id).await?;
            }
            let delivered = order.status == OrderStatus::Delivered;
            let transfers = escrow::refund_after_release(
                ctx, &accounts, &parcel, collected, delivered, currency, &user_ref,
            );
            ctx.book(s, &transfers).await
        }
    }
}

/// Applies a change of a declaration (decision, cancellation, return): quota, money, the stored
/// declaration (version-checked), its audit entry and the order's status.
async fn apply_change(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order: &Order,
    before: &StoredDeclaration,
    next: customs::Declaration,
    entry: customs::AuditEntry,
    order_status: OrderStatus,
) -> Result<StoredDeclaration, EngineError> {
    let from = before.declaration.status;
    let mut stored = StoredDeclaration {
        declaration: next,
        quota: before.quota.clone(),
        transfers: before.transfers.clone(),
    };
    if let Some((key, amount)) = &before.quota {
        let movement = movement_for_transition(Some(from), stored.declaration.status, key, *amount)
            .map_err(quota_error)?;
        // After clearance a declaration only ever gives back (taking happened at clearance).
        if let Some(QuotaMovement { key, amount }) = movement.filter(|m| m.amount < 0) {
            if !s.give_back_quota(&key, -amount).await? {
                return Err(quota_error(customs::quota::QuotaError::WouldGoNegative));
            }
        }
    }
    settle(s, ctx, order, &mut stored, Some(from), None).await?;
    if !s
        .update_declaration(&stored, before.declaration.version)
        .await?
    {
        return Err(EngineError::Conflict {
            code: "concurrent_update",
            detail: "the declaration changed meanwhile; retry".into(),
        });
    }
    s.append_audit(&[entry]).await?;
    s.set_order_status(&order.id, order_status, ctx.now_ms)
        .await?;
    Ok(stored)
}

fn decision_error(e: customs::DecisionError) -> EngineError {
    match e {
        customs::DecisionError::ReasonRequired
        | customs::DecisionError::ReasonTooLong
        | customs::DecisionError::ReasonInvalid => EngineError::Invalid(vec![trade::FieldError {
            field: "reason".into(),
            code: e.as_str(),
            detail: e.to_string(),
        }]),
        _ => EngineError::Conflict {
            code: e.as_str(),
            detail: e.to_string(),
        },
    }
}

/// An officer's decision on a held declaration.
pub async fn decide(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    declaration_id: &str,
    decision: Decision,
    reason: &str,
    officer: &Requester,
) -> Result<Applied, EngineError> {
    let before = s
        .get_declaration(declaration_id)
        .await?
        .ok_or(EngineError::NotFound {
            what: "declaration",
        })?;
    let (order, _) = s
        .order_with_links(&before.declaration.order_id)
        .await?
        .ok_or_else(|| corrupt_link("orders", &before.declaration.order_id))?;
    let (next, entry) = customs::decide(
        &before.declaration,
        decision,
        reason,
        &officer.party_id,
        ctx.now_ms,
    )
    .map_err(decision_error)?;
    let status = order_status_for(next.status);
    let stored = apply_change(s, ctx, &order, &before, next, entry, status).await?;
    Ok(rendered(200, to_json(&DeclarationView::from(&stored))))
}

/// Whether `by` may act on the order as its seller (merchant, submitting platform) or operator.
fn sells(order: &Order, by: &Requester) -> bool {
    by.role == Role::Operator
        || order.merchant_id == by.party_id
        || order.submitted_by == by.party_id
}

/// Whether `by` carried the parcel (the carrier of its waybill) or runs the hub.
async fn carries(
    s: &mut dyn Stores,
    links: &OrderLinks,
    by: &Requester,
) -> Result<bool, EngineError> {
    if by.role == Role::Operator {
        return Ok(true);
    }
    if by.role != Role::Logistics {
        return Ok(false);
    }
    match &links.waybill_id {
        Some(id) => Ok(s
            .get_waybill(id)
            .await?
            .is_some_and(|w| w.waybill.carrier_id == by.party_id)),
        None => Ok(false),
    }
}

async fn visible_order(
    s: &mut dyn Stores,
    order_id: &str,
    by: &Requester,
) -> Result<(Order, OrderLinks), EngineError> {
    let (order, links) = s
        .order_with_links(order_id)
        .await?
        .ok_or(EngineError::NotFound { what: "order" })?;
    if sells(&order, by) || carries(s, &links, by).await? {
        Ok((order, links))
    } else {
        Err(EngineError::NotFound { what: "order" })
    }
}

fn order_view(order: &Order, status: OrderStatus, viewer: &str, at_ms: i64) -> String {
    let mut shown = order.clone();
    shown.status = status;
    shown.updated_at_ms = at_ms;
    to_json(&crate::views::OrderView::new(&shown, viewer))
}

fn not_now(order: &Order, to: OrderStatus) -> EngineError {
    EngineError::Conflict {
        code: "invalid_order_status",
        detail: format!(
            "a {} order cannot become {}",
            order.status.as_str(),
            to.as_str()
        ),
    }
}

/// The order is cancelled: its declaration with it, the quota given back, the buyer refunded.
pub async fn cancel_order(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order_id: &str,
    reason: &str,
    by: &Requester,
) -> Result<Applied, EngineError> {
    let (order, links) = visible_order(s, order_id, by).await?;
    if !sells(&order, by) {
        return Err(EngineError::NotFound { what: "order" });
    }
    if !order.status.can_become(OrderStatus::Cancelled) {
        return Err(not_now(&order, OrderStatus::Cancelled));
    }
    match declaration_of(s, &links).await? {
        Some(before) => {
            let (next, entry) =
                customs::cancel(&before.declaration, reason, &by.party_id, ctx.now_ms)
                    .map_err(decision_error)?;
            apply_change(s, ctx, &order, &before, next, entry, OrderStatus::Cancelled).await?;
        }
        None => {
            checked_reason(reason)?;
            // No declaration yet: a payment already held goes back.
            if let Some(payment_id) = &links.payment_id {
                let payment = load_payment(s, payment_id).await?;
                if let Some(hold) = &payment.hold_transfer_id {
                    let transfers =
                        escrow::void_hold(ctx, hold, payment.notice.currency, &order.id);
                    ctx.book(s, &transfers).await?;
                }
            }
            s.set_order_status(&order.id, OrderStatus::Cancelled, ctx.now_ms)
                .await?;
        }
    }
    Ok(rendered(
        200,
        order_view(&order, OrderStatus::Cancelled, &by.party_id, ctx.now_ms),
    ))
}

/// The reason of a change without a declaration: required, at most 500 characters.
fn checked_reason(reason: &str) -> Result<(), EngineError> {
    let reason = reason.trim();
    let code = if reason.is_empty() {
        Some(customs::DecisionError::ReasonRequired)
    } else if reason.chars().count() > customs::declaration::MAX_REASON_CHARS {
        Some(customs::DecisionError::ReasonTooLong)
    } else if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Some(customs::DecisionError::ReasonInvalid)
    } else {
        None
    };
    code.map_or(Ok(()), |e| Err(decision_error(e)))
}

/// The parcel came back after release (refused at the door, or returned after delivery).
pub async fn return_order(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order_id: &str,
    reason: &str,
    by: &Requester,
) -> Result<Applied, EngineError> {
    let (order, links) = visible_order(s, order_id, by).await?;
    if !order.status.can_become(OrderStatus::Returned) {
        return Err(not_now(&order, OrderStatus::Returned));
    }
    let before = declaration_of(s, &links)
        .await?
        .ok_or_else(|| not_now(&order, OrderStatus::Returned))?;
    let (next, entry) =
        customs::mark_returned(&before.declaration, reason, &by.party_id, ctx.now_ms)
            .map_err(decision_error)?;
    apply_change(s, ctx, &order, &before, next, entry, OrderStatus::Returned).await?;
    Ok(rendered(
        200,
        order_view(&order, OrderStatus::Returned, &by.party_id, ctx.now_ms),
    ))
}

/// The parcel reached the buyer: the merchant's share and the hub's fee are captured.
pub async fn deliver_order(
    s: &mut dyn Stores,
    ctx: &mut BatchCtx<'_>,
    order_id: &str,
    by: &Requester,
) -> Result<Applied, EngineError> {
    let (order, links) = visible_order(s, order_id, by).await?;
    if !(carries(s, &links, by).await?) {
        return Err(EngineError::NotFound { what: "order" });
    }
    if !order.status.can_become(OrderStatus::Delivered) {
        return Err(not_now(&order, OrderStatus::Delivered));
    }
    let declaration = declaration_of(s, &links)
        .await?
        .ok_or_else(|| not_now(&order, OrderStatus::Delivered))?;
    let payment = load_payment(s, &declaration.declaration.payment_id).await?;
    let transfers = escrow::deliver(
        ctx,
        &declaration.transfers,
        payment.notice.currency,
        &order.id,
    );
    ctx.book(s, &transfers).await?;
    s.set_order_status(&order.id, OrderStatus::Delivered, ctx.now_ms)
        .await?;
    Ok(rendered(
        200,
        order_view(&order, OrderStatus::Delivered, &by.party_id, ctx.now_ms),
    ))
}
