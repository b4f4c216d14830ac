//! The landed-cost engine: a validated request and the packs in, a quote out, with every figure
//! traceable to the rule (and its legal basis) that produced it.
//!
//! The computation, in the destination's currency:
//! 1. convert each line's goods value, the freight and the insurance at the given FX rate
//!    (half-up to the minor unit);
//! 2. pick the first regime whose date range holds and whose threshold the consignment's value
//!    does not exceed;
//! 3. share freight and insurance among the lines in proportion to their net weight when every
//!    item gives one, else to their number of units (largest remainder, in a canonical order of
//!    the lines, so the result does not depend on their order). Not by value: a share by value
//!    would let a higher price on one line move freight off a line with a higher duty rate and
//!    lower the duty (docs/tariff.md);
//! 4. per line: dutiable value, duty (tariff rate by longest HS prefix, the lower preferential
//!    rate where the origin qualifies, or the regime's flat duty), then each of the regime's taxes
//!    in the pack's order: base = the listed parts (grossed up by 1/(1 − rate) where the pack
//!    says so), amount = round(base × rate × regime factor);
//! 5. totals are sums of the rounded line figures.

use crate::date::{format_date, parse_date};
use crate::pack::*;
use crate::ratio::{round_fraction, Rate, Rounding};
use serde::Deserialize;
use time::Date;
use trade::order::Incoterm;
use trade::validate::Problems;
use trade::{Country, Currency, FieldError, HsCode};

/// Lines per quote at most: a parcel, not a container manifest.
pub const MAX_ITEMS: usize = 100;
pub const MAX_QUANTITY: i64 = 1_000_000;

/// The request as it arrives (JSON); [`QuoteRequest::validate`] turns it into a [`QuoteInput`].
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// ISO 3166 alpha-2 country the parcel ships from; the default origin of its items.
    pub origin: Option<String>,
    /// ISO 3166 alpha-2 country whose rules apply.
    pub destination: Option<String>,
    /// ISO 4217 currency of every amount in the request.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`: the rules in effect that day. Default: today (UTC).
    pub date: Option<String>,
    /// `DDP` (the seller pays duty and taxes, the default) or `DAP` (the buyer pays on arrival).
    pub incoterm: Option<String>,
    /// Decimal string; default 0.
    pub freight: Option<String>,
    /// Decimal string; default 0.
    pub insurance: Option<String>,
    pub items: Option<Vec<QuoteItemRequest>>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteItemRequest {
    /// 6 to 10 digits.
    pub hs_code: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<i64>,
    /// Decimal string in the request's currency.
    pub unit_price: Option<String>,
    /// ISO 3166 alpha-2 country of origin of the goods; default: the request's origin.
    pub origin: Option<String>,
    /// Net weight of one unit in kg, a decimal string with at most 3 decimals. When every item
    /// gives it, freight and insurance are shared by weight; otherwise by units.
    pub net_weight_kg: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteInput {
    pub origin: Country,
    pub destination: Country,
    pub currency: Currency,
    pub date: Date,
    pub incoterm: Incoterm,
    pub freight: i64,
    pub insurance: i64,
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInput {
    pub hs_code: HsCode,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub origin: Country,
    /// Grams per unit, when given.
    pub unit_weight_g: Option<i64>,
}

impl QuoteRequest {
    /// Every problem at once, each naming its field as a JSON path.
    pub fn validate(&self, today: Date) -> Result<QuoteInput, Vec<FieldError>> {
        let mut p = Problems::default();
        let origin = p.country("origin", &self.origin);
        let destination = p.country("destination", &self.destination);
        let currency = p.currency("currency", &self.currency);
        let date = match &self.date {
            None => Some(today),
            Some(text) => parse_date(text).or_else(|| {
                p.push(
                    "date",
                    "invalid_date",
                    format!("`{text}` is not a date (YYYY-MM-DD)"),
                );
                None
            }),
        };
        let incoterm = match &self.incoterm {
            None => Some(Incoterm::Ddp),
            Some(text) => Incoterm::parse(text).or_else(|| {
                p.push(
                    "incoterm",
                    "invalid_incoterm",
                    format!("`{text}` is not DDP or DAP"),
                );
                None
            }),
        };
        let freight = p.amount_or_zero("freight", &self.freight, currency);
        let insurance = p.amount_or_zero("insurance", &self.insurance, currency);
        let mut items = Vec::new();
        match &self.items {
            None => {
                p.push("items", "missing_field", "`items` is required");
            }
            Some(list) if list.is_empty() => {
                p.push("items", "empty_items", "a quote needs at least one item");
            }
            Some(list) if list.len() > MAX_ITEMS => {
                p.push(
                    "items",
                    "too_many_items",
                    format!("at most {MAX_ITEMS} items per quote"),
                );
            }
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    let field = |name: &str| format!("items[{i}].{name}");
                    let hs_code = p.hs_code(&field("hs_code"), &item.hs_code);
                    let description = Some(
                        p.optional_text(&field("description"), &item.description, 512)
                            .unwrap_or_default(),
                    );
                    let quantity = match item.quantity {
                        None => {
                            p.push(
                                field("quantity"),
                                "missing_field",
                                format!("`{}` is required", field("quantity")),
                            );
                            None
                        }
                        Some(q) if q < 1 => {
                            p.push(
                                field("quantity"),
                                if q < 0 {
                                    "negative_quantity"
                                } else {
                                    "invalid_quantity"
                                },
                                "quantity must be at least 1",
                            );
                            None
                        }
                        Some(q) if q > MAX_QUANTITY => {
                            p.push(
                                field("quantity"),
                                "invalid_quantity",
                                format!("quantity must be at most {MAX_QUANTITY}"),
                            );
                            None
                        }
                        Some(q) => Some(q),
                    };
                    let unit_price = p.amount(&field("unit_price"), &item.unit_price, currency);
                    let unit_weight_g = match &item.net_weight_kg {
                        None => Some(None),
                        Some(text) => match trade::decimal::parse_scaled(text, 3, 1_000_000_000) {
                            Ok(grams) => Some(Some(grams)),
                            Err(_) => {
                                p.push(field("net_weight_kg"), "invalid_weight", format!("`{text}` is not a weight in kg with at most 3 decimals (0 to 1,000,000)"));
                                None
                            }
                        },
                    };
                    let item_origin = match &item.origin {
                        None => origin,
                        Some(_) => p.country(&field("origin"), &item.origin),
                    };
                    if let (
                        Some(hs_code),
                        Some(description),
                        Some(quantity),
                        Some(unit_price),
                        Some(origin),
                        Some(unit_weight_g),
                    ) = (
                        hs_code,
                        description,
                        quantity,
                        unit_price,
                        item_origin,
                        unit_weight_g,
                    ) {
                        items.push(ItemInput {
                            hs_code,
                            description,
                            quantity,
                            unit_price,
                            origin,
                            unit_weight_g,
                        });
                    }
                }
            }
        }
        p.into_result(|| ())?;
        let (
            Some(origin),
            Some(destination),
            Some(currency),
            Some(date),
            Some(incoterm),
            Some(freight),
            Some(insurance),
        ) = (
            origin,
            destination,
            currency,
            date,
            incoterm,
            freight,
            insurance,
        )
        else {
            unreachable!("every missing value recorded a problem");
        };
        Ok(QuoteInput {
            origin,
            destination,
            currency,
            date,
            incoterm,
            freight,
            insurance,
            items,
        })
    }
}

