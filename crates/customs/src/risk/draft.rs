//! Risk rules as officers write them: JSON drafts and patches, validated into [`RiskRule`]s.
//!
//! ```json
//! {"name": "Firearms", "enabled": true, "score": 0, "channel": "red",
//!  "condition": {"kind": "hs_prefix", "prefixes": ["9302", "9303"], "restriction": "prohibited"}}
//! ```
//! Condition kinds: `hs_prefix` (`prefixes`, `restriction`: prohibited | licence), `origin`
//! (`countries`), `value_band` (`currency`, `min`, `max` as decimal strings), `undervalued`
//! (`below_percent`), `watchlist` (`entries`, `min_similarity_percent`, `subjects`),
//! `first_shipment`, `random` (`channel`: yellow | red, `rate_ppm`).

use super::{Channel, Condition, Restriction, RiskRule, Subject};
use crate::screening::screening_words;
use serde::{Deserialize, Deserializer};
use trade::validate::{FieldError, Problems};
use trade::Country;

const MAX_NAME_CHARS: usize = 100;
const MAX_LIST_ITEMS: usize = 10_000;
const MAX_ENTRY_CHARS: usize = 200;
/// Below half, a "match" is noise: screening thresholds are usually 80–95%.
const MIN_SIMILARITY_PERCENT: i64 = 50;

/// A new risk rule.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRuleDraft {
    /// What officers call the rule; at most 100 characters.
    pub name: Option<String>,
    /// Whether the rule applies; default true.
    pub enabled: Option<bool>,
    /// Added to a declaration's score when the rule fires: 0 to 100; default 0.
    pub score: Option<i64>,
    /// green, yellow or red: the least channel of a declaration the rule fires on.
    pub channel: Option<String>,
    /// When the rule fires, tagged by `kind`.
    pub condition: Option<ConditionDraft>,
}

/// When a rule fires, tagged by `kind`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConditionDraft {
    /// A line's HS code starts with a prefix.
    HsPrefix {
        /// 2 to 10 digits each (dots and spaces are ignored).
        prefixes: Option<Vec<String>>,
        /// prohibited (forces red) or licence (forces at least yellow).
        restriction: Option<String>,
    },
    /// A line's origin is listed.
    Origin {
        /// ISO 3166-1 alpha-2 codes.
        countries: Option<Vec<String>>,
    },
    /// The order's actual payment lies in an inclusive band.
    ValueBand {
        /// ISO 4217: the band's currency.
        currency: Option<String>,
        /// Decimal string; at least one of min and max.
        min: Option<String>,
        /// Decimal string; at least one of min and max.
        max: Option<String>,
    },
    /// A catalog item is declared below a share of its catalog price.
    Undervalued {
        /// 1 to 100.
        below_percent: Option<i64>,
    },
    /// Denied-party screening of names.
    Watchlist {
        /// Names of denied parties; at most 200 characters each.
        entries: Option<Vec<String>>,
        /// 50 to 100.
        min_similarity_percent: Option<i64>,
        /// buyer, consignee, payer, merchant.
        subjects: Option<Vec<String>>,
    },
    /// The merchant's first released declaration.
    FirstShipment {},
    /// Random selection.
    Random {
        /// yellow or red.
        channel: Option<String>,
        /// Parts per million, 0 to 1,000,000 (50000 = 5%).
        rate_ppm: Option<i64>,
    },
}

/// A change to a rule; absent fields keep their value. Every change bumps the version.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRulePatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    /// 0 to 100.
    pub score: Option<i64>,
    /// green, yellow or red; `null` removes the rule's least channel.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Option<String>>,
    /// Replaces the whole condition.
    pub condition: Option<ConditionDraft>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl RiskRuleDraft {
    pub fn validate(&self, id: String, now_ms: i64) -> Result<RiskRule, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.text("name", &self.name, MAX_NAME_CHARS);
        let score = score(&mut p, self.score.unwrap_or(0));
        let min_channel = match &self.channel {
            None => Some(None),
            Some(text) => channel(&mut p, "channel", text).map(Some),
        };
        let condition = p
            .required("condition", &self.condition)
            .and_then(|c| c.validate(&mut p));
        match (name, score, min_channel, condition) {
            (Some(name), Some(score), Some(min_channel), Some(condition)) if p.is_empty() => {
                Ok(RiskRule {
                    id,
                    name,
                    enabled: self.enabled.unwrap_or(true),
                    version: 1,
                    condition,
                    score,
                    min_channel,
                    created_at_ms: now_ms,
                    updated_at_ms: now_ms,
                })
            }
            _ => Err(p.0),
        }
    }
}

