//! China customs CEB messages: the hub's other way in for the three documents (CEB311 order,
//! CEB411 payment, CEB511 waybill), answered with their receipts; and the CEB621 inventory list
//! of a cleared declaration, signed by the hub.
//!
//! Intake and clearance are separate steps, as in the customs system: a well-formed document
//! whose parties and fields check out is received (`120`) even when a clearance check fails
//! later — that failure is in the declaration (`GET /v1/declarations/{id}`). A document refused
//! at intake (unknown party code, a sender acting for another party, a field the hub cannot
//! take) is answered `100` with the reason. A message that is not well-formed or not valid
//! against the schema is answered with a failure receipt (the kind's, or CEB900).

use crate::clock::now_ms;
use crate::engine::{Applied, CebIntake, Command, Outcome};
use crate::extract::Caller;
use crate::identity;
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use ceb::intake::{Draft, OrderIntake, PaymentIntake, WaybillIntake};
use ceb::{CebError, Message};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use store::{CebMessageRecord, Stores};
use trade::id::{is_valid, IdKind};
use trade::order::Submission;
use trade::party::PartyStatus;
use trade::{Party, Role};

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

fn is_xml(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let essence = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/xml" || essence == "text/xml"
        })
        .unwrap_or(false)
}

/// Receives a CEB311, CEB411 or CEB511 message (`Content-Type: application/xml`) and answers
/// its receipt (CEB312, CEB412, CEB512) as XML: one `*Return` per document, `120` received or
/// `100` refused with the reason. A message that cannot be read is answered `400` with a failure
/// receipt. Sending the same message again (same guid, same body) answers the same receipt;
/// another message under a guid the sender used answers `409` with a failure receipt.
#[utoipa::path(post, path = "/ceb/v1/messages", tag = "clearance", security(("bearer" = [])),
    request_body(content = String, content_type = "application/xml", description = "A CEB311, CEB411 or CEB511 message of the 2022-05 standard"),
    responses((status = 200, description = "The receipt (CEB312, CEB412, CEB512), application/xml"),
        (status = 400, description = "A failure receipt (the kind's, or CEB900), application/xml"),
        (status = 409, description = "A failure receipt: the guid was used for another message"),
        (status = 401, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 503, body = Problem)))]
pub async fn receive(
    State(state): State<Shared>,
    caller: Caller,
    headers: HeaderMap,
    raw: Bytes,
) -> Result<Response, ApiError> {
    if !is_xml(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the CEB message as application/xml",
        ));
    }
    let now = now_ms();
    let mut record = CebMessageRecord {
        id: state.ids.next(IdKind::Message),
        sender_id: caller.party_id.clone(),
        message_type: "unknown".into(),
        guid: None,
        body: String::from_utf8_lossy(&raw).into_owned(),
        receipt: String::new(),
        received_at_ms: now,
    };
    let (message, documents) = match ceb::parse(&raw) {
        Err(e) => {
            record.receipt = ceb::failure_receipt(&raw, &e, now);
            (None, Vec::new())
        }
        Ok(message) => {
            record.message_type = message.kind().root_name().to_string();
            record.guid = Some(message.guid().to_string());
            let documents = documents_of(&state, &caller, &message).await?;
            (Some(message), documents)
        }
    };
    let intake = CebIntake {
        record,
        message,
        documents,
    };
    let outcome = state
        .engine
        .submit(
            Command::ReceiveCeb {
                intake: Box::new(intake),
            },
            None,
        )
        .await?;
    match outcome {
        Outcome::Applied(Applied::Receipt {
            status,
            xml: receipt,
        }) => Ok(xml(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            receipt,
        )),
        _ => Err(ApiError::internal(
            &"unexpected engine outcome for a CEB message",
        )),
    }
}

/// Each document of the message as the command it becomes, or why intake refuses it.
async fn documents_of(
    state: &Shared,
    caller: &Caller,
    message: &Message,
) -> Result<Vec<Result<Command, String>>, ApiError> {
    let drafts = match ceb::intake(message) {
        Ok(drafts) => drafts,
        Err(e) => {
            // A kind the hub does not take: every document is refused with the reason.
            let reason = format!(
                "{}: this hub takes CEB311, CEB411 and CEB511 ({})",
                e.code(),
                e.detail
            );
            return Ok((0..message.document_count())
                .map(|_| Err(reason.clone()))
                .collect());
        }
    };
    let mut conn = state.db.read().await?;
    let mut parties = PartyCodes::default();
    let mut out = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let command = match draft {
            Err(e) => Err(ceb_reason(&e)),
            Ok(Draft::Order(o)) => {
                order_command(state, caller, conn.stores(), &mut parties, &o).await?
            }
            Ok(Draft::Payment(p)) => {
                payment_command(state, caller, conn.stores(), &mut parties, &p).await?
            }
            Ok(Draft::Waybill(w)) => {
                waybill_command(state, caller, conn.stores(), &mut parties, &w).await?
            }
        };
        out.push(command);
    }
    Ok(out)
}

