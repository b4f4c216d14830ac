//! A quote as JSON, written straight from the engine's result: amounts, rates and the sentences
//! of `explain` are formatted into the output as it is written, with no intermediate strings,
//! because rendering is most of what a quote costs. The shape is [`crate::view::QuoteView`]
//! (the documented schema); `QuoteView::new` reads this very output back, so the two cannot
//! drift apart.

use crate::date::format_date;
use crate::pack::{
    BasePart, Citation, DutyMode, FlatPer, JsonText, Origin, RateEntry, Regime, RulePack, Tax,
    TaxKind,
};
use crate::quote::{LineQuote, LineTax, Quote, QuoteInput};
use crate::ratio::Rate;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use std::fmt::{self, Display, Formatter};
use trade::order::Incoterm;

/// Serializes a quote in the answer's shape.
pub struct QuoteJson<'a> {
    pub quote: &'a Quote<'a>,
    pub input: &'a QuoteInput,
}

/// An amount of minor units written as a decimal string: `1234` at 2 digits is `12.34`.
#[derive(Clone, Copy)]
struct Amount(i64, u8);

impl Display for Amount {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        write_scaled(f, self.0, self.1 as u32, false)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 48];
        s.serialize_str(scaled_text(&mut buf, self.0, self.1 as u32, false))
    }
}

/// `value / 10^digits` as text in `buf`, optionally without trailing fraction zeros: the
/// answer's amounts and rates, written without the formatting machinery (a quote has dozens).
fn scaled_text(buf: &mut [u8; 48], value: i64, digits: u32, trim: bool) -> &str {
    let mut abs = value.unsigned_abs();
    let mut end = buf.len();
    let mut fraction_digits = digits;
    if trim {
        while fraction_digits > 0 && abs.is_multiple_of(10) {
            abs /= 10;
            fraction_digits -= 1;
        }
    }
    let mut written = 0;
    while written < fraction_digits || abs > 0 || written <= fraction_digits {
        if written == fraction_digits && fraction_digits > 0 {
            end -= 1;
            buf[end] = b'.';
        }
        end -= 1;
        buf[end] = b'0' + (abs % 10) as u8;
        abs /= 10;
        written += 1;
        if written > fraction_digits && abs == 0 {
            break;
        }
    }
    if value < 0 {
        end -= 1;
        buf[end] = b'-';
    }
    std::str::from_utf8(&buf[end..]).expect("digits are ASCII")
}

/// A rate as a percentage without trailing zeros: `16.9%`.
#[derive(Clone, Copy)]
struct Percent(Rate);

impl Display for Percent {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        // num / den × 100, den a power of ten.
        let (num, den) = (self.0.numerator(), self.0.denominator());
        let digits = den.ilog10();
        if digits >= 2 {
            write_scaled(f, num, digits - 2, true)?;
        } else {
            write_scaled(f, num * 10i64.pow(2 - digits), 0, true)?;
        }
        f.write_str("%")
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (num, den) = (self.0.numerator(), self.0.denominator());
        let digits = den.ilog10();
        let mut buf = [0u8; 48];
        let text = if digits >= 2 {
            scaled_text(&mut buf, num, digits - 2, true)
        } else {
            scaled_text(&mut buf, num * 10i64.pow(2 - digits), 0, true)
        };
        let len = text.len();
        let mut out = [0u8; 49];
        out[..len].copy_from_slice(text.as_bytes());
        out[len] = b'%';
        s.serialize_str(std::str::from_utf8(&out[..=len]).expect("ASCII"))
    }
}

/// Writes `value / 10^digits`, optionally without trailing zeros in the fraction.
fn write_scaled(f: &mut Formatter, value: i64, digits: u32, trim: bool) -> fmt::Result {
    if value < 0 {
        f.write_str("-")?;
    }
    let abs = value.unsigned_abs();
    let scale = 10u64.pow(digits);
    write!(f, "{}", abs / scale)?;
    let mut fraction = abs % scale;
    let mut width = digits as usize;
    if trim {
        while width > 0 && fraction.is_multiple_of(10) {
            fraction /= 10;
            width -= 1;
        }
    }
    if width > 0 {
        write!(f, ".{fraction:0width$}")?;
    }
    Ok(())
}

