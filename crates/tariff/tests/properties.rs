//! Properties of every quote, over random parcels to every jurisdiction the embedded packs cover:
//! taxes are never negative, the landed cost is at least the goods, a higher price never means
//! less ad valorem duty, and the order of the items does not matter.

mod common;

use proptest::prelude::*;
use tariff::date::parse_date;
use tariff::quote::{ItemInput, QuoteInput};
use tariff::{quote, Quote};
use trade::order::Incoterm;
use trade::{Country, Currency, HsCode};

/// Headings across the chapters e-commerce parcels carry.
const HS: &[&str] = &[
    "210690", "330499", "330300", "420221", "420292", "490199", "610910", "611020", "620342",
    "640299", "640399", "711319", "847130", "851713", "851830", "950300", "950691", "910211",
];
const DATES: &[&str] = &[
    "2023-06-01",
    "2024-07-04",
    "2024-07-05",
    "2025-08-28",
    "2025-08-29",
    "2026-06-30",
    "2026-07-01",
    "2026-11-23",
];

fn destinations() -> Vec<(Country, Currency)> {
    let mut out: Vec<(Country, Currency)> = common::packs()
        .packs()
        .iter()
        .map(|p| (p.jurisdiction, p.currency))
        .collect();
    out.dedup_by_key(|(c, _)| *c);
    out
}

#[derive(Debug, Clone)]
struct Parcel {
    destination: usize,
    date: usize,
    freight: i64,
    insurance: i64,
    items: Vec<(usize, i64, i64, bool)>,
}

fn parcels() -> impl Strategy<Value = Parcel> {
    (
        0..64usize,
        0..DATES.len(),
        0..20_000i64,
        0..2_000i64,
        prop::collection::vec((0..HS.len(), 1..5i64, 0..800_000i64, any::<bool>()), 1..6),
    )
        .prop_map(|(destination, date, freight, insurance, items)| Parcel {
            destination,
            date,
            freight,
            insurance,
            items,
        })
}

fn input(p: &Parcel) -> QuoteInput {
    let dests = destinations();
    let (destination, currency) = dests[p.destination % dests.len()];
    let origin = Country::parse("MY").unwrap();
    QuoteInput {
        origin,
        destination,
        currency,
        date: parse_date(DATES[p.date]).unwrap(),
        incoterm: Incoterm::Ddp,
        freight: p.freight,
        insurance: p.insurance,
        items: p
            .items
            .iter()
            .map(|(hs, quantity, price, from_china)| ItemInput {
                hs_code: HsCode::parse(HS[*hs]).unwrap(),
                description: format!("item {hs}"),
                quantity: *quantity,
                unit_price: *price,
                origin: if *from_china {
                    Country::parse("CN").unwrap()
                } else {
                    origin
                },
                unit_weight_g: if p.freight % 2 == 0 {
                    Some(100 + *hs as i64 * 37)
                } else {
                    None
                },
            })
            .collect(),
    }
}

/// A quote, or `None` when no pack is in force on the day (a pack may start after the date).
fn quoted(i: &QuoteInput) -> Option<Quote<'static>> {
    match quote(common::packs(), i, common::fx) {
        Ok(q) => Some(q),
        Err(tariff::QuoteError::NoPackOnDate { .. }) => None,
        Err(e) => panic!("unexpected refusal: {e} for {i:?}"),
    }
}

/// Goods, freight, insurance, duty, flat duty, tax total, and each tax's (id, base, amount).
type LineFigures = (i64, i64, i64, i64, i64, i64, Vec<(String, i64, i64)>);

