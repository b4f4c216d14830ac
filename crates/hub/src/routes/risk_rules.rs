//! Risk rules: data that customs and the operator manage. Every change bumps the rule's version;
//! a declaration records the versions of the rules that fired on it.

use super::{idempotency, rendered};
use crate::clock::now_ms;
use crate::engine::Command;
use crate::extract::{ApiJson, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::clearance::{RiskRuleList, RiskRuleView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use customs::risk::{RiskRuleDraft, RiskRulePatch};
use store::StoredRiskRule;
use trade::id::{is_valid, IdKind};
use trade::Role;

const MANAGERS: [Role; 2] = [Role::Customs, Role::Operator];

/// A new risk rule (see `docs/api.md` for the condition kinds).
#[utoipa::path(post, path = "/v1/risk-rules", tag = "clearance", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body(content = RiskRuleDraft, example = json!({"name": "Knitted cotton shirts", "score": 10, "condition": {"kind": "hs_prefix", "prefixes": ["6109"], "restriction": "prohibited"}})),
    responses((status = 201, body = RiskRuleView), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn create_risk_rule(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<RiskRuleDraft>,
) -> Result<Response, ApiError> {
    caller.require(&MANAGERS)?;
    let now = now_ms();
    let rule = body
        .value
        .validate(state.ids.next(IdKind::RiskRule), now)
        .map_err(ApiError::validation)?;
    let location = format!("/v1/risk-rules/{}", rule.id);
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/risk-rules",
        &body.raw,
        StatusCode::CREATED,
        String::new(),
        now,
    );
    let rule = StoredRiskRule {
        rule,
        updated_by: caller.party_id.clone(),
    };
    let outcome = state
        .engine
        .submit(Command::CreateRiskRule { rule }, idem)
        .await?;
    Ok(rendered(outcome, Some(&location)))
}

/// Every risk rule, enabled or not, by id.
#[utoipa::path(get, path = "/v1/risk-rules", tag = "clearance", security(("bearer" = [])),
    responses((status = 200, body = RiskRuleList)))]
pub async fn list_risk_rules(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<RiskRuleList>, ApiError> {
    caller.require(&MANAGERS)?;
    let mut conn = state.db.read().await?;
    let rules = conn.stores().list_risk_rules().await?;
    Ok(Json(RiskRuleList {
        data: rules.iter().map(RiskRuleView::from).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/risk-rules/{id}", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = RiskRuleView), (status = 404, body = Problem)))]
pub async fn get_risk_rule(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RiskRuleView>, ApiError> {
    caller.require(&MANAGERS)?;
    if !is_valid(IdKind::RiskRule, &id) {
        return Err(ApiError::not_found("risk rule"));
    }
    let mut conn = state.db.read().await?;
    let rule = conn
        .stores()
        .get_risk_rule(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("risk rule"))?;
    Ok(Json(RiskRuleView::from(&rule)))
}

/// Changes a rule: absent fields keep their value, `channel: null` removes the least channel,
/// a new `condition` replaces the old one. The version goes up by one.
#[utoipa::path(patch, path = "/v1/risk-rules/{id}", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = RiskRulePatch,
    responses((status = 200, body = RiskRuleView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_risk_rule(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: ApiJson<RiskRulePatch>,
) -> Result<Response, ApiError> {
    caller.require(&MANAGERS)?;
    if !is_valid(IdKind::RiskRule, &id) {
        return Err(ApiError::not_found("risk rule"));
    }
    let command = Command::UpdateRiskRule {
        rule_id: id,
        patch: body.value,
        by: caller.party_id.clone(),
        at_ms: now_ms(),
    };
    Ok(rendered(state.engine.submit(command, None).await?, None))
}
