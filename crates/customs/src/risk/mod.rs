//! Risk rules as data, the score of a declaration, and its channel.
//!
//! A rule is a [`Condition`] with a score (0–100) and an optional least channel. Officers
//! write rules through the API ([`RiskRuleDraft`], [`RiskRulePatch`]); every change bumps the
//! rule's version, and a declaration records the versions that fired.
//!
//! How a channel is chosen ([`assess`]):
//! 1. every enabled rule whose condition holds fires: it adds its score and may force a channel
//!    (its own `channel`, a prohibited HS prefix → red, a licence-restricted one → at least
//!    yellow, a random selection → the selection's channel);
//! 2. the score is the sum of the fired scores, capped at 100; the thresholds turn it into a
//!    channel (default: green below 30, yellow from 30, red from 70);
//! 3. the channel is the highest of the threshold channel and every forced channel.
//!
//! Random selection replays: a [`Condition::Random`] rule draws from the declaration's seed mixed
//! with the rule id ([`draw::draw_ppm`]); the seed is stored with the declaration, so the same
//! facts, rules (at the recorded versions) and seed always give the same assessment, and the rate
//! over many declarations is the rule's rate. Different rule ids draw independently.
//!
//! Reasons say what matched ("line 2 HS 930200 starts with prohibited prefix 9302", "buyer name
//! is 94% similar to watchlist entry 3") and never quote a personal value.

pub mod draft;
pub mod draw;

pub use draft::{ConditionDraft, RiskRuleDraft, RiskRulePatch};

use crate::screening::{screening_words, words_similarity_ppm};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use trade::{Country, Currency, Order, Personal};

/// Where a declaration goes: green is released at once, yellow waits for a document check, red
/// for a physical inspection. Ordered: `Green < Yellow < Red`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Green,
    Yellow,
    Red,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Green, Channel::Yellow, Channel::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Green => "green",
            Channel::Yellow => "yellow",
            Channel::Red => "red",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Scores from which a declaration goes yellow and red.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelThresholds {
    pub yellow_from: i32,
    pub red_from: i32,
}

impl Default for ChannelThresholds {
    fn default() -> Self {
        ChannelThresholds {
            yellow_from: 30,
            red_from: 70,
        }
    }
}

impl ChannelThresholds {
    pub fn channel_for(&self, score: i32) -> Channel {
        if score >= self.red_from {
            Channel::Red
        } else if score >= self.yellow_from {
            Channel::Yellow
        } else {
            Channel::Green
        }
    }
}

/// What an HS prefix rule says about the goods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Restriction {
    /// The goods may not be imported: forces red.
    Prohibited,
    /// The goods need an import licence the parcel does not carry: forces at least yellow.
    Licence,
}

impl Restriction {
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::Prohibited => "prohibited",
            Restriction::Licence => "licence",
        }
    }

    fn forced_channel(self) -> Channel {
        match self {
            Restriction::Prohibited => Channel::Red,
            Restriction::Licence => Channel::Yellow,
        }
    }

    fn adjective(self) -> &'static str {
        match self {
            Restriction::Prohibited => "prohibited",
            Restriction::Licence => "licence-restricted",
        }
    }
}

/// Whose name a watchlist rule screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Buyer,
    Consignee,
    Payer,
    Merchant,
}