fn ceb_reason(e: &CebError) -> String {
    format!("{} at {}: {}", e.code(), e.path, e.detail)
}

/// Party codes looked up once per message.
#[derive(Default)]
struct PartyCodes(HashMap<String, Option<Party>>);

impl PartyCodes {
    /// The active party of `role` registered with customs `code`; the reason otherwise.
    async fn find(
        &mut self,
        s: &mut dyn Stores,
        field: &str,
        code: &str,
        role: Role,
    ) -> Result<Result<Party, String>, ApiError> {
        if !self.0.contains_key(code) {
            let found = s.find_party_by_customs_code(code).await?;
            self.0.insert(code.to_string(), found);
        }
        Ok(match self.0.get(code).cloned().flatten() {
            Some(p) if p.role == role && p.status == PartyStatus::Active => Ok(p),
            Some(p) if p.role != role => Err(format!(
                "unknown_party: {field} {code} is a {} of this hub, not a {}",
                p.role.as_str(),
                role.as_str()
            )),
            Some(_) => Err(format!(
                "party_suspended: {field} {code} is suspended at this hub"
            )),
            None => Err(format!(
                "unknown_party: {field} {code} is not a registered party of this hub"
            )),
        })
    }
}

/// A sender sends for itself; the operator for anyone.
fn sends_for(caller: &Caller, party: &Party) -> Result<(), String> {
    if caller.role == Role::Operator || caller.party_id == party.id {
        Ok(())
    } else {
        Err(format!(
            "not_your_party: the sender is not {} ({}); a party sends its own documents",
            party.customs_code.as_deref().unwrap_or(""),
            party.role.as_str()
        ))
    }
}

fn field_reasons(errors: &[trade::FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}: {}", e.field, e.code, e.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn order_command(
    state: &Shared,
    caller: &Caller,
    s: &mut dyn Stores,
    parties: &mut PartyCodes,
    o: &OrderIntake,
) -> Result<Result<Command, String>, ApiError> {
    let merchant = match parties
        .find(s, "ebcCode", &o.merchant.code, Role::Merchant)
        .await?
    {
        Ok(m) => m,
        Err(reason) => return Ok(Err(reason)),
    };
    // The platform: a platform party, or the merchant itself selling on its own site.
    let submitter = if o.platform.code == o.merchant.code {
        merchant.clone()
    } else {
        match parties
            .find(s, "ebpCode", &o.platform.code, Role::Platform)
            .await?
        {
            Ok(p) => p,
            Err(reason) => return Ok(Err(reason)),
        }
    };
    if let Err(reason) = sends_for(caller, &submitter) {
        return Ok(Err(reason));
    }
    let skus = o.draft.skus();
    // On the reader this handler holds (a second one from the pool could deadlock it).
    let catalog = state.catalog.products_on(s, &merchant.id, &skus).await?;
    let order = o.draft.validate(Submission {
        id: state.ids.next(IdKind::Order),
        merchant_id: merchant.id.clone(),
        submitted_by: submitter.id.clone(),
        now_ms: now_ms(),
        catalog: &catalog,
    });
    Ok(order
        .map(|order| Command::CreateOrder { order })
        .map_err(|errors| field_reasons(&errors)))
}

async fn payment_command(
    state: &Shared,
    caller: &Caller,
    s: &mut dyn Stores,
    parties: &mut PartyCodes,
    p: &PaymentIntake,
) -> Result<Result<Command, String>, ApiError> {
    let provider = match parties
        .find(s, "payCode", &p.payment_company.code, Role::Payment)
        .await?
    {
        Ok(provider) => provider,
        Err(reason) => return Ok(Err(reason)),
    };
    if let Err(reason) = sends_for(caller, &provider) {
        return Ok(Err(reason));
    }
    let mut draft = p.draft.clone();
    // The platform by its hub id, when the hub knows its code.
    draft.platform_id = match parties
        .find(s, "ebpCode", &p.platform.code, Role::Platform)
        .await?
    {
        Ok(platform) => Some(platform.id),
        Err(_) => None,
    };
    Ok(draft
        .validate(state.ids.next(IdKind::Payment), provider.id, now_ms())
        .map(|payment| Command::CreatePayment { payment })
        .map_err(|errors| field_reasons(&errors)))
}

