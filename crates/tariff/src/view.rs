//! A quote as the API and the CLI show it: amounts as decimal strings in the pack's currency,
//! rates as percentages, and `explain`: for every figure, the rule that produced it and its
//! legal basis.

use crate::date::format_date;
use crate::pack::{Citation, Collection, DutyMode, FlatPer, Origin};
use crate::quote::{Quote, QuoteInput};
use serde::Serialize;
use trade::Currency;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RulePackRef {
    pub id: String,
    pub version: String,
    pub jurisdiction: String,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FxView {
    pub from: String,
    pub to: String,
    /// One unit of `from` in `to`.
    pub rate: String,
    pub source: String,
    pub as_of: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

fn at(origin: &Origin) -> String {
    format!("{}:{}", origin.file, origin.line)
}

impl QuoteView {
    pub fn new(q: &Quote, input: &QuoteInput) -> QuoteView {
        let cur = q.currency;
        let money = |minor: i64| cur.format_amount(minor);
        let pack = q.pack;
        let mut explain = Vec::new();
        let mut used: Vec<(String, String)> = Vec::new();
        let regime = q.regime;
        let threshold = match (regime.max_value, q.threshold_value) {
            (Some(max), Some(value)) => format!(
                "{} ({}) of {} {} is at most {} {}",
                regime.threshold_on.names().join(" + "),
                "the consignment's value",
                money(value),
                cur,
                money(max),
                cur
            ),
            _ => "no threshold: the regime that applies when no other does".to_string(),
        };
        explain.push(ExplainView {
            figure: "regime".into(),
            amount: q.threshold_value.map(money),
            rule: format!("{}: {}; {}", regime.code, regime.name, threshold),
            citation: cite(&mut used, &regime.citation),
            source: at(&regime.source),
        });
        if let Some(fx) = &q.fx {
            explain.push(ExplainView {
                figure: "fx".into(),
                amount: None,
                rule: format!(
                    "amounts converted from {} to {} at {} ({}, {}), each rounded half-up to the minor unit",
                    fx.from,
                    fx.to,
                    fx.rate.decimal_text(),
                    fx.source,
                    fx.as_of
                ),
                citation: cite(
                    &mut used,
                    &Citation {
                        key: "fx_table".into(),
                        text: "the hub operator's FX table (PUT /v1/fx-rates): each rate with its source and time".into(),
                    },
                ),
                source: "fx-rates".into(),
            });
        }
        explain.push(ExplainView {
            figure: "dutiable_value".into(),
            amount: Some(money(q.dutiable_value)),
            rule: format!(
                "dutiable value = {}; freight and insurance shared among lines by {}",
                pack.dutiable.names().join(" + "),
                if q.shared_by_weight {
                    "net weight"
                } else {
                    "number of units"
                }
            ),
            citation: cite(&mut used, &pack.valuation_citation),
            source: at(&pack.source),
        });
        explain.push(ExplainView {
            figure: "rounding".into(),
            amount: None,
            rule: format!(
                "each line's duty and taxes rounded {:?} to the minor unit of {}",
                pack.rounding, cur
            ),
            citation: cite(&mut used, &pack.rounding_citation),
            source: at(&pack.source),
        });
        let mut lines = Vec::with_capacity(q.lines.len());
        for (i, (line, item)) in q.lines.iter().zip(&input.items).enumerate() {
            match (&regime.duty, &line.duty_rule) {
                (DutyMode::Tariff, Some(rule)) => {
                    let prefix = if rule.entry.hs.is_empty() {
                        "the default rate".to_string()
                    } else {
                        format!("HS {}", rule.entry.hs)
                    };
                    let preference = match rule.instead_of {
                        Some(general) => format!(
                            "; preferential rate for origin {} instead of the general {}",
                            item.origin,
                            general.rate.percent_text()
                        ),
                        None => String::new(),
                    };
                    explain.push(ExplainView {
                        figure: format!("lines[{i}].duty"),
                        amount: Some(money(line.duty)),
                        rule: format!(
                            "duty {} ({}) × dutiable value {}{}{}",
                            rule.entry.rate.percent_text(),
                            prefix,
                            money(line.dutiable_value),
                            preference,
                            rule.entry
                                .note
                                .as_deref()
                                .map(|n| format!("; {n}"))
                                .unwrap_or_default()
                        ),
                        citation: cite(&mut used, &rule.entry.citation),
                        source: at(&rule.entry.source),
                    });
                }
                (DutyMode::Flat { amount, per }, _) => explain.push(ExplainView {
                    figure: format!("lines[{i}].flat_duty"),
                    amount: Some(money(line.flat_duty)),
                    rule: format!(
                        "flat duty {} {} per {} × {}{}",
                        money(*amount),
                        cur,
                        match per {
                            FlatPer::Item => "item",
                            FlatPer::Subheading => "subheading",
                        },
                        line.flat_units,
                        if line.flat_units == 0 {
                            " (its subheading paid on another line)"
                        } else {
                            ""
                        }
                    ),
                    citation: cite(&mut used, &regime.citation),
                    source: at(&regime.source),
                }),
                _ => explain.push(ExplainView {
                    figure: format!("lines[{i}].duty"),
                    amount: Some(money(0)),
                    rule: format!("no customs duty under {}", regime.code),
                    citation: cite(&mut used, &regime.citation),
                    source: at(&regime.source),
                }),
            }
            let mut taxes = Vec::new();
            for (k, lt) in q.line_taxes[line.taxes.clone()].iter().enumerate() {
                let factor = if regime.tax_factor == crate::Rate::ONE {
                    String::new()
                } else {
                    format!(" × {} ({})", regime.tax_factor.percent_text(), regime.code)
                };
                let parts: Vec<&str> = lt
                    .tax
                    .base
                    .iter()
                    .map(|p| match p {
                        crate::pack::BasePart::Goods => "goods",
                        crate::pack::BasePart::Freight => "freight",
                        crate::pack::BasePart::Insurance => "insurance",
                        crate::pack::BasePart::Duty => "duty",
                        crate::pack::BasePart::Tax(j) => pack.taxes[*j].id.as_str(),
                    })
                    .collect();
                explain.push(ExplainView {
                    figure: format!("lines[{i}].taxes[{k}]"),
                    amount: Some(money(lt.amount)),
                    rule: format!(
                        "{} {}{} × base {} ({}{}){}",
                        lt.tax.kind.as_str(),
                        lt.entry.rate.percent_text(),
                        factor,
                        money(lt.base),
                        parts.join(" + "),
                        if lt.tax.gross_up {
                            ", grossed up by 1 / (1 − rate)"
                        } else {
                            ""
                        },
                        if lt.entry.hs.is_empty() {
                            String::new()
                        } else {
                            format!("; rate for HS {}", lt.entry.hs)
                        }
                    ),
                    citation: cite(&mut used, &lt.entry.citation),
                    source: at(&lt.entry.source),
                });
                taxes.push(TaxView {
                    kind: lt.tax.kind.as_str().into(),
                    rate: Some(lt.rate.percent_text()),
                    statutory_rate: Some(lt.entry.rate.percent_text()),
                    base: Some(money(lt.base)),
                    amount: money(lt.amount),
                    units: None,
                });
            }
            if line.flat_duty > 0 {
                taxes.insert(0, flat_view(line.flat_duty, line.flat_units, cur));
            }
            lines.push(LineView {
                hs_code: item.hs_code.to_string(),
                description: item.description.clone(),
                quantity: item.quantity,
                origin: item.origin.to_string(),
                goods_value: money(line.goods),
                freight: money(line.freight),
                insurance: money(line.insurance),
                dutiable_value: money(line.dutiable_value),
                duty_rate: line.duty_rule.map(|r| r.entry.rate.percent_text()),
                duty: money(line.duty),
                preference: line
                    .duty_rule
                    .filter(|r| r.instead_of.is_some())
                    .map(|r| cite(&mut used, &r.entry.citation)),
                taxes,
                tax_total: money(line.tax_total),
            });
        }
        let mut taxes: Vec<TaxView> = q
            .taxes
            .iter()
            .map(|t| TaxView {
                kind: t.tax.kind.as_str().into(),
                rate: Some(t.rate.percent_text()),
                statutory_rate: None,
                base: Some(money(t.base)),
                amount: money(t.amount),
                units: None,
            })
            .collect();
        if q.flat_duty > 0 {
            taxes.insert(0, flat_view(q.flat_duty, q.flat_units, cur));
        }
        QuoteView {
            regime: regime.code.clone(),
            regime_name: regime.name.clone(),
            collected: regime.collected,
            rule_pack: RulePackRef {
                id: pack.id.clone(),
                version: pack.version.clone(),
                jurisdiction: pack.jurisdiction.to_string(),
                effective_from: pack.effective.from.map(format_date),
                effective_to: pack.effective.until.map(format_date),
            },
            date: format_date(q.date),
            incoterm: q.incoterm.as_str().into(),
            taxes_paid_by: match q.incoterm {
                trade::order::Incoterm::Ddp => "seller",
                trade::order::Incoterm::Dap => "buyer",
            }
            .into(),
            currency: cur.code().into(),
            request_currency: q.request_currency.code().into(),
            fx: q.fx.as_ref().map(|fx| FxView {
                from: fx.from.code().into(),
                to: fx.to.code().into(),
                rate: fx.rate.decimal_text(),
                source: fx.source.clone(),
                as_of: fx.as_of.clone(),
            }),
            goods_value: money(q.goods),
            freight: money(q.freight),
            insurance: money(q.insurance),
            threshold_value: q.threshold_value.map(money),
            dutiable_value: money(q.dutiable_value),
            duty: money(q.duty),
            taxes,
            tax_total: money(q.tax_total),
            landed_cost: money(q.landed_cost),
            lines,
            explain,
            citations: used.into_iter().collect(),
        }
    }
}

/// Records a citation as used and returns its key.
fn cite(used: &mut Vec<(String, String)>, citation: &Citation) -> String {
    if !used.iter().any(|(key, _)| *key == citation.key) {
        used.push((citation.key.clone(), citation.text.clone()));
    }
    citation.key.clone()
}

fn flat_view(amount: i64, units: i64, cur: Currency) -> TaxView {
    TaxView {
        kind: "flat_duty".into(),
        rate: None,
        statutory_rate: None,
        base: None,
        amount: cur.format_amount(amount),
        units: Some(units),
    }
}
