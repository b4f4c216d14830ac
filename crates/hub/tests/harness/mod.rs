//! A hub on an ephemeral loopback port with its own isolated database, and a small HTTP client.

#![allow(dead_code)]

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use store::testing::TestDb;

pub struct TestHub {
    pub hub: hub::Hub,
    pub base: String,
    pub client: reqwest::Client,
    pub operator_key: String,
    pub backend: &'static str,
    tdb: TestDb,
    _dir: tempfile::TempDir,
}

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Asserts an RFC 9457 problem with this status and code; returns the body.
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:ewtp:problem:{code}"));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        &self.body
    }
}

/// One hub per backend this run can test (SQLite always; PostgreSQL when configured).
pub async fn hubs() -> Vec<TestHub> {
    hubs_with(|_| {}).await
}

pub async fn hubs_with(tweak: impl Fn(&mut hub::HubConfig)) -> Vec<TestHub> {
    hubs_on(TestDb::all().await.expect("test databases"), tweak).await
}

/// One hub on each of `databases`.
pub async fn hubs_on(databases: Vec<TestDb>, tweak: impl Fn(&mut hub::HubConfig)) -> Vec<TestHub> {
    let mut out = Vec::new();
    for tdb in databases {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = hub::HubConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().join("data"),
            ..Default::default()
        };
        tweak(&mut config);
        let hub = hub::start_on(config, tdb.db.clone())
            .await
            .expect("hub starts");
        let operator_key = hub
            .new_operator_key
            .clone()
            .expect("a fresh hub creates an operator key");
        let base = format!("http://{}", hub.addr);
        out.push(TestHub {
            hub,
            base,
            client: reqwest::Client::new(),
            operator_key,
            backend: tdb.name,
            tdb,
            _dir: dir,
        });
    }
    out
}

impl TestHub {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.call(Method::GET, path, Some(key), None, &[]).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(key), Some(body), &[])
            .await
    }

    /// Onboards a party of `role`; returns its id and key.
    pub async fn party(&self, role: &str, name: &str) -> (String, String) {
        let a = self.post("/v1/parties", &self.operator_key, &json!({"role": role, "legal_name": name, "country": "MY", "registration_number": format!("REG-{name}")})).await;
        assert_eq!(a.status, 201, "{}", a.body);
        (
            a.body["party"]["id"].as_str().unwrap().to_string(),
            a.body["key"]["token"].as_str().unwrap().to_string(),
        )
    }

    pub async fn product(&self, merchant_key: &str, sku: &str) -> Value {
        let a = self
            .post("/v1/products", merchant_key, &product_body(sku))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        a.body
    }

    /// POSTs a CEB message; its status and receipt (always XML, whatever the outcome).
    pub async fn ceb_message(&self, key: &str, body: &str) -> (u16, String) {
        let r = self
            .client
            .post(format!("{}/ceb/v1/messages", self.base))
            .bearer_auth(key)
            .header("content-type", "application/xml")
            .body(body.to_string())
            .send()
            .await
            .expect("request sent");
        let status = r.status().as_u16();
        let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
        let text = r.text().await.expect("body");
        assert_eq!(
            content_type, "application/xml; charset=utf-8",
            "{status}: {text}"
        );
        (status, text)
    }

    /// Every ledger account, read from the hub's own database, after checking that the books
    /// balance per currency and no account's balance flag is violated.
    pub async fn books(&self) -> Vec<ledger::Account> {
        let mut conn = self.hub.state.db.read().await.expect("reader");
        let accounts = conn.stores().all_accounts().await.expect("accounts");
        let tb = ledger::trial_balance(&accounts);
        assert!(tb.balanced, "the books balance per currency: {tb:?}");
        ledger::check_accounts(accounts.iter()).expect("no balance flag is violated");
        accounts
    }

    /// The tax the hub's landed-cost engine computes for goods from Malaysia to China in CNY:
    /// `lines` are (HS code, quantity, unit price).
    pub async fn quoted_tax(&self, lines: &[(&str, u32, &str)], freight: &str) -> String {
        let items: Vec<Value> = lines
            .iter()
            .map(
                |(hs, q, p)| json!({"hs_code": hs, "quantity": q, "unit_price": p, "origin": "MY"}),
            )
            .collect();
        let q = self
            .call(
                Method::POST,
                "/v1/quotes",
                None,
                Some(&json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": freight, "items": items})),
                &[],
            )
            .await;
        assert_eq!(q.status, 200, "{}", q.body);
        q.body["tax_total"].as_str().unwrap().to_string()
    }

    /// Orders visible to the operator: proves what was (not) stored.
    pub async fn order_count(&self) -> usize {
        let mut conn = self.hub.state.db.read().await.expect("reader");
        conn.stores().count_orders().await.expect("count") as usize
    }

    pub async fn finish(self) {
        self.hub.stop().await.expect("clean stop");
        self.tdb.finish().await.expect("test database cleanup");
    }
}

pub fn product_body(sku: &str) -> Value {
    json!({"sku": sku, "title": "Batik silk scarf", "hs_code": "6214.10", "origin": "MY", "unit_price": "89.90", "currency": "MYR", "net_weight_kg": "0.120"})
}

pub fn order_body(sku: &str) -> Value {
    json!({
        "order_no": null,
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X", "country": "CN",
                  "address": "1 Wensan Road, Xihu, Hangzhou", "phone": "+86 138 0000 1234"},
        "destination": "CN",
        "currency": "MYR",
        "lines": [
            {"sku": sku, "quantity": 2},
            {"hs_code": "3304.99", "description": "Face cream 50 ml", "origin": "MY", "quantity": 1, "unit_price": "45.00"}
        ],
        "freight": "18.00",
        "insurance": "1.20",
        "incoterm": "DDP"
    })
}
