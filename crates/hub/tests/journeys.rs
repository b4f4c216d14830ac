//! One parcel's whole journey for each destination regime, over real HTTP on every backend:
//! quote → order → payment → waybill → declaration → channel → decision → delivery → escrow
//! capture → payout. At each step the API answers what a user expects; at the end the ledger holds
//! exactly the quoted taxes in the destination's customs revenue and the merchant's share (paid
//! less tax, less the hub's fee) in the merchant's account, and the payout in the merchant's home
//! currency converts at the operator's rate.

mod harness;

use harness::{hubs, TestHub};
use reqwest::Method;
use serde_json::{json, Value};

/// A destination and its regime: the parcel the merchant sells there.
struct Journey {
    name: &'static str,
    destination: &'static str,
    currency: &'static str,
    /// Digits of the currency's minor unit.
    digits: u32,
    /// HS code, quantity, unit price (in `currency`).
    line: (&'static str, u32, &'static str),
    freight: &'static str,
    /// The regime the quote must name.
    regime: &'static str,
    /// The operator's rate from `currency` to the merchant's home currency (MYR), or to THB for
    /// the Malaysian destination (its merchant is Thai).
    rate_home: &'static str,
    /// Held yellow for an officer's document check (a value band rule on this currency).
    officer: bool,
}

const JOURNEYS: [Journey; 8] = [
    Journey {
        name: "CN CBEC",
        destination: "CN",
        currency: "CNY",
        digits: 2,
        line: ("610910", 2, "100.00"),
        freight: "20.00",
        regime: "cn_cbec_retail",
        rate_home: "0.6512",
        officer: false,
    },
    Journey {
        name: "EU IOSS (DE, at most 150 EUR)",
        destination: "DE",
        currency: "EUR",
        digits: 2,
        line: ("610910", 2, "25.00"),
        freight: "5.00",
        regime: "eu_ioss",
        rate_home: "5.0125",
        officer: false,
    },
    Journey {
        name: "EU above 150 EUR (DE)",
        destination: "DE",
        currency: "EUR",
        digits: 2,
        line: ("420221", 1, "380.00"),
        freight: "12.00",
        regime: "general",
        rate_home: "5.0125",
        officer: true,
    },
    Journey {
        name: "UK",
        destination: "GB",
        currency: "GBP",
        digits: 2,
        line: ("610910", 3, "12.00"),
        freight: "4.50",
        regime: "uk_low_value",
        rate_home: "5.9003",
        officer: false,
    },
    Journey {
        name: "US",
        destination: "US",
        currency: "USD",
        digits: 2,
        line: ("610910", 4, "19.90"),
        freight: "15.00",
        regime: "general",
        rate_home: "4.4711",
        officer: false,
    },
    Journey {
        name: "MY",
        destination: "MY",
        currency: "MYR",
        digits: 2,
        line: ("330499", 2, "45.00"),
        freight: "8.00",
        regime: "my_low_value",
        rate_home: "7.9411",
        officer: false,
    },
    Journey {
        name: "SG",
        destination: "SG",
        currency: "SGD",
        digits: 2,
        line: ("610910", 2, "30.00"),
        freight: "6.00",
        regime: "sg_low_value",
        rate_home: "3.4120",
        officer: false,
    },
    Journey {
        name: "AU",
        destination: "AU",
        currency: "AUD",
        digits: 2,
        line: ("610910", 2, "40.00"),
        freight: "9.00",
        regime: "au_low_value",
        rate_home: "2.9530",
        officer: true,
    },
];

fn minor(text: &Value, digits: u32) -> i64 {
    let s = text
        .as_str()
        .unwrap_or_else(|| panic!("a decimal string: {text}"));
    let (units, fraction) = s.split_once('.').unwrap_or((s, ""));
    assert_eq!(fraction.len(), digits as usize, "{s}");
    units.parse::<i64>().unwrap() * 10i64.pow(digits)
        + if fraction.is_empty() {
            0
        } else {
            fraction.parse::<i64>().unwrap()
        }
}

