//! The HTTP API over real loopback HTTP, on every backend this run can test.

mod harness;

use harness::{hubs, hubs_with, order_body, product_body};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn walkthrough_merchant_product_order() {
    for h in hubs().await {
        let health = h.call(Method::GET, "/healthz", None, None, &[]).await;
        assert_eq!(
            (health.status, health.body["hub"].as_str()),
            (200, Some("MY-KUL"))
        );

        let (merchant_id, mk) = h.party("merchant", "Kedai Batik").await;
        let me = h.get("/v1/me", &mk).await;
        assert_eq!(me.body["party"]["id"], merchant_id.as_str());
        assert_eq!(me.body["party"]["role"], "merchant");

        let product = h.product(&mk, "BATIK-001").await;
        assert_eq!(product["hs_code"], "621410");
        assert_eq!(product["unit_price"], "89.90");
        assert_eq!(product["net_weight_kg"], "0.120");
        assert_eq!(product["version"], 1);

        let placed = h.post("/v1/orders", &mk, &order_body("BATIK-001")).await;
        assert_eq!(placed.status, 201, "{} {}", h.backend, placed.body);
        let order = &placed.body;
        let id = order["id"].as_str().unwrap();
        assert!(id.starts_with("ord_"));
        assert_eq!(
            placed.headers["location"],
            format!("/v1/orders/{id}").as_str()
        );
        assert_eq!(order["status"], "placed");
        assert_eq!(order["merchant_id"], merchant_id.as_str());
        assert_eq!(
            order["lines"][0]["hs_code"], "621410",
            "taken from the catalog"
        );
        assert_eq!(order["lines"][0]["description"], "Batik silk scarf");
        assert_eq!(order["lines"][0]["line_value"], "179.80");
        assert_eq!(order["lines"][1]["hs_code"], "330499");
        assert_eq!(order["goods_value"], "224.80");
        assert_eq!(order["total"], "244.00", "224.80 + 18.00 + 1.20");
        assert_eq!(
            order["buyer"]["id_number"], "11010519491231002X",
            "the submitter sees its own data"
        );
        assert_eq!(order["buyer"]["masked"], false);

        let fetched = h.get(&format!("/v1/orders/{id}"), &mk).await;
        assert_eq!(fetched.status, 200);
        assert_eq!(
            &fetched.body, order,
            "what was acknowledged is what is stored"
        );

        let list = h.get("/v1/orders?status=placed&limit=10", &mk).await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(list.body["next_cursor"], Value::Null);
        h.finish().await;
    }
}