/// An exchange rate the caller knows: one unit of `from` is `rate` units of `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRate {
    pub from: Currency,
    pub to: Currency,
    pub rate: Rate,
    pub source: String,
    pub as_of: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("no rule pack for destination {0}")]
    NoPack(Country),
    #[error("no rule pack for {destination} is in effect on {date}")]
    NoPackOnDate { destination: Country, date: String },
    #[error("no exchange rate from {from} to {to}: the operator sets it with PUT /v1/fx-rates")]
    FxRateMissing { from: Currency, to: Currency },
    #[error("items[{line}]: the {table} table has no rate for HS {hs} on {date}")]
    NoRate {
        line: usize,
        hs: String,
        table: String,
        date: String,
    },
    #[error("{field}: the amount is too large to quote")]
    TooLarge { field: String },
}

/// Amounts fit in minor units with a wide margin: the product of a quantity and a unit price
/// below this is refused rather than overflowing a sum.
const MAX_LINE_MINOR: i64 = 1_000_000_000_000_000;

/// A quote, borrowing the rules it used from the pack.
#[derive(Debug, Clone)]
pub struct Quote<'p> {
    pub pack: &'p RulePack,
    pub regime: &'p Regime,
    pub date: Date,
    pub incoterm: Incoterm,
    /// The pack's currency: every amount below is in it.
    pub currency: Currency,
    pub request_currency: Currency,
    pub fx: Option<FxRate>,
    pub goods: i64,
    pub freight: i64,
    pub insurance: i64,
    /// The value compared with the regime's threshold, when it has one.
    pub threshold_value: Option<i64>,
    pub dutiable_value: i64,
    pub duty: i64,
    pub flat_duty: i64,
    pub flat_units: i64,
    pub taxes: Vec<TaxTotal<'p>>,
    pub tax_total: i64,
    pub landed_cost: i64,
    /// In the request's order.
    pub lines: Vec<LineQuote<'p>>,
    /// Every line's taxes, `lines[i].taxes` indexes into this.
    pub line_taxes: Vec<LineTax<'p>>,
    /// Whether freight and insurance were shared by weight (else by units).
    pub shared_by_weight: bool,
}

