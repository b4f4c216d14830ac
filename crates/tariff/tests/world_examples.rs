//! Worked examples for the packs beyond China and Germany: the EU member states, the United
//! Kingdom, the United States, Malaysia, Singapore, Australia, Thailand, Vietnam and Japan.
//! Every figure in a doc comment is the hand computation from the rule it names; the engine is
//! then checked against it. Rounding is half-up per line to the minor unit unless noted (Japan
//! truncates). Thresholds are inclusive: a value equal to the limit is inside the regime.

mod common;

use common::{ok, tax};
use serde_json::json;
use tariff::date::format_date;
use tariff::pack::Collection;

// ------------------------------------------------------------------------------------ France

/// EU IOSS before the flat duty (Regulation 1186/2009 art. 23; Directive 2006/112 arts. 369l–x):
/// on 30 June 2026 a €100.00 parcel pays no duty; French VAT 20% (CGI art. 278) is collected at
/// sale on goods + delivery: (100.00 + 10.00) × 20% = 22.00. Landed 110.00 + 22.00 = 132.00.
#[test]
fn fr_ioss_before_the_flat_duty() {
    let q = ok(
        json!({"origin": "CN", "destination": "FR", "currency": "EUR",
        "date": "2026-06-30", "freight": "10.00",
        "items": [{"hs_code": "610910", "quantity": 2, "unit_price": "50.00"}]}),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.collected, Collection::AtSale);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "flat_duty"), "0.00");
    assert_eq!(tax(&q, "vat"), "22.00");
    assert_eq!(q.tax_total, "22.00");
    assert_eq!(q.landed_cost, "132.00");
}

/// From 1 July 2026 the IOSS parcel pays the flat €3 once per 6-digit subheading (eu.toml,
/// `per = "subheading"`). Lines 6109100010 (€30.00), 851830 (€50.00) and 610910 (2 × €20.00):
/// two subheadings (610910 twice, 851830) → 2 × 3.00 = 6.00. In the canonical order "610910"
/// sorts before "6109100010", so the 610910 line carries its subheading's €3.
/// VAT 20% per line on goods + its flat duty: 610910: (40.00 + 3.00) × 20% = 8.60;
/// 6109100010: 30.00 × 20% = 6.00; 851830: (50.00 + 3.00) × 20% = 10.60; VAT 25.20.
/// Tax total 6.00 + 25.20 = 31.20; landed 120.00 + 31.20 = 151.20.
#[test]
fn fr_flat_duty_once_per_subheading_from_july_2026() {
    let q = ok(
        json!({"origin": "CN", "destination": "FR", "currency": "EUR",
        "date": "2026-07-01",
        "items": [
            {"hs_code": "6109100010", "quantity": 1, "unit_price": "30.00"},
            {"hs_code": "851830", "quantity": 1, "unit_price": "50.00"},
            {"hs_code": "610910", "quantity": 2, "unit_price": "20.00"}]}),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.duty, "0.00");
    let flat = q
        .taxes
        .iter()
        .find(|t| t.kind == "flat_duty")
        .expect("flat duty");
    assert_eq!(flat.amount, "6.00");
    assert_eq!(flat.units, Some(2));
    assert_eq!(tax(&q, "vat"), "25.20");
    assert_eq!(q.lines[0].tax_total, "6.00");
    assert_eq!(q.lines[1].tax_total, "13.60");
    assert_eq!(q.lines[2].tax_total, "11.60");
    assert_eq!(q.lines[2].taxes[0].kind, "flat_duty");
    assert_eq!(q.tax_total, "31.20");
    assert_eq!(q.landed_cost, "151.20");
}

// ------------------------------------------------------------------------------- Netherlands

/// The €150 limit is on the goods alone and inclusive: goods 150.00 + freight 5.00 is still
/// IOSS (on 1 March 2026, before the flat duty). VAT 21% (Wet OB art. 9) on 155.00 = 32.55.
#[test]
fn nl_goods_exactly_at_150_stay_in_ioss() {
    let q = ok(
        json!({"origin": "CN", "destination": "NL", "currency": "EUR",
        "date": "2026-03-01", "freight": "5.00",
        "items": [{"hs_code": "640399", "quantity": 1, "unit_price": "150.00"}]}),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.threshold_value.as_deref(), Some("150.00"));
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "32.55");
    assert_eq!(q.landed_cost, "187.55");
}