#[tokio::test]
async fn every_validation_error_is_a_problem_and_stores_nothing() {
    for h in hubs().await {
        let (_, mk) = h.party("merchant", "M").await;
        h.product(&mk, "SKU-1").await;
        let post_raw = |body: &'static str| {
            let h = &h;
            let mk = mk.clone();
            async move {
                h.client
                    .post(format!("{}/v1/orders", h.base))
                    .bearer_auth(mk)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };

        let mut missing = order_body("SKU-1");
        missing["buyer"]
            .as_object_mut()
            .unwrap()
            .remove("id_number");
        let a = h.post("/v1/orders", &mk, &missing).await;
        assert_eq!(a.problem(422, "missing_field")["field"], "buyer.id_number");

        // One field made wrong at a time: (JSON pointer, bad value, code, field named).
        let cases = [
            (
                "/lines/1/hs_code",
                json!("12345"),
                "invalid_hs_code",
                "lines[1].hs_code",
            ),
            ("/currency", json!("XYZ"), "unknown_currency", "currency"),
            (
                "/lines/0/quantity",
                json!(-2),
                "invalid_quantity",
                "lines[0].quantity",
            ),
            ("/freight", json!("-1.00"), "negative_amount", "freight"),
            (
                "/lines/1/unit_price",
                json!(45.5),
                "invalid_type",
                "lines[1].unit_price",
            ),
            (
                "/buyer/phone",
                json!("call me"),
                "invalid_phone",
                "buyer.phone",
            ),
            ("/incoterm", json!("FOB"), "unknown_incoterm", "incoterm"),
        ];
        for (pointer, bad, code, field) in cases {
            let mut body = order_body("SKU-1");
            *body
                .pointer_mut(pointer)
                .expect("the pointer names a field of the body") = bad;
            let answer = h.post("/v1/orders", &mk, &body).await;
            assert_eq!(answer.problem(422, code)["field"], field, "{pointer}");
        }

        let mut unknown = order_body("SKU-1");
        unknown["buyer"]["nickname"] = json!("x");
        assert_eq!(
            h.post("/v1/orders", &mk, &unknown)
                .await
                .problem(422, "unknown_field")["field"],
            "buyer.nickname"
        );

        let mut no_lines = order_body("SKU-1");
        no_lines["lines"] = json!([]);
        assert_eq!(
            h.post("/v1/orders", &mk, &no_lines)
                .await
                .problem(422, "empty_lines")["field"],
            "lines"
        );

        let mut several = order_body("SKU-1");
        several["destination"] = json!("ZZ");
        several["incoterm"] = json!("FOB");
        let body = h
            .post("/v1/orders", &mk, &several)
            .await
            .problem(422, "unknown_country")
            .clone();
        assert_eq!(
            body["errors"].as_array().unwrap().len(),
            2,
            "every problem is listed: {body}"
        );

        let r = post_raw("{\"buyer\": ").await;
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "malformed_json");

        let big = "x".repeat(2 * 1024 * 1024);
        let r = h
            .client
            .post(format!("{}/v1/orders", h.base))
            .bearer_auth(&mk)
            .header("content-type", "application/json")
            .body(format!("{{\"order_no\": \"{big}\"}}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "body_too_large");

        let r = h
            .client
            .post(format!("{}/v1/orders", h.base))
            .bearer_auth(&mk)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);

        let mut too_precise = product_body("SKU-2");
        too_precise["unit_price"] = json!("1.999");
        assert_eq!(
            h.post("/v1/products", &mk, &too_precise)
                .await
                .problem(422, "too_precise")["field"],
            "unit_price"
        );
        let mut bad_hs = product_body("SKU-3");
        bad_hs["hs_code"] = json!("770011");
        assert_eq!(
            h.post("/v1/products", &mk, &bad_hs)
                .await
                .problem(422, "invalid_hs_code")["field"],
            "hs_code"
        );

        // Bad query strings: (query, field named).
        for (query, field) in [
            ("limit=0", "limit"),
            ("status=lost", "status"),
            ("created_from=yesterday", "created_from"),
        ] {
            let answer = h.get(&format!("/v1/orders?{query}"), &mk).await;
            assert_eq!(
                answer.problem(400, "invalid_query")["field"],
                field,
                "{query}"
            );
        }
        h.get("/v1/orders?colour=red", &mk)
            .await
            .problem(400, "invalid_query");
        h.call(Method::DELETE, "/v1/orders", Some(&mk), None, &[])
            .await
            .problem(405, "method_not_allowed");
        h.get("/v1/nothing", &mk)
            .await
            .problem(404, "route_not_found");

        assert_eq!(
            h.order_count().await,
            0,
            "{}: no bad request stored anything",
            h.backend
        );
        let products = h.get("/v1/products", &mk).await;
        assert_eq!(products.body["data"].as_array().unwrap().len(), 1);
        h.finish().await;
    }
}

