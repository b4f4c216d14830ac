//! The landed-cost engine in-process: a single-line and a ten-line quote (the engine alone, and
//! with the JSON answer the API sends, explanations included). Target: ≥ 1,000,000 single-line quotes per second
//! per core (docs/performance.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use tariff::date::parse_date;
use tariff::quote::{ItemInput, QuoteInput};
use tariff::{load_embedded, quote, QuoteJson};
use trade::order::Incoterm;
use trade::{Country, Currency, HsCode};

fn parcel(destination: &str, currency: &str, lines: usize) -> QuoteInput {
    let hs = ["330499", "610910", "420221", "851713", "640399"];
    QuoteInput {
        origin: Country::parse("MY").unwrap(),
        destination: Country::parse(destination).unwrap(),
        currency: Currency::parse(currency).unwrap(),
        date: parse_date("2026-11-23").unwrap(),
        incoterm: Incoterm::Ddp,
        freight: 2_000,
        insurance: 120,
        items: (0..lines)
            .map(|i| ItemInput {
                hs_code: HsCode::parse(hs[i % hs.len()]).unwrap(),
                description: format!("item {i}"),
                quantity: 1 + (i as i64 % 3),
                unit_price: 10_050 + i as i64 * 1_000,
                origin: Country::parse("MY").unwrap(),
                unit_weight_g: None,
            })
            .collect(),
    }
}

fn quotes(c: &mut Criterion) {
    let packs = load_embedded().expect("embedded packs");
    let no_fx = |_: Currency, _: Currency| None;
    let mut group = c.benchmark_group("quote");
    group.throughput(Throughput::Elements(1));
    for (name, input) in [
        ("cn_1_line", parcel("CN", "CNY", 1)),
        ("de_1_line", parcel("DE", "EUR", 1)),
        ("cn_10_lines", parcel("CN", "CNY", 10)),
        ("de_10_lines", parcel("DE", "EUR", 10)),
    ] {
        assert!(quote(&packs, &input, no_fx).is_ok(), "{name} quotes");
        group.bench_function(format!("engine/{name}"), |b| {
            b.iter(|| quote(&packs, black_box(&input), no_fx).map(|q| q.tax_total))
        });
        group.bench_function(format!("engine+json/{name}"), |b| {
            b.iter(|| {
                let q = quote(&packs, black_box(&input), no_fx).expect("quotes");
                serde_json::to_vec(&QuoteJson {
                    quote: &q,
                    input: &input,
                })
                .map(|v| v.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, quotes);
criterion_main!(benches);