/// Every figure of a line, for comparing quotes whose items come in another order.
fn line_figures(q: &Quote, i: usize) -> LineFigures {
    let l = &q.lines[i];
    let taxes = q.line_taxes[l.taxes.clone()]
        .iter()
        .map(|t| (t.tax.id.clone(), t.base, t.amount))
        .collect();
    (
        l.goods,
        l.freight,
        l.insurance,
        l.duty,
        l.flat_duty,
        l.tax_total,
        taxes,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn taxes_are_never_negative_and_the_landed_cost_covers_the_goods(p in parcels()) {
        let i = input(&p);
        if let Some(q) = quoted(&i) {
            prop_assert!(q.duty >= 0 && q.flat_duty >= 0);
            prop_assert!(q.taxes.iter().all(|t| t.amount >= 0 && t.base >= 0));
            prop_assert!(q.line_taxes.iter().all(|t| t.amount >= 0 && t.statutory >= t.amount));
            prop_assert!(q.tax_total >= 0);
            prop_assert!(q.landed_cost >= q.goods);
            prop_assert_eq!(q.landed_cost, q.goods + q.freight + q.insurance + q.tax_total);
            // The lines add up to the totals.
            prop_assert_eq!(q.lines.iter().map(|l| l.goods).sum::<i64>(), q.goods);
            prop_assert_eq!(q.lines.iter().map(|l| l.freight).sum::<i64>(), q.freight);
            prop_assert_eq!(q.lines.iter().map(|l| l.insurance).sum::<i64>(), q.insurance);
            prop_assert_eq!(q.taxes.iter().map(|t| t.amount).sum::<i64>() + q.duty + q.flat_duty, q.tax_total);
        }
    }

    /// Ad valorem duty only: a flat duty on low-value parcels (the EU's €3 from 2026-07-01) can
    /// disappear when a price pushes the parcel above the threshold, as the regulation intends
    /// (see `the_flat_duty_can_fall_away_above_the_threshold`).
    #[test]
    fn a_higher_price_never_means_less_duty(p in parcels(), line in 0..6usize, raise in 1..500_000i64) {
        let i = input(&p);
        let mut higher = i.clone();
        let k = line % higher.items.len();
        higher.items[k].unit_price += raise;
        if let (Some(a), Some(b)) = (quoted(&i), quoted(&higher)) {
            prop_assert!(b.duty >= a.duty, "duty {} then {} after raising items[{}] by {}", a.duty, b.duty, k, raise);
        }
    }

    #[test]
    fn the_order_of_the_items_does_not_matter(p in parcels(), seed in any::<u64>()) {
        let i = input(&p);
        let mut shuffled = i.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.items.len();
        let mut perm: Vec<usize> = (0..n).collect();
        let mut s = seed;
        for j in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(j, (s >> 33) as usize % (j + 1));
        }
        shuffled.items = perm.iter().map(|&j| i.items[j].clone()).collect();
        if let (Some(a), Some(b)) = (quoted(&i), quoted(&shuffled)) {
            prop_assert_eq!(a.regime.code.as_str(), b.regime.code.as_str());
            prop_assert_eq!((a.duty, a.flat_duty, a.tax_total, a.landed_cost), (b.duty, b.flat_duty, b.tax_total, b.landed_cost));
            for (new_index, &old_index) in perm.iter().enumerate() {
                prop_assert_eq!(line_figures(&a, old_index), line_figures(&b, new_index));
            }
        }
    }
}

/// The EU's flat duty is charged only up to €150: a T-shirt parcel at €150.00 pays €3 flat duty
/// and no ad valorem duty; at €150.01 it pays 12% ad valorem duty instead, and a smartphone
/// (0% duty) pays no duty at all above the threshold. Real, intended, and why the monotonicity
/// property above is about ad valorem duty.
#[test]
fn the_flat_duty_can_fall_away_above_the_threshold() {
    let phone = |price: &str| {
        common::ok(
            serde_json::json!({"origin": "CN", "destination": "DE", "currency": "EUR", "date": "2026-11-23",
            "items": [{"hs_code": "851713", "quantity": 1, "unit_price": price}]}),
        )
    };
    let low = phone("150.00");
    assert_eq!(
        (low.regime.as_str(), common::tax(&low, "flat_duty").as_str()),
        ("eu_ioss", "3.00")
    );
    let high = phone("150.01");
    assert_eq!(
        (
            high.regime.as_str(),
            high.duty.as_str(),
            common::tax(&high, "flat_duty").as_str()
        ),
        ("general", "0.00", "0.00")
    );
}