#[derive(Debug, Clone)]
pub struct TaxTotal<'p> {
    pub tax: &'p Tax,
    pub rate: Rate,
    pub base: i64,
    pub amount: i64,
}

#[derive(Debug, Clone)]
pub struct LineQuote<'p> {
    pub goods: i64,
    pub freight: i64,
    pub insurance: i64,
    pub dutiable_value: i64,
    /// The duty rule applied (none when the regime exempts duty or charges it flat).
    pub duty_rule: Option<DutyRule<'p>>,
    pub duty: i64,
    pub flat_duty: i64,
    pub flat_units: i64,
    pub taxes: std::ops::Range<usize>,
    pub tax_total: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct DutyRule<'p> {
    pub entry: &'p RateEntry,
    /// The general rate, when a lower preferential rate replaced it.
    pub instead_of: Option<&'p RateEntry>,
}

#[derive(Debug, Clone)]
pub struct LineTax<'p> {
    pub tax_index: usize,
    pub tax: &'p Tax,
    pub entry: &'p RateEntry,
    /// The statutory rate times the regime's factor: `amount = round(base × rate)`.
    pub rate: Rate,
    pub base: i64,
    /// Before the regime's factor; what a later tax's base includes.
    pub statutory: i64,
    pub amount: i64,
}