impl Subject {
    pub const ALL: [Subject; 4] = [
        Subject::Buyer,
        Subject::Consignee,
        Subject::Payer,
        Subject::Merchant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Buyer => "buyer",
            Subject::Consignee => "consignee",
            Subject::Payer => "payer",
            Subject::Merchant => "merchant",
        }
    }

    pub fn parse(text: &str) -> Option<Subject> {
        Subject::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// When a rule fires. Stored as JSON tagged by `kind`; amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// A line's HS code starts with one of the prefixes (2 to 10 digits).
    HsPrefix {
        prefixes: Vec<String>,
        restriction: Restriction,
    },
    /// A line's origin is one of the countries.
    Origin { countries: Vec<Country> },
    /// The order's actual payment, in `currency`, is within the inclusive bounds (at least one).
    ValueBand {
        currency: Currency,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A line naming a catalog SKU declares a unit price below this percentage of the merchant's
    /// catalog price (compared only when both are in the order's currency).
    Undervalued { below_percent: u32 },
    /// A subject's name is at least `min_similarity_percent` similar to an entry
    /// (see [`crate::screening`]).
    Watchlist {
        entries: Vec<String>,
        min_similarity_percent: u32,
        subjects: Vec<Subject>,
    },
    /// The merchant has no earlier released declaration.
    FirstShipment,
    /// Selected at random at `rate_ppm` parts per million, into `channel`.
    Random { channel: Channel, rate_ppm: u32 },
}

/// A risk rule as stored and applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRule {
    /// `rsk_…`
    pub id: String,
    pub name: String,
    /// Disabled rules never fire.
    pub enabled: bool,
    /// 1 when created, +1 on every change.
    pub version: i64,
    pub condition: Condition,
    /// Added to the declaration's score when the rule fires: 0 to 100.
    pub score: i32,
    /// The least channel of a declaration the rule fires on.
    #[serde(rename = "channel")]
    pub min_channel: Option<Channel>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A rule that fired on a declaration, as recorded with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleHit {
    pub rule_id: String,
    /// The rule's version when it fired: with the seed it replays the assessment.
    pub rule_version: i64,
    pub name: String,
    pub score: i32,
    /// The channel the rule forced, if any.
    pub channel: Option<Channel>,
    /// What matched, without personal values.
    pub reason: String,
}

/// The outcome of [`assess`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// Sum of the fired scores, capped at 100.
    pub score: i32,
    pub channel: Channel,
    pub hits: Vec<RuleHit>,
}

/// What the rules look at, besides the order.
pub struct RiskFacts<'a> {
    pub declaration_id: &'a str,
    /// The declaration's random-selection seed; stored with it.
    pub seed: u64,
    pub order: &'a Order,
    /// The order's actual payment in the given currency (minor units); `None` without a rate.
    pub value_in: &'a dyn Fn(Currency) -> Option<i64>,
    /// The merchant's catalog price of each SKU the order names: (unit price, currency).
    pub catalog_prices: &'a HashMap<String, (i64, Currency)>,
    /// The merchant's legal name.
    pub merchant_name: &'a str,
    /// The payer's name from the payment notice, when there is one.
    pub payer_name: Option<&'a Personal>,
    /// How many declarations of this merchant were released before.
    pub merchant_prior_releases: u64,
}

/// A fired condition: why, and the channel it forces.
struct Fired {
    reason: String,
    channel: Option<Channel>,
}

/// Applies every enabled rule to the facts (see the module documentation).
pub fn assess(rules: &[RiskRule], facts: &RiskFacts, thresholds: ChannelThresholds) -> Assessment {
    let hits: Vec<RuleHit> = rules
        .iter()
        .filter(|r| r.enabled)
        .filter_map(|rule| {
            let fired = evaluate(rule, facts)?;
            Some(RuleHit {
                rule_id: rule.id.clone(),
                rule_version: rule.version,
                name: rule.name.clone(),
                score: rule.score.clamp(0, 100),
                channel: rule.min_channel.max(fired.channel),
                reason: fired.reason,
            })
        })
        .collect();
    let sum: i64 = hits.iter().map(|h| i64::from(h.score)).sum();
    let score = sum.min(100) as i32;
    let channel = hits
        .iter()
        .filter_map(|h| h.channel)
        .fold(thresholds.channel_for(score), Channel::max);
    Assessment {
        score,
        channel,
        hits,
    }
}

/// Joins the first few matches and counts the rest: reasons stay short on 500-line orders.
fn listed(parts: Vec<String>) -> Option<String> {
    const SHOWN: usize = 5;
    if parts.is_empty() {
        return None;
    }
    let more = parts.len().saturating_sub(SHOWN);
    let mut text = parts.into_iter().take(SHOWN).collect::<Vec<_>>().join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    Some(text)
}

fn money(amount: i64, currency: Currency) -> String {
    format!("{} {}", currency.format_amount(amount), currency.code())
}