impl RiskRulePatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.enabled.is_none()
            && self.score.is_none()
            && self.channel.is_none()
            && self.condition.is_none()
    }

    /// Applies the patch to `current`, validating every given field; bumps the version.
    pub fn apply(&self, current: &RiskRule, now_ms: i64) -> Result<RiskRule, Vec<FieldError>> {
        let mut p = Problems::default();
        if self.is_empty() {
            p.push(
                "",
                "empty_patch",
                "give at least one of name, enabled, score, channel, condition",
            );
            return Err(p.0);
        }
        let mut next = current.clone();
        if self.name.is_some() {
            if let Some(name) = p.text("name", &self.name, MAX_NAME_CHARS) {
                next.name = name;
            }
        }
        if let Some(enabled) = self.enabled {
            next.enabled = enabled;
        }
        if let Some(s) = self.score.and_then(|s| score(&mut p, s)) {
            next.score = s;
        }
        match &self.channel {
            None => {}
            Some(None) => next.min_channel = None,
            Some(Some(text)) => {
                if let Some(c) = channel(&mut p, "channel", text) {
                    next.min_channel = Some(c);
                }
            }
        }
        if let Some(c) = self.condition.as_ref().and_then(|c| c.validate(&mut p)) {
            next.condition = c;
        }
        match current.version.checked_add(1) {
            Some(v) => next.version = v,
            None => p.push("", "version_exhausted", "the rule cannot change any more"),
        }
        next.updated_at_ms = now_ms;
        p.into_result(|| next)
    }
}

fn score(p: &mut Problems, score: i64) -> Option<i32> {
    if (0..=100).contains(&score) {
        Some(score as i32)
    } else {
        p.push(
            "score",
            "invalid_score",
            "score is a whole number from 0 to 100",
        );
        None
    }
}

fn channel(p: &mut Problems, field: &str, text: &str) -> Option<Channel> {
    let c = Channel::parse(text);
    if c.is_none() {
        p.push(
            field,
            "unknown_channel",
            format!("`{text}` is not a channel; use green, yellow or red"),
        );
    }
    c
}

