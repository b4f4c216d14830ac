//! The operator's exchange-rate table: what quotes (and later payouts) convert with.

use crate::clock::{now_ms, parse_rfc3339, rfc3339};
use crate::engine::Command;
use crate::extract::{ApiJson, Caller};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use store::FxRateRecord;
use tariff::Rate;
use trade::validate::Problems;
use trade::{Currency, Role};

/// At most this many pairs per PUT.
const MAX_RATES: usize = 500;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FxRatesPut {
    pub rates: Option<Vec<FxRateInput>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FxRateInput {
    /// ISO 4217: one unit of this currency…
    pub base: Option<String>,
    /// …is `rate` units of this one.
    pub quote: Option<String>,
    /// A positive decimal string, at most 10 fraction digits: `"0.9215"`.
    pub rate: Option<String>,
    /// Where the rate comes from: `"ECB reference rate"`, a bank, a contract.
    pub source: Option<String>,
    /// RFC 3339 time the rate was observed; default now.
    pub as_of: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FxRatesView {
    pub rates: Vec<FxRateView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FxRateView {
    pub base: String,
    pub quote: String,
    pub rate: String,
    pub source: String,
    pub as_of: String,
    pub set_at: String,
}

fn view(rows: &[FxRateRecord]) -> FxRatesView {
    FxRatesView {
        rates: rows
            .iter()
            .map(|r| FxRateView {
                base: r.base.clone(),
                quote: r.quote.clone(),
                rate: r.rate.clone(),
                source: r.source.clone(),
                as_of: rfc3339(r.as_of_ms),
                set_at: rfc3339(r.set_at_ms),
            })
            .collect(),
    }
}

/// Sets (or replaces) rates, all or none. Pairs not named keep their current rate; each change
/// is also kept in the history.
#[utoipa::path(put, path = "/v1/fx-rates", tag = "landed cost", security(("bearer" = [])),
    request_body = FxRatesPut,
    responses((status = 200, body = FxRatesView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_fx_rates(
    State(state): State<Shared>,
    caller: Caller,
    body: ApiJson<FxRatesPut>,
) -> Result<Json<FxRatesView>, ApiError> {
    caller.require(&[Role::Operator])?;
    let now = now_ms();
    let records = validate(&body.value, &caller.party_id, now).map_err(ApiError::validation)?;
    state
        .engine
        .submit(Command::PutFxRates { rates: records }, None)
        .await?;
    let rows = state.db.read().await?.stores().list_fx_rates().await?;
    state.fx.replace(&rows);
    Ok(Json(view(&rows)))
}

/// The current rates, by pair. Public: every quote that uses a rate shows it anyway.
#[utoipa::path(get, path = "/v1/fx-rates", tag = "landed cost",
    responses((status = 200, body = FxRatesView)))]
pub async fn list_fx_rates(State(state): State<Shared>) -> Result<Json<FxRatesView>, ApiError> {
    let rows = state.db.read().await?.stores().list_fx_rates().await?;
    Ok(Json(view(&rows)))
}

fn validate(
    body: &FxRatesPut,
    set_by: &str,
    now_ms: i64,
) -> Result<Vec<FxRateRecord>, Vec<trade::FieldError>> {
    let mut p = Problems::default();
    let Some(rates) = p.required("rates", &body.rates) else {
        return Err(p.0);
    };
    if rates.is_empty() || rates.len() > MAX_RATES {
        p.push(
            "rates",
            "invalid_rates",
            format!("give between 1 and {MAX_RATES} rates"),
        );
        return Err(p.0);
    }
    let mut records: Vec<FxRateRecord> = Vec::with_capacity(rates.len());
    for (i, r) in rates.iter().enumerate() {
        let field = |name: &str| format!("rates[{i}].{name}");
        let base = p.currency(&field("base"), &r.base);
        let quote = p.currency(&field("quote"), &r.quote);
        let rate = match p.required(&field("rate"), &r.rate) {
            Some(text) => {
                match Rate::parse_decimal(text) {
                    Some(rate) if !rate.is_zero() => Some(text.clone()),
                    Some(_) => {
                        p.push(field("rate"), "invalid_rate", "a rate must be positive");
                        None
                    }
                    None => {
                        p.push(field("rate"), "invalid_rate", format!("`{text}` is not a positive decimal with at most 10 fraction digits"));
                        None
                    }
                }
            }
            None => None,
        };
        let source = p.text(&field("source"), &r.source, 200);
        let as_of_ms = match &r.as_of {
            None => Some(now_ms),
            Some(text) => parse_rfc3339(text).or_else(|| {
                p.push(
                    field("as_of"),
                    "invalid_time",
                    format!("`{text}` is not an RFC 3339 time"),
                );
                None
            }),
        };
        if let (Some(b), Some(q)) = (base, quote) {
            if b == q {
                p.push(
                    field("quote"),
                    "same_currency",
                    "base and quote must differ",
                );
                continue;
            }
            if records
                .iter()
                .any(|x| x.base == b.code() && x.quote == q.code())
            {
                p.push(
                    field("quote"),
                    "duplicate_pair",
                    format!("{b}/{q} appears twice"),
                );
                continue;
            }
        }
        if let (Some(base), Some(quote), Some(rate), Some(source), Some(as_of_ms)) =
            (base, quote, rate, source, as_of_ms)
        {
            records.push(FxRateRecord {
                base: Currency::code(&base).into(),
                quote: quote.code().into(),
                rate,
                source,
                as_of_ms,
                set_by: set_by.into(),
                set_at_ms: now_ms,
            });
        }
    }
    p.into_result(|| records)
}