/// Quotes `input` with the pack in force for its destination and date. `fx` answers the rate
/// from the request's currency to the pack's, when they differ.
pub fn quote<'p>(
    packs: &'p PackSet,
    input: &QuoteInput,
    fx: impl Fn(Currency, Currency) -> Option<FxRate>,
) -> Result<Quote<'p>, QuoteError> {
    let pack = packs.find(input.destination, input.date).ok_or_else(|| {
        if packs.covers(input.destination) {
            QuoteError::NoPackOnDate {
                destination: input.destination,
                date: format_date(input.date),
            }
        } else {
            QuoteError::NoPack(input.destination)
        }
    })?;
    let currency = pack.currency;
    let fx = if input.currency == currency {
        None
    } else {
        Some(
            fx(input.currency, currency).ok_or(QuoteError::FxRateMissing {
                from: input.currency,
                to: currency,
            })?,
        )
    };
    let convert = |minor: i64| -> i64 {
        match &fx {
            None => minor,
            Some(rate) => convert_minor(minor, rate, input.currency, currency),
        }
    };
    // Goods per line in the request's currency, then in the pack's.
    let mut request_goods = Vec::with_capacity(input.items.len());
    for (i, item) in input.items.iter().enumerate() {
        let goods = item
            .quantity
            .checked_mul(item.unit_price)
            .filter(|g| *g <= MAX_LINE_MINOR)
            .ok_or_else(|| QuoteError::TooLarge {
                field: format!("items[{i}].unit_price"),
            })?;
        request_goods.push(goods);
    }
    let request_total: i64 = request_goods.iter().sum();
    if request_total > MAX_LINE_MINOR {
        return Err(QuoteError::TooLarge {
            field: "items".into(),
        });
    }
    let line_goods: Vec<i64> = request_goods.iter().map(|g| convert(*g)).collect();
    let goods: i64 = line_goods.iter().sum();
    let freight = convert(input.freight);
    let insurance = convert(input.insurance);

    let regime = pack
        .regimes
        .iter()
        .find(|r| {
            r.period.contains(input.date)
                && r.max_value
                    .is_none_or(|max| r.threshold_on.sum(goods, freight, insurance) <= max)
        })
        .expect("the last regime has no conditions (checked at load)");
    let threshold_value = regime
        .max_value
        .map(|_| regime.threshold_on.sum(goods, freight, insurance));

    // A canonical order of the lines, for the shares of freight and insurance and the flat duty.
    let mut order: Vec<usize> = (0..input.items.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&input.items[*a], &input.items[*b]);
        (
            x.hs_code.as_str(),
            x.origin.code(),
            x.unit_price,
            x.quantity,
            &x.description,
        )
            .cmp(&(
                y.hs_code.as_str(),
                y.origin.code(),
                y.unit_price,
                y.quantity,
                &y.description,
            ))
            .then(a.cmp(b))
    });
    let by_weight = input.items.iter().all(|i| i.unit_weight_g.is_some());
    let weights: Vec<i64> = input
        .items
        .iter()
        .map(|i| {
            if by_weight {
                i.unit_weight_g.unwrap_or(0) * i.quantity
            } else {
                i.quantity
            }
        })
        .collect();
    let freight_shares = share(freight, &weights, &order);
    let insurance_shares = share(insurance, &weights, &order);

    // Flat duty units per line.
    let mut flat_units = vec![0i64; input.items.len()];
    if let DutyMode::Flat { per, .. } = regime.duty {
        match per {
            FlatPer::Item => {
                for (i, item) in input.items.iter().enumerate() {
                    flat_units[i] = item.quantity;
                }
            }
            FlatPer::Subheading => {
                let mut seen: Vec<&str> = Vec::new();
                for &i in &order {
                    let subheading = &input.items[i].hs_code.as_str()[..6];
                    if !seen.contains(&subheading) {
                        seen.push(subheading);
                        flat_units[i] = 1;
                    }
                }
            }
        }
    }

    let rounding = pack.rounding;
    let mut lines = Vec::with_capacity(input.items.len());
    let mut line_taxes: Vec<LineTax> = Vec::with_capacity(input.items.len() * regime.taxes.len());
    let mut statutory = [0i64; 8];
    assert!(
        pack.taxes.len() <= statutory.len(),
        "a pack has at most 8 taxes"
    );
    for (i, item) in input.items.iter().enumerate() {
        let (unit_num, unit_den) =
            unit_price_fraction(item.unit_price, fx.as_ref(), input.currency, currency);
        let facts = LineFacts {
            hs: item.hs_code.as_str(),
            origin: item.origin,
            unit_price_num: unit_num,
            unit_price_den: unit_den,
        };
        let (g, f, ins) = (line_goods[i], freight_shares[i], insurance_shares[i]);
        let dutiable = pack.dutiable.sum(g, f, ins);
        let (duty_rule, duty) = match regime.duty {
            DutyMode::Tariff => {
                let general =
                    pack.duty
                        .general(&facts, input.date)
                        .ok_or_else(|| QuoteError::NoRate {
                            line: i,
                            hs: item.hs_code.to_string(),
                            table: "duty".into(),
                            date: format_date(input.date),
                        })?;
                let rule = match pack.duty.preferential(&facts, input.date) {
                    Some(pref) if lower(pref.rate, general.rate) => DutyRule {
                        entry: pref,
                        instead_of: Some(general),
                    },
                    _ => DutyRule {
                        entry: general,
                        instead_of: None,
                    },
                };
                (Some(rule), rule.entry.rate.apply(dutiable, rounding))
            }
            DutyMode::Exempt | DutyMode::Flat { .. } => (None, 0),
        };
        let flat_duty = match regime.duty {
            DutyMode::Flat { amount, .. } => amount * flat_units[i],
            _ => 0,
        };
        let start = line_taxes.len();
        statutory.iter_mut().for_each(|s| *s = 0);
        let mut line_tax_total = 0;
        for &t in &regime.taxes {
            let tax = &pack.taxes[t];
            let Some(entry) = tax.rates.general(&facts, input.date) else {
                if tax.rates.has_default() {
                    // A tax that reaches every heading but has no rate this day: a gap between
                    // dated rates in the pack, never a silent zero.
                    return Err(QuoteError::NoRate {
                        line: i,
                        hs: item.hs_code.to_string(),
                        table: format!("tax `{}`", tax.id),
                        date: format_date(input.date),
                    });
                }
                continue; // this tax reaches only the headings it lists (e.g. consumption tax)
            };
            let mut base = 0i64;
            for part in &tax.base {
                base += match part {
                    BasePart::Goods => g,
                    BasePart::Freight => f,
                    BasePart::Insurance => ins,
                    BasePart::Duty => duty + flat_duty,
                    BasePart::Tax(j) => statutory[*j],
                };
            }
            if tax.gross_up {
                base = entry.rate.gross_up(base, rounding);
            }
            let effective = entry.rate.times(regime.tax_factor);
            statutory[t] = entry.rate.apply(base, rounding);
            let amount = effective.apply(base, rounding);
            line_tax_total += amount;
            line_taxes.push(LineTax {
                tax_index: t,
                tax,
                entry,
                rate: effective,
                base,
                statutory: statutory[t],
                amount,
            });
        }
        lines.push(LineQuote {
            goods: g,
            freight: f,
            insurance: ins,
            dutiable_value: dutiable,
            duty_rule,
            duty,
            flat_duty,
            flat_units: flat_units[i],
            taxes: start..line_taxes.len(),
            tax_total: duty + flat_duty + line_tax_total,
        });
    }

    // Totals by tax and rate, in the pack's order of taxes, then by rate.
    let mut taxes: Vec<TaxTotal> = Vec::new();
    for lt in &line_taxes {
        match taxes
            .iter_mut()
            .find(|t| std::ptr::eq(t.tax, lt.tax) && t.rate == lt.rate)
        {
            Some(total) => {
                total.base += lt.base;
                total.amount += lt.amount;
            }
            None => taxes.push(TaxTotal {
                tax: lt.tax,
                rate: lt.rate,
                base: lt.base,
                amount: lt.amount,
            }),
        }
    }
    taxes.sort_by(|a, b| {
        let index = |t: &TaxTotal| pack.taxes.iter().position(|x| std::ptr::eq(x, t.tax));
        index(a).cmp(&index(b)).then(order_rates(a.rate, b.rate))
    });
    let duty: i64 = lines.iter().map(|l| l.duty).sum();
    let flat_duty: i64 = lines.iter().map(|l| l.flat_duty).sum();
    let tax_total: i64 = lines.iter().map(|l| l.tax_total).sum();
    let dutiable_value = lines.iter().map(|l| l.dutiable_value).sum();
    let quote = Quote {
        pack,
        regime,
        date: input.date,
        incoterm: input.incoterm,
        currency,
        request_currency: input.currency,
        fx,
        goods,
        freight,
        insurance,
        threshold_value,
        dutiable_value,
        duty,
        flat_duty,
        flat_units: flat_units.iter().sum(),
        tax_total,
        landed_cost: goods + freight + insurance + tax_total,
        taxes,
        lines,
        line_taxes,
        shared_by_weight: by_weight,
    };
    debug_assert_eq!(
        quote.tax_total,
        quote.duty + quote.flat_duty + quote.taxes.iter().map(|t| t.amount).sum::<i64>()
    );
    debug_assert_eq!(
        quote.freight,
        quote.lines.iter().map(|l| l.freight).sum::<i64>()
    );
    Ok(quote)
}