/// The figure an explanation is about, as a JSON path into the answer.
#[derive(Clone, Copy)]
enum Figure {
    Named(&'static str),
    LineDuty(usize),
    LineFlatDuty(usize),
    LineTax(usize, usize),
}

impl Display for Figure {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        match self {
            Figure::Named(name) => f.write_str(name),
            Figure::LineDuty(i) => write!(f, "lines[{i}].duty"),
            Figure::LineFlatDuty(i) => write!(f, "lines[{i}].flat_duty"),
            Figure::LineTax(i, k) => write!(f, "lines[{i}].taxes[{k}]"),
        }
    }
}

/// The sentence that says which rule produced a figure. Most depend only on the pack and are
/// written once at load ([`Phrases`]); the rest are written as the answer is.
enum Rule<'a> {
    Regime {
        pack: &'a RulePack,
        regime: &'a Regime,
    },
    Fx(&'a Quote<'a>),
    Dutiable {
        pack: &'a RulePack,
        by_weight: bool,
    },
    Rounding(&'a RulePack),
    Duty {
        entry: &'a RateEntry,
        instead_of: Option<(&'a RateEntry, &'a str)>,
    },
    FlatDuty {
        q: &'a Quote<'a>,
        line: &'a LineQuote<'a>,
    },
    NoDuty(&'a Regime),
    Tax {
        pack: &'a RulePack,
        regime: &'a Regime,
        tax: &'a Tax,
        entry: &'a RateEntry,
    },
}

fn names(f: &mut Formatter, names: &[&str]) -> fmt::Result {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            f.write_str(" + ")?;
        }
        f.write_str(name)?;
    }
    Ok(())
}

fn base_part_name<'p>(pack: &'p RulePack, part: &BasePart) -> &'p str {
    match part {
        BasePart::Goods => "goods",
        BasePart::Freight => "freight",
        BasePart::Insurance => "insurance",
        BasePart::Duty => "duty",
        BasePart::Tax(j) => pack.taxes[*j].id.as_str(),
    }
}

impl Display for Rule<'_> {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        match self {
            Rule::Regime { pack, regime: r } => {
                write!(f, "{}: ", r.code)?;
                match r.max_value {
                    Some(max) => {
                        names(f, &r.threshold_on.names())?;
                        write!(
                            f,
                            " (the consignment's value) at most {} {}",
                            Amount(max, pack.currency.minor_digits()),
                            pack.currency
                        )?;
                    }
                    None => f.write_str("no threshold: the regime that applies when no other does")?,
                }
                if r.tax_factor != Rate::ONE {
                    write!(f, "; taxes at {} of the statutory amount", Percent(r.tax_factor))?;
                }
                Ok(())
            }
            Rule::Fx(q) => match &q.fx {
                Some(fx) => write!(
                    f,
                    "amounts converted from {} to {} at {} ({}, {}), each rounded half-up to the minor unit",
                    fx.from,
                    fx.to,
                    fx.rate.decimal_text(),
                    fx.source,
                    fx.as_of
                ),
                None => Ok(()),
            },
            Rule::Dutiable { pack, by_weight } => {
                f.write_str("dutiable value = ")?;
                names(f, &pack.dutiable.names())?;
                write!(
                    f,
                    "; freight and insurance shared among lines by {}",
                    if *by_weight { "net weight" } else { "number of units" }
                )
            }
            Rule::Rounding(pack) => write!(
                f,
                "each line's duty and taxes rounded {:?} to the minor unit of {}",
                pack.rounding, pack.currency
            ),
            Rule::Duty { entry, instead_of } => {
                write!(f, "duty {} (", Percent(entry.rate))?;
                if entry.hs.is_empty() {
                    f.write_str("the default rate")?;
                } else {
                    write!(f, "HS {}", entry.hs)?;
                }
                f.write_str(") × dutiable value")?;
                if let Some((general, origin)) = instead_of {
                    write!(f, "; preferential rate for origin {origin} instead of the general {}", Percent(general.rate))?;
                }
                if let Some(note) = &entry.note {
                    write!(f, "; {note}")?;
                }
                Ok(())
            }
            Rule::FlatDuty { q, line } => {
                let DutyMode::Flat { amount, per } = q.regime.duty else { return Ok(()) };
                write!(
                    f,
                    "flat duty {} {} per {} × {}{}",
                    Amount(amount, q.currency.minor_digits()),
                    q.currency,
                    match per {
                        FlatPer::Item => "item",
                        FlatPer::Subheading => "subheading",
                    },
                    line.flat_units,
                    if line.flat_units == 0 { " (its subheading paid on another line)" } else { "" }
                )
            }
            Rule::NoDuty(regime) => write!(f, "no customs duty under {}", regime.code),
            Rule::Tax { pack, regime, tax, entry } => {
                write!(f, "{} {}", tax.kind.as_str(), Percent(entry.rate))?;
                if regime.tax_factor != Rate::ONE {
                    write!(f, " × {} ({})", Percent(regime.tax_factor), regime.code)?;
                }
                f.write_str(" × base (")?;
                for (i, part) in tax.base.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" + ")?;
                    }
                    f.write_str(base_part_name(pack, part))?;
                }
                if tax.gross_up {
                    f.write_str(", grossed up by 1 / (1 − rate)")?;
                }
                f.write_str(")")?;
                if !entry.hs.is_empty() {
                    write!(f, "; rate for HS {}", entry.hs)?;
                }
                Ok(())
            }
        }
    }
}

