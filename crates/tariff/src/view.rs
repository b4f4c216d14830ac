//! A quote as the API and the CLI show it: amounts as decimal strings in the pack's currency,
//! rates as percentages, and `explain`: for every figure, the rule that produced it and its
//! legal basis. These types are the documented schema and what Rust callers read; the JSON
//! itself is written by `render.rs`, and [`QuoteView::new`] reads that JSON back.

use crate::pack::Collection;
use crate::quote::{Quote, QuoteInput};
use crate::render::QuoteJson;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuoteView {
    /// The regime that applies, e.g. `cn_cbec_retail`, `eu_ioss`, `uk_low_value`, `general`.
    pub regime: String,
    pub regime_name: String,
    /// `at_sale`: the seller or marketplace collects the tax at checkout; `at_import`: at the border.
    pub collected: Collection,
    pub rule_pack: RulePackRef,
    /// The day whose rules were applied.
    pub date: String,
    pub incoterm: String,
    /// `seller` under DDP, `buyer` under DAP.
    pub taxes_paid_by: String,
    /// The destination's currency: every amount of the quote is in it.
    pub currency: String,
    pub request_currency: String,
    /// The rate used to convert the request's amounts, when the currencies differ.
    pub fx: Option<FxView>,
    pub goods_value: String,
    pub freight: String,
    pub insurance: String,
    /// The value compared with the regime's threshold, when it has one.
    pub threshold_value: Option<String>,
    pub dutiable_value: String,
    /// Ad valorem customs duty.
    pub duty: String,
    /// Duty and every tax, by kind and rate (a flat duty appears here as `flat_duty`).
    pub taxes: Vec<TaxView>,
    /// Duty plus every tax.
    pub tax_total: String,
    /// Goods + freight + insurance + tax_total.
    pub landed_cost: String,
    pub lines: Vec<LineView>,
    pub explain: Vec<ExplainView>,
    /// The legal basis of every rule `explain` names, by its key.
    pub citations: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RulePackRef {
    pub id: String,
    pub version: String,
    pub jurisdiction: String,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FxView {
    pub from: String,
    pub to: String,
    /// One unit of `from` in `to`.
    pub rate: String,
    pub source: String,
    pub as_of: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxView {
    /// vat, gst, sales_tax, consumption_tax, excise or flat_duty.
    pub kind: String,
    /// The rate applied to `base` (after any regime factor); absent for a flat duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<String>,
    /// On a line: the rate the law states, before any regime factor (China's CBEC 70%).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statutory_rate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub amount: String,
    /// For a flat duty: how many items or subheadings paid it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineView {
    pub hs_code: String,
    pub description: String,
    pub quantity: i64,
    pub origin: String,
    pub goods_value: String,
    pub freight: String,
    pub insurance: String,
    pub dutiable_value: String,
    pub duty_rate: Option<String>,
    pub duty: String,
    /// The preferential (FTA) rate's legal basis, when one replaced the general rate.
    pub preference: Option<String>,
    pub taxes: Vec<TaxView>,
    pub tax_total: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExplainView {
    /// The figure explained, as a JSON path into the quote: `regime`, `lines[0].duty`, …
    pub figure: String,
    pub amount: Option<String>,
    pub rule: String,
    /// The key of the rule's legal basis in `citations`.
    pub citation: String,
    /// `file:line` of the rule in its pack.
    pub source: String,
}

impl QuoteView {
    /// The quote as the answer's types, read back from the JSON the API sends.
    pub fn new(q: &Quote, input: &QuoteInput) -> QuoteView {
        let value =
            serde_json::to_value(QuoteJson { quote: q, input }).expect("a quote always serializes");
        serde_json::from_value(value).expect("the rendered quote has the documented shape")
    }
}
