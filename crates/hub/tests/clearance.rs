//! Customs clearance over real loopback HTTP, on every backend this run can test: the three
//! documents in every arrival order, repeats, each automatic check failing with its code, risk
//! channels and officers' decisions, cancellation and return, the buyer's quota under
//! concurrency, and the money following each step.

mod harness;

use harness::{hubs, Answer, TestHub};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A valid Chinese resident ID number (ISO 7064 MOD 11-2 check digit).
const BUYER_ID: &str = "11010519491231002X";
const OTHER_BUYER_ID: &str = "110101199003074514";

struct World {
    merchant: (String, String),
    platform: (String, String),
    psp: (String, String),
    carrier: (String, String),
    officer: (String, String),
}

async fn world(h: &TestHub) -> World {
    let merchant = h.party("merchant", "Kedai Batik Sdn Bhd").await;
    let platform = h.party("platform", "Lazada Mall").await;
    let psp = h.party("payment", "Alipay").await;
    let carrier = h.party("logistics", "SF Express").await;
    let officer = h.party("customs", "Hangzhou Customs").await;
    let shirt = json!({"sku": "TEE-1", "title": "Cotton T-shirt", "hs_code": "6109.10", "origin": "MY",
                       "unit_price": "100.00", "currency": "CNY", "net_weight_kg": "0.200"});
    let a = h.post("/v1/products", &merchant.1, &shirt).await;
    assert_eq!(a.status, 201, "{}", a.body);
    World {
        merchant,
        platform,
        psp,
        carrier,
        officer,
    }
}

/// An order the platform places for the merchant: `quantity` T-shirts at 100.00 CNY, freight
/// 20.00, DDP with the tax the landed-cost engine quotes withheld.
async fn order_body(
    h: &TestHub,
    w: &World,
    order_no: &str,
    quantity: u32,
    buyer_id: &str,
) -> Value {
    let tax = quoted_tax(h, &[("610910", quantity, "100.00")], "20.00").await;
    json!({
        "merchant_id": w.merchant.0,
        "order_no": order_no,
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": buyer_id, "country": "CN",
                  "address": "1 Wensan Road, Hangzhou", "phone": "+86 138 0000 1234"},
        "destination": "CN",
        "currency": "CNY",
        "lines": [{"sku": "TEE-1", "quantity": quantity}],
        "freight": "20.00",
        "tax_withheld": tax,
        "incoterm": "DDP"
    })
}

/// The tax the hub computes for these lines (HS, quantity, unit price) from MY to CN in CNY.
async fn quoted_tax(h: &TestHub, lines: &[(&str, u32, &str)], freight: &str) -> String {
    h.quoted_tax(lines, freight).await
}

fn payment_body(order: &Value, tx: &str) -> Value {
    json!({
        "order_no": order["order_no"],
        "merchant_id": order["merchant_id"],
        "transaction_id": tx,
        "payer": {"name": order["buyer"]["name"], "id_type": "national_id", "id_number": order["buyer"]["id_number"],
                  "phone": "+86 138 0000 1234"},
        "amount": order["actual_paid"],
        "currency": "CNY",
        "paid_at": "2026-01-02T10:00:00+08:00"
    })
}

fn waybill_body(order: &Value, number: &str) -> Value {
    json!({
        "waybill_no": number,
        "order_no": order["order_no"],
        "consignee": {"name": order["buyer"]["name"], "address": order["buyer"]["address"], "phone": "13800001234"},
        "gross_weight_kg": "0.450",
        "package_count": 1,
        "freight": order["freight"],
        "currency": "CNY"
    })
}

/// The order as the hub would store it, without placing it: actual_paid and the other totals
/// computed the way validation computes them, for documents sent before the order.
async fn place(h: &TestHub, w: &World, body: &Value) -> Value {
    let a = h.post("/v1/orders", &w.platform.1, body).await;
    assert_eq!(a.status, 201, "{} {}", h.backend, a.body);
    a.body
}

async fn pay(h: &TestHub, w: &World, body: &Value) -> Answer {
    h.post("/v1/payments", &w.psp.1, body).await
}

async fn ship(h: &TestHub, w: &World, body: &Value) -> Answer {
    h.post("/v1/waybills", &w.carrier.1, body).await
}

/// Places, pays and ships a parcel (in that order); returns the order and the declaration.
async fn parcel(h: &TestHub, w: &World, body: &Value, n: &str) -> (Value, Value) {
    let order = place(h, w, body).await;
    let p = pay(h, w, &payment_body(&order, &format!("TX-{n}"))).await;
    assert_eq!(p.status, 201, "{}", p.body);
    let s = ship(h, w, &waybill_body(&order, &format!("SF{n}"))).await;
    assert_eq!(s.status, 201, "{}", s.body);
    let id = s.body["declaration"]["id"]
        .as_str()
        .expect("the third document clears")
        .to_string();
    let d = h.get(&format!("/v1/declarations/{id}"), &w.officer.1).await;
    assert_eq!(d.status, 200, "{}", d.body);
    (order, d.body)
}