fn text(v: i64, digits: u32) -> String {
    let unit = 10i64.pow(digits);
    if digits == 0 {
        v.to_string()
    } else {
        format!("{}.{:0width$}", v / unit, v % unit, width = digits as usize)
    }
}

/// `amount × rate`, half up to the target's minor unit (both two-digit currencies here).
fn converted(amount: i64, rate: &str) -> i64 {
    let (units, fraction) = rate.split_once('.').unwrap();
    let scale = 10i128.pow(fraction.len() as u32);
    let rate_scaled = units.parse::<i128>().unwrap() * scale + fraction.parse::<i128>().unwrap();
    ((i128::from(amount) * rate_scaled + scale / 2) / scale) as i64
}

struct Parties {
    my_merchant: (String, String),
    th_merchant: (String, String),
    platform: (String, String),
    psp: (String, String),
    carrier: (String, String),
    officer: (String, String),
}

async fn parties(h: &TestHub) -> Parties {
    let party = |role: &'static str, name: &'static str, country: &'static str| async move {
        let a = h
            .post("/v1/parties", &h.operator_key, &json!({"role": role, "legal_name": name, "country": country, "registration_number": format!("REG-{name}")}))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        (
            a.body["party"]["id"].as_str().unwrap().to_string(),
            a.body["key"]["token"].as_str().unwrap().to_string(),
        )
    };
    Parties {
        my_merchant: party("merchant", "Kedai Batik Sdn Bhd", "MY").await,
        th_merchant: party("merchant", "Siam Silk Co Ltd", "TH").await,
        platform: party("platform", "Lazada Mall", "SG").await,
        psp: party("payment", "2C2P", "SG").await,
        carrier: party("logistics", "DHL eCommerce", "MY").await,
        officer: party("customs", "Customs officer", "MY").await,
    }
}

async fn account(h: &TestHub, owner: &str, code: &str, currency: &str) -> Value {
    let tb = h.get("/v1/ledger/trial-balance", &h.operator_key).await;
    assert_eq!(tb.body["balanced"], true, "the books balance: {}", tb.body);
    tb.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["owner_id"] == owner && a["code"] == code && a["currency"] == currency)
        .cloned()
        .unwrap_or_else(|| panic!("no {code} account of {owner} in {currency}"))
}

