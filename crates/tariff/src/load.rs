//! Reading rule packs from TOML and refusing any that is malformed, overlaps itself, or states a
//! rate without a legal basis. Every refusal names the file, the line and the problem.
//!
//! A file is either a jurisdiction's pack (`jurisdiction = "DE"`) or a shared base (no
//! `jurisdiction`) that packs name with `extends`: the EU member states share the Union's
//! tariff and regimes and add their own VAT. A pack's own keys replace the base's.

use crate::date::{parse_date, Period};
use crate::pack::*;
use crate::ratio::{Rate, Rounding};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;
use trade::{Country, Currency};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct PackError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

/// The packs compiled into the binary.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("eu.toml", include_str!("../packs/eu.toml")),
    ("cn.toml", include_str!("../packs/cn.toml")),
    ("de.toml", include_str!("../packs/de.toml")),
    ("fr.toml", include_str!("../packs/fr.toml")),
    ("nl.toml", include_str!("../packs/nl.toml")),
    ("it.toml", include_str!("../packs/it.toml")),
    ("es.toml", include_str!("../packs/es.toml")),
    ("be.toml", include_str!("../packs/be.toml")),
    ("ie.toml", include_str!("../packs/ie.toml")),
    ("pl.toml", include_str!("../packs/pl.toml")),
    ("gb.toml", include_str!("../packs/gb.toml")),
    ("us.toml", include_str!("../packs/us.toml")),
    ("my.toml", include_str!("../packs/my.toml")),
    ("sg.toml", include_str!("../packs/sg.toml")),
    ("au.toml", include_str!("../packs/au.toml")),
    ("th.toml", include_str!("../packs/th.toml")),
    ("vn.toml", include_str!("../packs/vn.toml")),
    ("jp.toml", include_str!("../packs/jp.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: Spanned<String>,
    name: String,
    version: String,
    jurisdiction: Option<Spanned<String>>,
    extends: Option<Spanned<String>>,
    effective_from: Option<Spanned<String>>,
    effective_to: Option<Spanned<String>>,
    currency: Option<Spanned<String>>,
    #[serde(default)]
    citations: BTreeMap<String, String>,
    rounding: Option<Spanned<RawRounding>>,
    valuation: Option<Spanned<RawValuation>>,
    duty: Option<Spanned<RawDuty>>,
    #[serde(default)]
    tax: Vec<Spanned<RawTax>>,
    #[serde(default)]
    regime: Vec<Spanned<RawRegime>>,
    customs: Option<Spanned<RawCustoms>>,
}

/// What customs enforces on cross-border e-commerce parcels to this jurisdiction (optional).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustoms {
    per_order_max: Option<String>,
    per_buyer_year_max: Option<String>,
    #[serde(default = "five_percent")]
    amounts_tolerance: String,
    #[serde(default = "no_id_rule")]
    buyer_id: String,
    #[serde(default = "utc")]
    year_utc_offset: String,
    citation: Option<String>,
}

fn five_percent() -> String {
    "5%".into()
}

fn no_id_rule() -> String {
    "none".into()
}

fn utc() -> String {
    "+00:00".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRounding {
    mode: Rounding,
    citation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValuation {
    dutiable: Vec<String>,
    citation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuty {
    rates: Vec<Spanned<RawRate>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTax {
    id: String,
    kind: String,
    base: Vec<String>,
    #[serde(default)]
    gross_up: bool,
    rates: Vec<Spanned<RawRate>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    hs: Option<String>,
    rate: String,
    citation: Option<String>,
    #[serde(default)]
    origins: Vec<String>,
    min_unit_price: Option<String>,
    from: Option<String>,
    until: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegime {
    code: String,
    name: String,
    max_value: Option<String>,
    #[serde(default)]
    threshold_on: Vec<String>,
    from: Option<String>,
    until: Option<String>,
    duty: String,
    flat_duty: Option<RawFlatDuty>,
    #[serde(default)]
    taxes: Vec<String>,
    tax_factor: Option<String>,
    #[serde(default = "at_import")]
    collected: String,
    citation: Option<String>,
}

fn at_import() -> String {
    "at_import".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlatDuty {
    amount: String,
    per: String,
}

/// A parsed file with what is needed to turn byte offsets into line numbers.
struct Parsed {
    file: String,
    line_starts: Vec<usize>,
    raw: RawPack,
}

impl Parsed {
    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset)
    }

    fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        problem: impl Into<String>,
    ) -> Result<T, PackError> {
        Err(PackError {
            file: self.file.clone(),
            line: self.line(span.start),
            problem: problem.into(),
        })
    }

    fn origin(&self, span: std::ops::Range<usize>) -> Origin {
        Origin::new(self.file.clone(), self.line(span.start))
    }
}

fn parse_file(file: &str, text: &str) -> Result<Parsed, PackError> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let raw: RawPack = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        PackError {
            file: file.to_string(),
            line: line_starts.partition_point(|start| *start <= offset),
            problem: e.message().trim().to_string(),
        }
    })?;
    Ok(Parsed {
        file: file.to_string(),
        line_starts,
        raw,
    })
}

