//! A jurisdiction's rule pack after loading: validated, indexed, ready for the engine.
//! The file format and its checks are in `load.rs`; this is the shape the engine reads.

use crate::date::Period;
use crate::ratio::{Rate, Rounding};
use time::Date;
use trade::{Country, Currency};

/// A legal basis: the key the pack uses and the text a quote shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub key: String,
    pub text: String,
    /// `text` as a JSON string, escaped once at load: a quote copies it instead of escaping it
    /// again for every answer.
    pub text_json: JsonText,
}

impl Citation {
    pub fn new(key: impl Into<String>, text: impl Into<String>) -> Citation {
        let text = text.into();
        Citation {
            key: key.into(),
            text_json: JsonText::of(&text),
            text,
        }
    }
}

/// A string already encoded as JSON (quotes and escapes included).
#[derive(Clone, Debug)]
pub struct JsonText(Box<serde_json::value::RawValue>);

impl JsonText {
    pub fn of(text: &str) -> JsonText {
        let encoded = serde_json::to_string(text).expect("a string encodes");
        JsonText(
            serde_json::value::RawValue::from_string(encoded).expect("an encoded string is JSON"),
        )
    }

    pub fn raw(&self) -> &serde_json::value::RawValue {
        &self.0
    }
}

impl PartialEq for JsonText {
    fn eq(&self, other: &JsonText) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for JsonText {}

/// Where a rule was written, for error messages and for the quote's explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    /// `"file:line"` as JSON, for the quote's explanations.
    pub json: JsonText,
}

impl Origin {
    pub fn new(file: impl Into<String>, line: usize) -> Origin {
        let file = file.into();
        let label = if line == 0 {
            file.clone()
        } else {
            format!("{file}:{line}")
        };
        Origin {
            json: JsonText::of(&label),
            file,
            line,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RulePack {
    pub id: String,
    pub jurisdiction: Country,
    pub name: String,
    pub version: String,
    pub effective: Period,
    pub currency: Currency,
    pub rounding: Rounding,
    pub rounding_citation: Citation,
    /// What the dutiable (customs) value is made of.
    pub dutiable: Components,
    pub valuation_citation: Citation,
    /// In order: the first regime whose conditions hold applies. The last one is unconditional.
    pub regimes: Vec<Regime>,
    pub duty: RateTable,
    /// In the order they are computed (a later tax may include an earlier one in its base).
    pub taxes: Vec<Tax>,
    pub source: Origin,
    /// The limits customs enforces on e-commerce parcels, when the jurisdiction has them.
    pub customs: Option<CustomsRules>,
    /// The explanations' fixed sentences, written once at load (see `render.rs`).
    pub phrases: crate::render::Phrases,
}

/// What customs enforces on cross-border e-commerce parcels (`[customs]` in a pack), amounts in
/// the pack's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomsRules {
    /// The most one order may cost the buyer (what was actually paid).
    pub per_order_max: Option<i64>,
    /// The most one buyer may buy in a calendar year.
    pub per_buyer_year_max: Option<i64>,
    /// How far declared amounts may stray from the hub's own computation (500 = 5%).
    pub amounts_tolerance_bps: u32,
    pub buyer_id: BuyerIdCheck,
    /// The calendar year is the jurisdiction's: minutes east of UTC.
    pub year_utc_offset_minutes: i32,
    pub citation: Citation,
}

/// How a buyer's ID number is checked at clearance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuyerIdCheck {
    None,
    /// A Chinese resident identity card number (ISO 7064 MOD 11-2 check digit).
    CnResident,
}

/// Which of a consignment's values a sum includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Components {
    pub goods: bool,
    pub freight: bool,
    pub insurance: bool,
}

impl Components {
    pub fn sum(&self, goods: i64, freight: i64, insurance: i64) -> i64 {
        let pick = |on: bool, v: i64| if on { v } else { 0 };
        pick(self.goods, goods) + pick(self.freight, freight) + pick(self.insurance, insurance)
    }

    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.goods {
            names.push("goods");
        }
        if self.freight {
            names.push("freight");
        }
        if self.insurance {
            names.push("insurance");
        }
        names
    }
}

#[derive(Clone, Debug)]
pub struct Regime {
    /// Position in the pack's list.
    pub index: usize,
    pub code: String,
    pub name: String,
    pub name_json: JsonText,
    /// The regime applies when the consignment's value (on `threshold_on`) is at most this,
    /// in the pack's currency's minor units.
    pub max_value: Option<i64>,
    pub threshold_on: Components,
    pub period: Period,
    pub duty: DutyMode,
    /// Indices into [`RulePack::taxes`], ascending.
    pub taxes: Vec<usize>,
    /// Multiplies every tax of the regime (China's CBEC 70%); one when absent.
    pub tax_factor: Rate,
    pub collected: Collection,
    pub citation: Citation,
    pub source: Origin,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// The seller or marketplace collects the tax at checkout (IOSS, UK ≤ £135, AU/SG/MY LVG).
    AtSale,
    /// Customs (or the carrier for it) collects at import.
    AtImport,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DutyMode {
    /// Ad valorem duty from the pack's duty table.
    Tariff,
    /// No customs duty under this regime.
    Exempt,
    /// A fixed amount (minor units of the pack currency) per item or per tariff subheading.
    Flat { amount: i64, per: FlatPer },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlatPer {
    /// Every unit of goods (quantity) pays the amount.
    Item,
    /// Every distinct 6-digit subheading in the consignment pays it once.
    Subheading,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxKind {
    Vat,
    Gst,
    SalesTax,
    ConsumptionTax,
    Excise,
}

impl TaxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxKind::Vat => "vat",
            TaxKind::Gst => "gst",
            TaxKind::SalesTax => "sales_tax",
            TaxKind::ConsumptionTax => "consumption_tax",
            TaxKind::Excise => "excise",
        }
    }