/// Runs one journey; answers the tax it collected.
async fn journey(h: &TestHub, p: &Parties, j: &Journey, n: usize) -> i64 {
    let (merchant, home) = if j.destination == "MY" {
        (&p.th_merchant, "THB")
    } else {
        (&p.my_merchant, "MYR")
    };
    let (hs, quantity, price) = j.line;
    let order_no = format!("J-{n}");
    // 1. The quote the platform shows at checkout.
    let quote = h
        .call(
            Method::POST,
            "/v1/quotes",
            None,
            Some(&json!({"origin": "MY", "destination": j.destination, "currency": j.currency, "freight": j.freight,
                         "items": [{"hs_code": hs, "quantity": quantity, "unit_price": price, "origin": "MY"}]})),
            &[],
        )
        .await;
    assert_eq!(quote.status, 200, "{}: {}", j.name, quote.body);
    assert_eq!(
        quote.body["regime"], j.regime,
        "{}: {}",
        j.name, quote.body["regime"]
    );
    let tax = minor(&quote.body["tax_total"], j.digits);
    let goods = i64::from(quantity) * minor(&json!(price), j.digits);
    let paid = goods + minor(&json!(j.freight), j.digits) + tax;
    assert_eq!(
        minor(&quote.body["landed_cost"], j.digits),
        paid,
        "{}: landed cost = goods + freight + taxes",
        j.name
    );

    // 2. The order, with the quoted tax withheld (DDP).
    let buyer = json!({"name": "Alex Doe", "id_type": "passport", "id_number": "P1234567", "country": j.destination,
                       "address": "1 High Street", "phone": "+44 20 7946 0000"});
    let (buyer, buyer_name) = if j.destination == "CN" {
        (
            json!({"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X", "country": "CN",
                "address": "1 Wensan Road, Hangzhou", "phone": "+86 138 0000 1234"}),
            "Wang Fang",
        )
    } else {
        (buyer, "Alex Doe")
    };
    let order = h
        .post(
            "/v1/orders",
            &p.platform.1,
            &json!({"merchant_id": merchant.0, "order_no": order_no, "buyer": buyer, "destination": j.destination, "currency": j.currency,
                    "lines": [{"hs_code": hs, "description": "goods", "origin": "MY", "quantity": quantity, "unit_price": price}],
                    "freight": j.freight, "tax_withheld": text(tax, j.digits), "incoterm": "DDP"}),
        )
        .await;
    assert_eq!(order.status, 201, "{}: {}", j.name, order.body);
    assert_eq!(
        minor(&order.body["actual_paid"], j.digits),
        paid,
        "{}",
        j.name
    );
    let order_id = order.body["id"].as_str().unwrap().to_string();

    // 3. Payment and waybill: the waybill completes the three and carries the declaration.
    let pay = h
        .post(
            "/v1/payments",
            &p.psp.1,
            &json!({"order_no": order_no, "transaction_id": format!("TX-{n}"), "amount": text(paid, j.digits), "currency": j.currency,
                    "payer": {"name": buyer_name, "id_type": order.body["buyer"]["id_type"], "id_number": order.body["buyer"]["id_number"]},
                    "paid_at": "2026-01-05T09:00:00Z"}),
        )
        .await;
    assert_eq!(
        (pay.status, pay.body["order_id"].as_str()),
        (201, Some(order_id.as_str())),
        "{}: {}",
        j.name,
        pay.body
    );
    let ship = h
        .post(
            "/v1/waybills",
            &p.carrier.1,
            &json!({"waybill_no": format!("DHL-{n}"), "order_no": order_no, "gross_weight_kg": "1.200", "package_count": 1,
                    "consignee": {"name": buyer_name, "address": "1 High Street", "phone": "+44 20 7946 0000"}}),
        )
        .await;
    assert_eq!(ship.status, 201, "{}: {}", j.name, ship.body);
    let declaration_id = ship.body["declaration"]["id"].as_str().unwrap().to_string();
    let d = h
        .get(&format!("/v1/declarations/{declaration_id}"), &p.officer.1)
        .await
        .body;
    assert_eq!(d["failures"], json!([]), "{}: {d}", j.name);
    assert_eq!(
        minor(&d["computed_tax"], j.digits),
        tax,
        "{}: customs computes what was quoted",
        j.name
    );

    // 4. The channel, and the officer's decision where the parcel is held.
    if j.officer {
        assert_eq!(
            (d["status"].as_str(), d["channel"].as_str()),
            (Some("held"), Some("yellow")),
            "{}: {d}",
            j.name
        );
        let o = h
            .get(&format!("/v1/orders/{order_id}"), &p.platform.1)
            .await;
        assert_eq!(o.body["status"], "held");
        let decided = h
            .post(
                &format!("/v1/declarations/{declaration_id}/decision"),
                &p.officer.1,
                &json!({"decision": "release", "reason": "invoice checked"}),
            )
            .await;
        assert_eq!(
            decided.body["status"], "released",
            "{}: {}",
            j.name, decided.body
        );
    } else {
        assert_eq!(
            (d["status"].as_str(), d["channel"].as_str()),
            (Some("released"), Some("green")),
            "{}: {d}",
            j.name
        );
    }
    let o = h
        .get(&format!("/v1/orders/{order_id}"), &p.platform.1)
        .await;
    assert_eq!(o.body["status"], "released", "{}", j.name);

    // 5. Delivery captures the escrow: the merchant's share posts.
    let before = minor(
        &account(h, &merchant.0, "merchant_payable", j.currency).await["balance_posted"],
        j.digits,
    );
    let delivered = h
        .post(
            &format!("/v1/orders/{order_id}/delivered"),
            &p.carrier.1,
            &json!({}),
        )
        .await;
    assert_eq!(
        delivered.body["status"], "delivered",
        "{}: {}",
        j.name, delivered.body
    );
    let gross = paid - tax;
    let fee = (gross + 50) / 100; // 1%, half up
    let after = minor(
        &account(h, &merchant.0, "merchant_payable", j.currency).await["balance_posted"],
        j.digits,
    );
    assert_eq!(
        after - before,
        gross - fee,
        "{}: the merchant's share",
        j.name
    );

    // 6. The payout in the merchant's home currency at the operator's rate.
    let rates = h
        .call(
            Method::PUT,
            "/v1/fx-rates",
            Some(&h.operator_key),
            Some(&json!({"rates": [{"base": j.currency, "quote": home, "rate": j.rate_home, "source": "test rate sheet"}]})),
            &[],
        )
        .await;
    assert_eq!(rates.status, 200, "{}", rates.body);
    let payout = h
        .post(
            "/v1/payouts",
            &merchant.1,
            &json!({"source_currency": j.currency, "amount": text(gross - fee, j.digits),
                    "creditor": {"name": "Merchant", "account": "MY0012345678", "agent_bic": "MBBEMYKL"}}),
        )
        .await;
    assert_eq!(payout.status, 201, "{}: {}", j.name, payout.body);
    assert_eq!(payout.body["currency"], home, "{}: {}", j.name, payout.body);
    assert_eq!(
        minor(&payout.body["amount"], 2),
        converted(gross - fee, j.rate_home),
        "{}: {}",
        j.name,
        payout.body
    );
    let left = minor(
        &account(h, &merchant.0, "merchant_payable", j.currency).await["balance_posted"],
        j.digits,
    );
    assert_eq!(left, before, "{}: paid out in full", j.name);
    tax
}