#[tokio::test]
async fn parties_see_only_their_own_records() {
    for h in hubs().await {
        let (m1, k1) = h.party("merchant", "One").await;
        let (_m2, k2) = h.party("merchant", "Two").await;
        let (_pl, kp) = h.party("platform", "Mall").await;
        let (_c, kc) = h.party("customs", "Officer").await;
        let product = h.product(&k1, "SKU-1").await;
        let pid = product["id"].as_str().unwrap();
        let order = h.post("/v1/orders", &k1, &order_body("SKU-1")).await.body;
        let oid = order["id"].as_str().unwrap();

        h.get(&format!("/v1/orders/{oid}"), &k2)
            .await
            .problem(404, "not_found");
        h.get(&format!("/v1/orders/{oid}"), &kp)
            .await
            .problem(404, "not_found");
        h.get(&format!("/v1/products/{pid}"), &k2)
            .await
            .problem(404, "not_found");
        let patch = h
            .call(
                Method::PATCH,
                &format!("/v1/products/{pid}"),
                Some(&k2),
                Some(&json!({"unit_price": "1.00"})),
                &[],
            )
            .await;
        patch.problem(404, "not_found");
        assert_eq!(
            h.get(&format!("/v1/products/{pid}"), &k1).await.body["unit_price"],
            "89.90",
            "unchanged"
        );
        assert!(h.get("/v1/orders", &k2).await.body["data"]
            .as_array()
            .unwrap()
            .is_empty());
        h.get(&format!("/v1/parties/{m1}"), &k2)
            .await
            .problem(404, "not_found");
        assert_eq!(h.get(&format!("/v1/parties/{m1}"), &k1).await.status, 200);
        h.get("/v1/orders", &kc)
            .await
            .problem(403, "role_not_allowed");
        h.post("/v1/parties", &k1, &json!({"role": "merchant"}))
            .await
            .problem(403, "role_not_allowed");
        h.post("/v1/products", &kp, &product_body("X"))
            .await
            .problem(403, "role_not_allowed");

        // A merchant's own key id is not another's to revoke.
        let k1_id = h.get("/v1/me", &k1).await.body["key_id"]
            .as_str()
            .unwrap()
            .to_string();
        h.call(
            Method::DELETE,
            &format!("/v1/keys/{k1_id}"),
            Some(&k2),
            None,
            &[],
        )
        .await
        .problem(404, "not_found");
        assert_eq!(h.get("/v1/me", &k1).await.status, 200);

        // The operator sees the order, with the buyer's personal data masked.
        let seen = h.get(&format!("/v1/orders/{oid}"), &h.operator_key).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.body["buyer"]["masked"], true);
        assert_eq!(seen.body["buyer"]["id_number"], "**************002X");
        assert_eq!(
            seen.body["buyer"]["phone"], "*** *** **** 1234",
            "separators kept, digits hidden"
        );
        assert!(
            !seen.body.to_string().contains("Wensan"),
            "the address is masked"
        );
        h.finish().await;
    }
}