/// Loads packs from `(file name, text)` pairs: bases first resolved, every pack checked.
pub fn load(files: &[(String, String)]) -> Result<PackSet, PackError> {
    let parsed: Vec<Parsed> = files
        .iter()
        .map(|(name, text)| parse_file(name, text))
        .collect::<Result<_, _>>()?;
    let mut by_id: HashMap<&str, &Parsed> = HashMap::new();
    for p in &parsed {
        if let Some(previous) = by_id.insert(p.raw.id.get_ref().as_str(), p) {
            return p.err(
                p.raw.id.span(),
                format!(
                    "pack id `{}` is also used by {}",
                    p.raw.id.get_ref(),
                    previous.file
                ),
            );
        }
    }
    let mut packs = Vec::new();
    for p in parsed.iter().filter(|p| p.raw.jurisdiction.is_some()) {
        let base = match &p.raw.extends {
            None => None,
            Some(name) => match by_id.get(name.get_ref().as_str()) {
                Some(base) if base.raw.jurisdiction.is_none() => Some(*base),
                Some(_) => return p.err(name.span(), format!("`extends = \"{}\"` names a jurisdiction's pack; only a base (a file without `jurisdiction`) can be extended", name.get_ref())),
                None => return p.err(name.span(), format!("`extends = \"{}\"`: no base pack with that id", name.get_ref())),
            },
        };
        packs.push(compile(p, base)?);
    }
    for p in parsed.iter().filter(|p| p.raw.jurisdiction.is_none()) {
        if let Some(extends) = &p.raw.extends {
            return p.err(extends.span(), "a base pack cannot extend another");
        }
    }
    check_pack_periods(&packs)?;
    Ok(PackSet::new(packs))
}

/// The embedded packs, with the files of `overrides` replacing those of the same name and
/// adding new ones.
pub fn load_with_overrides(overrides: &[(String, String)]) -> Result<PackSet, PackError> {
    let mut files: Vec<(String, String)> = EMBEDDED
        .iter()
        .filter(|(name, _)| !overrides.iter().any(|(o, _)| o == name))
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    files.extend(overrides.iter().cloned());
    load(&files)
}

pub fn load_embedded() -> Result<PackSet, PackError> {
    load_with_overrides(&[])
}

