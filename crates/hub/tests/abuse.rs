//! Abuse over real HTTP, on every backend: another party's ids on every route answer 404, a
//! revoked or expired key is refused everywhere, oversized bodies are refused before they are
//! read, a client that trickles its request is cut off with 408 and one that trickles its
//! headers is disconnected, while the hub goes on serving.

mod harness;

use harness::{hubs, hubs_with, TestHub};
use reqwest::Method;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

struct Side {
    merchant: (String, String),
    psp: (String, String),
    carrier: (String, String),
}

async fn side(h: &TestHub, tag: &str) -> Side {
    Side {
        merchant: h.party("merchant", &format!("Merchant {tag}")).await,
        psp: h.party("payment", &format!("Pay {tag}")).await,
        carrier: h.party("logistics", &format!("Carrier {tag}")).await,
    }
}

/// A delivered parcel of side `s`: its order, product, payment, waybill, declaration, the
/// merchant's account and a payout.
async fn records(h: &TestHub, s: &Side, n: &str) -> Value {
    let product = h
        .post(
            "/v1/products",
            &s.merchant.1,
            &json!({"sku": format!("SKU-{n}"), "title": "Scarf", "hs_code": "621410", "origin": "MY", "unit_price": "50.00", "currency": "CNY", "net_weight_kg": "0.1"}),
        )
        .await;
    let order = h
        .post(
            "/v1/orders",
            &s.merchant.1,
            &json!({"order_no": format!("SO-{n}"), "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X",
                    "country": "CN", "address": "Hangzhou", "phone": "+86 138 0000 0000"},
                    "destination": "CN", "currency": "CNY",
                    "lines": [{"hs_code": "9102.11", "description": "Watch", "origin": "MY", "quantity": 1, "unit_price": "100.00"}], "incoterm": "DAP"}),
        )
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let payment = h
        .post(
            "/v1/payments",
            &s.psp.1,
            &json!({"order_no": format!("SO-{n}"), "transaction_id": format!("TX-{n}"), "amount": "100.00", "currency": "CNY",
                    "payer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X"}, "paid_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    let waybill = h
        .post(
            "/v1/waybills",
            &s.carrier.1,
            &json!({"waybill_no": format!("WB-{n}"), "order_no": format!("SO-{n}"), "gross_weight_kg": "0.2", "package_count": 1,
                    "consignee": {"name": "Wang Fang", "address": "Hangzhou", "phone": "13800000000"}}),
        )
        .await;
    let order_id = order.body["id"].as_str().unwrap();
    let delivered = h
        .post(
            &format!("/v1/orders/{order_id}/delivered"),
            &s.carrier.1,
            &json!({}),
        )
        .await;
    assert_eq!(delivered.body["status"], "delivered", "{}", delivered.body);
    let accounts = h.get("/v1/accounts", &s.merchant.1).await;
    let account = accounts.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "merchant_payable")
        .unwrap()
        .clone();
    let payout = h
        .post(
            "/v1/payouts",
            &s.merchant.1,
            &json!({"source_currency": "CNY", "currency": "CNY", "amount": "10.00", "creditor": {"name": "M", "account": "ACC-1", "agent_bic": "MBBEMYKL"}}),
        )
        .await;
    assert_eq!(payout.status, 201, "{}", payout.body);
    json!({
        "product": product.body["id"], "order": order_id, "payment": payment.body["id"], "waybill": waybill.body["id"],
        "declaration": waybill.body["declaration"]["id"], "account": account["id"], "payout": payout.body["id"],
    })
}