fn fixed(rule: Rule) -> JsonText {
    JsonText::of(&rule.to_string())
}

/// The sentences of a pack's explanations that do not depend on the parcel, written (and
/// escaped as JSON) once at load, so that an answer copies them.
#[derive(Clone, Debug, Default)]
pub struct Phrases {
    regime: Vec<JsonText>,
    no_duty: Vec<JsonText>,
    /// By units, then by weight.
    dutiable: Vec<JsonText>,
    rounding: Vec<JsonText>,
    /// Per duty entry, without a preference.
    duty: Vec<JsonText>,
    /// Per tax, per entry, per regime.
    tax: Vec<Vec<Vec<JsonText>>>,
}

impl Phrases {
    pub fn of(pack: &RulePack) -> Phrases {
        Phrases {
            regime: pack
                .regimes
                .iter()
                .map(|regime| fixed(Rule::Regime { pack, regime }))
                .collect(),
            no_duty: pack
                .regimes
                .iter()
                .map(|regime| fixed(Rule::NoDuty(regime)))
                .collect(),
            dutiable: [false, true]
                .iter()
                .map(|&by_weight| fixed(Rule::Dutiable { pack, by_weight }))
                .collect(),
            rounding: vec![fixed(Rule::Rounding(pack))],
            duty: pack
                .duty
                .entries
                .iter()
                .map(|entry| {
                    fixed(Rule::Duty {
                        entry,
                        instead_of: None,
                    })
                })
                .collect(),
            tax: pack
                .taxes
                .iter()
                .map(|tax| {
                    tax.rates
                        .entries
                        .iter()
                        .map(|entry| {
                            pack.regimes
                                .iter()
                                .map(|regime| {
                                    fixed(Rule::Tax {
                                        pack,
                                        regime,
                                        tax,
                                        entry,
                                    })
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

/// A rule's sentence: fixed at load, or written now.
enum RuleText<'a> {
    Fixed(&'a JsonText),
    Live(Rule<'a>),
}

impl Serialize for RuleText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RuleText::Fixed(text) => text.raw().serialize(s),
            RuleText::Live(rule) => s.collect_str(rule),
        }
    }
}

struct Explain<'a> {
    figure: Figure,
    amount: Option<Amount>,
    rule: RuleText<'a>,
    citation: &'a Citation,
    source: &'a Origin,
}

struct Shown<'a, T: Display>(&'a T);

impl<T: Display> Serialize for Shown<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl Serialize for Explain<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ExplainView", 5)?;
        st.serialize_field("figure", &Shown(&self.figure))?;
        st.serialize_field("amount", &self.amount)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("citation", &self.citation.key)?;
        st.serialize_field("source", self.source.json.raw())?;
        st.end()
    }
}

/// One entry of a `taxes` list.
enum TaxItem<'a> {
    Flat {
        amount: i64,
        units: i64,
        digits: u8,
    },
    Line(&'a LineTax<'a>, u8),
    Total {
        kind: TaxKind,
        rate: Rate,
        base: i64,
        amount: i64,
        digits: u8,
    },
}

impl Serialize for TaxItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            TaxItem::Flat {
                amount,
                units,
                digits,
            } => {
                let mut st = s.serialize_struct("TaxView", 3)?;
                st.serialize_field("kind", "flat_duty")?;
                st.serialize_field("amount", &Amount(*amount, *digits))?;
                st.serialize_field("units", units)?;
                st.end()
            }
            TaxItem::Line(t, digits) => {
                let mut st = s.serialize_struct("TaxView", 5)?;
                st.serialize_field("kind", t.tax.kind.as_str())?;
                st.serialize_field("rate", &Percent(t.rate))?;
                st.serialize_field("statutory_rate", &Percent(t.entry.rate))?;
                st.serialize_field("base", &Amount(t.base, *digits))?;
                st.serialize_field("amount", &Amount(t.amount, *digits))?;
                st.end()
            }
            TaxItem::Total {
                kind,
                rate,
                base,
                amount,
                digits,
            } => {
                let mut st = s.serialize_struct("TaxView", 4)?;
                st.serialize_field("kind", kind.as_str())?;
                st.serialize_field("rate", &Percent(*rate))?;
                st.serialize_field("base", &Amount(*base, *digits))?;
                st.serialize_field("amount", &Amount(*amount, *digits))?;
                st.end()
            }
        }
    }
}