fn check_pack_periods(packs: &[RulePack]) -> Result<(), PackError> {
    for (i, a) in packs.iter().enumerate() {
        for b in &packs[i + 1..] {
            if a.jurisdiction == b.jurisdiction && a.effective.overlaps(&b.effective) {
                return Err(PackError {
                    file: b.source.file.clone(),
                    line: b.source.line,
                    problem: format!(
                        "pack `{}` for {} is in effect on days that pack `{}` ({}) also covers; give them disjoint effective_from/effective_to",
                        b.id, b.jurisdiction, a.id, a.source.file
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The pieces of a pack, each from the file that wrote it (the pack or its base).
struct Sources<'a> {
    own: &'a Parsed,
    base: Option<&'a Parsed>,
}

impl<'a> Sources<'a> {
    /// The pack's own value if present, else the base's, with the file it came from.
    fn pick<T>(&self, get: impl Fn(&'a RawPack) -> Option<&'a T>) -> Option<(&'a Parsed, &'a T)> {
        get(&self.own.raw)
            .map(|v| (self.own, v))
            .or_else(|| self.base.and_then(|b| get(&b.raw).map(|v| (b, v))))
    }

    fn citation(
        &self,
        from: &Parsed,
        span: std::ops::Range<usize>,
        key: Option<&String>,
        what: &str,
    ) -> Result<Citation, PackError> {
        let Some(key) = key else {
            return from.err(span, format!("{what} has no citation: every rule needs `citation = \"<key of [citations]>\"`"));
        };
        let text = self
            .own
            .raw
            .citations
            .get(key)
            .or_else(|| self.base.and_then(|b| b.raw.citations.get(key)));
        match text {
            Some(text) if !text.trim().is_empty() => Ok(Citation::new(key.clone(), text.clone())),
            Some(_) => from.err(span, format!("{what}: citation `{key}` is empty")),
            None => from.err(
                span,
                format!("{what}: citation `{key}` is not in [citations]"),
            ),
        }
    }
}

fn compile(own: &Parsed, base: Option<&Parsed>) -> Result<RulePack, PackError> {
    let src = Sources { own, base };
    let raw = &own.raw;
    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return own.err(
            raw.id.span(),
            "pack id must be lowercase letters, digits and dashes",
        );
    }
    if raw.version.trim().is_empty() {
        return own.err(raw.id.span(), "`version` is empty");
    }
    let jurisdiction_raw = raw
        .jurisdiction
        .as_ref()
        .expect("only jurisdiction packs are compiled");
    let jurisdiction = Country::parse(jurisdiction_raw.get_ref()).or_else(|_| {
        own.err(
            jurisdiction_raw.span(),
            format!(
                "jurisdiction `{}` is not an ISO 3166 alpha-2 code",
                jurisdiction_raw.get_ref()
            ),
        )
    })?;

    let (cur_file, currency_raw) = src.pick(|r| r.currency.as_ref()).ok_or_else(|| PackError {
        file: own.file.clone(),
        line: 1,
        problem: "`currency` is missing".into(),
    })?;
    let currency = Currency::parse(currency_raw.get_ref()).or_else(|_| {
        cur_file.err(
            currency_raw.span(),
            format!(
                "currency `{}` is not an ISO 4217 code",
                currency_raw.get_ref()
            ),
        )
    })?;

    let date = |file: &Parsed, value: &Spanned<String>| {
        parse_date(value.get_ref()).ok_or(()).or_else(|_| {
            file.err(
                value.span(),
                format!("`{}` is not a date (YYYY-MM-DD)", value.get_ref()),
            )
        })
    };
    let (from_file, from_raw) =
        src.pick(|r| r.effective_from.as_ref())
            .ok_or_else(|| PackError {
                file: own.file.clone(),
                line: 1,
                problem: "`effective_from` is missing".into(),
            })?;
    let effective_from = date(from_file, from_raw)?;
    let effective_to = match src.pick(|r| r.effective_to.as_ref()) {
        Some((file, value)) => {
            let to = date(file, value)?;
            if to < effective_from {
                return file.err(value.span(), "`effective_to` is before `effective_from`");
            }
            Some(to)
        }
        None => None,
    };

    let (round_file, rounding_raw) =
        src.pick(|r| r.rounding.as_ref()).ok_or_else(|| PackError {
            file: own.file.clone(),
            line: 1,
            problem: "[rounding] is missing: say how amounts are rounded, with its citation".into(),
        })?;
    let rounding_citation = src.citation(
        round_file,
        rounding_raw.span(),
        rounding_raw.get_ref().citation.as_ref(),
        "[rounding]",
    )?;

    let (val_file, valuation_raw) =
        src.pick(|r| r.valuation.as_ref())
            .ok_or_else(|| {
                PackError {
            file: own.file.clone(),
            line: 1,
            problem:
                "[valuation] is missing: say what the dutiable value includes, with its citation"
                    .into(),
        }
            })?;
    let dutiable = components(
        val_file,
        valuation_raw.span(),
        &valuation_raw.get_ref().dutiable,
        "valuation.dutiable",
    )?;
    if !dutiable.goods {
        return val_file.err(
            valuation_raw.span(),
            "valuation.dutiable must include `goods`",
        );
    }
    let valuation_citation = src.citation(
        val_file,
        valuation_raw.span(),
        valuation_raw.get_ref().citation.as_ref(),
        "[valuation]",
    )?;

    let duty = match src.pick(|r| r.duty.as_ref()) {
        Some((file, d)) => rate_table(&src, file, &d.get_ref().rates, currency, true, "duty")?,
        None => RateTable::default(),
    };

    let (tax_file, raw_taxes) = if !raw.tax.is_empty() {
        (own, &raw.tax)
    } else {
        match base {
            Some(b) => (b, &b.raw.tax),
            None => (own, &raw.tax),
        }
    };
    let mut taxes: Vec<Tax> = Vec::new();
    for t in raw_taxes {
        let rt = t.get_ref();
        if taxes.iter().any(|x| x.id == rt.id) {
            return tax_file.err(t.span(), format!("tax `{}` is defined twice", rt.id));
        }
        let kind = TaxKind::parse(&rt.kind).ok_or(()).or_else(|_| {
            tax_file.err(
                t.span(),
                format!(
                    "tax kind `{}` is not one of vat, gst, sales_tax, consumption_tax, excise",
                    rt.kind
                ),
            )
        })?;
        let mut parts = Vec::new();
        for name in &rt.base {
            let part = match name.as_str() {
                "goods" => BasePart::Goods,
                "freight" => BasePart::Freight,
                "insurance" => BasePart::Insurance,
                "duty" => BasePart::Duty,
                other => match taxes.iter().position(|x| x.id == other) {
                    Some(i) => BasePart::Tax(i),
                    None => return tax_file.err(t.span(), format!("tax `{}`: base part `{other}` is not goods, freight, insurance, duty or an earlier tax", rt.id)),
                },
            };
            if parts.contains(&part) {
                return tax_file.err(
                    t.span(),
                    format!("tax `{}`: base part `{name}` is listed twice", rt.id),
                );
            }
            parts.push(part);
        }
        if !parts.contains(&BasePart::Goods) {
            return tax_file.err(
                t.span(),
                format!("tax `{}`: the base must include `goods`", rt.id),
            );
        }
        let rates = rate_table(
            &src,
            tax_file,
            &rt.rates,
            currency,
            false,
            &format!("tax `{}`", rt.id),
        )?;
        if rt.gross_up {
            if let Some(e) = rates.entries.iter().find(|e| !e.rate.is_below_one()) {
                return Err(PackError {
                    file: e.source.file.clone(),
                    line: e.source.line,
                    problem: format!(
                        "tax `{}` grosses its base up, so its rate must be below 100%",
                        rt.id
                    ),
                });
            }
        }
        taxes.push(Tax {
            id: rt.id.clone(),
            kind,
            base: parts,
            gross_up: rt.gross_up,
            rates,
            source: tax_file.origin(t.span()),
        });
    }

    let (reg_file, raw_regimes) = if !raw.regime.is_empty() {
        (own, &raw.regime)
    } else {
        match base {
            Some(b) => (b, &b.raw.regime),
            None => (own, &raw.regime),
        }
    };
    if raw_regimes.is_empty() {
        return own.err(
            0..0,
            "no [[regime]]: a pack needs at least one, the last without conditions",
        );
    }
    let mut regimes: Vec<Regime> = Vec::new();
    for r in raw_regimes {
        let span = r.span();
        let rr = r.get_ref();
        if let Some(catch_all) = regimes
            .iter()
            .find(|x| x.max_value.is_none() && x.period.is_always())
        {
            return reg_file.err(span, format!("regime `{}` can never apply: regime `{}` (line {}) before it has no conditions", rr.code, catch_all.code, catch_all.source.line));
        }
        if rr.code.is_empty()
            || !rr
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return reg_file.err(
                span,
                format!(
                    "regime code `{}` must be lowercase letters, digits and underscores",
                    rr.code
                ),
            );
        }
        let period = period(reg_file, span.clone(), &rr.from, &rr.until)?;
        if let Some(other) = regimes
            .iter()
            .find(|x| x.code == rr.code && x.period.overlaps(&period))
        {
            return reg_file.err(
                span,
                format!(
                    "regime `{}` overlaps the one on line {} (same code, overlapping dates)",
                    rr.code, other.source.line
                ),
            );
        }
        let max_value = match &rr.max_value {
            Some(text) => Some(currency.parse_amount(text).or_else(|e| {
                reg_file.err(
                    span.clone(),
                    format!("regime `{}`: max_value `{text}`: {e}", rr.code),
                )
            })?),
            None => None,
        };
        let threshold_on = components(reg_file, span.clone(), &rr.threshold_on, "threshold_on")?;
        if max_value.is_some() && threshold_on == Components::default() {
            return reg_file.err(
                span,
                format!("regime `{}` has max_value but no threshold_on", rr.code),
            );
        }
        if max_value.is_none() && threshold_on != Components::default() {
            return reg_file.err(
                span,
                format!("regime `{}` has threshold_on but no max_value", rr.code),
            );
        }
        let duty_mode = match (rr.duty.as_str(), &rr.flat_duty) {
            ("tariff", None) => {
                if duty
                    .entries
                    .iter()
                    .all(|e| !e.hs.is_empty() || !e.origins.is_empty())
                {
                    return reg_file.err(span, format!("regime `{}` charges duty by the tariff, but the duty table has no default rate (an entry without `hs`)", rr.code));
                }
                DutyMode::Tariff
            }
            ("exempt", None) => DutyMode::Exempt,
            ("flat", Some(flat)) => {
                let amount = currency.parse_amount(&flat.amount).or_else(|e| {
                    reg_file.err(
                        span.clone(),
                        format!(
                            "regime `{}`: flat_duty.amount `{}`: {e}",
                            rr.code, flat.amount
                        ),
                    )
                })?;
                let per = match flat.per.as_str() {
                    "item" => FlatPer::Item,
                    "subheading" => FlatPer::Subheading,
                    other => {
                        return reg_file.err(
                            span,
                            format!(
                            "regime `{}`: flat_duty.per `{other}` is not `item` or `subheading`",
                            rr.code
                        ),
                        )
                    }
                };
                DutyMode::Flat { amount, per }
            }
            ("flat", None) => {
                return reg_file.err(
                    span,
                    format!(
                        "regime `{}`: duty = \"flat\" needs flat_duty = {{ amount, per }}",
                        rr.code
                    ),
                )
            }
            (_, Some(_)) => {
                return reg_file.err(
                    span,
                    format!(
                        "regime `{}`: flat_duty is only for duty = \"flat\"",
                        rr.code
                    ),
                )
            }
            (other, None) => {
                return reg_file.err(
                    span,
                    format!(
                        "regime `{}`: duty `{other}` is not tariff, exempt or flat",
                        rr.code
                    ),
                )
            }
        };
        let mut tax_indices = Vec::new();
        for name in &rr.taxes {
            match taxes.iter().position(|t| &t.id == name) {
                Some(i) if !tax_indices.contains(&i) => tax_indices.push(i),
                Some(_) => {
                    return reg_file.err(
                        span,
                        format!("regime `{}` lists tax `{name}` twice", rr.code),
                    )
                }
                None => {
                    return reg_file.err(
                        span,
                        format!("regime `{}`: no tax `{name}` in this pack", rr.code),
                    )
                }
            }
        }
        tax_indices.sort_unstable();
        let tax_factor = match &rr.tax_factor {
            Some(text) => Rate::parse_percent(text).ok_or(()).or_else(|_| {
                reg_file.err(
                    span.clone(),
                    format!(
                        "regime `{}`: tax_factor `{text}` is not a percentage like \"70%\"",
                        rr.code
                    ),
                )
            })?,
            None => Rate::ONE,
        };
        let collected = match rr.collected.as_str() {
            "at_import" => Collection::AtImport,
            "at_sale" => Collection::AtSale,
            other => {
                return reg_file.err(
                    span,
                    format!(
                        "regime `{}`: collected `{other}` is not at_sale or at_import",
                        rr.code
                    ),
                )
            }
        };
        let citation = src.citation(
            reg_file,
            span.clone(),
            rr.citation.as_ref(),
            &format!("regime `{}`", rr.code),
        )?;
        regimes.push(Regime {
            index: regimes.len(),
            code: rr.code.clone(),
            name: rr.name.clone(),
            name_json: JsonText::of(&rr.name),
            max_value,
            threshold_on,
            period,
            duty: duty_mode,
            taxes: tax_indices,
            tax_factor,
            collected,
            citation,
            source: reg_file.origin(span),
        });
    }
    let last = regimes.last().expect("checked non-empty");
    if last.max_value.is_some() || !last.period.is_always() {
        return reg_file.err(raw_regimes.last().map(|r| r.span()).unwrap_or(0..0), format!("the last regime (`{}`) must have no conditions (no max_value, from or until), so that every consignment has a regime", last.code));
    }

    let customs = match src.pick(|r| r.customs.as_ref()) {
        None => None,
        Some((file, raw_customs)) => Some(compile_customs(&src, file, raw_customs, currency)?),
    };

    let mut pack = RulePack {
        customs,
        id,
        jurisdiction,
        name: raw.name.clone(),
        version: raw.version.clone(),
        effective: Period {
            from: Some(effective_from),
            until: effective_to,
        },
        currency,
        rounding: rounding_raw.get_ref().mode,
        rounding_citation,
        dutiable,
        valuation_citation,
        regimes,
        duty,
        taxes,
        source: own.origin(raw.id.span()),
        phrases: Default::default(),
    };
    pack.phrases = crate::render::Phrases::of(&pack);
    Ok(pack)
}

fn compile_customs(
    src: &Sources,
    file: &Parsed,
    raw: &Spanned<RawCustoms>,
    currency: Currency,
) -> Result<CustomsRules, PackError> {
    let span = raw.span();
    let c = raw.get_ref();
    let amount = |field: &str, text: &Option<String>| -> Result<Option<i64>, PackError> {
        match text {
            None => Ok(None),
            Some(t) => match currency.parse_amount(t) {
                Ok(v) if v > 0 => Ok(Some(v)),
                Ok(_) => file.err(span.clone(), format!("customs.{field} must be above zero")),
                Err(e) => file.err(span.clone(), format!("customs.{field}: {e}")),
            },
        }
    };
    let per_order_max = amount("per_order_max", &c.per_order_max)?;
    let per_buyer_year_max = amount("per_buyer_year_max", &c.per_buyer_year_max)?;
    let tolerance = Rate::parse_percent(&c.amounts_tolerance)
        .filter(|r| r.is_below_one())
        .ok_or(())
        .or_else(|_| {
            file.err(
                span.clone(),
                format!(
                    "customs.amounts_tolerance `{}` is not a percentage below 100%",
                    c.amounts_tolerance
                ),
            )
        })?;
    let amounts_tolerance_bps = tolerance
        .basis_points()
        .ok_or(())
        .or_else(|_| file.err(span.clone(), "customs.amounts_tolerance must be a whole number of basis points (at most two decimals of a percent)"))?;
    let buyer_id = match c.buyer_id.as_str() {
        "none" => BuyerIdCheck::None,
        "cn_resident" => BuyerIdCheck::CnResident,
        other => {
            return file.err(
                span,
                format!("customs.buyer_id `{other}` is not none or cn_resident"),
            )
        }
    };
    let year_utc_offset_minutes = parse_utc_offset(&c.year_utc_offset)
        .ok_or(())
        .or_else(|_| {
            file.err(
                span.clone(),
                format!(
                    "customs.year_utc_offset `{}` is not an offset such as +08:00",
                    c.year_utc_offset
                ),
            )
        })?;
    let citation = src.citation(file, span, c.citation.as_ref(), "[customs]")?;
    Ok(CustomsRules {
        per_order_max,
        per_buyer_year_max,
        amounts_tolerance_bps,
        buyer_id,
        year_utc_offset_minutes,
        citation,
    })
}

/// `+08:00`, `-05:30`, `+00:00` → minutes east of UTC.
fn parse_utc_offset(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i32 = text.get(1..3)?.parse().ok()?;
    let minutes: i32 = text.get(4..6)?.parse().ok()?;
    if hours > 14
        || minutes > 59
        || !text[1..3]
            .bytes()
            .chain(text[4..6].bytes())
            .all(|d| d.is_ascii_digit())
    {
        return None;
    }
    Some(sign * (hours * 60 + minutes))
}

fn components(
    file: &Parsed,
    span: std::ops::Range<usize>,
    names: &[String],
    what: &str,
) -> Result<Components, PackError> {
    let mut c = Components::default();
    for name in names {
        let slot = match name.as_str() {
            "goods" => &mut c.goods,
            "freight" => &mut c.freight,
            "insurance" => &mut c.insurance,
            other => {
                return file.err(
                    span,
                    format!("{what}: `{other}` is not goods, freight or insurance"),
                )
            }
        };
        if *slot {
            return file.err(span, format!("{what}: `{name}` is listed twice"));
        }
        *slot = true;
    }
    Ok(c)
}

fn period(
    file: &Parsed,
    span: std::ops::Range<usize>,
    from: &Option<String>,
    until: &Option<String>,
) -> Result<Period, PackError> {
    let day = |text: &Option<String>| -> Result<Option<time::Date>, PackError> {
        match text {
            None => Ok(None),
            Some(t) => parse_date(t)
                .map(Some)
                .ok_or(())
                .or_else(|_| file.err(span.clone(), format!("`{t}` is not a date (YYYY-MM-DD)"))),
        }
    };
    let p = Period {
        from: day(from)?,
        until: day(until)?,
    };
    if let (Some(f), Some(u)) = (p.from, p.until) {
        if u < f {
            return file.err(span, "`until` is before `from`");
        }
    }
    Ok(p)
}

fn rate_table(
    src: &Sources,
    file: &Parsed,
    raw: &[Spanned<RawRate>],
    currency: Currency,
    allow_origins: bool,
    table: &str,
) -> Result<RateTable, PackError> {
    let mut entries: Vec<RateEntry> = Vec::with_capacity(raw.len());
    for r in raw {
        let span = r.span();
        let rr = r.get_ref();
        let hs = rr.hs.clone().unwrap_or_default();
        let what = if hs.is_empty() {
            format!("{table}: the default rate")
        } else {
            format!("{table}: rate for {hs}")
        };
        if !hs.is_empty()
            && (!hs.bytes().all(|b| b.is_ascii_digit()) || hs.len() % 2 != 0 || hs.len() > 10)
        {
            return file.err(
                span,
                format!("{table}: hs `{hs}` must be 2, 4, 6, 8 or 10 digits"),
            );
        }
        let rate = Rate::parse_percent(&rr.rate).ok_or(()).or_else(|_| {
            file.err(
                span.clone(),
                format!("{what}: `{}` is not a percentage like \"12%\"", rr.rate),
            )
        })?;
        let citation = src.citation(file, span.clone(), rr.citation.as_ref(), &what)?;
        let mut origins = Vec::new();
        for o in &rr.origins {
            let c = Country::parse(o).or_else(|_| {
                file.err(
                    span.clone(),
                    format!("{what}: origin `{o}` is not an ISO 3166 alpha-2 code"),
                )
            })?;
            if origins.contains(&c) {
                return file.err(span, format!("{what}: origin `{o}` is listed twice"));
            }
            origins.push(c);
        }
        if !origins.is_empty() && !allow_origins {
            return file.err(
                span,
                format!("{what}: `origins` (a preference) is only for duty rates"),
            );
        }
        origins.sort_by(|a, b| a.code().cmp(b.code()));
        let min_unit_price = match &rr.min_unit_price {
            Some(t) => Some(currency.parse_amount(t).or_else(|e| {
                file.err(span.clone(), format!("{what}: min_unit_price `{t}`: {e}"))
            })?),
            None => None,
        };
        let period = period(file, span.clone(), &rr.from, &rr.until)?;
        let entry = RateEntry {
            index: 0,
            hs,
            origins,
            min_unit_price,
            period,
            rate,
            citation,
            note: rr.note.clone(),
            source: file.origin(span.clone()),
        };
        if let Some(other) = entries.iter().find(|e| {
            e.hs == entry.hs
                && e.origins == entry.origins
                && e.min_unit_price == entry.min_unit_price
                && e.period.overlaps(&entry.period)
        }) {
            return file.err(
                span,
                format!(
                    "{what} overlaps the rate on line {} (same heading, origins and dates)",
                    other.source.line
                ),
            );
        }
        entries.push(entry);
    }
    entries.sort_by(|a, b| a.hs.cmp(&b.hs));
    for (i, e) in entries.iter_mut().enumerate() {
        e.index = i;
    }
    Ok(RateTable { entries })
}