fn evaluate(rule: &RiskRule, facts: &RiskFacts) -> Option<Fired> {
    let order = facts.order;
    let fired = |reason: String, channel: Option<Channel>| Fired { reason, channel };
    match &rule.condition {
        Condition::HsPrefix {
            prefixes,
            restriction,
        } => {
            let matches = order
                .lines
                .iter()
                .filter_map(|line| {
                    let hs = line.hs_code.as_str();
                    let prefix = prefixes.iter().find(|p| hs.starts_with(p.as_str()))?;
                    Some(format!(
                        "line {} HS {hs} starts with {} prefix {prefix}",
                        line.line_no,
                        restriction.adjective()
                    ))
                })
                .collect();
            listed(matches).map(|r| fired(r, Some(restriction.forced_channel())))
        }
        Condition::Origin { countries } => {
            let matches = order
                .lines
                .iter()
                .filter(|line| countries.contains(&line.origin))
                .map(|line| format!("line {} origin {} is listed", line.line_no, line.origin))
                .collect();
            listed(matches).map(|r| fired(r, None))
        }
        Condition::ValueBand { currency, min, max } => {
            let value = (facts.value_in)(*currency)?;
            let below_min = matches!(min, Some(lo) if value < *lo);
            let above_max = matches!(max, Some(hi) if value > *hi);
            if below_min || above_max {
                return None;
            }
            let band = match (min, max) {
                (Some(lo), Some(hi)) => {
                    format!(
                        "between {} and {}",
                        money(*lo, *currency),
                        money(*hi, *currency)
                    )
                }
                (Some(lo), None) => format!("at least {}", money(*lo, *currency)),
                (None, Some(hi)) => format!("at most {}", money(*hi, *currency)),
                (None, None) => "in an unbounded band".to_string(),
            };
            Some(fired(
                format!("the actual payment {} is {band}", money(value, *currency)),
                None,
            ))
        }
        Condition::Undervalued { below_percent } => {
            let matches = order
                .lines
                .iter()
                .filter_map(|line| {
                    let sku = line.sku.as_ref()?;
                    let (catalog, currency) = facts.catalog_prices.get(sku)?;
                    if *currency != order.currency || *catalog <= 0 {
                        return None;
                    }
                    let declared = i128::from(line.unit_price) * 100;
                    if declared >= i128::from(*below_percent) * i128::from(*catalog) {
                        return None;
                    }
                    let percent = declared / i128::from(*catalog);
                    Some(format!(
                        "line {} SKU {sku} unit price {} is {percent}% of the catalog price {} (below {below_percent}%)",
                        line.line_no,
                        money(line.unit_price, order.currency),
                        money(*catalog, *currency)
                    ))
                })
                .collect();
            listed(matches).map(|r| fired(r, None))
        }
        Condition::Watchlist {
            entries,
            min_similarity_percent,
            subjects,
        } => screen(entries, *min_similarity_percent, subjects, facts).map(|r| fired(r, None)),
        Condition::FirstShipment => (facts.merchant_prior_releases == 0).then(|| {
            fired(
                "the merchant has no earlier released declaration".to_string(),
                None,
            )
        }),
        Condition::Random { channel, rate_ppm } => {
            let draw = draw::draw_ppm(facts.seed, &rule.id);
            (draw < *rate_ppm).then(|| {
                fired(
                    format!(
                        "selected at random for {}: draw {draw} ppm is below the rate {rate_ppm} ppm",
                        channel.as_str()
                    ),
                    Some(*channel),
                )
            })
        }
    }
}

/// The best match of each subject against the entries, reported by entry number (1-based).
fn screen(
    entries: &[String],
    min_percent: u32,
    subjects: &[Subject],
    facts: &RiskFacts,
) -> Option<String> {
    let prepared: Vec<Vec<String>> = entries.iter().map(|e| screening_words(e)).collect();
    let min_ppm = min_percent.saturating_mul(10_000);
    let matches = subjects
        .iter()
        .filter_map(|subject| {
            let name = match subject {
                Subject::Buyer => facts.order.buyer.name.expose(),
                // Without a consignee the buyer receives the parcel.
                Subject::Consignee => facts
                    .order
                    .consignee
                    .as_ref()
                    .map_or(&facts.order.buyer.name, |c| &c.name)
                    .expose(),
                Subject::Payer => facts.payer_name?.expose(),
                Subject::Merchant => facts.merchant_name,
            };
            let words = screening_words(name);
            let (best_ppm, entry) = prepared
                .iter()
                .enumerate()
                .map(|(i, e)| (words_similarity_ppm(&words, e), i))
                // Highest similarity; the first entry among equals.
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))?;
            (best_ppm >= min_ppm).then(|| {
                format!(
                    "{} name is {}% similar to watchlist entry {}",
                    subject.as_str(),
                    best_ppm / 10_000,
                    entry + 1
                )
            })
        })
        .collect();
    listed(matches)
}

#[cfg(test)]
mod tests;