/// The handler keeps the parties that platforms name for a few seconds; a change of standing
/// made through the hub takes effect on the next order all the same, both ways.
#[tokio::test]
async fn a_platform_order_follows_its_merchant_standing_at_once() {
    for h in hubs().await {
        let (m, km) = h.party("merchant", "Seller").await;
        let (_, kp) = h.party("platform", "Mall").await;
        h.product(&km, "SKU-1").await;
        let mut body = order_body("SKU-1");
        body["merchant_id"] = json!(m);
        let mut placed = 0;
        for (n, standing) in ["active", "suspended", "active"].into_iter().enumerate() {
            let a = h
                .call(
                    Method::PATCH,
                    &format!("/v1/parties/{m}"),
                    Some(&h.operator_key),
                    Some(&json!({"status": standing})),
                    &[],
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            // Twice each: the first answer fills the cache, the second comes from it.
            for k in 0..2 {
                body["order_no"] = json!(format!("SO-{n}-{k}"));
                let answer = h.post("/v1/orders", &kp, &body).await;
                if standing == "active" {
                    assert_eq!(answer.status, 201, "{}", answer.body);
                    placed += 1;
                } else {
                    answer.problem(422, "unknown_merchant");
                }
            }
        }
        assert_eq!(h.order_count().await, placed);
        assert_eq!(placed, 4);
        h.finish().await;
    }
}

#[tokio::test]
async fn a_platform_orders_for_a_merchant_and_only_it_sees_the_buyer() {
    for h in hubs().await {
        let (m, km) = h.party("merchant", "Seller").await;
        let (pl, kp) = h.party("platform", "Mall").await;
        h.product(&km, "SKU-1").await;
        let mut body = order_body("SKU-1");
        h.post("/v1/orders", &kp, &body)
            .await
            .problem(422, "missing_field");
        body["merchant_id"] = json!(pl);
        h.post("/v1/orders", &kp, &body)
            .await
            .problem(422, "unknown_merchant");
        body["merchant_id"] = json!(m);
        let placed = h.post("/v1/orders", &kp, &body).await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        assert_eq!(placed.body["submitted_by"], pl.as_str());
        assert_eq!(placed.body["buyer"]["masked"], false);
        let oid = placed.body["id"].as_str().unwrap();
        let by_merchant = h.get(&format!("/v1/orders/{oid}"), &km).await;
        assert_eq!(
            by_merchant.body["buyer"]["masked"], true,
            "the merchant did not submit it"
        );
        assert_eq!(by_merchant.body["buyer"]["name"], "W*** ****");
        let mine = h.get("/v1/orders", &kp).await;
        assert_eq!(mine.body["data"][0]["id"], oid);
        h.finish().await;
    }
}

#[tokio::test]
async fn idempotent_replay_and_conflicting_replay() {
    for h in hubs().await {
        let (_, mk) = h.party("merchant", "M").await;
        h.product(&mk, "SKU-1").await;
        let body = order_body("SKU-1");
        let key = [("Idempotency-Key", "order-7f3a")];
        let first = h
            .call(Method::POST, "/v1/orders", Some(&mk), Some(&body), &key)
            .await;
        assert_eq!(first.status, 201);
        let again = h
            .call(Method::POST, "/v1/orders", Some(&mk), Some(&body), &key)
            .await;
        assert_eq!(again.status, 201);
        assert_eq!(again.body, first.body, "the same answer, same id");
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(h.order_count().await, 1, "no second write");

        let mut other = body.clone();
        other["freight"] = json!("19.00");
        let conflict = h
            .call(Method::POST, "/v1/orders", Some(&mk), Some(&other), &key)
            .await;
        assert_eq!(
            conflict.problem(422, "idempotency_key_reused")["field"],
            "Idempotency-Key"
        );
        assert_eq!(h.order_count().await, 1);

        // Keys are per party: another merchant may use the same key for its own order.
        let (_, mk2) = h.party("merchant", "M2").await;
        h.product(&mk2, "SKU-1").await;
        assert_eq!(
            h.call(Method::POST, "/v1/orders", Some(&mk2), Some(&body), &key)
                .await
                .status,
            201
        );
        assert_eq!(h.order_count().await, 2);

        // Concurrent duplicates: one write, identical answers.
        let key2 = [("Idempotency-Key", "order-race")];
        let answers = futures_join(&h, &mk, &body, &key2).await;
        assert!(answers.iter().all(|a| a.status == 201));
        assert!(answers
            .iter()
            .all(|a| a.body["id"] == answers[0].body["id"]));
        assert_eq!(h.order_count().await, 3);

        // Party creation replays without the secret.
        let party = json!({"role": "payment", "legal_name": "Pay", "country": "MY", "registration_number": "P-1"});
        let pk = [("Idempotency-Key", "party-1")];
        let p1 = h
            .call(
                Method::POST,
                "/v1/parties",
                Some(&h.operator_key),
                Some(&party),
                &pk,
            )
            .await;
        let p2 = h
            .call(
                Method::POST,
                "/v1/parties",
                Some(&h.operator_key),
                Some(&party),
                &pk,
            )
            .await;
        assert!(p1.body["key"]["token"].is_string());
        assert_eq!(
            p2.body["key"]["token"],
            Value::Null,
            "a token is shown once"
        );
        assert_eq!(p2.body["party"]["id"], p1.body["party"]["id"]);
        h.call(
            Method::POST,
            "/v1/orders",
            Some(&mk),
            Some(&body),
            &[("Idempotency-Key", "")],
        )
        .await
        .problem(400, "invalid_idempotency_key");
        h.finish().await;
    }
}

async fn futures_join(
    h: &harness::TestHub,
    key: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> Vec<harness::Answer> {
    let calls = (0..8).map(|_| h.call(Method::POST, "/v1/orders", Some(key), Some(body), headers));
    let mut out = Vec::new();
    let handles: Vec<_> = calls.collect();
    for a in join_all(handles).await {
        out.push(a);
    }
    out
}

async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

#[tokio::test]
async fn keys_rotate_and_a_revoked_key_is_refused() {
    for h in hubs().await {
        let (m, k1) = h.party("merchant", "M").await;
        let rotated = h
            .call(
                Method::POST,
                &format!("/v1/parties/{m}/keys"),
                Some(&k1),
                None,
                &[],
            )
            .await;
        assert_eq!(rotated.status, 201, "{}", rotated.body);
        let k2 = rotated.body["token"].as_str().unwrap().to_string();
        // Stored as a hash: the token itself is nowhere in the key's row.
        let k2_id = rotated.body["id"].as_str().unwrap().to_string();
        {
            let mut conn = h.hub.state.db.read().await.unwrap();
            let row = conn.stores().get_key(&k2_id).await.unwrap().unwrap();
            assert_eq!(row.token_sha256, hub::auth::token_sha256(&k2));
            assert!(k2.starts_with(&row.token_prefix) && row.token_prefix.len() < 16);
            assert_eq!(k2.len(), 5 + 64, "256 random bits in hex");
        }
        let k1_id = h.get("/v1/me", &k1).await.body["key_id"]
            .as_str()
            .unwrap()
            .to_string();
        let revoked = h
            .call(
                Method::DELETE,
                &format!("/v1/keys/{k1_id}"),
                Some(&k2),
                None,
                &[],
            )
            .await;
        assert_eq!(revoked.status, 200, "{}", revoked.body);
        assert!(revoked.body["revoked_at"].is_string());
        let refused = h.get("/v1/me", &k1).await;
        refused.problem(401, "revoked_key");
        assert!(refused.headers.contains_key("www-authenticate"));
        assert_eq!(h.get("/v1/me", &k2).await.status, 200);
        h.call(
            Method::DELETE,
            &format!("/v1/keys/{k1_id}"),
            Some(&h.operator_key),
            None,
            &[],
        )
        .await
        .problem(409, "key_already_revoked");

        h.call(Method::GET, "/v1/me", None, None, &[])
            .await
            .problem(401, "missing_credentials");
        h.get(
            "/v1/me",
            "ewtp_0000000000000000000000000000000000000000000000000000000000000000",
        )
        .await
        .problem(401, "invalid_key");
        h.get("/v1/me", "not-a-key")
            .await
            .problem(401, "invalid_key");

        let op_key_id = h.get("/v1/me", &h.operator_key).await.body["key_id"]
            .as_str()
            .unwrap()
            .to_string();
        h.call(
            Method::DELETE,
            &format!("/v1/keys/{op_key_id}"),
            Some(&h.operator_key),
            None,
            &[],
        )
        .await
        .problem(409, "last_operator_key");
        assert_eq!(h.get("/v1/me", &h.operator_key).await.status, 200);
        h.finish().await;
    }
}

#[tokio::test]
async fn products_update_list_and_duplicate_sku() {
    for h in hubs().await {
        let (_, mk) = h.party("merchant", "M").await;
        let p = h.product(&mk, "SKU-1").await;
        h.post("/v1/products", &mk, &product_body("SKU-1"))
            .await
            .problem(409, "duplicate_sku");
        for i in 2..=5 {
            h.product(&mk, &format!("SKU-{i}")).await;
        }
        let page1 = h.get("/v1/products?limit=3", &mk).await.body;
        assert_eq!(page1["data"].as_array().unwrap().len(), 3);
        let cursor = page1["next_cursor"].as_str().unwrap();
        let page2 = h
            .get(&format!("/v1/products?limit=3&cursor={cursor}"), &mk)
            .await
            .body;
        assert_eq!(page2["data"].as_array().unwrap().len(), 2);
        assert_eq!(page2["next_cursor"], Value::Null);
        assert_eq!(
            page2["data"][1]["sku"], "SKU-1",
            "newest first; the oldest is last"
        );

        let pid = p["id"].as_str().unwrap();
        let before = h.post("/v1/orders", &mk, &order_body("SKU-1")).await.body;
        assert_eq!(before["lines"][0]["unit_price"], "89.90");
        let patched = h
            .call(
                Method::PATCH,
                &format!("/v1/products/{pid}"),
                Some(&mk),
                Some(&json!({"unit_price": "79.90", "title": "Batik scarf, silk"})),
                &[],
            )
            .await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(
            (
                patched.body["unit_price"].as_str(),
                patched.body["version"].as_i64()
            ),
            (Some("79.90"), Some(2))
        );
        assert_eq!(patched.body["sku"], "SKU-1");
        h.call(
            Method::PATCH,
            &format!("/v1/products/{pid}"),
            Some(&mk),
            Some(&json!({"sku": "NEW"})),
            &[],
        )
        .await
        .problem(422, "unknown_field");
        h.call(
            Method::PATCH,
            &format!("/v1/products/{pid}"),
            Some(&mk),
            Some(&json!({})),
            &[],
        )
        .await
        .problem(422, "empty_patch");
        assert_eq!(
            h.get(&format!("/v1/products/{pid}"), &mk).await.body["version"],
            2
        );

        // An order for a SKU takes the catalog's current price, even right after a change.
        let o = h.post("/v1/orders", &mk, &order_body("SKU-1")).await.body;
        assert_eq!(o["lines"][0]["unit_price"], "79.90");
        assert_eq!(o["lines"][0]["description"], "Batik scarf, silk");
        let mut dup = order_body("SKU-1");
        dup["order_no"] = json!("SO-9");
        assert_eq!(h.post("/v1/orders", &mk, &dup).await.status, 201);
        h.post("/v1/orders", &mk, &dup)
            .await
            .problem(409, "duplicate_order_no");
        h.finish().await;
    }
}

#[tokio::test]
async fn order_list_paginates_and_filters_by_time() {
    for h in hubs().await {
        let (_, mk) = h.party("merchant", "M").await;
        h.product(&mk, "SKU-1").await;
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(
                h.post("/v1/orders", &mk, &order_body("SKU-1")).await.body["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/orders?limit=2&cursor={c}"),
                None => "/v1/orders?limit=2".to_string(),
            };
            let page = h.get(&path, &mk).await.body;
            for o in page["data"].as_array().unwrap() {
                seen.push(o["id"].as_str().unwrap().to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(seen, ids, "every order once, newest first");
        let all = h
            .get(
                "/v1/orders?created_from=2000-01-01T00:00:00Z&created_to=2999-01-01T00:00:00Z",
                &mk,
            )
            .await;
        assert_eq!(all.body["data"].as_array().unwrap().len(), 5);
        let none = h
            .get("/v1/orders?created_to=2000-01-01T00:00:00Z", &mk)
            .await;
        assert!(none.body["data"].as_array().unwrap().is_empty());
        assert!(h.get("/v1/orders?status=released", &mk).await.body["data"]
            .as_array()
            .unwrap()
            .is_empty());
        h.finish().await;
    }
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after_and_loses_nothing() {
    for h in hubs_with(|c| c.queue_capacity = 2).await {
        let (_, mk) = h.party("merchant", "M").await;
        h.product(&mk, "SKU-1").await;
        // Hold the only writer connection: the engine blocks, its queue fills.
        let blocker = h.hub.state.db.begin().await.unwrap();
        let calls: Vec<_> = (0..6)
            .map(|i| {
                let key = format!("burst-{i}");
                let body = order_body("SKU-1");
                let h = &h;
                let mk = mk.clone();
                async move {
                    h.call(
                        Method::POST,
                        "/v1/orders",
                        Some(&mk),
                        Some(&body),
                        &[("Idempotency-Key", key.as_str())],
                    )
                    .await
                }
            })
            .collect();
        let release = async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            drop(blocker);
        };
        let (answers, ()) = tokio::join!(join_all(calls), release);
        let rejected: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
        let accepted: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
        assert!(
            !rejected.is_empty(),
            "{}: at most capacity + 1 fit",
            h.backend
        );
        assert_eq!(rejected.len() + accepted.len(), 6);
        for r in &rejected {
            r.problem(503, "overloaded");
            assert_eq!(r.headers["retry-after"], "1");
        }
        assert_eq!(
            h.order_count().await,
            accepted.len(),
            "every acknowledged order is stored, no other"
        );
        h.finish().await;
    }
}

#[tokio::test]
async fn metrics_and_openapi_cover_the_api() {
    for h in hubs().await {
        let (_, mk) = h.party("merchant", "M").await;
        h.post("/v1/products", &mk, &json!({})).await;
        let text = h
            .client
            .get(format!("{}/metrics", h.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains(
                "ewtp_http_requests_total{route=\"/v1/parties\",method=\"POST\",status=\"201\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains(
            "ewtp_http_requests_total{route=\"/v1/products\",method=\"POST\",status=\"422\"} 1"
        ));
        assert!(text.contains("ewtp_http_request_duration_seconds_bucket{route=\"/v1/parties\""));
        assert!(text.contains("ewtp_engine_queue_depth 0"));
        assert!(text.contains("ewtp_engine_batch_size_count "));
        assert!(text.contains("ewtp_engine_commit_duration_seconds_bucket"));
        // Every SQLite database of this process opens through the store, which installs the
        // wrapper first (decision 36).
        assert!(
            text.contains("\newtp_sqlite_page_cache_wrapped 1\n"),
            "{text}"
        );

        let doc = h
            .call(Method::GET, "/openapi.json", None, None, &[])
            .await
            .body;
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        let expected = [
            ("/healthz", "get"),
            ("/metrics", "get"),
            ("/openapi.json", "get"),
            ("/v1/me", "get"),
            ("/v1/parties", "post"),
            ("/v1/parties/{id}", "get"),
            ("/v1/parties/{id}/keys", "post"),
            ("/v1/keys/{id}", "delete"),
            ("/v1/products", "post"),
            ("/v1/products", "get"),
            ("/v1/products/{id}", "get"),
            ("/v1/products/{id}", "patch"),
            ("/v1/orders", "post"),
            ("/v1/orders", "get"),
            ("/v1/orders/{id}", "get"),
            ("/v1/quotes", "post"),
            ("/v1/rule-packs", "get"),
            ("/v1/fx-rates", "put"),
            ("/v1/fx-rates", "get"),
            ("/v1/hs/{code}", "get"),
            ("/v1/hs", "get"),
            ("/v1/parties/{id}", "patch"),
            ("/eroad/v1/hub", "get"),
            ("/ceb/v1/messages", "post"),
            ("/v1/declarations/{id}/ceb621", "get"),
            ("/v1/payments", "post"),
            ("/v1/payments", "get"),
            ("/v1/payments/{id}", "get"),
            ("/v1/waybills", "post"),
            ("/v1/waybills", "get"),
            ("/v1/waybills/{id}", "get"),
            ("/v1/declarations", "get"),
            ("/v1/declarations/{id}", "get"),
            ("/v1/declarations/{id}/audit", "get"),
            ("/v1/declarations/{id}/decision", "post"),
            ("/v1/orders/{id}/cancel", "post"),
            ("/v1/orders/{id}/return", "post"),
            ("/v1/orders/{id}/delivered", "post"),
            ("/v1/risk-rules", "post"),
            ("/v1/risk-rules", "get"),
            ("/v1/risk-rules/{id}", "get"),
            ("/v1/risk-rules/{id}", "patch"),
            ("/v1/accounts", "get"),
            ("/v1/accounts/{id}", "get"),
            ("/v1/accounts/{id}/transfers", "get"),
            ("/v1/statement", "get"),
            ("/v1/payouts", "post"),
            ("/v1/payouts", "get"),
            ("/v1/payouts/{id}", "get"),
            ("/v1/payouts/{id}/pacs008", "get"),
            ("/v1/ledger/trial-balance", "get"),
        ];
        for (path, method) in expected {
            assert!(
                paths.get(path).and_then(|p| p.get(method)).is_some(),
                "{method} {path} is documented"
            );
        }
        let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, expected.len(), "and nothing else");
        assert!(doc["components"]["schemas"]["OrderDraft"].is_object());
        assert!(doc["components"]["schemas"]["Problem"].is_object());
        assert!(doc["components"]["schemas"]["QuoteRequest"].is_object());
        assert!(doc["components"]["schemas"]["QuoteView"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        // Links chain the journey: every one names an operation of the document.
        let operation_ids: std::collections::HashSet<&str> = paths
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let mut links = 0;
        for op in paths.values().flat_map(|p| p.as_object().unwrap().values()) {
            for response in op["responses"].as_object().unwrap().values() {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    let target = link["operationId"].as_str().unwrap();
                    assert!(operation_ids.contains(target), "{link}");
                    assert!(link["parameters"]["id"]
                        .as_str()
                        .unwrap()
                        .starts_with("$response.body#/"));
                    links += 1;
                }
            }
        }
        assert_eq!(links, hub::api_links::LINK_COUNT, "every link was added");
        assert_eq!(
            doc["paths"]["/v1/orders"]["post"]["responses"]["201"]["links"]["GetOrder"]
                ["parameters"]["id"],
            "$response.body#/id"
        );
        h.finish().await;
    }
}