fn lower(a: Rate, b: Rate) -> bool {
    (a.numerator() as i128) * (b.denominator() as i128)
        < (b.numerator() as i128) * (a.denominator() as i128)
}

fn order_rates(a: Rate, b: Rate) -> std::cmp::Ordering {
    ((a.numerator() as i128) * (b.denominator() as i128))
        .cmp(&((b.numerator() as i128) * (a.denominator() as i128)))
}

/// `minor` units of `from` in minor units of `to`, half-up.
pub fn convert_minor(minor: i64, fx: &FxRate, from: Currency, to: Currency) -> i64 {
    let (num, den) = unit_price_fraction(minor, Some(fx), from, to);
    round_fraction(num, den, Rounding::HalfUp)
}

/// An amount of the request's currency as an exact fraction of the pack currency's minor units.
fn unit_price_fraction(
    minor: i64,
    fx: Option<&FxRate>,
    from: Currency,
    to: Currency,
) -> (i128, i128) {
    match fx {
        None => (minor as i128, 1),
        Some(fx) => {
            let up = 10i128.pow(to.minor_digits() as u32);
            let down = 10i128.pow(from.minor_digits() as u32);
            (
                minor as i128 * fx.rate.numerator() as i128 * up,
                fx.rate.denominator() as i128 * down,
            )
        }
    }
}

/// Shares `total` among lines in proportion to `weights` (all equal when the weights sum to
/// zero): each gets the floor of its exact share, and the units left over go one each to the
/// largest remainders, ties broken by the canonical `order`. The shares sum to `total` exactly.
pub fn share(total: i64, weights: &[i64], order: &[usize]) -> Vec<i64> {
    let n = weights.len();
    let mut shares = vec![0i64; n];
    if total == 0 || n == 0 {
        return shares;
    }
    let weight_sum: i128 = weights.iter().map(|w| *w as i128).sum();
    let (weights, weight_sum): (Vec<i128>, i128) = if weight_sum == 0 {
        (vec![1; n], n as i128)
    } else {
        (weights.iter().map(|w| *w as i128).collect(), weight_sum)
    };
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(n);
    let mut given = 0i64;
    for (rank, &i) in order.iter().enumerate() {
        let exact = total as i128 * weights[i];
        shares[i] = (exact / weight_sum) as i64;
        given += shares[i];
        remainders.push((exact % weight_sum, rank));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, rank) in remainders.iter().take((total - given) as usize) {
        shares[order[*rank]] += 1;
    }
    shares
}
