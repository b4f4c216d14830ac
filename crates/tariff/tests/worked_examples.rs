//! Worked examples: each computed by hand from the rule it cites, then checked against the engine.
//! Amounts in the comments are the hand computation; rounding is half-up per line unless noted.

mod common;

use common::{ok, tax};
use serde_json::json;

// ---------------------------------------------------------------- China (CBEC and general trade)

/// Cai Guan Shui [2018] No. 49: within ¥5,000 duty is 0% and VAT is levied at 70%:
/// 13% × 70% = 9.1% on (goods 200.00 + freight 20.00) = 220.00 × 0.091 = 20.02.
#[test]
fn cn_cbec_apparel_vat_at_seventy_percent() {
    let q = ok(
        json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": "20.00",
        "items": [{"hs_code": "610910", "description": "T-shirt", "quantity": 2, "unit_price": "100.00"}]}),
    );
    assert_eq!(q.regime, "cn_cbec_retail");
    assert_eq!(q.dutiable_value, "220.00");
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "20.02");
    assert_eq!(q.taxes[0].rate.as_deref(), Some("9.1%"));
    assert_eq!(q.tax_total, "20.02");
    assert_eq!(q.landed_cost, "240.02");
}

/// Cosmetics at ¥300 (≥ ¥15 a piece): consumption tax 15%, grossed up:
/// base 300.00 / 0.85 = 352.94; CT = 352.94 × 15% × 70% = 37.0587 → 37.06;
/// statutory CT 352.94 × 15% = 52.941 → 52.94; VAT base 300.00 + 52.94 = 352.94;
/// VAT = 352.94 × 9.1% = 32.11754 → 32.12. Total 69.18 (formula: 300 × 0.28/0.85 × 0.7 = 69.18).
#[test]
fn cn_cbec_cosmetics_consumption_tax_grossed_up() {
    let q = ok(
        json!({"origin": "KR", "destination": "CN", "currency": "CNY",
        "items": [{"hs_code": "330499", "description": "serum", "quantity": 1, "unit_price": "300.00"}]}),
    );
    assert_eq!(q.regime, "cn_cbec_retail");
    assert_eq!(tax(&q, "consumption_tax"), "37.06");
    assert_eq!(tax(&q, "vat"), "32.12");
    assert_eq!(q.lines[0].taxes[0].base.as_deref(), Some("352.94"));
    assert_eq!(q.lines[0].taxes[1].base.as_deref(), Some("352.94"));
    assert_eq!(q.tax_total, "69.18");
    // Each figure says which rule made it, citing the pack's legal basis.
    let vat = q
        .explain
        .iter()
        .find(|e| e.figure == "lines[0].taxes[1]")
        .expect("VAT explained");
    assert_eq!(vat.rule, "vat 13% × 70% (cn_cbec_retail) × base (goods + freight + insurance + duty + consumption_tax)");
    assert_eq!(vat.amount.as_deref(), Some("32.12"));
    assert_eq!(vat.citation, "vat_standard");
    assert!(vat.source.starts_with("cn.toml:"));
    let regime = &q.explain[0];
    assert_eq!(regime.rule, "cn_cbec_retail: goods + freight + insurance (the consignment's value) at most 5000.00 CNY; taxes at 70% of the statutory amount");
    assert!(q.citations["cbec"].contains("Cai Guan Shui [2018] No. 49"));
}

fn cn(freight: &str, items: serde_json::Value) -> tariff::QuoteView {
    ok(
        json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": freight, "items": items}),
    )
}

/// Cai Guan Shui [2018] No. 49: above ¥5,000 the parcel is general trade. Laptop 847130:
/// value 6,000.00 + freight 50.00 = 6,050.00 > 5,000; MFN duty 0% (ITA); VAT 13% × 6,050.00
/// = 786.50; landed 6,836.50.
#[test]
fn cn_above_the_limit_is_general_trade() {
    let q = cn(
        "50.00",
        json!([{"hs_code": "847130", "quantity": 1, "unit_price": "6000.00"}]),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "786.50");
    assert_eq!(q.landed_cost, "6836.50");
}

/// The ¥5,000 limit is inclusive and counts freight (the dutiable value includes it):
/// 4,980.00 + 20.00 = 5,000.00 → CBEC; VAT 9.1% × 5,000.00 = 455.00.
#[test]
fn cn_exactly_at_the_limit_stays_cbec() {
    let q = cn(
        "20.00",
        json!([{"hs_code": "610910", "quantity": 1, "unit_price": "4980.00"}]),
    );
    assert_eq!(q.regime, "cn_cbec_retail");
    assert_eq!(q.threshold_value.as_deref(), Some("5000.00"));
    assert_eq!(q.tax_total, "455.00");
}

/// One fen above: general trade. Duty 8% × 5,000.01 = 400.0008 → 400.00; VAT 13% ×
/// (5,000.01 + 400.00) = 702.0013 → 702.00; total 1,102.00.
#[test]
fn cn_one_fen_above_the_limit_pays_full_duty_and_vat() {
    let q = cn(
        "20.00",
        json!([{"hs_code": "610910", "quantity": 1, "unit_price": "4980.01"}]),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "400.00");
    assert_eq!(q.lines[0].duty_rate.as_deref(), Some("8%"));
    assert_eq!(tax(&q, "vat"), "702.00");
    assert_eq!(q.tax_total, "1102.00");
}