struct Seq<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.take().expect("a sequence is serialized once");
        let mut seq = s.serialize_seq(None)?;
        for item in items {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

fn seq<I: Iterator>(items: I) -> Seq<I> {
    Seq(std::cell::Cell::new(Some(items)))
}

struct Line<'a> {
    q: &'a Quote<'a>,
    index: usize,
    input: &'a QuoteInput,
}

impl Serialize for Line<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (q, i) = (self.q, self.index);
        let line = &q.lines[i];
        let item = &self.input.items[i];
        let d = q.currency.minor_digits();
        let mut st = s.serialize_struct("LineView", 13)?;
        st.serialize_field("hs_code", item.hs_code.as_str())?;
        st.serialize_field("description", &item.description)?;
        st.serialize_field("quantity", &item.quantity)?;
        st.serialize_field("origin", item.origin.code())?;
        st.serialize_field("goods_value", &Amount(line.goods, d))?;
        st.serialize_field("freight", &Amount(line.freight, d))?;
        st.serialize_field("insurance", &Amount(line.insurance, d))?;
        st.serialize_field("dutiable_value", &Amount(line.dutiable_value, d))?;
        st.serialize_field("duty_rate", &line.duty_rule.map(|r| Percent(r.entry.rate)))?;
        st.serialize_field("duty", &Amount(line.duty, d))?;
        st.serialize_field(
            "preference",
            &line
                .duty_rule
                .filter(|r| r.instead_of.is_some())
                .map(|r| r.entry.citation.key.as_str()),
        )?;
        let flat = (line.flat_duty > 0).then_some(TaxItem::Flat {
            amount: line.flat_duty,
            units: line.flat_units,
            digits: d,
        });
        let taxes = q.line_taxes[line.taxes.clone()]
            .iter()
            .map(|t| TaxItem::Line(t, d));
        st.serialize_field("taxes", &seq(flat.into_iter().chain(taxes)))?;
        st.serialize_field("tax_total", &Amount(line.tax_total, d))?;
        st.end()
    }
}

