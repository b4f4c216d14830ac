//! The HS nomenclature: look-up by code and word search. Public reference data: no key needed.

use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use trade::nomenclature::{normalize_code, Entry, Nomenclature};

/// Results of a search when the request does not say.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;
const QUERY_CHARS: std::ops::RangeInclusive<usize> = 2..=100;

/// A chapter, heading or subheading, in short.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HsEntryView {
    /// Digits only, e.g. `610910`.
    pub code: String,
    pub description: String,
    /// Digits of the code: 2 chapter, 4 heading, 6 subheading.
    pub level: u8,
}

impl From<&Entry> for HsEntryView {
    fn from(e: &Entry) -> Self {
        HsEntryView {
            code: e.code.clone(),
            description: e.description.clone(),
            level: e.level,
        }
    }
}

/// One code with its place in the tree.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HsCodeView {
    pub code: String,
    pub description: String,
    pub level: u8,
    /// Roman numeral of the section, e.g. `XI`.
    pub section: String,
    /// The code one level up; null for a chapter.
    pub parent: Option<String>,
    /// Chapter first, then heading.
    pub ancestors: Vec<HsEntryView>,
    /// The codes directly below, by code.
    pub children: Vec<HsEntryView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HsSearchView {
    /// The query as understood (trimmed).
    pub query: String,
    /// Best first: more whole-word matches, then chapters before headings before subheadings,
    /// then by code.
    pub results: Vec<HsEntryView>,
    pub count: usize,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HsSearchQuery {
    /// 2 to 100 characters: words that must each start a word of the description
    /// (`t-shirt cotton`), or the first digits of a code (`8517.1`).
    pub q: String,
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
}

/// A code of the nomenclature with its ancestors and children.
#[utoipa::path(get, path = "/v1/hs/{code}", tag = "nomenclature",
    params(("code" = String, Path, description = "2 to 10 digits, an even number of them; dots and spaces are allowed (`6109.10`)")),
    responses(
        (status = 200, body = HsCodeView),
        (status = 404, body = Problem, description = "`hs_code_not_found`, or `hs_nomenclature_not_loaded` when the hub was started without `--hs-nomenclature`"),
        (status = 422, body = Problem, description = "`invalid_hs_code`")))]
pub async fn get_hs_code(
    State(state): State<Shared>,
    Path(code): Path<String>,
) -> Result<Json<HsCodeView>, ApiError> {
    let digits = normalize_code(&code).ok_or_else(|| {
        ApiError::field_error(
            "code",
            "invalid_hs_code",
            "an HS code is 2 to 10 digits, an even number of them; dots and spaces are allowed (`6109.10`)",
        )
    })?;
    let nomenclature = loaded(&state)?;
    let entry = nomenclature.get(&digits).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "hs_code_not_found",
            "HS code not found",
            format!("`{digits}` is not a code of the HS nomenclature this hub loaded"),
        )
    })?;
    let views = |entries: Vec<&Entry>| entries.into_iter().map(HsEntryView::from).collect();
    Ok(Json(HsCodeView {
        code: entry.code.clone(),
        description: entry.description.clone(),
        level: entry.level,
        section: entry.section.clone(),
        parent: entry.parent.clone(),
        ancestors: views(nomenclature.ancestors(&entry.code)),
        children: views(nomenclature.children(&entry.code)),
    }))
}

/// Searches descriptions word by word (case-insensitive, each word a prefix), or codes by their
/// first digits.
#[utoipa::path(get, path = "/v1/hs", tag = "nomenclature",
    params(HsSearchQuery),
    responses(
        (status = 200, body = HsSearchView),
        (status = 400, body = Problem, description = "`invalid_query`: q missing or not 2 to 100 characters, limit not 1 to 100, an unknown parameter"),
        (status = 404, body = Problem, description = "`hs_nomenclature_not_loaded` when the hub was started without `--hs-nomenclature`")))]
pub async fn search_hs(
    State(state): State<Shared>,
    ApiQuery(q): ApiQuery<HsSearchQuery>,
) -> Result<Json<HsSearchView>, ApiError> {
    let query = q.q.trim();
    if !QUERY_CHARS.contains(&query.chars().count()) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "q must be 2 to 100 characters: words of a description, or the first digits of a code",
        )
        .with_field("q"));
    }
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("limit must be from 1 to {MAX_LIMIT}"),
            )
            .with_field("limit"))
        }
    };
    let nomenclature = loaded(&state)?;
    // `limit` is within 1..=100 here, so the conversion cannot lose anything.
    let results: Vec<HsEntryView> = nomenclature
        .search(query, limit as usize)
        .into_iter()
        .map(HsEntryView::from)
        .collect();
    Ok(Json(HsSearchView {
        query: query.to_string(),
        count: results.len(),
        results,
    }))
}

fn loaded(state: &Shared) -> Result<&Nomenclature, ApiError> {
    state.nomenclature.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "hs_nomenclature_not_loaded",
            "HS nomenclature not loaded",
            "this hub has no HS nomenclature; start it with `--hs-nomenclature FILE` (a CSV with the header section,hscode,description,parent,level)",
        )
    })
}
