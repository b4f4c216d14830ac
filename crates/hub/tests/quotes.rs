//! Landed-cost quotes and the FX table over real HTTP, on SQLite and PostgreSQL.

mod harness;

use harness::{hubs, hubs_with, Answer, TestHub};
use reqwest::Method;
use serde_json::{json, Value};

async fn quote(h: &TestHub, body: &Value) -> Answer {
    h.call(Method::POST, "/v1/quotes", None, Some(body), &[])
        .await
}

async fn put_rates(h: &TestHub, key: &str, body: &Value) -> Answer {
    h.call(Method::PUT, "/v1/fx-rates", Some(key), Some(body), &[])
        .await
}

fn cn_cosmetics() -> Value {
    json!({"origin": "KR", "destination": "CN", "currency": "CNY", "date": "2026-11-23",
           "items": [{"hs_code": "330499", "description": "serum", "quantity": 1, "unit_price": "300.00"}]})
}

/// The hand computation is in tariff's worked examples (Cai Guan Shui [2018] No. 49):
/// consumption tax 37.06 + VAT 32.12 on a ¥300 serum.
#[tokio::test]
async fn a_public_quote_with_its_explanation() {
    for h in hubs().await {
        let a = quote(&h, &cn_cosmetics()).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let q = &a.body;
        assert_eq!(q["regime"], "cn_cbec_retail");
        assert_eq!(q["rule_pack"]["id"], "cn");
        assert!(q["rule_pack"]["version"].is_string());
        assert_eq!(q["tax_total"], "69.18");
        assert!(q["citations"]["cbec"]
            .as_str()
            .unwrap()
            .contains("Cai Guan Shui [2018] No. 49"));
        assert_eq!(q["landed_cost"], "369.18");
        let figures: Vec<&str> = q["explain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["figure"].as_str().unwrap())
            .collect();
        for figure in [
            "regime",
            "dutiable_value",
            "lines[0].duty",
            "lines[0].taxes[0]",
            "lines[0].taxes[1]",
        ] {
            assert!(figures.contains(&figure), "{figure} explained: {figures:?}");
        }
        for e in q["explain"].as_array().unwrap() {
            // Every rule names its legal basis, whose text is in `citations`.
            let key = e["citation"].as_str().unwrap();
            let text = q["citations"][key].as_str().unwrap_or_default();
            assert!(text.len() > 10, "{key} cited: {e}");
            assert!(
                e["source"].as_str().unwrap().contains(':') || e["source"] == "fx-rates",
                "{e}"
            );
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn bad_quotes_name_the_field() {
    for h in hubs().await {
        let item = json!({"hs_code": "610910", "quantity": 1, "unit_price": "10.00"});
        let cases: Vec<(Value, u16, &str, &str)> = vec![
            (
                json!({"origin": "MY", "destination": "XX", "currency": "EUR", "items": [item]}),
                422,
                "unknown_country",
                "destination",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUX", "items": [item]}),
                422,
                "unknown_currency",
                "currency",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "items": []}),
                422,
                "empty_items",
                "items",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "freight": "-1.00", "items": [item]}),
                422,
                "negative_amount",
                "freight",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "items": [{"hs_code": "61091", "quantity": 1, "unit_price": "1"}]}),
                422,
                "invalid_hs_code",
                "items[0].hs_code",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "items": [{"hs_code": "610910", "quantity": -2, "unit_price": "1"}]}),
                422,
                "negative_quantity",
                "items[0].quantity",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "-1"}]}),
                422,
                "negative_amount",
                "items[0].unit_price",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "date": "2026-02-30", "items": [item]}),
                422,
                "invalid_date",
                "date",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "incoterm": "FOB", "items": [item]}),
                422,
                "invalid_incoterm",
                "incoterm",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "USD", "items": [item]}),
                422,
                "fx_rate_missing",
                "currency",
            ),
            (
                json!({"origin": "MY", "destination": "DE", "currency": "EUR", "date": "2020-01-01", "items": [item]}),
                422,
                "no_rules_for_date",
                "date",
            ),
            (
                json!({"origin": "MY", "destination": "AQ", "currency": "EUR", "items": [item]}),
                422,
                "unsupported_destination",
                "destination",
            ),
        ];
        for (body, status, code, field) in cases {
            let a = quote(&h, &body).await;
            let p = a.problem(status, code);
            let named = p["field"] == field
                || p["errors"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|e| e["field"] == field && e["code"] == code));
            assert!(named, "{field} named in {p}");
        }
        // Malformed JSON and an unknown field are refused before any rule is looked at.
        let a = h
            .call(
                Method::POST,
                "/v1/quotes",
                None,
                None,
                &[("content-type", "application/json")],
            )
            .await;
        assert!(a.status == 400 || a.status == 422, "{}", a.body);
        let mut extra = cn_cosmetics();
        extra["colour"] = json!("red");
        let a = quote(&h, &extra).await;
        assert!(a.status == 400 || a.status == 422, "{}", a.body);
        assert_eq!(a.body["field"], "colour", "{}", a.body);
        h.finish().await;
    }
}