/// Books (4901) carry 9% VAT (Cai Shui [2019] No. 39), at 70% under CBEC: 6.3% × 100.00 = 6.30.
#[test]
fn cn_books_at_the_reduced_rate() {
    let q = cn(
        "0",
        json!([{"hs_code": "490199", "quantity": 2, "unit_price": "50.00"}]),
    );
    assert_eq!(q.taxes[0].rate.as_deref(), Some("6.3%"));
    assert_eq!(q.tax_total, "6.30");
}

/// A ¥12,000 watch (9102): general trade. Duty 8% = 960.00; consumption tax 20% (¥10,000 a
/// watch and above) on (12,000 + 960) / 0.8 = 16,200.00 → 3,240.00; VAT 13% × (12,000 + 960 +
/// 3,240) = 13% × 16,200.00 = 2,106.00; total 6,306.00.
#[test]
fn cn_high_end_watch_pays_consumption_tax_in_general_trade() {
    let q = cn(
        "0",
        json!([{"hs_code": "910211", "quantity": 1, "unit_price": "12000.00"}]),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "960.00");
    assert_eq!(tax(&q, "consumption_tax"), "3240.00");
    assert_eq!(tax(&q, "vat"), "2106.00");
    assert_eq!(q.tax_total, "6306.00");
}

/// Cosmetics under ¥15 a piece are not "high-end": no consumption tax; VAT 9.1% × 120.00 = 10.92.
#[test]
fn cn_cheap_cosmetics_pay_no_consumption_tax() {
    let q = cn(
        "0",
        json!([{"hs_code": "330499", "quantity": 10, "unit_price": "12.00"}]),
    );
    assert_eq!(tax(&q, "consumption_tax"), "0.00");
    assert_eq!(q.tax_total, "10.92");
}

/// Rounding half-up at the fen: VAT 9.1% × 15.00 = 1.365 → 1.37.
#[test]
fn cn_a_half_fen_rounds_up() {
    let q = cn(
        "0",
        json!([{"hs_code": "610910", "quantity": 1, "unit_price": "15.00"}]),
    );
    assert_eq!(q.tax_total, "1.37");
}

fn de(date: &str, freight: &str, insurance: &str, items: serde_json::Value) -> tariff::QuoteView {
    ok(
        json!({"origin": "MY", "destination": "DE", "currency": "EUR", "date": date, "freight": freight,
              "insurance": insurance, "items": items}),
    )
}

/// Before 2026-07-01 an IOSS consignment (≤ €150 intrinsic value) pays no duty
/// (Regulation (EC) No 1186/2009 art. 23); VAT 19% on the price with delivery: 19% × 45.00 = 8.55.
#[test]
fn de_ioss_before_the_flat_duty() {
    let q = de(
        "2026-06-30",
        "5.00",
        "0",
        json!([{"hs_code": "610910", "quantity": 2, "unit_price": "20.00"}]),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.collected, tariff::pack::Collection::AtSale);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "flat_duty"), "0.00");
    assert_eq!(tax(&q, "vat"), "8.55");
}

/// The IOSS threshold is on the intrinsic value (goods only): €150.00 of goods with €20.00
/// freight is still IOSS; VAT 19% × 170.00 = 32.30.
#[test]
fn de_ioss_threshold_ignores_freight() {
    let q = de(
        "2026-06-30",
        "20.00",
        "0",
        json!([{"hs_code": "610910", "quantity": 3, "unit_price": "50.00"}]),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.tax_total, "32.30");
}

/// Above €150: CCT duty 12% on the CIF value 160.00 + 10.00 + 2.00 = 172.00 → 20.64; import VAT
/// 19% on value plus duty (Directive 2006/112/EC art. 86): 19% × 192.64 = 36.6016 → 36.60;
/// total 57.24; landed 229.24.
#[test]
fn de_general_vat_on_value_plus_duty() {
    let q = de(
        "2026-11-23",
        "10.00",
        "2.00",
        json!([{"hs_code": "610910", "quantity": 4, "unit_price": "40.00"}]),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.dutiable_value, "172.00");
    assert_eq!(q.duty, "20.64");
    assert_eq!(q.taxes[0].base.as_deref(), Some("192.64"));
    assert_eq!(tax(&q, "vat"), "36.60");
    assert_eq!(q.tax_total, "57.24");
    assert_eq!(q.landed_cost, "229.24");
}

/// From 2026-07-01 the €3 flat duty joins the VAT base; a book at 7% (UStG § 12(2)):
/// VAT 7% × (30.00 + 3.00) = 2.31; total 5.31.
#[test]
fn de_book_with_the_flat_duty_at_the_reduced_rate() {
    let q = de(
        "2026-11-23",
        "0",
        "0",
        json!([{"hs_code": "490199", "quantity": 1, "unit_price": "30.00"}]),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(tax(&q, "flat_duty"), "3.00");
    assert_eq!(tax(&q, "vat"), "2.31");
    assert_eq!(q.tax_total, "5.31");
}