impl<'a> QuoteJson<'a> {
    /// Every explanation, in order: the regime, the rate, the valuation, the rounding, then each
    /// line's duty and taxes.
    fn explanations(&self) -> Vec<Explain<'a>> {
        let q = self.quote;
        let pack = q.pack;
        let phrases = &pack.phrases;
        let r = q.regime.index;
        let d = q.currency.minor_digits();
        let mut out = Vec::with_capacity(4 + q.lines.len() * 3);
        out.push(Explain {
            figure: Figure::Named("regime"),
            amount: q.threshold_value.map(|v| Amount(v, d)),
            rule: RuleText::Fixed(&phrases.regime[r]),
            citation: &q.regime.citation,
            source: &q.regime.source,
        });
        if q.fx.is_some() {
            out.push(Explain {
                figure: Figure::Named("fx"),
                amount: None,
                rule: RuleText::Live(Rule::Fx(q)),
                citation: &FX_TABLE,
                source: &FX_SOURCE,
            });
        }
        out.push(Explain {
            figure: Figure::Named("dutiable_value"),
            amount: Some(Amount(q.dutiable_value, d)),
            rule: RuleText::Fixed(&phrases.dutiable[usize::from(q.shared_by_weight)]),
            citation: &pack.valuation_citation,
            source: &pack.source,
        });
        out.push(Explain {
            figure: Figure::Named("rounding"),
            amount: None,
            rule: RuleText::Fixed(&phrases.rounding[0]),
            citation: &pack.rounding_citation,
            source: &pack.source,
        });
        for (i, (line, item)) in q.lines.iter().zip(&self.input.items).enumerate() {
            match (&q.regime.duty, &line.duty_rule) {
                (DutyMode::Tariff, Some(rule)) => out.push(Explain {
                    figure: Figure::LineDuty(i),
                    amount: Some(Amount(line.duty, d)),
                    rule: match rule.instead_of {
                        None => RuleText::Fixed(&phrases.duty[rule.entry.index]),
                        Some(general) => RuleText::Live(Rule::Duty {
                            entry: rule.entry,
                            instead_of: Some((general, item.origin.code())),
                        }),
                    },
                    citation: &rule.entry.citation,
                    source: &rule.entry.source,
                }),
                (DutyMode::Flat { .. }, _) => out.push(Explain {
                    figure: Figure::LineFlatDuty(i),
                    amount: Some(Amount(line.flat_duty, d)),
                    rule: RuleText::Live(Rule::FlatDuty { q, line }),
                    citation: &q.regime.citation,
                    source: &q.regime.source,
                }),
                _ => out.push(Explain {
                    figure: Figure::LineDuty(i),
                    amount: Some(Amount(0, d)),
                    rule: RuleText::Fixed(&phrases.no_duty[r]),
                    citation: &q.regime.citation,
                    source: &q.regime.source,
                }),
            }
            for (k, tax) in q.line_taxes[line.taxes.clone()].iter().enumerate() {
                out.push(Explain {
                    figure: Figure::LineTax(i, k),
                    amount: Some(Amount(tax.amount, d)),
                    rule: RuleText::Fixed(&phrases.tax[tax.tax_index][tax.entry.index][r]),
                    citation: &tax.entry.citation,
                    source: &tax.entry.source,
                });
            }
        }
        out
    }
}

static FX_TABLE: std::sync::LazyLock<Citation> = std::sync::LazyLock::new(|| {
    Citation::new(
        "fx_table",
        "the hub operator's FX table (PUT /v1/fx-rates): each rate with its source and time",
    )
});
static FX_SOURCE: std::sync::LazyLock<Origin> =
    std::sync::LazyLock::new(|| Origin::new("fx-rates", 0));

struct Citations<'a>(Vec<&'a Citation>);

impl Serialize for Citations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for c in &self.0 {
            map.serialize_entry(&c.key, c.text_json.raw())?;
        }
        map.end()
    }
}

