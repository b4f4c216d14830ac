//! Landed-cost quotes (public) and the rule packs behind them.

use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tariff::date::format_date;
use tariff::{QuoteError, QuoteJson, QuoteRequest, QuoteView};

/// Quotes duty, taxes and the landed cost of a parcel with the destination's rule pack in force
/// on `date`. No key needed: nothing is stored.
#[utoipa::path(post, path = "/v1/quotes", tag = "landed cost",
    request_body(content = QuoteRequest, example = json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": "5.00", "items": [{"hs_code": "6214.10", "quantity": 1, "unit_price": "150.00", "origin": "MY"}]})),
    responses((status = 200, body = QuoteView), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn create_quote(
    State(state): State<Shared>,
    body: ApiJson<QuoteRequest>,
) -> Result<Response, ApiError> {
    let input = body
        .value
        .validate(crate::clock::today_utc())
        .map_err(ApiError::validation)?;
    let fx = state.fx.table(state.db.as_ref()).await?;
    let quote = tariff::quote(&state.packs, &input, |from, to| {
        fx.get(&(from.code(), to.code())).cloned()
    })
    .map_err(quote_error)?;
    // Written straight from the engine's result (tariff::render): no intermediate view, into a
    // buffer sized for a typical answer so it is not regrown on the way.
    let mut body = Vec::with_capacity(4096);
    serde_json::to_writer(
        &mut body,
        &QuoteJson {
            quote: &quote,
            input: &input,
        },
    )
    .map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The engine's refusals, each with its stable code and the field to fix.
pub fn quote_error(e: QuoteError) -> ApiError {
    let unprocessable = |code, field: &str, detail: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "Cannot quote",
            detail,
        )
        .with_field(field)
    };
    match &e {
        QuoteError::NoPack(_) => {
            unprocessable("unsupported_destination", "destination", e.to_string())
        }
        QuoteError::NoPackOnDate { .. } => {
            unprocessable("no_rules_for_date", "date", e.to_string())
        }
        QuoteError::FxRateMissing { .. } => {
            unprocessable("fx_rate_missing", "currency", e.to_string())
        }
        QuoteError::NoRate { line, .. } => {
            unprocessable("no_rate", &format!("items[{line}].hs_code"), e.to_string())
        }
        QuoteError::TooLarge { field } => {
            unprocessable("amount_too_large", &field.clone(), e.to_string())
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RulePackList {
    pub packs: Vec<RulePackSummary>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RulePackSummary {
    pub id: String,
    pub jurisdiction: String,
    pub name: String,
    pub version: String,
    pub currency: String,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
    /// `file:line` the pack was loaded from (embedded or the `--rules` folder).
    pub source: String,
    pub regimes: Vec<RegimeSummary>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegimeSummary {
    pub code: String,
    pub name: String,
    pub max_value: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub citation: String,
}

/// Every rule pack the hub loaded, with its regimes.
#[utoipa::path(get, path = "/v1/rule-packs", tag = "landed cost",
    responses((status = 200, body = RulePackList)))]
pub async fn list_rule_packs(State(state): State<Shared>) -> Json<RulePackList> {
    let packs = state
        .packs
        .packs()
        .iter()
        .map(|p| RulePackSummary {
            id: p.id.clone(),
            jurisdiction: p.jurisdiction.to_string(),
            name: p.name.clone(),
            version: p.version.clone(),
            currency: p.currency.code().into(),
            effective_from: p.effective.from.map(format_date),
            effective_to: p.effective.until.map(format_date),
            source: format!("{}:{}", p.source.file, p.source.line),
            regimes: p
                .regimes
                .iter()
                .map(|r| RegimeSummary {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    max_value: r.max_value.map(|m| p.currency.format_amount(m)),
                    from: r.period.from.map(format_date),
                    until: r.period.until.map(format_date),
                    citation: r.citation.text.clone(),
                })
                .collect(),
        })
        .collect();
    Json(RulePackList { packs })
}