    pub fn parse(text: &str) -> Option<TaxKind> {
        Some(match text {
            "vat" => TaxKind::Vat,
            "gst" => TaxKind::Gst,
            "sales_tax" => TaxKind::SalesTax,
            "consumption_tax" => TaxKind::ConsumptionTax,
            "excise" => TaxKind::Excise,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Tax {
    pub id: String,
    pub kind: TaxKind,
    pub base: Vec<BasePart>,
    /// The base includes the tax itself: `base / (1 − rate)`.
    pub gross_up: bool,
    pub rates: RateTable,
    pub source: Origin,
}

/// One part of a tax base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasePart {
    Goods,
    Freight,
    Insurance,
    /// Customs duty: ad valorem and flat.
    Duty,
    /// An earlier tax of the pack (its statutory amount, before any regime factor).
    Tax(usize),
}

/// Rates by HS prefix; the longest matching prefix wins, the empty prefix is the default.
#[derive(Clone, Debug, Default)]
pub struct RateTable {
    /// Sorted by prefix, so the entries for one prefix are a contiguous run.
    pub entries: Vec<RateEntry>,
}

#[derive(Clone, Debug)]
pub struct RateEntry {
    /// Position in its table.
    pub index: usize,
    /// Digits; empty for the default rate.
    pub hs: String,
    /// A preferential rate (an FTA) for goods originating in these countries; empty for all.
    pub origins: Vec<Country>,
    /// Applies only when the unit price (pack currency, minor units) is at least this.
    pub min_unit_price: Option<i64>,
    pub period: Period,
    pub rate: Rate,
    pub citation: Citation,
    pub note: Option<String>,
    pub source: Origin,
}

/// What a line needs for a rate look-up.
#[derive(Clone, Copy, Debug)]
pub struct LineFacts<'a> {
    pub hs: &'a str,
    pub origin: Country,
    /// The unit price in the pack's currency as the exact fraction `num / den` minor units.
    pub unit_price_num: i128,
    pub unit_price_den: i128,
}

impl RateTable {
    /// Whether the table has a rate for every heading (an entry without `hs`) on some day.
    pub fn has_default(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.hs.is_empty() && e.origins.is_empty())
    }

    /// The general (non-preferential) entry for the line, by longest prefix.
    pub fn general(&self, line: &LineFacts, day: Date) -> Option<&RateEntry> {
        self.longest(line, day, |e| e.origins.is_empty())
    }

    /// The preferential entry for the line's origin, by longest prefix, if any.
    pub fn preferential(&self, line: &LineFacts, day: Date) -> Option<&RateEntry> {
        self.longest(line, day, |e| e.origins.contains(&line.origin))
    }

    fn longest(
        &self,
        line: &LineFacts,
        day: Date,
        wanted: impl Fn(&RateEntry) -> bool,
    ) -> Option<&RateEntry> {
        let mut length = line.hs.len() - line.hs.len() % 2;
        loop {
            let prefix = &line.hs[..length];
            let start = self.entries.partition_point(|e| e.hs.as_str() < prefix);
            let best = self.entries[start..]
                .iter()
                .take_while(|e| e.hs == prefix)
                .filter(|e| wanted(e) && e.period.contains(day))
                .filter(|e| {
                    e.min_unit_price
                        .is_none_or(|min| line.unit_price_num >= min as i128 * line.unit_price_den)
                })
                .max_by_key(|e| e.min_unit_price.unwrap_or(0));
            if best.is_some() {
                return best;
            }
            if length == 0 {
                return None;
            }
            length -= 2;
        }
    }
}

/// All the packs the hub knows, by jurisdiction and date.
#[derive(Clone, Debug, Default)]
pub struct PackSet {
    packs: Vec<RulePack>,
}

impl PackSet {
    pub fn new(mut packs: Vec<RulePack>) -> PackSet {
        packs.sort_by(|a, b| {
            (a.jurisdiction.code(), a.effective.from)
                .cmp(&(b.jurisdiction.code(), b.effective.from))
        });
        PackSet { packs }
    }

    /// The pack in force for `jurisdiction` on `day`.
    pub fn find(&self, jurisdiction: Country, day: Date) -> Option<&RulePack> {
        self.packs
            .iter()
            .find(|p| p.jurisdiction == jurisdiction && p.effective.contains(day))
    }

    /// Whether any pack (of any date) covers the jurisdiction.
    pub fn covers(&self, jurisdiction: Country) -> bool {
        self.packs.iter().any(|p| p.jurisdiction == jurisdiction)
    }

    pub fn packs(&self) -> &[RulePack] {
        &self.packs
    }
}