#[tokio::test]
async fn fx_rates_drive_conversion_and_only_the_operator_sets_them() {
    for h in hubs().await {
        let body = json!({"origin": "MY", "destination": "DE", "currency": "USD", "date": "2026-11-23",
                          "items": [{"hs_code": "610910", "quantity": 2, "unit_price": "15.00"}]});
        quote(&h, &body).await.problem(422, "fx_rate_missing");

        let (_, merchant) = h.party("merchant", "Batik").await;
        let rates = json!({"rates": [{"base": "USD", "quote": "EUR", "rate": "0.92", "source": "ECB reference rate", "as_of": "2026-11-23T14:00:00Z"}]});
        put_rates(&h, &merchant, &rates)
            .await
            .problem(403, "role_not_allowed");
        h.call(Method::PUT, "/v1/fx-rates", None, Some(&rates), &[])
            .await
            .problem(401, "missing_credentials");

        let a = put_rates(&h, &h.operator_key.clone(), &rates).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["rates"][0]["rate"], "0.92");
        assert_eq!(a.body["rates"][0]["as_of"], "2026-11-23T14:00:00.000Z");

        // 2 × 15.00 USD = 30.00 USD → 27.60 EUR; IOSS from 2026-07-01: €3 flat duty for the
        // subheading, VAT 19% on 27.60 + 3.00 = 30.60 → 5.814 → 5.81.
        let a = quote(&h, &body).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["currency"], "EUR");
        assert_eq!(a.body["request_currency"], "USD");
        assert_eq!(a.body["fx"]["rate"], "0.92");
        assert_eq!(a.body["fx"]["source"], "ECB reference rate");
        assert_eq!(a.body["goods_value"], "27.60");
        assert_eq!(a.body["tax_total"], "8.81");

        // A new rate replaces the old one at once for quotes.
        let newer = json!({"rates": [{"base": "USD", "quote": "EUR", "rate": "1", "source": "parity test"}]});
        assert_eq!(
            put_rates(&h, &h.operator_key.clone(), &newer).await.status,
            200
        );
        let a = quote(&h, &body).await;
        assert_eq!(a.body["goods_value"], "30.00", "{}", a.body);

        let listed = h.call(Method::GET, "/v1/fx-rates", None, None, &[]).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body["rates"].as_array().unwrap().len(), 1);
        assert_eq!(listed.body["rates"][0]["source"], "parity test");
        h.finish().await;
    }
}