#[tokio::test]
async fn another_partys_ids_answer_404_on_every_route() {
    for h in hubs().await {
        let a = side(&h, "A").await;
        let b = side(&h, "B").await;
        let ids = records(&h, &a, "A").await;
        let id = |k: &str| ids[k].as_str().unwrap().to_string();
        // B's keys on A's records, for the role each route takes.
        let reads = [
            (format!("/v1/products/{}", id("product")), &b.merchant.1),
            (format!("/v1/orders/{}", id("order")), &b.merchant.1),
            (format!("/v1/payments/{}", id("payment")), &b.psp.1),
            (format!("/v1/waybills/{}", id("waybill")), &b.carrier.1),
            (
                format!("/v1/declarations/{}", id("declaration")),
                &b.merchant.1,
            ),
            (
                format!("/v1/declarations/{}/audit", id("declaration")),
                &b.merchant.1,
            ),
            (
                format!("/v1/declarations/{}/ceb621", id("declaration")),
                &b.merchant.1,
            ),
            (format!("/v1/accounts/{}", id("account")), &b.merchant.1),
            (
                format!("/v1/accounts/{}/transfers", id("account")),
                &b.merchant.1,
            ),
            (format!("/v1/payouts/{}", id("payout")), &b.merchant.1),
            (
                format!("/v1/payouts/{}/pacs008", id("payout")),
                &b.merchant.1,
            ),
            (format!("/v1/parties/{}", a.merchant.0), &b.merchant.1),
        ];
        for (path, key) in &reads {
            let r = h.get(path, key).await;
            assert_eq!(r.problem(404, "not_found")["code"], "not_found", "{path}");
            // The owner sees it: the 404 is about who asks, not about the record.
        }
        let owner_reads = [
            (format!("/v1/products/{}", id("product")), &a.merchant.1),
            (format!("/v1/orders/{}", id("order")), &a.merchant.1),
            (format!("/v1/payments/{}", id("payment")), &a.psp.1),
            (format!("/v1/waybills/{}", id("waybill")), &a.carrier.1),
            (
                format!("/v1/declarations/{}", id("declaration")),
                &a.merchant.1,
            ),
            (format!("/v1/accounts/{}", id("account")), &a.merchant.1),
            (format!("/v1/payouts/{}", id("payout")), &a.merchant.1),
        ];
        for (path, key) in &owner_reads {
            assert_eq!(h.get(path, key).await.status, 200, "{path}");
        }
        // Writes on A's records with B's keys: 404 too, and nothing changes.
        let order = id("order");
        let writes = [
            (
                format!("/v1/orders/{order}/cancel"),
                &b.merchant.1,
                json!({"reason": "x"}),
            ),
            (
                format!("/v1/orders/{order}/return"),
                &b.merchant.1,
                json!({"reason": "x"}),
            ),
            (
                format!("/v1/orders/{order}/return"),
                &b.carrier.1,
                json!({"reason": "x"}),
            ),
        ];
        for (path, key, body) in &writes {
            h.post(path, key, body).await.problem(404, "not_found");
        }
        let patched = h
            .call(
                Method::PATCH,
                &format!("/v1/products/{}", id("product")),
                Some(&b.merchant.1),
                Some(&json!({"title": "mine"})),
                &[],
            )
            .await;
        patched.problem(404, "not_found");
        assert_eq!(
            h.get(&format!("/v1/orders/{order}"), &a.merchant.1)
                .await
                .body["status"],
            "delivered"
        );
        // Lists show only one's own.
        for (path, key) in [
            ("/v1/orders", &b.merchant.1),
            ("/v1/payments", &b.psp.1),
            ("/v1/waybills", &b.carrier.1),
            ("/v1/declarations", &b.merchant.1),
            ("/v1/payouts", &b.merchant.1),
        ] {
            assert_eq!(h.get(path, key).await.body["data"], json!([]), "{path}");
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_everywhere() {
    for h in hubs().await {
        let a = side(&h, "A").await;
        let me = h.get("/v1/me", &a.merchant.1).await;
        let key_id = me.body["key_id"].as_str().unwrap().to_string();
        let r = h
            .call(
                Method::DELETE,
                &format!("/v1/keys/{key_id}"),
                Some(&h.operator_key),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        refused_everywhere(&h, &a.merchant.1, "revoked_key").await;
        h.call(Method::GET, "/v1/orders", Some("ewtp_not-a-key"), None, &[])
            .await
            .problem(401, "invalid_key");
        h.call(Method::GET, "/v1/orders", None, None, &[])
            .await
            .problem(401, "missing_credentials");
        h.finish().await;
    }
}

/// Every kind of route refuses `key` with 401 `code` and a `WWW-Authenticate` challenge.
async fn refused_everywhere(h: &TestHub, key: &str, code: &str) {
    for (method, path) in [
        (Method::GET, "/v1/me"),
        (Method::GET, "/v1/orders"),
        (Method::POST, "/v1/orders"),
        (Method::POST, "/v1/payments"),
        (Method::GET, "/v1/accounts"),
        (Method::POST, "/v1/payouts"),
        (Method::GET, "/v1/statement"),
        (Method::POST, "/ceb/v1/messages"),
    ] {
        let r = h
            .call(method.clone(), path, Some(key), Some(&json!({})), &[])
            .await;
        r.problem(401, code);
        assert!(
            r.headers.contains_key("www-authenticate"),
            "{method} {path}"
        );
    }
}

fn rfc3339_in(from_now: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + from_now;
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn an_expired_key_is_refused_everywhere() {
    for h in hubs().await {
        let a = side(&h, "A").await;
        let party_id = h.get("/v1/me", &a.psp.1).await.body["party"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let keys = format!("/v1/parties/{party_id}/keys");
        let ends = rfc3339_in(Duration::from_millis(1500));
        // The party rotates its own key: the new one with an end.
        let new = h.post(&keys, &a.psp.1, &json!({"expires_at": ends})).await;
        assert_eq!(new.status, 201, "{}", new.body);
        assert!(new.body["expires_at"].as_str().is_some(), "{}", new.body);
        let token = new.body["token"].as_str().unwrap().to_string();
        let before = h.get("/v1/me", &token).await;
        assert_eq!(before.status, 200, "{}: works until its end", h.backend);
        tokio::time::sleep(Duration::from_millis(1700)).await;
        refused_everywhere(&h, &token, "expired_key").await;
        // The key without an end goes on working.
        assert_eq!(h.get("/v1/me", &a.psp.1).await.status, 200);
        // An empty body issues a key without an end.
        let open = h.call(Method::POST, &keys, Some(&a.psp.1), None, &[]).await;
        assert_eq!(open.status, 201, "{}", open.body);
        assert_eq!(open.body["expires_at"], Value::Null);

        for (body, code, field) in [
            (
                json!({"expires_at": "2020-01-01T00:00:00Z"}),
                "expiry_in_past",
                "expires_at",
            ),
            (
                json!({"expires_at": "tomorrow"}),
                "invalid_timestamp",
                "expires_at",
            ),
            (
                json!({"expires_at": "2999-01-01T00:00:00Z"}),
                "expiry_too_far",
                "expires_at",
            ),
            (json!({"expires_at": 5}), "invalid_type", "expires_at"),
            (
                json!({"expires": "2030-01-01T00:00:00Z"}),
                "unknown_field",
                "expires",
            ),
        ] {
            let r = h.post(&keys, &a.psp.1, &body).await;
            r.problem(422, code);
            assert_eq!(r.body["field"], field, "{}", r.body);
        }
        let live = h.get("/v1/me", &a.psp.1).await;
        assert_eq!(live.status, 200, "refused requests issued no key");
        let r = h
            .client
            .post(format!("{}{keys}", h.base))
            .bearer_auth(&a.psp.1)
            .header("content-type", "application/json")
            .body("{\"expires_at\":")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        h.finish().await;
    }
}

#[tokio::test]
async fn an_expired_operator_key_does_not_count_as_the_last_one() {
    for h in hubs().await {
        let me = h.get("/v1/me", &h.operator_key).await.body;
        let (party_id, first_key) = (
            me["party"]["id"].as_str().unwrap().to_string(),
            me["key_id"].as_str().unwrap().to_string(),
        );
        let short = h
            .post(
                &format!("/v1/parties/{party_id}/keys"),
                &h.operator_key,
                &json!({"expires_at": rfc3339_in(Duration::from_millis(800))}),
            )
            .await;
        assert_eq!(short.status, 201, "{}", short.body);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        // Only the first key is live: revoking it would lock the hub out.
        h.call(
            Method::DELETE,
            &format!("/v1/keys/{first_key}"),
            Some(&h.operator_key),
            None,
            &[],
        )
        .await
        .problem(409, "last_operator_key");
        // The expired key itself may be revoked (it was not live).
        let r = h
            .call(
                Method::DELETE,
                &format!("/v1/keys/{}", short.body["id"].as_str().unwrap()),
                Some(&h.operator_key),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(h.get("/v1/me", &h.operator_key).await.status, 200);
        h.finish().await;
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_stored() {
    for h in hubs().await {
        let a = side(&h, "A").await;
        let big = format!("{{\"order_no\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        for (path, key, content_type) in [
            ("/v1/payments", &a.psp.1, "application/json"),
            ("/v1/waybills", &a.carrier.1, "application/json"),
            ("/v1/orders", &a.merchant.1, "application/json"),
        ] {
            let r = h
                .client
                .post(format!("{}{path}", h.base))
                .bearer_auth(key)
                .header("content-type", content_type)
                .body(big.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 413, "{path}");
            assert_eq!(r.json::<Value>().await.unwrap()["code"], "body_too_large");
        }
        // CEB messages may be larger (up to 10 MiB), not unbounded.
        let huge = "x".repeat(11 * 1024 * 1024);
        let r = h
            .client
            .post(format!("{}/ceb/v1/messages", h.base))
            .bearer_auth(&a.merchant.1)
            .header("content-type", "application/xml")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(
            h.get("/v1/payments", &a.psp.1).await.body["data"],
            json!([])
        );
        h.finish().await;
    }
}

#[tokio::test]
async fn a_client_that_trickles_its_request_is_cut_off() {
    for h in hubs_with(|c| c.request_timeout_ms = 400).await {
        let a = side(&h, "A").await;
        let addr = h.hub.addr;
        let key = a.psp.1.clone();
        let started = Instant::now();
        let answer = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            // Headers promise 1,000 bytes; only a few come, then nothing.
            write!(stream, "POST /v1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"order_no\":").unwrap();
            stream.flush().unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            String::from_utf8_lossy(&buf[..n]).into_owned()
        })
        .await
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "cut off at the limit, not at the client's leisure"
        );
        // The hub goes on serving.
        assert_eq!(h.get("/v1/me", &a.psp.1).await.status, 200);
        h.finish().await;
    }
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_disconnected() {
    for h in hubs_with(|c| c.request_timeout_ms = 400).await {
        let a = side(&h, "A").await;
        let addr = h.hub.addr;
        let started = Instant::now();
        let (read, elapsed) = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            // A request line and part of the headers, then nothing: the head never ends.
            write!(stream, "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthor").unwrap();
            stream.flush().unwrap();
            let mut buf = [0u8; 4096];
            let read = stream.read(&mut buf);
            (read.map_err(|e| e.kind()), started.elapsed())
        })
        .await
        .unwrap();
        // No answer is owed to a request that never arrived: the hub closes the connection.
        assert!(
            matches!(read, Ok(0) | Err(std::io::ErrorKind::ConnectionReset)),
            "{read:?}"
        );
        assert!(
            elapsed < Duration::from_secs(5),
            "disconnected at the limit, not when the client gives up: {elapsed:?}"
        );
        // Many such clients at once do not starve the others.
        let stalled: Vec<_> = (0..50)
            .map(|_| {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                write!(s, "GET /v1/me HTTP/1.1\r\n").unwrap();
                s
            })
            .collect();
        assert_eq!(h.get("/v1/me", &a.psp.1).await.status, 200);
        drop(stalled);
        h.finish().await;
    }
}