#[tokio::test]
async fn every_destination_regime_end_to_end() {
    for h in hubs().await {
        let p = parties(&h).await;
        // A document check for consignments above a value, in the currencies of the held journeys.
        for (currency, min) in [("EUR", "150.01"), ("AUD", "1.00")] {
            let rule = h
                .post(
                    "/v1/risk-rules",
                    &p.officer.1,
                    &json!({"name": format!("Document check above {min} {currency}"), "score": 40,
                    "condition": {"kind": "value_band", "currency": currency, "min": min}}),
                )
                .await;
            assert_eq!(rule.status, 201, "{}", rule.body);
        }
        let mut taxes: std::collections::HashMap<(&str, &str), i64> = Default::default();
        for (n, j) in JOURNEYS.iter().enumerate() {
            let tax = journey(&h, &p, j, n).await;
            assert!(tax > 0, "{}: the regime taxes this parcel", j.name);
            // Customs revenue of the destination holds exactly the quoted taxes, cumulatively.
            let total = taxes.entry((j.destination, j.currency)).or_insert(0);
            *total += tax;
            let revenue = account(
                &h,
                &format!("customs:{}", j.destination),
                &format!("customs_revenue:{}", j.destination),
                j.currency,
            )
            .await;
            assert_eq!(
                minor(&revenue["balance_posted"], j.digits),
                *total,
                "{}",
                j.name
            );
        }
        // Escrow holds nothing once every parcel is delivered and paid out.
        for j in &JOURNEYS {
            let escrow = account(&h, "hub", "escrow", j.currency).await;
            assert_eq!(
                (
                    escrow["balance_posted"].as_str(),
                    escrow["balance_pending"].as_str()
                ),
                (
                    Some(text(0, j.digits).as_str()),
                    Some(text(0, j.digits).as_str())
                ),
                "{}",
                j.name
            );
        }
        h.finish().await;
    }
}