#[tokio::test]
async fn bad_fx_rates_are_refused_whole() {
    for h in hubs().await {
        let key = h.operator_key.clone();
        let good = json!({"base": "USD", "quote": "EUR", "rate": "0.92", "source": "ECB"});
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"rates": []}), "invalid_rates", "rates"),
            (
                json!({"rates": [good, {"base": "USD", "quote": "USD", "rate": "1", "source": "x"}]}),
                "same_currency",
                "rates[1].quote",
            ),
            (
                json!({"rates": [good, {"base": "USD", "quote": "GBP", "rate": "0", "source": "x"}]}),
                "invalid_rate",
                "rates[1].rate",
            ),
            (
                json!({"rates": [good, {"base": "USD", "quote": "GBP", "rate": "-0.7", "source": "x"}]}),
                "invalid_rate",
                "rates[1].rate",
            ),
            (
                json!({"rates": [good, {"base": "USD", "quote": "GBP", "rate": "1e3", "source": "x"}]}),
                "invalid_rate",
                "rates[1].rate",
            ),
            (
                json!({"rates": [good, {"base": "USX", "quote": "GBP", "rate": "0.7", "source": "x"}]}),
                "unknown_currency",
                "rates[1].base",
            ),
            (
                json!({"rates": [good, {"base": "USD", "quote": "GBP", "rate": "0.7"}]}),
                "missing_field",
                "rates[1].source",
            ),
            (
                json!({"rates": [good, {"base": "USD", "quote": "GBP", "rate": "0.7", "source": "x", "as_of": "yesterday"}]}),
                "invalid_time",
                "rates[1].as_of",
            ),
            (
                json!({"rates": [good, good]}),
                "duplicate_pair",
                "rates[1].quote",
            ),
        ];
        for (body, code, field) in cases {
            let a = put_rates(&h, &key, &body).await;
            // The first problem gives the answer its code; each is listed with its field.
            let p = a.problem(422, code);
            assert!(
                p["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == field && e["code"] == code),
                "{code} at {field}: {p}"
            );
        }
        let listed = h.call(Method::GET, "/v1/fx-rates", None, None, &[]).await;
        assert_eq!(
            listed.body["rates"],
            json!([]),
            "nothing stored by a refused PUT"
        );
        h.finish().await;
    }
}

#[tokio::test]
async fn rule_packs_are_listed_and_a_rules_folder_overrides_them() {
    let dir = tempfile::tempdir().unwrap();
    // A DE pack that taxes everything at 10%: same file name as the embedded one.
    let de = include_str!("../../tariff/packs/de.toml").replace("rate = \"19%\"", "rate = \"10%\"");
    std::fs::write(dir.path().join("de.toml"), de).unwrap();
    let path = dir.path().to_path_buf();
    for h in hubs_with(move |c| c.rules_dir = Some(path.clone())).await {
        let a = h.call(Method::GET, "/v1/rule-packs", None, None, &[]).await;
        assert_eq!(a.status, 200);
        let ids: Vec<&str> = a.body["packs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        for id in ["cn", "de"] {
            assert!(ids.contains(&id), "{ids:?}");
        }
        let body = json!({"origin": "MY", "destination": "DE", "currency": "EUR", "date": "2026-06-01",
                          "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "100.00"}]});
        let q = quote(&h, &body).await;
        assert_eq!(q.body["taxes"][0]["rate"], "10%", "{}", q.body);
        assert_eq!(q.body["tax_total"], "10.00");
        h.finish().await;
    }
}

#[tokio::test]
async fn a_broken_rules_folder_stops_the_start_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = include_str!("../../tariff/packs/de.toml")
        .replace("citation = \"vat_reduced\"", "citation = \"nowhere\"");
    std::fs::write(dir.path().join("de.toml"), broken).unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = hub::HubConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data.path().join("data"),
        rules_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let err = match hub::start(config).await {
        Ok(_) => panic!("a broken pack must stop the start"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("de.toml:"), "{err}");
    assert!(err.contains("`nowhere` is not in [citations]"), "{err}");
    assert!(
        !data.path().join("data").exists(),
        "nothing created on a refused start"
    );
}
