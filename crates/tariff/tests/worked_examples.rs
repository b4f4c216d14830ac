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
}
