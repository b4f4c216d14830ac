//! Parcels run to delivery over HTTP, so that merchants have money to be paid out: the parties,
//! the documents, and the arithmetic of a merchant's share.

#![allow(dead_code)]

use crate::harness::{Answer, TestHub};
use serde_json::{json, Value};

/// A valid Chinese resident ID number (ISO 7064 MOD 11-2 check digit).
pub const BUYER_ID: &str = "11010519491231002X";
/// The hub's fee in the harness's configuration: 1% (100 basis points).
pub const FEE_BPS: i64 = 100;

pub struct World {
    pub merchant: (String, String),
    pub psp: (String, String),
    pub carrier: (String, String),
    pub officer: (String, String),
}

pub async fn world(h: &TestHub) -> World {
    World {
        merchant: h.party("merchant", "Kedai Batik Sdn Bhd").await,
        psp: h.party("payment", "Alipay").await,
        carrier: h.party("logistics", "SF Express").await,
        officer: h.party("customs", "Hangzhou Customs").await,
    }
}

/// A DAP order of one watch at `price` CNY (no duty collected at checkout, no freight): the
/// buyer pays exactly `price`.
pub fn order_body(order_no: &str, price: &str) -> Value {
    json!({
        "order_no": order_no,
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": BUYER_ID, "country": "CN",
                  "address": "1 Wensan Road, Hangzhou", "phone": "+86 138 0000 1234"},
        "destination": "CN",
        "currency": "CNY",
        "lines": [{"hs_code": "9102.11", "description": "Wrist watch", "origin": "MY", "quantity": 1, "unit_price": price}],
        "incoterm": "DAP"
    })
}

/// Minor units of a decimal string with `digits` fraction digits (`"12.50"`, 2 → 1250).
pub fn minor_of(text: &Value, digits: u32) -> i64 {
    let s = text
        .as_str()
        .unwrap_or_else(|| panic!("a decimal string: {text}"));
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (units, fraction) = s.split_once('.').unwrap_or((s, ""));
    assert_eq!(fraction.len(), digits as usize, "{s} has {digits} digits");
    let value = units.parse::<i64>().unwrap() * 10i64.pow(digits)
        + if fraction.is_empty() {
            0
        } else {
            fraction.parse::<i64>().unwrap()
        };
    if negative {
        -value
    } else {
        value
    }
}

/// Minor units of a CNY (or any two-digit currency) amount.
pub fn cents(text: &Value) -> i64 {
    minor_of(text, 2)
}

/// The hub's fee on `paid` (half up) and what is left for the merchant.
pub fn share_of(paid: i64) -> i64 {
    let fee = (paid * FEE_BPS + 5_000) / 10_000;
    paid - fee
}

pub struct Parcel {
    pub order_id: String,
    pub paid: i64,
    pub share: i64,
}

/// Places (as the merchant `merchant_key`), pays and ships a parcel: released at once (green).
pub async fn released_parcel(
    h: &TestHub,
    w: &World,
    merchant_key: &str,
    order_no: &str,
    price: &str,
) -> Parcel {
    let order = h
        .post("/v1/orders", merchant_key, &order_body(order_no, price))
        .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let o = &order.body;
    let payment = json!({
        "order_no": order_no,
        "merchant_id": o["merchant_id"],
        "transaction_id": format!("TX-{order_no}"),
        "payer": {"name": o["buyer"]["name"], "id_type": "national_id", "id_number": o["buyer"]["id_number"],
                  "phone": "+86 138 0000 1234"},
        "amount": o["actual_paid"],
        "currency": "CNY",
        "paid_at": "2026-01-02T10:00:00+08:00"
    });
    let p = h.post("/v1/payments", &w.psp.1, &payment).await;
    assert_eq!(p.status, 201, "{}", p.body);
    let waybill = json!({
        "waybill_no": format!("SF-{order_no}"),
        "order_no": order_no,
        "consignee": {"name": o["buyer"]["name"], "address": o["buyer"]["address"], "phone": "13800001234"},
        "gross_weight_kg": "0.450",
        "package_count": 1,
        "freight": o["freight"],
        "currency": "CNY"
    });
    let s = h.post("/v1/waybills", &w.carrier.1, &waybill).await;
    assert_eq!(s.status, 201, "{}", s.body);
    assert_eq!(
        s.body["declaration"]["status"], "released",
        "the parcel clears green: {}",
        s.body
    );
    let paid = cents(&o["actual_paid"]);
    Parcel {
        order_id: o["id"].as_str().unwrap().to_string(),
        paid,
        share: share_of(paid),
    }
}

/// The carrier says the parcel was delivered: the merchant's share is posted.
pub async fn deliver(h: &TestHub, w: &World, parcel: &Parcel) {
    let a = h
        .post(
            &format!("/v1/orders/{}/delivered", parcel.order_id),
            &w.carrier.1,
            &json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "delivered");
}

pub async fn delivered_parcel(
    h: &TestHub,
    w: &World,
    merchant_key: &str,
    order_no: &str,
    price: &str,
) -> Parcel {
    let parcel = released_parcel(h, w, merchant_key, order_no, price).await;
    deliver(h, w, &parcel).await;
    parcel
}

/// Sets the operator's rates: (base, quote, rate).
pub async fn set_rates(h: &TestHub, rates: &[(&str, &str, &str)]) {
    let rates: Vec<Value> = rates
        .iter()
        .map(|(base, quote, rate)| {
            json!({"base": base, "quote": quote, "rate": rate, "source": "test rate sheet", "as_of": "2026-11-30T08:00:00Z"})
        })
        .collect();
    let a = h
        .call(
            reqwest::Method::PUT,
            "/v1/fx-rates",
            Some(&h.operator_key),
            Some(&json!({ "rates": rates })),
            &[],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

/// A creditor: a German IBAN at Deutsche Bank.
pub fn creditor(name: &str) -> Value {
    json!({"name": name, "account": "DE89370400440532013000", "agent_bic": "DEUTDEFF500"})
}

pub async fn payout(h: &TestHub, key: &str, body: &Value) -> Answer {
    h.post("/v1/payouts", key, body).await
}

/// Every account, read from the hub's own database, checked: no balance flag broken, every
/// currency balanced.
pub async fn books(h: &TestHub) -> Vec<ledger::Account> {
    let mut conn = h.hub.state.db.read().await.unwrap();
    let accounts = conn.stores().all_accounts().await.unwrap();
    ledger::check_accounts(accounts.iter()).expect("no balance flag is violated");
    let tb = ledger::trial_balance(&accounts);
    assert!(tb.balanced, "the books balance per currency: {tb:?}");
    accounts
}

pub fn find<'a>(
    accounts: &'a [ledger::Account],
    owner: &str,
    code: &str,
    currency: &str,
) -> Option<&'a ledger::Account> {
    accounts
        .iter()
        .find(|a| a.owner_id == owner && a.code == code && a.currency.code() == currency)
}