/// Every ledger account, the books checked to balance.
async fn books(h: &TestHub) -> Vec<ledger::Account> {
    h.books().await
}

fn account<'a>(
    accounts: &'a [ledger::Account],
    owner: &str,
    code: &str,
) -> Option<&'a ledger::Account> {
    accounts
        .iter()
        .find(|a| a.owner_id == owner && a.code == code)
}

fn minor(text: &Value) -> i64 {
    let s = text.as_str().expect("a decimal string");
    let (units, cents) = s.split_once('.').unwrap_or((s, "00"));
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

#[tokio::test]
async fn three_documents_clear_in_any_order() {
    for h in hubs().await {
        let w = world(&h).await;
        let orders = [
            ["order", "payment", "waybill"],
            ["order", "waybill", "payment"],
            ["payment", "order", "waybill"],
            ["payment", "waybill", "order"],
            ["waybill", "order", "payment"],
            ["waybill", "payment", "order"],
        ];
        let mut taxes = 0;
        for (i, arrival) in orders.iter().enumerate() {
            let body = order_body(&h, &w, &format!("SO-{i}"), 2, BUYER_ID).await;
            // What the order will carry, for documents sent before it exists.
            let expected_paid = minor(&body["tax_withheld"]) + 22_000;
            let mut order = body.clone();
            order["actual_paid"] = json!(format!(
                "{}.{:02}",
                expected_paid / 100,
                expected_paid % 100
            ));
            let mut last = Value::Null;
            for doc in arrival {
                let a = match *doc {
                    "order" => {
                        let placed = h.post("/v1/orders", &w.platform.1, &body).await;
                        assert_eq!(placed.status, 201, "{}", placed.body);
                        assert_eq!(placed.body["actual_paid"], order["actual_paid"]);
                        order["id"] = placed.body["id"].clone();
                        placed
                    }
                    "payment" => pay(&h, &w, &payment_body(&order, &format!("TX-{i}"))).await,
                    _ => ship(&h, &w, &waybill_body(&order, &format!("SF-{i}"))).await,
                };
                assert_eq!(a.status, 201, "{arrival:?} {doc}: {}", a.body);
                last = a.body;
            }
            let order_id = order["id"].as_str().unwrap();
            let fetched = h
                .get(&format!("/v1/orders/{order_id}"), &w.platform.1)
                .await;
            assert_eq!(fetched.body["status"], "released", "{arrival:?}");
            // The answer of the document that completed the parcel carries the declaration…
            let declaration_id = match arrival[2] {
                "order" => {
                    let list = h.get("/v1/declarations?limit=1", &w.officer.1).await;
                    list.body["data"][0]["id"].as_str().unwrap().to_string()
                }
                _ => last["declaration"]["id"].as_str().unwrap().to_string(),
            };
            if arrival[2] != "order" {
                assert_eq!(last["declaration"]["status"], "released");
                assert_eq!(last["declaration"]["channel"], "green");
                assert_eq!(last["order_id"], order_id);
            }
            // …and the declaration says why: no failure, no rule, the tax the engine computed.
            let d = h
                .get(&format!("/v1/declarations/{declaration_id}"), &w.officer.1)
                .await;
            assert_eq!(d.body["order_id"], order_id);
            assert_eq!(d.body["status"], "released");
            assert_eq!(d.body["failures"], json!([]));
            assert_eq!(d.body["computed_tax"], body["tax_withheld"]);
            assert_eq!(d.body["inventory_no"].as_str().unwrap().len(), 18);
            let audit = h
                .get(
                    &format!("/v1/declarations/{declaration_id}/audit"),
                    &w.officer.1,
                )
                .await;
            assert_eq!(audit.body["entries"].as_array().unwrap().len(), 1);
            assert_eq!(audit.body["entries"][0]["action"], "cleared");
            assert_eq!(audit.body["entries"][0]["actor_id"], "system");
            taxes += minor(&body["tax_withheld"]);
        }
        // The money: every tax in the customs revenue of CN, every share pending for the merchant.
        let accounts = books(&h).await;
        let revenue = account(&accounts, "customs:CN", "customs_revenue:CN")
            .expect("customs revenue account");
        assert_eq!(revenue.balance_posted(), taxes);
        let merchant =
            account(&accounts, &w.merchant.0, "merchant_payable").expect("merchant account");
        assert_eq!(
            merchant.balance_posted(),
            0,
            "nothing is the merchant's before delivery"
        );
        let gross = 6 * 22_000;
        let fee_each = (22_000 + 50) / 100; // 1%, half up
        assert_eq!(merchant.balance_pending(), gross - 6 * fee_each);
        h.finish().await;
    }
}

#[tokio::test]
async fn repeated_documents_are_not_written_twice() {
    for h in hubs().await {
        let w = world(&h).await;
        let order = place(&h, &w, &order_body(&h, &w, "SO-R", 1, BUYER_ID).await).await;
        let body = payment_body(&order, "TX-R");
        let first = pay(&h, &w, &body).await;
        assert_eq!(first.status, 201, "{}", first.body);
        let id = first.body["id"].as_str().unwrap().to_string();
        assert_eq!(
            first.headers["location"],
            format!("/v1/payments/{id}").as_str()
        );
        assert_eq!(first.body["order_id"], order["id"]);
        assert_eq!(
            first.body["declaration"],
            Value::Null,
            "the waybill is still missing"
        );
        let again = pay(&h, &w, &body).await;
        assert_eq!(again.status, 200, "the same notice again: {}", again.body);
        assert_eq!(again.body["id"], id.as_str());
        let mut changed = body.clone();
        changed["amount"] = json!("1.00");
        pay(&h, &w, &changed).await.problem(409, "payment_conflict");
        // With an idempotency key: the stored answer, marked as a replay.
        let keyed = payment_body(&order, "TX-R2");
        let k = [("Idempotency-Key", "pay-R2")];
        let a = h
            .call(
                Method::POST,
                "/v1/payments",
                Some(&w.psp.1),
                Some(&keyed),
                &k,
            )
            .await;
        let b = h
            .call(
                Method::POST,
                "/v1/payments",
                Some(&w.psp.1),
                Some(&keyed),
                &k,
            )
            .await;
        assert_eq!((a.status, b.status), (201, 201));
        assert_eq!(a.body, b.body);
        assert_eq!(b.headers["idempotent-replayed"], "true");
        let mut other = keyed.clone();
        other["transaction_id"] = json!("TX-R3");
        h.call(
            Method::POST,
            "/v1/payments",
            Some(&w.psp.1),
            Some(&other),
            &k,
        )
        .await
        .problem(422, "idempotency_key_reused");
        // The second notice for an order that has one waits, unmatched.
        assert_eq!(a.body["order_id"], Value::Null);
        let list = h.get("/v1/payments", &w.psp.1).await;
        assert_eq!(
            list.body["data"].as_array().unwrap().len(),
            2,
            "two notices, each once"
        );

        let wb = waybill_body(&order, "SF-R");
        let s1 = ship(&h, &w, &wb).await;
        assert_eq!(s1.status, 201, "{}", s1.body);
        assert_eq!(s1.body["declaration"]["status"], "released");
        let s2 = ship(&h, &w, &wb).await;
        assert_eq!(s2.status, 200);
        assert_eq!(s2.body["id"], s1.body["id"]);
        assert_eq!(
            s2.body["declaration"]["id"], s1.body["declaration"]["id"],
            "one declaration"
        );
        let mut moved = wb.clone();
        moved["gross_weight_kg"] = json!("9.000");
        ship(&h, &w, &moved).await.problem(409, "waybill_conflict");
        let declarations = h.get("/v1/declarations", &w.officer.1).await;
        assert_eq!(declarations.body["data"].as_array().unwrap().len(), 1);
        h.finish().await;
    }
}

/// A parcel whose order body is changed by `fix_order` before it is placed, and whose payment
/// and waybill are changed by `fix_docs` before they are sent; returns its declaration.
async fn spoiled(
    h: &TestHub,
    w: &World,
    n: &str,
    quantity: u32,
    buyer_id: &str,
    fix_order: impl Fn(&mut Value),
    fix_docs: impl Fn(&mut Value, &mut Value),
) -> Value {
    let mut body = order_body(h, w, &format!("SO-{n}"), quantity, buyer_id).await;
    fix_order(&mut body);
    let order = place(h, w, &body).await;
    let mut p = payment_body(&order, &format!("TX-{n}"));
    let mut s = waybill_body(&order, &format!("SF-{n}"));
    fix_docs(&mut p, &mut s);
    let a = pay(h, w, &p).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b = ship(h, w, &s).await;
    assert_eq!(b.status, 201, "{}", b.body);
    let id = b.body["declaration"]["id"].as_str().unwrap();
    h.get(&format!("/v1/declarations/{id}"), &w.officer.1)
        .await
        .body
}

fn codes(d: &Value) -> Vec<(u64, String)> {
    d["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_automatic_check_fails_with_its_code() {
    for h in hubs().await {
        let w = world(&h).await;
        let keep = |_: &mut Value| {};
        let same = |_: &mut Value, _: &mut Value| {};
        let clean = spoiled(&h, &w, "OK", 1, BUYER_ID, keep, same).await;
        assert_eq!(
            (clean["status"].as_str(), codes(&clean)),
            (Some("released"), vec![])
        );

        // 1: the waybill's consignee is somebody else.
        let d = spoiled(&h, &w, "C1", 1, OTHER_BUYER_ID, keep, |_, s| {
            s["consignee"]["name"] = json!("Li Lei")
        })
        .await;
        assert_eq!(codes(&d), vec![(1, "documents_mismatch".into())]);
        let fields = &d["failures"][0]["fields"];
        assert_eq!(
            fields,
            &json!(["waybill.consignee.name", "order.buyer.name"])
        );
        assert!(
            !d["failures"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("Li Lei"),
            "no personal value"
        );

        // 3: a resident ID with a wrong check digit (on the order and the payment alike).
        let d = spoiled(&h, &w, "C3", 1, "110105194912310021", keep, same).await;
        assert_eq!(codes(&d), vec![(3, "buyer_identity_invalid".into())]);

        // 5: more than 5,000 CNY in one divisible order (50 shirts).
        let d = spoiled(&h, &w, "C5", 50, "310101199001011234", keep, same).await;
        assert_eq!(codes(&d), vec![(5, "order_limit_exceeded".into())]);

        // 6: the buyer paid about 15% more than goods + freight + tax.
        let d = spoiled(
            &h,
            &w,
            "C6",
            1,
            "310101199001011250",
            |o| o["actual_paid"] = json!("150.00"),
            |_, _| {},
        )
        .await;
        assert_eq!(codes(&d), vec![(6, "amounts_inconsistent".into())]);
        assert_eq!(d["failures"][0]["fields"], json!(["order.actual_paid"]));

        // 7: the payer is not the buyer.
        let d = spoiled(&h, &w, "C7", 1, "310101199001011293", keep, |p, _| {
            p["payer"]["name"] = json!("Zhou Xun")
        })
        .await;
        assert_eq!(codes(&d), vec![(7, "payment_mismatch".into())]);

        // Every rejected parcel gave the hold back: no hold is left pending in escrow.
        let accounts = books(&h).await;
        let escrow = account(&accounts, "hub", "escrow").unwrap();
        assert_eq!(escrow.credits_pending, 0, "no hold is left pending");
        let rejected = h
            .get("/v1/declarations?status=rejected", &w.officer.1)
            .await;
        assert_eq!(rejected.body["data"].as_array().unwrap().len(), 5);
        let order_id = d["order_id"].as_str().unwrap();
        let o = h
            .get(&format!("/v1/orders/{order_id}"), &w.platform.1)
            .await;
        assert_eq!(o.body["status"], "rejected");
        h.finish().await;
    }
}

#[tokio::test]
async fn check_2_and_check_4_need_history() {
    for h in hubs().await {
        let w = world(&h).await;
        // 2: the merchant is suspended after the order was placed.
        let order = place(&h, &w, &order_body(&h, &w, "SO-S", 1, BUYER_ID).await).await;
        let a = h
            .call(
                Method::PATCH,
                &format!("/v1/parties/{}", w.merchant.0),
                Some(&h.operator_key),
                Some(&json!({"status": "suspended"})),
                &[],
            )
            .await;
        assert_eq!(
            (a.status, a.body["status"].as_str()),
            (200, Some("suspended")),
            "{}",
            a.body
        );
        h.get("/v1/me", &w.merchant.1)
            .await
            .problem(403, "party_suspended");
        pay(&h, &w, &payment_body(&order, "TX-S")).await;
        let s = ship(&h, &w, &waybill_body(&order, "SF-S")).await;
        let id = s.body["declaration"]["id"].as_str().unwrap();
        let d = h
            .get(&format!("/v1/declarations/{id}"), &w.officer.1)
            .await
            .body;
        assert_eq!(codes(&d), vec![(2, "party_not_registered".into())]);
        assert_eq!(d["failures"][0]["fields"], json!(["order.merchant_id"]));
        let a = h
            .call(
                Method::PATCH,
                &format!("/v1/parties/{}", w.merchant.0),
                Some(&h.operator_key),
                Some(&json!({"status": "active"})),
                &[],
            )
            .await;
        assert_eq!(a.status, 200);

        // 4: the buyer's year. One indivisible item of 22,000 CNY passes (above the per-order
        // limit, within the year); a second of 4,500 would take the year to 26,500.
        let big = |n: &str, price: &str| {
            json!({
                "merchant_id": w.merchant.0, "order_no": n,
                "buyer": {"name": "Chen Jie", "id_type": "national_id", "id_number": "440101199001011233", "country": "CN",
                          "address": "9 Tianhe Road, Guangzhou", "phone": "+86 139 0000 0000"},
                "destination": "CN", "currency": "CNY",
                "lines": [{"hs_code": "9102.11", "description": "Wrist watch", "origin": "MY", "quantity": 1, "unit_price": price}],
                "incoterm": "DAP"
            })
        };
        let (_, first) = parcel(&h, &w, &big("SO-W1", "22000.00"), "W1").await;
        assert_eq!(first["status"], "released", "{first}");
        let (_, second) = parcel(&h, &w, &big("SO-W2", "4500.00"), "W2").await;
        assert_eq!(codes(&second), vec![(4, "annual_quota_exceeded".into())]);
        assert!(
            !second["failures"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("22000"),
            "the year's total stays private"
        );
        let (_, third) = parcel(&h, &w, &big("SO-W3", "4000.00"), "W3").await;
        assert_eq!(third["status"], "released", "exactly at the limit: 26,000");
        h.finish().await;
    }
}

#[tokio::test]
async fn risk_rules_choose_the_channel_and_officers_decide() {
    for h in hubs().await {
        let w = world(&h).await;
        let officer = &w.officer.1;
        // Rules are data: validated, versioned, listed.
        let bad = h.post("/v1/risk-rules", officer, &json!({"name": "x", "condition": {"kind": "hs_prefix", "prefixes": ["61a"], "restriction": "prohibited"}})).await;
        assert_eq!(
            bad.problem(422, "invalid_hs_prefix")["field"],
            "condition.prefixes[0]"
        );
        h.post("/v1/risk-rules", &w.merchant.1, &json!({}))
            .await
            .problem(403, "role_not_allowed");
        let red = h
            .post(
                "/v1/risk-rules",
                officer,
                &json!({"name": "Knitted cotton watch", "score": 10,
            "condition": {"kind": "hs_prefix", "prefixes": ["6109"], "restriction": "prohibited"}}),
            )
            .await;
        assert_eq!(red.status, 201, "{}", red.body);
        let red_id = red.body["id"].as_str().unwrap().to_string();
        assert_eq!(red.body["version"], 1);

        let (order, d) = parcel(
            &h,
            &w,
            &order_body(&h, &w, "SO-RED", 1, BUYER_ID).await,
            "RED",
        )
        .await;
        assert_eq!(
            (d["status"].as_str(), d["channel"].as_str()),
            (Some("held"), Some("red"))
        );
        assert_eq!(d["hits"][0]["rule_id"], red_id.as_str());
        assert_eq!(d["hits"][0]["rule_version"], 1);
        assert!(d["hits"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("prohibited prefix 6109"));
        let o = h
            .get(
                &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
                &w.platform.1,
            )
            .await;
        assert_eq!(o.body["status"], "held");
        // The officer's queue.
        let queue = h
            .get("/v1/declarations?status=held&channel=red", officer)
            .await;
        assert_eq!(queue.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(
            h.get("/v1/declarations?status=held&channel=yellow", officer)
                .await
                .body["data"],
            json!([])
        );
        h.get("/v1/declarations?channel=blue", officer)
            .await
            .problem(400, "invalid_query");
        let id = d["id"].as_str().unwrap();
        let path = format!("/v1/declarations/{id}/decision");
        h.post(
            &path,
            officer,
            &json!({"decision": "inspect", "reason": "look closer"}),
        )
        .await
        .problem(409, "already_red");
        h.post(&path, officer, &json!({"decision": "release"}))
            .await
            .problem(422, "reason_required");
        h.post(&path, officer, &json!({"decision": "wave", "reason": "x"}))
            .await
            .problem(422, "unknown_decision");
        h.post(
            &path,
            &w.merchant.1,
            &json!({"decision": "release", "reason": "x"}),
        )
        .await
        .problem(403, "role_not_allowed");
        let released = h
            .post(
                &path,
                officer,
                &json!({"decision": "release", "reason": "inspected: cotton shirts as declared"}),
            )
            .await;
        assert_eq!(released.status, 200, "{}", released.body);
        assert_eq!(released.body["status"], "released");
        assert_eq!(released.body["version"], 2);
        h.post(
            &path,
            officer,
            &json!({"decision": "reject", "reason": "late"}),
        )
        .await
        .problem(409, "not_held");
        let audit = h
            .get(&format!("/v1/declarations/{id}/audit"), officer)
            .await;
        let entries = audit.body["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (
                entries[1]["action"].as_str(),
                entries[1]["actor_id"].as_str()
            ),
            (Some("released"), Some(w.officer.0.as_str()))
        );
        assert_eq!(entries[1]["reason"], "inspected: cotton shirts as declared");
        let accounts = books(&h).await;
        assert!(
            account(&accounts, "customs:CN", "customs_revenue:CN")
                .unwrap()
                .balance_posted()
                > 0,
            "release collected the tax"
        );

        // A disabled rule never fires; a yellow rule sends to a document check, `inspect` to red.
        let patched = h
            .call(
                Method::PATCH,
                &format!("/v1/risk-rules/{red_id}"),
                Some(officer),
                Some(&json!({"enabled": false})),
                &[],
            )
            .await;
        assert_eq!(
            (patched.status, patched.body["version"].as_i64()),
            (200, Some(2)),
            "{}",
            patched.body
        );
        let yellow = h
            .post(
                "/v1/risk-rules",
                officer,
                &json!({"name": "Above 100 CNY", "score": 40,
            "condition": {"kind": "value_band", "currency": "CNY", "min": "100.00"}}),
            )
            .await;
        assert_eq!(yellow.status, 201, "{}", yellow.body);
        assert_eq!(yellow.body["condition"]["min"], "100.00");
        let (order, d) = parcel(
            &h,
            &w,
            &order_body(&h, &w, "SO-YEL", 1, OTHER_BUYER_ID).await,
            "YEL",
        )
        .await;
        assert_eq!(
            (
                d["status"].as_str(),
                d["channel"].as_str(),
                d["score"].as_i64()
            ),
            (Some("held"), Some("yellow"), Some(40))
        );
        assert_eq!(
            d["hits"].as_array().unwrap().len(),
            1,
            "the disabled rule did not fire: {d}"
        );
        let path = format!("/v1/declarations/{}/decision", d["id"].as_str().unwrap());
        let inspected = h
            .post(
                &path,
                officer,
                &json!({"decision": "inspect", "reason": "invoice looks altered"}),
            )
            .await;
        assert_eq!(
            (
                inspected.body["status"].as_str(),
                inspected.body["channel"].as_str()
            ),
            (Some("held"), Some("red"))
        );
        let rejected = h
            .post(
                &path,
                officer,
                &json!({"decision": "reject", "reason": "goods not as declared"}),
            )
            .await;
        assert_eq!(rejected.body["status"], "rejected");
        let o = h
            .get(
                &format!("/v1/orders/{}", order["id"].as_str().unwrap()),
                &w.platform.1,
            )
            .await;
        assert_eq!(o.body["status"], "rejected");
        let accounts = books(&h).await;
        let escrow = account(&accounts, "hub", "escrow").unwrap();
        assert_eq!(
            escrow.credits_pending, 0,
            "the rejected parcel's hold was voided"
        );
        let merchant = account(&accounts, &w.merchant.0, "merchant_payable").unwrap();
        assert_eq!(
            escrow.debits_pending,
            merchant.credits_pending + account(&accounts, "hub", "fees").unwrap().credits_pending,
            "escrow owes only the released parcel's shares"
        );
        h.finish().await;
    }
}

#[tokio::test]
async fn cancellation_and_return_give_the_quota_and_the_money_back() {
    for h in hubs().await {
        let w = world(&h).await;
        let watch = |n: &str| {
            json!({
                "merchant_id": w.merchant.0, "order_no": n,
                "buyer": {"name": "Chen Jie", "id_type": "national_id", "id_number": "440101199001011233", "country": "CN",
                          "address": "9 Tianhe Road, Guangzhou", "phone": "+86 139 0000 0000"},
                "destination": "CN", "currency": "CNY",
                "lines": [{"hs_code": "9102.11", "description": "Wrist watch", "origin": "MY", "quantity": 1, "unit_price": "20000.00"}],
                "incoterm": "DAP"
            })
        };
        let (o1, d1) = parcel(&h, &w, &watch("SO-A"), "A").await;
        assert_eq!(d1["status"], "released");
        // The year is nearly used up: a second watch is refused (and, being above the per-order
        // limit without room in the year, fails check 5 too)…
        let (_, d2) = parcel(&h, &w, &watch("SO-B"), "B").await;
        assert_eq!(
            codes(&d2),
            vec![
                (4, "annual_quota_exceeded".into()),
                (5, "order_limit_exceeded".into())
            ]
        );
        // …until the first order is cancelled: the quota comes back.
        let o1_id = o1["id"].as_str().unwrap();
        h.post(
            &format!("/v1/orders/{o1_id}/cancel"),
            &w.platform.1,
            &json!({}),
        )
        .await
        .problem(422, "reason_required");
        h.post(
            &format!("/v1/orders/{o1_id}/cancel"),
            &w.psp.1,
            &json!({"reason": "x"}),
        )
        .await
        .problem(403, "role_not_allowed");
        let c = h
            .post(
                &format!("/v1/orders/{o1_id}/cancel"),
                &w.platform.1,
                &json!({"reason": "buyer changed their mind"}),
            )
            .await;
        assert_eq!(
            (c.status, c.body["status"].as_str()),
            (200, Some("cancelled")),
            "{}",
            c.body
        );
        h.post(
            &format!("/v1/orders/{o1_id}/cancel"),
            &w.platform.1,
            &json!({"reason": "again"}),
        )
        .await
        .problem(409, "invalid_order_status");
        let d1_after = h
            .get(
                &format!("/v1/declarations/{}", d1["id"].as_str().unwrap()),
                &w.officer.1,
            )
            .await;
        assert_eq!(d1_after.body["status"], "cancelled");
        let accounts = books(&h).await;
        let escrow = account(&accounts, "hub", "escrow").unwrap();
        assert_eq!(
            (escrow.balance_posted(), escrow.balance_pending()),
            (0, 0),
            "the buyer was refunded in full"
        );

        let (o3, d3) = parcel(&h, &w, &watch("SO-C"), "C").await;
        assert_eq!(
            d3["status"], "released",
            "the cancelled order gave its quota back"
        );
        // Delivered, then returned: the merchant gives its share back, the buyer is refunded.
        let o3_id = o3["id"].as_str().unwrap();
        h.post(
            &format!("/v1/orders/{o3_id}/delivered"),
            &w.psp.1,
            &json!({}),
        )
        .await
        .problem(403, "role_not_allowed");
        let (_, other_carrier) = h.party("logistics", "Other Carrier").await;
        h.post(
            &format!("/v1/orders/{o3_id}/delivered"),
            &other_carrier,
            &json!({}),
        )
        .await
        .problem(404, "not_found");
        let delivered = h
            .post(
                &format!("/v1/orders/{o3_id}/delivered"),
                &w.carrier.1,
                &json!({}),
            )
            .await;
        assert_eq!(delivered.body["status"], "delivered", "{}", delivered.body);
        let accounts = books(&h).await;
        let merchant = account(&accounts, &w.merchant.0, "merchant_payable").unwrap();
        assert_eq!(
            merchant.balance_posted(),
            2_000_000 - 20_000,
            "less the 1% fee"
        );
        let r = h
            .post(
                &format!("/v1/orders/{o3_id}/return"),
                &w.carrier.1,
                &json!({"reason": "refused at the door"}),
            )
            .await;
        assert_eq!(r.body["status"], "returned", "{}", r.body);
        let accounts = books(&h).await;
        for (owner, code) in [
            ("hub", "escrow"),
            (w.merchant.0.as_str(), "merchant_payable"),
            ("hub", "fees"),
        ] {
            let a = account(&accounts, owner, code).unwrap();
            assert_eq!((a.balance_posted(), a.balance_pending()), (0, 0), "{code}");
        }
        let d3_after = h
            .get(
                &format!("/v1/declarations/{}", d3["id"].as_str().unwrap()),
                &w.officer.1,
            )
            .await;
        assert_eq!(d3_after.body["status"], "returned");
        let (_, d4) = parcel(&h, &w, &watch("SO-D"), "D").await;
        assert_eq!(
            d4["status"], "released",
            "the return gave the quota back too"
        );
        h.finish().await;
    }
}

#[tokio::test]
async fn the_annual_quota_holds_under_concurrency() {
    for h in hubs().await {
        let w = world(&h).await;
        // 20 parcels of one buyer: 39 shirts cost 3,900 + 20 freight + tax, under 5,000; six of
        // them fit in 26,000, seven do not.
        let body = order_body(&h, &w, "PLACEHOLDER", 39, BUYER_ID).await;
        let paid = minor(&body["tax_withheld"]) + 390_000 + 2_000;
        let fits = 2_600_000 / paid;
        assert_eq!(fits, 6, "the test's arithmetic: {paid}");
        let h = std::sync::Arc::new(h);
        let w = std::sync::Arc::new(w);
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (h, w, mut body) = (h.clone(), w.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                body["order_no"] = json!(format!("SO-Q{i}"));
                let order = place(&h, &w, &body).await;
                // Documents in an order that depends on the task, all at once.
                let p = payment_body(&order, &format!("TX-Q{i}"));
                let s = waybill_body(&order, &format!("SF-Q{i}"));
                let (a, b) = if i % 2 == 0 {
                    tokio::join!(pay(&h, &w, &p), ship(&h, &w, &s))
                } else {
                    let (b, a) = tokio::join!(ship(&h, &w, &s), pay(&h, &w, &p));
                    (a, b)
                };
                assert_eq!((a.status, b.status), (201, 201), "{} {}", a.body, b.body);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut by_status: HashMap<String, usize> = HashMap::new();
        let mut cursor = String::new();
        loop {
            let page = h
                .get(&format!("/v1/declarations?limit=200{cursor}"), &w.officer.1)
                .await;
            for d in page.body["data"].as_array().unwrap() {
                *by_status
                    .entry(d["status"].as_str().unwrap().to_string())
                    .or_default() += 1;
                if d["status"] == "rejected" {
                    assert_eq!(codes(d), vec![(4, "annual_quota_exceeded".into())]);
                }
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(by_status.get("released"), Some(&6), "{by_status:?}");
        assert_eq!(by_status.get("rejected"), Some(&14), "{by_status:?}");
        books(&h).await;
        match std::sync::Arc::try_unwrap(h) {
            Ok(h) => h.finish().await,
            Err(_) => panic!("every task is done"),
        }
    }
}

#[tokio::test]
async fn documents_are_validated_masked_and_private() {
    for h in hubs().await {
        let w = world(&h).await;
        let order = place(&h, &w, &order_body(&h, &w, "SO-V", 1, BUYER_ID).await).await;
        let good = payment_body(&order, "TX-V");
        let cases = [
            (
                "/transaction_id",
                Value::Null,
                "missing_field",
                "transaction_id",
            ),
            ("/amount", json!("-5.00"), "negative_amount", "amount"),
            ("/amount", json!("1.001"), "too_precise", "amount"),
            ("/currency", json!("XYZ"), "unknown_currency", "currency"),
            (
                "/paid_at",
                json!("2099-01-01T00:00:00Z"),
                "time_in_future",
                "paid_at",
            ),
            (
                "/payer/id_type",
                json!("licence"),
                "unknown_id_type",
                "payer.id_type",
            ),
        ];
        for (pointer, bad, code, field) in cases {
            let mut body = good.clone();
            *body.pointer_mut(pointer).unwrap() = bad;
            let a = pay(&h, &w, &body).await;
            assert_eq!(a.problem(422, code)["field"], field, "{pointer}");
        }
        let mut unknown = good.clone();
        unknown["tip"] = json!("1.00");
        assert_eq!(
            pay(&h, &w, &unknown).await.problem(422, "unknown_field")["field"],
            "tip"
        );
        h.post("/v1/payments", &w.carrier.1, &good)
            .await
            .problem(403, "role_not_allowed");
        let mut heavy = waybill_body(&order, "SF-V");
        heavy["gross_weight_kg"] = json!("0");
        assert_eq!(
            ship(&h, &w, &heavy).await.problem(422, "invalid_weight")["field"],
            "gross_weight_kg"
        );
        assert_eq!(
            h.get("/v1/payments", &w.psp.1).await.body["data"],
            json!([]),
            "nothing was stored"
        );
        assert_eq!(
            h.get("/v1/waybills", &w.carrier.1).await.body["data"],
            json!([])
        );

        let a = pay(&h, &w, &good).await;
        let id = a.body["id"].as_str().unwrap();
        assert_eq!(
            a.body["payer"]["id_number"], BUYER_ID,
            "the provider sees what it sent"
        );
        let seen = h.get(&format!("/v1/payments/{id}"), &w.officer.1).await;
        assert_eq!(seen.body["payer"]["masked"], true);
        assert_ne!(seen.body["payer"]["id_number"], BUYER_ID);
        assert!(!seen.body.to_string().contains("Wang Fang"));
        let (_, other_psp) = h.party("payment", "Other Pay").await;
        h.get(&format!("/v1/payments/{id}"), &other_psp)
            .await
            .problem(404, "not_found");
        assert_eq!(
            h.get("/v1/payments", &other_psp).await.body["data"],
            json!([])
        );
        h.get(&format!("/v1/payments/{id}"), &w.merchant.1)
            .await
            .problem(403, "role_not_allowed");
        // A merchant sees its own declarations only.
        let s = ship(&h, &w, &waybill_body(&order, "SF-V")).await;
        let declaration = s.body["declaration"]["id"].as_str().unwrap();
        let (_, other_merchant) = h.party("merchant", "Other Shop").await;
        h.get(&format!("/v1/declarations/{declaration}"), &other_merchant)
            .await
            .problem(404, "not_found");
        assert_eq!(
            h.get(&format!("/v1/declarations/{declaration}"), &w.merchant.1)
                .await
                .status,
            200
        );
        assert_eq!(
            h.get("/v1/declarations", &other_merchant).await.body["data"],
            json!([])
        );
        h.get("/v1/declarations/dec_nonsense", &w.officer.1)
            .await
            .problem(404, "not_found");
        h.finish().await;
    }
}

/// An order's creation answer is kept by reference (the order's row), so its replay after the
/// parcel cleared is still the first answer: status `placed`, not the order as it is now.
#[tokio::test]
async fn an_order_replayed_after_clearance_answers_as_first_created() {
    for h in hubs().await {
        let w = world(&h).await;
        let body = order_body(&h, &w, "SO-REPLAY", 1, BUYER_ID).await;
        let key = [("Idempotency-Key", "order-replay-1")];
        let first = h
            .call(
                Method::POST,
                "/v1/orders",
                Some(&w.platform.1),
                Some(&body),
                &key,
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(
            pay(&h, &w, &payment_body(&first.body, "TX-RP"))
                .await
                .status,
            201
        );
        let shipped = ship(&h, &w, &waybill_body(&first.body, "SFRP")).await;
        assert_eq!(
            shipped.body["declaration"]["status"], "released",
            "{}",
            shipped.body
        );
        let order_id = first.body["id"].as_str().unwrap();
        let now = h
            .get(&format!("/v1/orders/{order_id}"), &w.platform.1)
            .await;
        assert_ne!(
            now.body["status"], "placed",
            "the order moved on: {}",
            now.body
        );

        let again = h
            .call(
                Method::POST,
                "/v1/orders",
                Some(&w.platform.1),
                Some(&body),
                &key,
            )
            .await;
        assert_eq!(again.status, 201);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(
            again.body, first.body,
            "{}: the first answer again",
            h.backend
        );

        // What is stored: the reference, no copy of the answer.
        let mut conn = h.hub.state.db.read().await.unwrap();
        let record = conn
            .stores()
            .get_idempotency(&w.platform.0, "order-replay-1")
            .await
            .unwrap()
            .expect("the key is kept");
        assert_eq!(record.response_order_id.as_deref(), Some(order_id));
        assert_eq!(record.response_body, "");
        drop(conn);
        h.finish().await;
    }
}