/// One cent above €150 the consignment is a standard import (eu.toml `general`): CIF
/// 150.01 + 9.99 = 160.00; CCT 6403 8% → 12.80; VAT 21% on 160.00 + 12.80 = 172.80 → 36.288
/// → 36.29. Tax total 49.09; landed 160.00 + 49.09 = 209.09.
#[test]
fn nl_one_cent_above_150_pays_duty_and_vat_on_value_plus_duty() {
    let q = ok(
        json!({"origin": "CN", "destination": "NL", "currency": "EUR",
        "date": "2026-03-01", "freight": "9.99",
        "items": [{"hs_code": "640399", "quantity": 1, "unit_price": "150.01"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.dutiable_value, "160.00");
    assert_eq!(q.lines[0].duty_rate.as_deref(), Some("8%"));
    assert_eq!(q.duty, "12.80");
    assert_eq!(q.lines[0].taxes[0].base.as_deref(), Some("172.80"));
    assert_eq!(tax(&q, "vat"), "36.29");
    assert_eq!(q.tax_total, "49.09");
    assert_eq!(q.landed_cost, "209.09");
}

/// A half cent goes up: VAT 21% of 10.50 = 2.205 → 2.21 (half-up, eu.toml [rounding]).
#[test]
fn nl_vat_on_an_exact_half_cent_rounds_up() {
    let q = ok(
        json!({"origin": "CN", "destination": "NL", "currency": "EUR",
        "date": "2026-06-30",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "10.50"}]}),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(tax(&q, "vat"), "2.21");
    assert_eq!(q.landed_cost, "12.71");
}

// ------------------------------------------------------------------------------------- Italy

/// Standard import with two VAT rates (DPR 633/1972 art. 16 and Table A): book €100 and
/// T-shirt €100, freight €20 shared 10.00 / 10.00 (one unit on each line). Book: duty 0%
/// (ch. 49), VAT 4% × 110.00 = 4.40. T-shirt: duty 12% × 110.00 = 13.20, VAT 22% × 123.20 =
/// 27.104 → 27.10. VAT 31.50; tax total 44.70; landed 220.00 + 44.70 = 264.70.
#[test]
fn it_books_at_four_percent_apparel_at_twenty_two() {
    let q = ok(
        json!({"origin": "US", "destination": "IT", "currency": "EUR", "freight": "20.00",
        "items": [
            {"hs_code": "490199", "quantity": 1, "unit_price": "100.00"},
            {"hs_code": "610910", "quantity": 1, "unit_price": "100.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.lines[0].freight, "10.00");
    assert_eq!(q.lines[0].duty, "0.00");
    assert_eq!(q.lines[0].taxes[0].rate.as_deref(), Some("4%"));
    assert_eq!(q.lines[0].taxes[0].amount, "4.40");
    assert_eq!(q.lines[1].duty, "13.20");
    assert_eq!(q.lines[1].taxes[0].amount, "27.10");
    assert_eq!(q.taxes.iter().filter(|t| t.kind == "vat").count(), 2);
    assert_eq!(tax(&q, "vat"), "31.50");
    assert_eq!(q.tax_total, "44.70");
    assert_eq!(q.landed_cost, "264.70");
}

// ------------------------------------------------------------------------------------- Spain

/// Leather handbag €300 (CCT 420221 3%): duty 9.00; VAT 21% (Ley 37/1992 art. 90) on 309.00 =
/// 64.89. Tax total 73.89; landed 373.89.
#[test]
fn es_leather_handbag_three_percent_duty() {
    let q = ok(
        json!({"origin": "IT", "destination": "ES", "currency": "EUR",
        "items": [{"hs_code": "420221", "quantity": 1, "unit_price": "300.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "9.00");
    assert_eq!(tax(&q, "vat"), "64.89");
    assert_eq!(q.landed_cost, "373.89");
}

// ------------------------------------------------------------------------------------ Belgium

/// IOSS on 10 January 2026: book €20 at 6% (Royal Decree No. 20) = 1.20 and T-shirt €20 at 21%
/// = 4.20; VAT 5.40, no duty.
#[test]
fn be_ioss_book_at_six_percent() {
    let q = ok(
        json!({"origin": "GB", "destination": "BE", "currency": "EUR",
        "date": "2026-01-10",
        "items": [
            {"hs_code": "490199", "quantity": 1, "unit_price": "20.00"},
            {"hs_code": "610910", "quantity": 1, "unit_price": "20.00"}]}),
    );
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(q.lines[0].taxes[0].amount, "1.20");
    assert_eq!(q.lines[1].taxes[0].amount, "4.20");
    assert_eq!(q.tax_total, "5.40");
}

// ------------------------------------------------------------------------------------ Ireland

/// Insurance is in the customs value (UCC art. 71): €4.00 shared 2.00 / 2.00 (one unit on
/// each line). Book €200: duty 0, VAT 0% (VATCA 2010 Sch. 2) → 0. Cotton pullover 611020 €200:
/// CIF 202.00, duty 12% = 24.24, VAT 23% × 226.24 = 52.0352 → 52.04. Tax total 76.28; landed
/// 404.00 + 76.28 = 480.28.
#[test]
fn ie_zero_rated_books_and_insurance_in_the_base() {
    let q = ok(
        json!({"origin": "US", "destination": "IE", "currency": "EUR", "insurance": "4.00",
        "items": [
            {"hs_code": "490199", "quantity": 1, "unit_price": "200.00"},
            {"hs_code": "611020", "quantity": 1, "unit_price": "200.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.lines[0].tax_total, "0.00");
    assert_eq!(q.lines[1].dutiable_value, "202.00");
    assert_eq!(q.lines[1].duty, "24.24");
    assert_eq!(q.lines[1].taxes[0].amount, "52.04");
    assert_eq!(tax(&q, "vat"), "52.04");
    assert_eq!(q.tax_total, "76.28");
    assert_eq!(q.landed_cost, "480.28");
}

// ------------------------------------------------------------------------------------- Poland

/// Smartphone €899.99 (CCT 8517 0%, ITA): VAT 23% × 899.99 = 206.9977 → 207.00.
#[test]
fn pl_smartphone_duty_free_vat_23() {
    let q = ok(
        json!({"origin": "CN", "destination": "PL", "currency": "EUR",
        "items": [{"hs_code": "851713", "quantity": 1, "unit_price": "899.99"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "207.00");
    assert_eq!(q.landed_cost, "1106.99");
}

// ---------------------------------------------------------------------- every member state

/// The Union's €150 limit in each member state's pack, on 23 November 2026 (flat €3 period).
/// At €150.00 (T-shirt 610910): IOSS, flat duty 3.00, VAT = rate × 153.00:
/// 19% → 29.07, 20% → 30.60, 21% → 32.13, 22% → 33.66, 23% → 35.19.
/// At €150.01: CCT 12% × 150.01 = 18.0012 → 18.00, VAT = rate × 168.01:
/// 19% → 31.9219 → 31.92, 20% → 33.602 → 33.60, 21% → 35.2821 → 35.28,
/// 22% → 36.9622 → 36.96, 23% → 38.6423 → 38.64.
#[test]
fn every_member_state_at_and_above_150_euro() {
    let cases = [
        ("DE", "29.07", "31.92"),
        ("FR", "30.60", "33.60"),
        ("NL", "32.13", "35.28"),
        ("IT", "33.66", "36.96"),
        ("ES", "32.13", "35.28"),
        ("BE", "32.13", "35.28"),
        ("IE", "35.19", "38.64"),
        ("PL", "35.19", "38.64"),
    ];
    for (country, vat_at, vat_above) in cases {
        let at = ok(
            json!({"origin": "CN", "destination": country, "currency": "EUR",
            "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "150.00"}]}),
        );
        assert_eq!(at.regime, "eu_ioss", "{country}");
        assert_eq!(tax(&at, "flat_duty"), "3.00", "{country}");
        assert_eq!(tax(&at, "vat"), vat_at, "{country}");
        let above = ok(
            json!({"origin": "CN", "destination": country, "currency": "EUR",
            "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "150.01"}]}),
        );
        assert_eq!(above.regime, "general", "{country}");
        assert_eq!(above.duty, "18.00", "{country}");
        assert_eq!(tax(&above, "flat_duty"), "0.00", "{country}");
        assert_eq!(tax(&above, "vat"), vat_above, "{country}");
    }
}

// ------------------------------------------------------------------------------------ Germany

/// A USD request converted at USD→EUR 0.92 (the operator's FX table), each amount half-up to
/// the cent: goods $200.00 → €184.00, freight $10.00 → €9.20. Above €150: CIF 193.20, duty 12%
/// = 23.184 → 23.18; VAT 19% (UStG § 12) × 216.38 = 41.1122 → 41.11. Tax total 64.29; landed
/// 193.20 + 64.29 = 257.49.
#[test]
fn de_usd_request_converted_at_the_stated_rate() {
    let q = ok(
        json!({"origin": "US", "destination": "DE", "currency": "USD", "freight": "10.00",
        "items": [{"hs_code": "610910", "quantity": 2, "unit_price": "100.00"}]}),
    );
    let fx = q.fx.as_ref().expect("converted");
    assert_eq!(
        (fx.from.as_str(), fx.to.as_str(), fx.rate.as_str()),
        ("USD", "EUR", "0.92")
    );
    assert_eq!(q.request_currency, "USD");
    assert_eq!(q.currency, "EUR");
    assert_eq!(q.goods_value, "184.00");
    assert_eq!(q.freight, "9.20");
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "23.18");
    assert_eq!(tax(&q, "vat"), "41.11");
    assert_eq!(q.tax_total, "64.29");
    assert_eq!(q.landed_cost, "257.49");
}

/// The threshold is tested after conversion: $163.00 × 0.92 = €149.96 ≤ €150, so the parcel is
/// IOSS (23 November 2026: flat €3 for its one subheading); VAT 19% × (149.96 + 3.00) = 29.0624
/// → 29.06; tax total 32.06.
#[test]
fn de_usd_parcel_below_150_euro_after_conversion() {
    let q = ok(
        json!({"origin": "US", "destination": "DE", "currency": "USD",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "163.00"}]}),
    );
    assert_eq!(q.goods_value, "149.96");
    assert_eq!(q.regime, "eu_ioss");
    assert_eq!(tax(&q, "flat_duty"), "3.00");
    assert_eq!(tax(&q, "vat"), "29.06");
    assert_eq!(q.tax_total, "32.06");
}

// ------------------------------------------------------------------------------ United Kingdom

/// Goods exactly £135 (the limit is inclusive and on goods only): no duty; VAT 20% charged at
/// sale on the price including delivery: (135.00 + 4.99) × 20% = 27.998 → 28.00.
#[test]
fn gb_low_value_at_135_vat_at_sale_including_delivery() {
    let q = ok(
        json!({"origin": "CN", "destination": "GB", "currency": "GBP", "freight": "4.99",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "135.00"}]}),
    );
    assert_eq!(q.regime, "uk_low_value");
    assert_eq!(q.collected, Collection::AtSale);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "28.00");
    assert_eq!(q.landed_cost, "167.99");
}

/// Goods £135.01: standard import. CIF 135.01 + 5.00 + 1.00 = 141.01; UKGT 6109 12% = 16.9212
/// → 16.92; import VAT 20% (VATA 1994 s. 21) × 157.93 = 31.586 → 31.59. Tax total 48.51;
/// landed 141.01 + 48.51 = 189.52.
#[test]
fn gb_above_135_duty_on_cif_and_vat_on_value_plus_duty() {
    let q = ok(
        json!({"origin": "CN", "destination": "GB", "currency": "GBP",
        "freight": "5.00", "insurance": "1.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "135.01"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.collected, Collection::AtImport);
    assert_eq!(q.dutiable_value, "141.01");
    assert_eq!(q.duty, "16.92");
    assert_eq!(tax(&q, "vat"), "31.59");
    assert_eq!(q.tax_total, "48.51");
    assert_eq!(q.landed_cost, "189.52");
}

/// Zero rates (VATA 1994 Sch. 8 Groups 3 and 16): a book (£100, duty 0, VAT 0), babies'
/// garment 611120 (£100, UKGT ch. 61 12% = 12.00, VAT 0) and a leather handbag 420221 (£100,
/// duty 3% = 3.00, VAT 20% × 103.00 = 20.60). Duty 15.00, VAT 20.60, tax 35.60, landed 335.60.
#[test]
fn gb_books_and_babies_garments_zero_rated() {
    let q = ok(
        json!({"origin": "US", "destination": "GB", "currency": "GBP",
        "items": [
            {"hs_code": "490199", "quantity": 1, "unit_price": "100.00"},
            {"hs_code": "611120", "quantity": 1, "unit_price": "100.00"},
            {"hs_code": "420221", "quantity": 1, "unit_price": "100.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.lines[0].tax_total, "0.00");
    assert_eq!(q.lines[1].duty, "12.00");
    assert_eq!(q.lines[1].taxes[0].amount, "0.00");
    assert_eq!(q.lines[2].duty_rate.as_deref(), Some("3%"));
    assert_eq!(q.lines[2].taxes[0].amount, "20.60");
    assert_eq!(q.duty, "15.00");
    assert_eq!(tax(&q, "vat"), "20.60");
    assert_eq!(q.tax_total, "35.60");
    assert_eq!(q.landed_cost, "335.60");
}

/// EUR→GBP 0.85: €158.82 → 134.997 → £135.00 (half-up), inside the limit: VAT 20% = 27.00.
/// €160.00 → £136.00, outside: headphones 851830 UKGT 2% = 2.72, VAT 20% × 138.72 = 27.744 →
/// 27.74; tax total 30.46.
#[test]
fn gb_eur_request_converted_before_the_threshold() {
    let inside = ok(
        json!({"origin": "DE", "destination": "GB", "currency": "EUR",
        "items": [{"hs_code": "851830", "quantity": 1, "unit_price": "158.82"}]}),
    );
    assert_eq!(inside.goods_value, "135.00");
    assert_eq!(inside.regime, "uk_low_value");
    assert_eq!(tax(&inside, "vat"), "27.00");
    let outside = ok(
        json!({"origin": "DE", "destination": "GB", "currency": "EUR",
        "items": [{"hs_code": "851830", "quantity": 1, "unit_price": "160.00"}]}),
    );
    assert_eq!(outside.goods_value, "136.00");
    assert_eq!(outside.regime, "general");
    assert_eq!(outside.duty, "2.72");
    assert_eq!(tax(&outside, "vat"), "27.74");
    assert_eq!(outside.tax_total, "30.46");
}

// ------------------------------------------------------------------------------- United States

/// 19 U.S.C. 1321: on 28 August 2025 a $800.00 shipment (inclusive) is still de minimis:
/// no duty, no tax; landed 800.00 + 25.00 freight = 825.00.
#[test]
fn us_de_minimis_on_the_last_day() {
    let q = ok(
        json!({"origin": "VN", "destination": "US", "currency": "USD",
        "date": "2025-08-28", "freight": "25.00",
        "items": [{"hs_code": "610910", "quantity": 40, "unit_price": "20.00"}]}),
    );
    assert_eq!(q.regime, "us_de_minimis");
    assert_eq!(q.duty, "0.00");
    assert!(q.taxes.is_empty());
    assert_eq!(q.tax_total, "0.00");
    assert_eq!(q.landed_cost, "825.00");
}

/// EO 14324: from 29 August 2025 the same shipment pays HTS duty on the FOB value (19 U.S.C.
/// 1401a, freight excluded): 6109 16.5% × 800.00 = 132.00; no VAT. Landed 825.00 + 132.00 =
/// 957.00.
#[test]
fn us_duty_from_29_august_2025_on_the_fob_value() {
    let q = ok(
        json!({"origin": "VN", "destination": "US", "currency": "USD",
        "date": "2025-08-29", "freight": "25.00",
        "items": [{"hs_code": "610910", "quantity": 40, "unit_price": "20.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.dutiable_value, "800.00");
    assert_eq!(q.lines[0].duty_rate.as_deref(), Some("16.5%"));
    assert_eq!(q.duty, "132.00");
    assert!(q.taxes.is_empty());
    assert_eq!(q.tax_total, "132.00");
    assert_eq!(q.landed_cost, "957.00");
}

/// Before the suspension, $800.01 is above the de minimis limit: leather handbag 420221 10%
/// of 800.01 = 80.001 → 80.00 (freight $30 not dutiable).
#[test]
fn us_one_cent_above_800_in_2024() {
    let q = ok(
        json!({"origin": "IT", "destination": "US", "currency": "USD",
        "date": "2024-06-01", "freight": "30.00",
        "items": [{"hs_code": "420221", "quantity": 1, "unit_price": "800.01"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "80.00");
    assert_eq!(q.landed_cost, "910.01");
}

// ------------------------------------------------------------------------------------ Malaysia

/// LVG (Sales Tax Act 2018 as amended, from 1 January 2024): goods RM500.00 (inclusive), no
/// duty, sales tax 10% collected at sale on (500.00 + 20.00) = 52.00; landed 572.00.
#[test]
fn my_low_value_goods_at_500_sales_tax_at_sale() {
    let q = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "MYR", "freight": "20.00",
        "items": [{"hs_code": "610910", "quantity": 5, "unit_price": "100.00"}]}),
    );
    assert_eq!(q.regime, "my_low_value");
    assert_eq!(q.collected, Collection::AtSale);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "sales_tax"), "52.00");
    assert_eq!(q.landed_cost, "572.00");
}

/// CNY→MYR 0.65: ¥800.00 → RM520.00, above RM500: food preparation 210690 from China pays the
/// general 10% (no ATIGA for CN): duty 52.00; sales tax 10% × 572.00 = 57.20; tax 109.20.
#[test]
fn my_cny_request_above_the_lvg_limit() {
    let q = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "CNY",
        "items": [{"hs_code": "210690", "quantity": 1, "unit_price": "800.00"}]}),
    );
    assert_eq!(q.fx.as_ref().map(|f| f.rate.as_str()), Some("0.65"));
    assert_eq!(q.goods_value, "520.00");
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "52.00");
    assert!(q.lines[0].preference.is_none());
    assert_eq!(tax(&q, "sales_tax"), "57.20");
    assert_eq!(q.tax_total, "109.20");
    assert_eq!(q.landed_cost, "629.20");
}

/// ATIGA: the same food preparation from Thailand pays 0% instead of 10%. Goods 1,000.00 +
/// freight 50.00: duty 0 (CN origin would pay 105.00); sales tax 10% × 1,050.00 = 105.00.
#[test]
fn my_atiga_preference_for_thai_origin() {
    let asean = ok(
        json!({"origin": "TH", "destination": "MY", "currency": "MYR",
        "freight": "50.00",
        "items": [{"hs_code": "210690", "quantity": 1, "unit_price": "1000.00"}]}),
    );
    assert_eq!(asean.regime, "general");
    assert_eq!(asean.duty, "0.00");
    assert_eq!(asean.lines[0].duty_rate.as_deref(), Some("0%"));
    assert!(asean.lines[0]
        .preference
        .as_ref()
        .and_then(|key| asean.citations.get(key))
        .is_some_and(|text| text.contains("ATIGA")));
    assert_eq!(tax(&asean, "sales_tax"), "105.00");
    let china = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "MYR",
        "freight": "50.00",
        "items": [{"hs_code": "210690", "quantity": 1, "unit_price": "1000.00"}]}),
    );
    assert_eq!(china.duty, "105.00");
    assert_eq!(tax(&china, "sales_tax"), "115.50");
}

/// Before 2024 the air-courier relief tests the CIF value: 450.00 + 50.00 = 500.00 is free of
/// duty and tax; with freight 50.01 (CIF 500.01) it is a standard import: apparel duty 0%
/// (Budget 2011), sales tax 10% × 500.01 = 50.001 → 50.00. From 1 January 2024 the LVG limit
/// tests goods only, so goods 450.00 + freight 50.01 is LVG with the same 50.00 at sale.
#[test]
fn my_courier_relief_in_2023_counts_freight() {
    let relief = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "MYR",
        "date": "2023-06-15", "freight": "50.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "450.00"}]}),
    );
    assert_eq!(relief.regime, "my_courier_relief");
    assert_eq!(relief.tax_total, "0.00");
    let above = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "MYR",
        "date": "2023-06-15", "freight": "50.01",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "450.00"}]}),
    );
    assert_eq!(above.regime, "general");
    assert_eq!(above.duty, "0.00");
    assert_eq!(tax(&above, "sales_tax"), "50.00");
    let lvg = ok(
        json!({"origin": "CN", "destination": "MY", "currency": "MYR",
        "date": "2024-01-01", "freight": "50.01",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "450.00"}]}),
    );
    assert_eq!(lvg.regime, "my_low_value");
    assert_eq!(tax(&lvg, "sales_tax"), "50.00");
}

// ----------------------------------------------------------------------------------- Singapore

/// OVR for low-value goods (GST (Amendment) Act 2021): S$400.00 (inclusive) on 31 December 2023
/// pays GST 8% at sale on goods + delivery + insurance: 420.00 × 8% = 33.60.
#[test]
fn sg_low_value_gst_8_percent_in_2023() {
    let q = ok(
        json!({"origin": "CN", "destination": "SG", "currency": "SGD",
        "date": "2023-12-31", "freight": "15.00", "insurance": "5.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "400.00"}]}),
    );
    assert_eq!(q.regime, "sg_low_value");
    assert_eq!(q.collected, Collection::AtSale);
    assert_eq!(tax(&q, "gst"), "33.60");
    assert_eq!(q.landed_cost, "453.60");
}

/// GST (Amendment) Act 2022: 9% from 1 January 2024: 420.00 × 9% = 37.80.
#[test]
fn sg_gst_9_percent_from_2024() {
    let q = ok(
        json!({"origin": "CN", "destination": "SG", "currency": "SGD",
        "date": "2024-01-01", "freight": "15.00", "insurance": "5.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "400.00"}]}),
    );
    assert_eq!(q.regime, "sg_low_value");
    assert_eq!(q.taxes[0].rate.as_deref(), Some("9%"));
    assert_eq!(tax(&q, "gst"), "37.80");
}

/// Above S$400: import GST on CIF + duty, duty 0% (only liquor, tobacco, motor vehicles and
/// petroleum are dutiable): 9% × 420.01 = 37.8009 → 37.80.
#[test]
fn sg_above_400_import_gst_no_duty() {
    let q = ok(
        json!({"origin": "CN", "destination": "SG", "currency": "SGD",
        "freight": "15.00", "insurance": "5.00",
        "items": [{"hs_code": "851713", "quantity": 1, "unit_price": "400.01"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.collected, Collection::AtImport);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "gst"), "37.80");
    assert_eq!(q.landed_cost, "457.81");
}

// ----------------------------------------------------------------------------------- Australia

/// LVG GST (GST Act Div. 84): goods A$1,000.00 (inclusive), GST 10% at sale on goods + delivery
/// = 1,050.00 × 10% = 105.00; no duty.
#[test]
fn au_low_value_at_1000_gst_at_sale() {
    let q = ok(
        json!({"origin": "US", "destination": "AU", "currency": "AUD", "freight": "50.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "1000.00"}]}),
    );
    assert_eq!(q.regime, "au_low_value");
    assert_eq!(q.collected, Collection::AtSale);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "gst"), "105.00");
}

/// Customs Act 1901 ss 159–161: duty on the FOB customs value, 5% × 2,000.00 = 100.00 (freight
/// 100.00 and insurance 20.00 excluded); GST Act s 13-20: GST 10% on customs value + duty +
/// transport + insurance = (2,000 + 100 + 100 + 20) × 10% = 222.00. Tax 322.00; landed 2,442.00.
#[test]
fn au_duty_on_fob_gst_on_cif_plus_duty() {
    let q = ok(
        json!({"origin": "US", "destination": "AU", "currency": "AUD",
        "freight": "100.00", "insurance": "20.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "2000.00"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.dutiable_value, "2000.00");
    assert_eq!(q.duty, "100.00");
    assert_eq!(q.lines[0].taxes[0].base.as_deref(), Some("2220.00"));
    assert_eq!(tax(&q, "gst"), "222.00");
    assert_eq!(q.tax_total, "322.00");
    assert_eq!(q.landed_cost, "2442.00");
}

/// Preferences: T-shirts from China (ChAFTA, 0% from 2019) A$1,000, from Malaysia (MAFTA 0%)
/// A$500 and from Vietnam (no preference here, 5%) A$500. Duty 0 + 0 + 25.00. GST 100.00 +
/// 50.00 + 10% × 525.00 = 52.50 → 202.50. Tax 227.50.
#[test]
fn au_chafta_and_mafta_preferences() {
    let q = ok(
        json!({"origin": "CN", "destination": "AU", "currency": "AUD",
        "items": [
            {"hs_code": "610910", "quantity": 1, "unit_price": "1000.00"},
            {"hs_code": "610910", "quantity": 1, "unit_price": "500.00", "origin": "MY"},
            {"hs_code": "610910", "quantity": 1, "unit_price": "500.00", "origin": "VN"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.lines[0].duty, "0.00");
    assert!(q.lines[0]
        .preference
        .as_ref()
        .and_then(|key| q.citations.get(key))
        .is_some_and(|text| text.contains("ChAFTA")));
    assert_eq!(q.lines[1].duty, "0.00");
    assert!(q.lines[1]
        .preference
        .as_ref()
        .and_then(|key| q.citations.get(key))
        .is_some_and(|text| text.contains("MAFTA")));
    assert_eq!(q.lines[2].duty, "25.00");
    assert!(q.lines[2].preference.is_none());
    assert_eq!(q.duty, "25.00");
    assert_eq!(tax(&q, "gst"), "202.50");
    assert_eq!(q.tax_total, "227.50");
}

/// The ChAFTA entry is dated from 1 January 2019: on 31 December 2018 a Chinese T-shirt of
/// A$2,000 pays the general 5% = 100.00, GST 10% × 2,100.00 = 210.00.
#[test]
fn au_chafta_not_before_2019() {
    let q = ok(
        json!({"origin": "CN", "destination": "AU", "currency": "AUD",
        "date": "2018-12-31",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "2000.00"}]}),
    );
    assert_eq!(q.duty, "100.00");
    assert!(q.lines[0].preference.is_none());
    assert_eq!(tax(&q, "gst"), "210.00");
}

/// USD→AUD 1.5: $700.00 → A$1,050.00, above A$1,000: laptop 847130 Free, GST 10% × 1,050.00 =
/// 105.00 at import.
#[test]
fn au_usd_request_converted_above_the_limit() {
    let q = ok(
        json!({"origin": "US", "destination": "AU", "currency": "USD",
        "items": [{"hs_code": "847130", "quantity": 1, "unit_price": "700.00"}]}),
    );
    assert_eq!(q.goods_value, "1050.00");
    assert_eq!(q.regime, "general");
    assert_eq!(q.collected, Collection::AtImport);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "gst"), "105.00");
    assert_eq!(q.landed_cost, "1155.00");
}

// ------------------------------------------------------------------------------------ Thailand

/// Until 4 July 2024 a consignment of 1,500 baht or less (inclusive) paid neither duty nor VAT.
#[test]
fn th_low_value_exempt_until_4_july_2024() {
    let q = ok(
        json!({"origin": "CN", "destination": "TH", "currency": "THB",
        "date": "2024-07-04", "freight": "100.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "1500.00"}]}),
    );
    assert_eq!(q.regime, "th_low_value");
    assert!(q.taxes.is_empty());
    assert_eq!(q.tax_total, "0.00");
    assert_eq!(q.landed_cost, "1600.00");
}

/// From 5 July 2024 the same parcel pays 7% VAT on CIF, still no duty: 1,600.00 × 7% = 112.00.
#[test]
fn th_low_value_vat_from_5_july_2024() {
    let q = ok(
        json!({"origin": "CN", "destination": "TH", "currency": "THB",
        "date": "2024-07-05", "freight": "100.00",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "1500.00"}]}),
    );
    assert_eq!(q.regime, "th_low_value");
    assert_eq!(q.collected, Collection::AtImport);
    assert_eq!(q.duty, "0.00");
    assert_eq!(tax(&q, "vat"), "112.00");
    assert_eq!(q.landed_cost, "1712.00");
}

/// Above 1,500 baht: CIF 1,500.01 + 99.99 = 1,600.00; apparel duty 30% = 480.00; VAT 7% on
/// 2,080.00 = 145.60. From Vietnam (ATIGA 0%) the duty is 0 and VAT 7% × 1,600.00 = 112.00.
#[test]
fn th_general_and_atiga_apparel() {
    let china = ok(
        json!({"origin": "CN", "destination": "TH", "currency": "THB",
        "freight": "99.99",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "1500.01"}]}),
    );
    assert_eq!(china.regime, "general");
    assert_eq!(china.dutiable_value, "1600.00");
    assert_eq!(china.duty, "480.00");
    assert_eq!(tax(&china, "vat"), "145.60");
    assert_eq!(china.tax_total, "625.60");
    assert_eq!(china.landed_cost, "2225.60");
    let vietnam = ok(
        json!({"origin": "VN", "destination": "TH", "currency": "THB",
        "freight": "99.99",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "1500.01"}]}),
    );
    assert_eq!(vietnam.duty, "0.00");
    assert!(vietnam.lines[0]
        .preference
        .as_ref()
        .and_then(|key| vietnam.citations.get(key))
        .is_some_and(|text| text.contains("ATIGA")));
    assert_eq!(tax(&vietnam, "vat"), "112.00");
}

// ------------------------------------------------------------------------------------- Vietnam

/// Decision 78/2010: on 17 February 2025 an express consignment with CIF 900,000 + 100,000 =
/// 1,000,000 dong (inclusive) is free of duty and VAT.
#[test]
fn vn_express_exemption_at_one_million_dong() {
    let q = ok(
        json!({"origin": "CN", "destination": "VN", "currency": "VND",
        "date": "2025-02-17", "freight": "100000",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "900000"}]}),
    );
    assert_eq!(q.regime, "vn_low_value");
    assert_eq!(q.threshold_value.as_deref(), Some("1000000"));
    assert_eq!(q.tax_total, "0");
    assert_eq!(q.landed_cost, "1000000");
}

/// One dong of freight more and the CIF value 1,000,001 is above the limit: duty 20% =
/// 200,000.2 → 200,000; VAT 10% × 1,200,001 = 120,000.1 → 120,000. Tax 320,000.
#[test]
fn vn_freight_counts_toward_the_express_limit() {
    let q = ok(
        json!({"origin": "CN", "destination": "VN", "currency": "VND",
        "date": "2025-02-17", "freight": "100001",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "900000"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "200000");
    assert_eq!(tax(&q, "vat"), "120000");
    assert_eq!(q.tax_total, "320000");
    assert_eq!(q.landed_cost, "1320001");
}

/// Decision 01/2025: from 18 February 2025 even a small parcel pays: cosmetics 500,000 dong,
/// duty 15% = 75,000, VAT 10% × 575,000 = 57,500.
#[test]
fn vn_small_parcel_taxed_from_18_february_2025() {
    let q = ok(
        json!({"origin": "KR", "destination": "VN", "currency": "VND",
        "date": "2025-02-18",
        "items": [{"hs_code": "330499", "quantity": 1, "unit_price": "500000"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "75000");
    assert_eq!(tax(&q, "vat"), "57500");
    assert_eq!(q.tax_total, "132500");
}

/// Whole dong, half-up: toys 1,234,565 at 10% duty = 123,456.5 → 123,457; VAT 10% ×
/// 1,358,022 = 135,802.2 → 135,802. Tax 259,259; landed 1,493,824.
#[test]
fn vn_duty_on_an_exact_half_dong_rounds_up() {
    let q = ok(
        json!({"origin": "CN", "destination": "VN", "currency": "VND",
        "items": [{"hs_code": "950300", "quantity": 1, "unit_price": "1234565"}]}),
    );
    assert_eq!(q.duty, "123457");
    assert_eq!(tax(&q, "vat"), "135802");
    assert_eq!(q.tax_total, "259259");
    assert_eq!(q.landed_cost, "1493824");
}

// --------------------------------------------------------------------------------------- Japan

/// Small-amount exemption: taxable value 9,000 + 800 + 200 = ¥10,000 (inclusive): no duty, no
/// consumption tax.
#[test]
fn jp_small_value_at_10000_yen() {
    let q = ok(
        json!({"origin": "US", "destination": "JP", "currency": "JPY",
        "freight": "800", "insurance": "200",
        "items": [{"hs_code": "851830", "quantity": 1, "unit_price": "9000"}]}),
    );
    assert_eq!(q.regime, "jp_small_value");
    assert_eq!(q.threshold_value.as_deref(), Some("10000"));
    assert_eq!(q.tax_total, "0");
}

/// ¥10,001: standard import, duty 0% (ch. 85); consumption tax 10% × 10,001 = 1,000.1 → 1,000
/// (truncated).
#[test]
fn jp_one_yen_above_the_small_amount() {
    let q = ok(
        json!({"origin": "US", "destination": "JP", "currency": "JPY",
        "freight": "800", "insurance": "200",
        "items": [{"hs_code": "851830", "quantity": 1, "unit_price": "9001"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(tax(&q, "consumption_tax"), "1000");
    assert_eq!(q.landed_cost, "11001");
}

/// Truncation (`mode = "down"`): laptop ¥12,345, consumption tax 10% = 1,234.5 → 1,234 (half-up
/// would give 1,235). T-shirts: CIF 20,001 + 1,500 = 21,501, duty 7.4% = 1,591.074 → 1,591;
/// consumption tax 10% × 23,092 = 2,309.2 → 2,309.
#[test]
fn jp_truncates_duty_and_tax_to_the_yen() {
    let q = ok(
        json!({"origin": "CN", "destination": "JP", "currency": "JPY",
        "items": [{"hs_code": "847130", "quantity": 1, "unit_price": "12345"}]}),
    );
    assert_eq!(tax(&q, "consumption_tax"), "1234");
    assert_eq!(q.landed_cost, "13579");
    let shirts = ok(
        json!({"origin": "CN", "destination": "JP", "currency": "JPY",
        "freight": "1500",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "20001"}]}),
    );
    assert_eq!(shirts.duty, "1591");
    assert_eq!(tax(&shirts, "consumption_tax"), "2309");
    assert_eq!(shirts.tax_total, "3900");
    assert_eq!(shirts.landed_cost, "25401");
}

/// Food at 8%: food preparation 210690 ¥15,000, duty 12.5% = 1,875, consumption tax 8% ×
/// 16,875 = 1,350; cosmetics 330499 ¥15,000, duty 0, tax 10% = 1,500. Tax 1,875 + 2,850 = 4,725.
#[test]
fn jp_food_at_eight_percent() {
    let q = ok(
        json!({"origin": "KR", "destination": "JP", "currency": "JPY",
        "items": [
            {"hs_code": "210690", "quantity": 1, "unit_price": "15000"},
            {"hs_code": "330499", "quantity": 1, "unit_price": "15000"}]}),
    );
    assert_eq!(q.lines[0].duty, "1875");
    assert_eq!(q.lines[0].taxes[0].rate.as_deref(), Some("8%"));
    assert_eq!(q.lines[0].taxes[0].amount, "1350");
    assert_eq!(q.lines[1].taxes[0].amount, "1500");
    assert_eq!(tax(&q, "consumption_tax"), "2850");
    assert_eq!(q.tax_total, "4725");
}

/// USD→JPY 150, each amount half-up to the yen: $66.66 → ¥9,999 (small amount); $66.67 →
/// 10,000.5 → ¥10,001, above it: toys duty 0, consumption tax 10% × 10,001 → 1,000.
#[test]
fn jp_usd_conversion_on_the_half_yen_decides_the_regime() {
    let below = ok(
        json!({"origin": "US", "destination": "JP", "currency": "USD",
        "items": [{"hs_code": "950300", "quantity": 1, "unit_price": "66.66"}]}),
    );
    assert_eq!(below.goods_value, "9999");
    assert_eq!(below.regime, "jp_small_value");
    let above = ok(
        json!({"origin": "US", "destination": "JP", "currency": "USD",
        "items": [{"hs_code": "950300", "quantity": 1, "unit_price": "66.67"}]}),
    );
    assert_eq!(above.goods_value, "10001");
    assert_eq!(above.regime, "general");
    assert_eq!(tax(&above, "consumption_tax"), "1000");
}

/// From 1 April 2028 the small-amount exemption is gone (FY2026 reform outline): a ¥5,000
/// T-shirt pays duty 7.4% = 370 and consumption tax 10% × 5,370 = 537.
#[test]
fn jp_small_value_ends_april_2028() {
    let q = ok(
        json!({"origin": "CN", "destination": "JP", "currency": "JPY",
        "date": "2028-04-01",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "5000"}]}),
    );
    assert_eq!(q.regime, "general");
    assert_eq!(q.duty, "370");
    assert_eq!(tax(&q, "consumption_tax"), "537");
    let before = ok(
        json!({"origin": "CN", "destination": "JP", "currency": "JPY",
        "date": "2028-03-31",
        "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "5000"}]}),
    );
    assert_eq!(before.regime, "jp_small_value");
}

// ------------------------------------------------------------------------------------ coverage

/// Every embedded pack quotes a code from each e-commerce chapter (a chapter entry or the
/// default), on its first day and on the tests' default date, above every low-value threshold.
#[test]
fn every_pack_quotes_every_e_commerce_chapter() {
    let codes = [
        "210690", "330499", "420222", "490199", "610910", "620342", "640399", "847130", "851713",
        "950300",
    ];
    let packs = common::packs().packs();
    assert!(
        packs.len() >= 17,
        "CN, DE and the fifteen packs of this file: {}",
        packs.len()
    );
    for pack in packs {
        let first_day = format_date(pack.effective.from.expect("every pack starts somewhere"));
        for date in [first_day.as_str(), "2026-11-23"] {
            for code in codes {
                let request = json!({"origin": "ZA", "destination": pack.jurisdiction.code(),
                    "currency": pack.currency.code(), "date": date,
                    "items": [{"hs_code": code, "quantity": 1, "unit_price": "5000000"}]});
                let q = common::quote_json(request).unwrap_or_else(|e| {
                    panic!("{} on {date}, HS {code}: {e}", pack.jurisdiction.code())
                });
                assert_eq!(q.regime, "general", "{} {date} {code}", pack.id);
                assert!(q.lines[0].duty_rate.is_some(), "{} {code}", pack.id);
                assert_eq!(
                    q.lines[0].taxes.is_empty(),
                    pack.taxes.is_empty(),
                    "{} {date} {code}: a pack with a tax charges it on every line",
                    pack.id
                );
            }
        }
    }
}