/// A required whole number within `range`; `code` names the problem otherwise.
fn number_in(
    p: &mut Problems,
    field: &str,
    value: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
    code: &'static str,
) -> Option<u32> {
    match value {
        None => {
            p.push(field, "missing_field", format!("`{field}` is required"));
            None
        }
        Some(v) if range.contains(&v) => u32::try_from(v).ok(),
        Some(_) => {
            p.push(
                field,
                code,
                format!(
                    "`{field}` is a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    }
}

/// A required, non-empty list of at most [`MAX_LIST_ITEMS`].
fn list<'a, T>(p: &mut Problems, field: &str, value: &'a Option<Vec<T>>) -> Option<&'a [T]> {
    let items = p.required(field, value)?;
    if items.is_empty() {
        p.push(
            field,
            "empty_list",
            format!("`{field}` needs at least one item"),
        );
        return None;
    }
    if items.len() > MAX_LIST_ITEMS {
        p.push(
            field,
            "too_many_items",
            format!("`{field}` has at most {MAX_LIST_ITEMS} items"),
        );
        return None;
    }
    Some(items)
}

/// Validates every item; `None` when any is invalid (each has its own problem).
fn each<T, U>(items: &[T], mut check: impl FnMut(usize, &T) -> Option<U>) -> Option<Vec<U>> {
    let checked: Vec<Option<U>> = items.iter().enumerate().map(|(i, t)| check(i, t)).collect();
    checked.into_iter().collect()
}

/// `Some(None)` when absent, `Some(Some(minor))` when valid, `None` when invalid.
fn optional_amount(
    p: &mut Problems,
    field: &str,
    value: &Option<String>,
    currency: Option<trade::Currency>,
) -> Option<Option<i64>> {
    match value {
        None => Some(None),
        Some(_) => p.amount(field, value, currency).map(Some),
    }
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl ConditionDraft {
    fn validate(&self, p: &mut Problems) -> Option<Condition> {
        match self {
            ConditionDraft::HsPrefix {
                prefixes,
                restriction,
            } => {
                let prefixes = list(p, "condition.prefixes", prefixes).and_then(|items| {
                    each(items, |i, text| {
                        let digits: String =
                            text.chars().filter(|c| *c != '.' && *c != ' ').collect();
                        if (2..=10).contains(&digits.len())
                            && digits.bytes().all(|b| b.is_ascii_digit())
                        {
                            Some(digits)
                        } else {
                            p.push(
                                format!("condition.prefixes[{i}]"),
                                "invalid_hs_prefix",
                                format!("`{text}` is not an HS prefix of 2 to 10 digits"),
                            );
                            None
                        }
                    })
                });
                let restriction = p
                    .required("condition.restriction", restriction)
                    .and_then(|r| match r.as_str() {
                        "prohibited" => Some(Restriction::Prohibited),
                        // Both spellings: officers write either.
                        "licence" | "license" => Some(Restriction::Licence),
                        other => {
                            p.push(
                                "condition.restriction",
                                "unknown_restriction",
                                format!(
                                    "`{other}` is not a restriction; use prohibited or licence"
                                ),
                            );
                            None
                        }
                    });
                Some(Condition::HsPrefix {
                    prefixes: dedup(prefixes?),
                    restriction: restriction?,
                })
            }
            ConditionDraft::Origin { countries } => {
                let countries = list(p, "condition.countries", countries).and_then(|items| {
                    each(items, |i, code| {
                        Country::parse(code)
                            .map_err(|e| {
                                p.push(
                                    format!("condition.countries[{i}]"),
                                    "unknown_country",
                                    e.to_string(),
                                )
                            })
                            .ok()
                    })
                });
                Some(Condition::Origin {
                    countries: dedup(countries?),
                })
            }
            ConditionDraft::ValueBand { currency, min, max } => {
                let currency = p.currency("condition.currency", currency);
                let lo = optional_amount(p, "condition.min", min, currency);
                let hi = optional_amount(p, "condition.max", max, currency);
                if min.is_none() && max.is_none() {
                    p.push(
                        "condition.min",
                        "missing_bound",
                        "a value band needs min, max or both",
                    );
                }
                if let (Some(Some(lo)), Some(Some(hi))) = (lo, hi) {
                    if lo > hi {
                        p.push("condition.max", "inverted_band", "max is less than min");
                    }
                }
                match (currency, lo, hi) {
                    (Some(currency), Some(min), Some(max)) if min.is_some() || max.is_some() => {
                        Some(Condition::ValueBand { currency, min, max })
                    }
                    _ => None,
                }
            }
            ConditionDraft::Undervalued { below_percent } => {
                let below_percent = number_in(
                    p,
                    "condition.below_percent",
                    *below_percent,
                    1..=100,
                    "invalid_percent",
                )?;
                Some(Condition::Undervalued { below_percent })
            }
            ConditionDraft::Watchlist {
                entries,
                min_similarity_percent,
                subjects,
            } => {
                let entries = list(p, "condition.entries", entries).and_then(|items| {
                    each(items, |i, entry| {
                        let field = format!("condition.entries[{i}]");
                        let text = p.text(&field, &Some(entry.clone()), MAX_ENTRY_CHARS)?;
                        if screening_words(&text).is_empty() {
                            p.push(field, "invalid_entry", "the entry has no letters or digits");
                            return None;
                        }
                        Some(text)
                    })
                });
                let min_similarity_percent = number_in(
                    p,
                    "condition.min_similarity_percent",
                    *min_similarity_percent,
                    MIN_SIMILARITY_PERCENT..=100,
                    "invalid_percent",
                );
                let subjects = list(p, "condition.subjects", subjects).and_then(|items| {
                    each(items, |i, text| {
                        let s = Subject::parse(text);
                        if s.is_none() {
                            p.push(
                                format!("condition.subjects[{i}]"),
                                "unknown_subject",
                                format!("`{text}` is not a subject; use buyer, consignee, payer or merchant"),
                            );
                        }
                        s
                    })
                });
                Some(Condition::Watchlist {
                    entries: entries?,
                    min_similarity_percent: min_similarity_percent?,
                    subjects: dedup(subjects?),
                })
            }
            ConditionDraft::FirstShipment {} => Some(Condition::FirstShipment),
            ConditionDraft::Random { channel, rate_ppm } => {
                let channel = p
                    .required("condition.channel", channel)
                    .and_then(|text| self::channel(p, "condition.channel", text))
                    .and_then(|c| {
                        if c == Channel::Green {
                            p.push(
                                "condition.channel",
                                "invalid_channel",
                                "random selection sends declarations to yellow or red",
                            );
                            None
                        } else {
                            Some(c)
                        }
                    });
                let rate_ppm = number_in(
                    p,
                    "condition.rate_ppm",
                    *rate_ppm,
                    0..=1_000_000,
                    "invalid_rate",
                );
                Some(Condition::Random {
                    channel: channel?,
                    rate_ppm: rate_ppm?,
                })
            }
        }
    }
}