impl Serialize for QuoteJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let q = self.quote;
        let pack = q.pack;
        let d = q.currency.minor_digits();
        let explain = self.explanations();
        // Each citation once, by key, in key order.
        let mut cited: Vec<&Citation> = explain.iter().map(|e| e.citation).collect();
        cited.extend(q.lines.iter().filter_map(|l| {
            l.duty_rule
                .filter(|r| r.instead_of.is_some())
                .map(|r| &r.entry.citation)
        }));
        cited.sort_by(|a, b| a.key.cmp(&b.key));
        cited.dedup_by(|a, b| a.key == b.key);

        let mut st = s.serialize_struct("QuoteView", 26)?;
        st.serialize_field("regime", &q.regime.code)?;
        st.serialize_field("regime_name", q.regime.name_json.raw())?;
        st.serialize_field("collected", &q.regime.collected)?;
        st.serialize_field("rule_pack", &PackRef(pack))?;
        st.serialize_field("date", &format_date(q.date))?;
        st.serialize_field("incoterm", q.incoterm.as_str())?;
        st.serialize_field(
            "taxes_paid_by",
            match q.incoterm {
                Incoterm::Ddp => "seller",
                Incoterm::Dap => "buyer",
            },
        )?;
        st.serialize_field("currency", q.currency.code())?;
        st.serialize_field("request_currency", q.request_currency.code())?;
        st.serialize_field("fx", &q.fx.as_ref().map(FxJson))?;
        st.serialize_field("goods_value", &Amount(q.goods, d))?;
        st.serialize_field("freight", &Amount(q.freight, d))?;
        st.serialize_field("insurance", &Amount(q.insurance, d))?;
        st.serialize_field("threshold_value", &q.threshold_value.map(|v| Amount(v, d)))?;
        st.serialize_field("dutiable_value", &Amount(q.dutiable_value, d))?;
        st.serialize_field("duty", &Amount(q.duty, d))?;
        let flat = (q.flat_duty > 0).then_some(TaxItem::Flat {
            amount: q.flat_duty,
            units: q.flat_units,
            digits: d,
        });
        let totals = q.taxes.iter().map(|t| TaxItem::Total {
            kind: t.tax.kind,
            rate: t.rate,
            base: t.base,
            amount: t.amount,
            digits: d,
        });
        st.serialize_field("taxes", &seq(flat.into_iter().chain(totals)))?;
        st.serialize_field("tax_total", &Amount(q.tax_total, d))?;
        st.serialize_field("landed_cost", &Amount(q.landed_cost, d))?;
        st.serialize_field(
            "lines",
            &seq((0..q.lines.len()).map(|index| Line {
                q,
                index,
                input: self.input,
            })),
        )?;
        st.serialize_field("explain", &explain)?;
        st.serialize_field("citations", &Citations(cited))?;
        st.end()
    }
}

struct PackRef<'a>(&'a RulePack);

impl Serialize for PackRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut st = s.serialize_struct("RulePackRef", 5)?;
        st.serialize_field("id", &p.id)?;
        st.serialize_field("version", &p.version)?;
        st.serialize_field("jurisdiction", p.jurisdiction.code())?;
        st.serialize_field("effective_from", &p.effective.from.map(format_date))?;
        st.serialize_field("effective_to", &p.effective.until.map(format_date))?;
        st.end()
    }
}

struct FxJson<'a>(&'a crate::quote::FxRate);

impl Serialize for FxJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fx = self.0;
        let mut st = s.serialize_struct("FxView", 5)?;
        st.serialize_field("from", fx.from.code())?;
        st.serialize_field("to", fx.to.code())?;
        st.serialize_field("rate", &fx.rate.decimal_text())?;
        st.serialize_field("source", &fx.source)?;
        st.serialize_field("as_of", &fx.as_of)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_text_matches_the_formatter() {
        let cases = [
            (0, 2, false),
            (5, 2, false),
            (1234, 2, false),
            (-1234, 2, false),
            (100, 0, false),
            (0, 0, false),
            (7, 3, false),
            (1690, 3, true),
            (1300, 2, true),
            (0, 2, true),
            (91, 1, true),
            (10, 1, true),
            (i64::MAX, 2, false),
            (1000, 0, true),
            (5, 1, true),
        ];
        for (value, digits, trim) in cases {
            let mut buf = [0u8; 48];
            let fast = scaled_text(&mut buf, value, digits, trim).to_string();
            struct Slow(i64, u32, bool);
            impl Display for Slow {
                fn fmt(&self, f: &mut Formatter) -> fmt::Result {
                    write_scaled(f, self.0, self.1, self.2)
                }
            }
            assert_eq!(
                fast,
                Slow(value, digits, trim).to_string(),
                "{value} {digits} {trim}"
            );
        }
        let json = |v: &dyn erased::Ser| v.json();
        assert_eq!(json(&Amount(1234, 2)), "\"12.34\"");
        assert_eq!(
            json(&Percent(Rate::parse_percent("16.9%").unwrap())),
            "\"16.9%\""
        );
        assert_eq!(
            json(&Percent(Rate::parse_percent("9.1%").unwrap())),
            "\"9.1%\""
        );
        assert_eq!(json(&Percent(Rate::parse_percent("0%").unwrap())), "\"0%\"");
        assert_eq!(
            json(&Percent(Rate::parse_percent("100%").unwrap())),
            "\"100%\""
        );
    }

    mod erased {
        pub trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).expect("serializes")
            }
        }
    }
}
