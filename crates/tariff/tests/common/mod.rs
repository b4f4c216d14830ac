//! Shared by the tariff tests: the embedded packs, a fixed "today", a small FX table, and a
//! one-call quote from JSON.

#![allow(dead_code)]

use tariff::date::parse_date;
use tariff::quote::FxRate;
use tariff::{load_embedded, quote, PackSet, QuoteRequest, QuoteView, Rate};
use trade::Currency;

pub fn packs() -> &'static PackSet {
    static PACKS: std::sync::OnceLock<PackSet> = std::sync::OnceLock::new();
    PACKS.get_or_init(|| load_embedded().expect("the embedded packs load"))
}

/// The FX table of the tests: (from, to, rate).
pub const FX: &[(&str, &str, &str)] = &[
    ("USD", "EUR", "0.92"),
    ("USD", "CNY", "7.1"),
    ("EUR", "GBP", "0.85"),
    ("USD", "GBP", "0.78"),
    ("USD", "JPY", "150"),
    ("CNY", "MYR", "0.65"),
    ("USD", "AUD", "1.5"),
];

pub fn fx(from: Currency, to: Currency) -> Option<FxRate> {
    FX.iter()
        .find(|(f, t, _)| *f == from.code() && *t == to.code())
        .map(|(_, _, rate)| FxRate {
            from,
            to,
            rate: Rate::parse_decimal(rate).expect("test rate"),
            source: "test table".into(),
            as_of: "2026-11-23T00:00:00Z".into(),
        })
}

/// Quotes a JSON request (dated 2026-11-23 unless it says otherwise).
pub fn quote_json(request: serde_json::Value) -> Result<QuoteView, String> {
    let request: QuoteRequest = serde_json::from_value(request).map_err(|e| e.to_string())?;
    let input = request
        .validate(parse_date("2026-11-23").expect("date"))
        .map_err(|e| format!("{e:?}"))?;
    let q = quote(packs(), &input, fx).map_err(|e| e.to_string())?;
    Ok(QuoteView::new(&q, &input))
}

pub fn ok(request: serde_json::Value) -> QuoteView {
    match quote_json(request) {
        Ok(v) => v,
        Err(e) => panic!("quote failed: {e}"),
    }
}

/// The amount of the first tax of `kind`, summed over rates.
pub fn tax(view: &QuoteView, kind: &str) -> String {
    let cur = Currency::parse(&view.currency).expect("currency");
    let minor: i64 = view
        .taxes
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| cur.parse_amount(&t.amount).expect("amount"))
        .sum();
    cur.format_amount(minor)
}