async fn waybill_command(
    state: &Shared,
    caller: &Caller,
    s: &mut dyn Stores,
    parties: &mut PartyCodes,
    w: &WaybillIntake,
) -> Result<Result<Command, String>, ApiError> {
    let carrier = match parties
        .find(s, "logisticsCode", &w.logistics.code, Role::Logistics)
        .await?
    {
        Ok(carrier) => carrier,
        Err(reason) => return Ok(Err(reason)),
    };
    if let Err(reason) = sends_for(caller, &carrier) {
        return Ok(Err(reason));
    }
    Ok(w.draft
        .validate(state.ids.next(IdKind::Waybill), carrier.id, now_ms())
        .map(|waybill| Command::CreateWaybill { waybill })
        .map_err(|errors| field_reasons(&errors)))
}

/// The CEB621 inventory list of a declaration that passed the automatic checks, signed with the
/// hub's key (see `docs/api.md`: how to verify the signature).
#[utoipa::path(get, path = "/v1/declarations/{id}/ceb621", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The CEB621 message, application/xml"), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn inventory_list(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&[
        Role::Customs,
        Role::Operator,
        Role::Merchant,
        Role::Platform,
    ])?;
    if !is_valid(IdKind::Declaration, &id) {
        return Err(ApiError::not_found("declaration"));
    }
    let mut conn = state.db.read().await?;
    let s = conn.stores();
    let stored = s
        .get_declaration(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("declaration"))?;
    let d = &stored.declaration;
    let sees_all = matches!(caller.role, Role::Customs | Role::Operator);
    if !sees_all && d.merchant_id != caller.party_id && d.submitted_by != caller.party_id {
        return Err(ApiError::not_found("declaration"));
    }
    if !d.failures.is_empty() {
        return Err(ApiError::conflict(
            "not_cleared",
            "the declaration failed the automatic checks: no inventory list is filed for it",
        ));
    }
    let (order, _) = s
        .order_with_links(&d.order_id)
        .await?
        .ok_or_else(|| ApiError::not_found("declaration"))?;
    let payment = s
        .get_payment(&d.payment_id)
        .await?
        .ok_or_else(|| ApiError::not_found("declaration"))?;
    let waybill = s
        .get_waybill(&d.waybill_id)
        .await?
        .ok_or_else(|| ApiError::not_found("declaration"))?;
    let party = |p: Option<Party>, what: &'static str| -> Result<Party, ApiError> {
        p.ok_or_else(|| ApiError::internal(&format!("the declaration's {what} is not a party")))
    };
    let merchant = party(s.get_party(&d.merchant_id).await?, "merchant")?;
    let submitter = party(s.get_party(&d.submitted_by).await?, "submitter")?;
    let carrier = party(s.get_party(&waybill.waybill.carrier_id).await?, "carrier")?;
    let customs_party = |p: &Party, field: &str| -> Result<ceb::intake::CustomsParty, ApiError> {
        match &p.customs_code {
            Some(code) => Ok(ceb::intake::CustomsParty {
                code: code.clone(),
                name: p.legal_name.clone(),
            }),
            None => Err(ApiError::conflict(
                "customs_code_missing",
                format!("the {field} ({}) has no customs_code: the inventory list names every party by its customs code", p.id),
            )
            .with_field(field.to_string())),
        }
    };
    let mut skus: Vec<String> = order.lines.iter().filter_map(|l| l.sku.clone()).collect();
    skus.sort();
    skus.dedup();
    let products = s.products_by_sku(&order.merchant_id, &skus).await?;
    let weight_of = |sku: &Option<String>| {
        sku.as_ref()
            .and_then(|k| products.iter().find(|p| &p.sku == k))
            .map(|p| p.net_weight_g)
    };
    let net_weight_g = order
        .lines
        .iter()
        .map(|l| weight_of(&l.sku).map(|w| w * i64::from(l.quantity)))
        .sum::<Option<i64>>()
        .unwrap_or(waybill.waybill.gross_weight_g);
    let country_code = |c: trade::Country| {
        match state.customs.country_codes.get(c.code()) {
        Some(code) => Ok(code.clone()),
        None => ceb::codes::customs_country_code(c).map(str::to_string).map_err(|_| {
            ApiError::conflict(
                "customs_country_code_missing",
                format!("no customs country code is set for {c}: set customs.country_codes.{c} in the hub's configuration"),
            )
        }),
    }
    };
    let lines = order
        .lines
        .iter()
        .map(|l| {
            Ok(ceb::InventoryLineCodes {
                gcode: None,
                gmodel: None,
                // Counted in pieces (customs unit 007, 个): the hub's catalog holds no legal units.
                unit: "007".into(),
                legal_qty: l.quantity.to_string(),
                legal_unit: "007".into(),
                second_qty: None,
                second_unit: None,
                origin_country: country_code(l.origin)?,
                item_record_no: None,
                bar_code: None,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let config = &state.customs;
    let parcel = ceb::ClearedParcel {
        order: &order,
        payment: &payment.notice,
        waybill: &waybill.waybill,
        guid: guid_of(&d.id),
        inventory_no: d.inventory_no.clone(),
        declaration_id: d.id.clone(),
        platform: customs_party(&submitter, "platform")?,
        merchant: customs_party(&merchant, "merchant")?,
        logistics: customs_party(&carrier, "logistics")?,
        agent: ceb::intake::CustomsParty {
            code: config.agent_code.clone(),
            name: state.hub.name.clone(),
        },
        guarantor: ceb::Guarantor::Platform,
        customs_code: config.district.clone(),
        port_code: config.district.clone(),
        trade_mode: ceb::TradeMode::DirectPurchase,
        warehouse: None,
        transport: ceb::Transport {
            traf_mode: config.traf_mode.clone(),
            traf_no: None,
            voyage_no: None,
        },
        departure_country: country_code(merchant.country)?,
        lines,
        net_weight_g,
        declared_at_ms: d.created_at_ms,
        dxp_id: config.dxp_id.clone(),
        signature: ceb::SignatureBlock::default(),
    };
    let doc = ceb::from_clearance(&parcel).map_err(not_mappable)?;
    let xml_text = signed_ceb621(&state, doc)?;
    Ok(xml(StatusCode::OK, xml_text))
}

fn not_mappable(e: CebError) -> ApiError {
    ApiError::conflict("ceb621_not_mappable", ceb_reason(&e))
}

/// A 36-character guid for the declaration's message, the same every time (from its id).
fn guid_of(declaration_id: &str) -> String {
    let h = hex::encode_upper(Sha256::digest(declaration_id.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub const SIGNATURE_METHOD: &str = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519";
pub const DIGEST_METHOD: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// The message without its `ds:Signature` element: what the digest covers.
pub fn without_signature(xml: &str) -> Option<String> {
    let start = xml.find("<ds:Signature")?;
    let end = xml.find("</ds:Signature>")? + "</ds:Signature>".len();
    let end = if xml[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some(format!("{}{}", &xml[..start], &xml[end..]))
}

/// The `ds:SignedInfo` element as written: what the signature covers.
pub fn signed_info(xml: &str) -> Option<&str> {
    let start = xml.find("<ds:SignedInfo>")?;
    let end = xml.find("</ds:SignedInfo>")? + "</ds:SignedInfo>".len();
    Some(&xml[start..end])
}

/// Renders the list and signs it: the SHA-256 digest of the message without its signature goes
/// into `SignedInfo`, and the hub's Ed25519 signature over `SignedInfo` as written into
/// `SignatureValue`.
fn signed_ceb621(state: &Shared, mut doc: ceb::InventoryDoc) -> Result<String, ApiError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    doc.signature = ceb::SignatureBlock {
        canonicalization_method: ceb::SignatureBlock::C14N.into(),
        signature_method: SIGNATURE_METHOD.into(),
        reference_uri: String::new(),
        transforms: vec![ceb::SignatureBlock::ENVELOPED.into()],
        digest_method: DIGEST_METHOD.into(),
        digest_value: String::new(),
        signature_value: String::new(),
        key_name: Some(state.hub.code.clone()),
        x509_certificate: None,
    };
    let render = |doc: &ceb::InventoryDoc| ceb::render_ceb621(doc).map_err(not_mappable);
    let unsigned = render(&doc)?;
    let body = without_signature(&unsigned)
        .ok_or_else(|| ApiError::internal(&"the list has no signature element"))?;
    doc.signature.digest_value = b64.encode(Sha256::digest(body.as_bytes()));
    let digested = render(&doc)?;
    let info =
        signed_info(&digested).ok_or_else(|| ApiError::internal(&"the list has no SignedInfo"))?;
    doc.signature.signature_value = b64.encode(identity::sign(&state.signing_key, info.as_bytes()));
    render(&doc)
}
