//! CEB messages of many documents, as platforms send them (up to 100 a message), on every
//! backend, composed with `ceb::compose` (no shared standards folder needed).
//! - A message whose documents are all valid is applied at once, and its parcels clear.
//! - A failing document in the middle is refused alone: the documents before and after it
//!   stand, and the working set of the batch is as if it had never been sent (the books balance,
//!   and its parcel is not cleared).
//! - Intake holds one reader of the pool: with a pool of one, an order message whose products
//!   are not cached yet is still answered (it once waited for a second reader until the pool
//!   timed out: a deadlock once as many messages as readers arrived together).

mod harness;

use ceb::compose::CebParcels;
use harness::{hubs_on, TestHub};
use serde_json::{json, Value};
use store::testing::TestDb;

async fn send(h: &TestHub, key: &str, body: &str) -> (u16, String) {
    h.ceb_message(key, body).await
}

/// Each document's `returnStatus` and `returnInfo`, read back with the crate's own parser.
fn outcomes(receipt: &str) -> Vec<(String, String)> {
    match ceb::parse(receipt.as_bytes()).expect("a schema-valid receipt") {
        ceb::Message::Ceb312 { returns, .. } => returns
            .into_iter()
            .map(|r| (r.return_status, r.return_info))
            .collect(),
        ceb::Message::Ceb412 { returns, .. } => returns
            .into_iter()
            .map(|r| (r.return_status, r.return_info))
            .collect(),
        ceb::Message::Ceb512 { returns, .. } => returns
            .into_iter()
            .map(|r| (r.return_status, r.return_info))
            .collect(),
        other => panic!("not a receipt of an order, payment or waybill message: {other:?}"),
    }
}

fn statuses(receipt: &str) -> Vec<String> {
    outcomes(receipt).into_iter().map(|(s, _)| s).collect()
}

struct Senders {
    /// Party ids: merchant, platform, payment provider, carrier.
    ids: Vec<String>,
    merchant: String,
    platform: String,
    psp: String,
    carrier: String,
    parcels: CebParcels,
}

/// The four parties with customs codes, the product, and the run's parcels (tax as quoted).
async fn senders(h: &TestHub, run: u32) -> Senders {
    let mut keys = Vec::new();
    let mut ids = Vec::new();
    for (i, role) in ["merchant", "platform", "payment", "logistics"]
        .into_iter()
        .enumerate()
    {
        let a = h
            .post(
                "/v1/parties",
                &h.operator_key,
                &json!({"role": role, "legal_name": format!("{role} {run}"), "country": "MY",
                        "registration_number": format!("REG-{run}-{i}"), "customs_code": format!("C{run}R{i}")}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        keys.push(a.body["key"]["token"].as_str().unwrap().to_string());
        ids.push(a.body["party"]["id"].as_str().unwrap().to_string());
    }
    let p = h
        .post(
            "/v1/products",
            &keys[0],
            &json!({"sku": "TEE", "title": "Cotton T-shirt", "hs_code": "610910", "origin": "MY",
                    "unit_price": "100.00", "currency": "CNY", "net_weight_kg": "0.200"}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    let tax = h.quoted_tax(&[("610910", 1, "100.00")], "20.00").await;
    let paid = {
        let (units, cents) = tax.split_once('.').unwrap();
        let minor = 12_000 + units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
        format!("{}.{:02}", minor / 100, minor % 100)
    };
    Senders {
        ids,
        parcels: CebParcels {
            merchant_code: format!("C{run}R0"),
            platform_code: format!("C{run}R1"),
            psp_code: format!("C{run}R2"),
            carrier_code: format!("C{run}R3"),
            sku: "TEE".into(),
            price: "100.00".into(),
            freight: "20.00".into(),
            tax,
            paid,
            run,
        },
        merchant: keys.remove(0),
        platform: keys.remove(0),
        psp: keys.remove(0),
        carrier: keys.remove(0),
    }
}

/// The first `count` parcels of `s` as three messages, each sender its own; every document of
/// each must be received (`120`).
async fn send_all_accepted(h: &TestHub, s: &Senders, count: usize) {
    let batch = s.parcels.batch(0, count, buyer_id).unwrap();
    for (key, xml) in [
        (&s.platform, &batch.orders),
        (&s.psp, &batch.payments),
        (&s.carrier, &batch.waybills),
    ] {
        let (status, receipt) = send(h, key, xml).await;
        assert_eq!(status, 200, "{receipt}");
        assert_eq!(statuses(&receipt), vec!["120"; count], "{receipt}");
    }
}

/// A valid resident ID for buyer `n` (Beijing, born 1990-01-01, sequence `n`).
fn buyer_id(n: u64) -> String {
    let body = format!("11010219900101{:03}", n % 1000);
    let check = customs::identity::cn_resident_id_check_char(&body).expect("17 digits");
    format!("{body}{check}")
}

/// The merchant's declarations: order id → status.
async fn declarations(h: &TestHub, merchant: &str) -> Vec<(String, String)> {
    let list = h.get("/v1/declarations?limit=200", merchant).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let mut out: Vec<(String, String)> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["order_id"].as_str().unwrap().to_string(),
                d["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The order ids of the merchant's orders by order number.
async fn order_ids(h: &TestHub, merchant: &str) -> std::collections::HashMap<String, String> {
    let list = h.get("/v1/orders?limit=200", merchant).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o: &Value| {
            (
                o["order_no"].as_str().unwrap().to_string(),
                o["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn balanced(h: &TestHub) -> Vec<ledger::Account> {
    h.books().await
}

/// The accounts of a run's parties, by role and code, with their four figures.
fn books_of(accounts: &[ledger::Account], s: &Senders) -> Vec<(usize, String, [i64; 4])> {
    let mut out: Vec<(usize, String, [i64; 4])> = accounts
        .iter()
        .filter_map(|a| {
            let role = s.ids.iter().position(|id| *id == a.owner_id)?;
            Some((
                role,
                format!("{} {}", a.code, a.currency.code()),
                [
                    a.debits_pending,
                    a.debits_posted,
                    a.credits_pending,
                    a.credits_posted,
                ],
            ))
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_message_of_valid_documents_clears_every_parcel_even_on_a_pool_of_one_reader() {
    for h in hubs_on(TestDb::all_with(1).await.unwrap(), |_| {}).await {
        let s = senders(&h, 71).await;
        send_all_accepted(&h, &s, 40).await;
        let decided = declarations(&h, &s.merchant).await;
        assert_eq!(decided.len(), 40, "{decided:?}");
        assert!(
            decided.iter().all(|(_, status)| status == "released"),
            "{decided:?}"
        );
        balanced(&h).await;
        h.finish().await;
    }
}

#[tokio::test]
async fn a_failing_document_in_the_middle_of_a_message_is_refused_alone() {
    for h in hubs_on(TestDb::all().await.unwrap(), |_| {}).await {
        let s = senders(&h, 72).await;
        let batch = s.parcels.batch(0, 3, buyer_id).unwrap();
        let (status, receipt) = send(&h, &s.platform, &batch.orders).await;
        assert_eq!(
            (status, statuses(&receipt)),
            (200, vec!["120".to_string(); 3])
        );
        // The second payment reuses the first one's transaction id for another order: a
        // conflict, found only when it is applied (after the first payment is).
        let ceb::Message::Ceb411 {
            guid,
            version,
            mut payments,
            envelope,
        } = ceb::parse(batch.payments.as_bytes()).unwrap()
        else {
            panic!("a CEB411");
        };
        payments[1].pay_transaction_id = payments[0].pay_transaction_id.clone();
        let payments = ceb::render(&ceb::Message::Ceb411 {
            guid,
            version,
            payments,
            envelope,
        })
        .unwrap();
        let (status, receipt) = send(&h, &s.psp, &payments).await;
        assert_eq!(status, 200, "{receipt}");
        let got = outcomes(&receipt);
        assert_eq!(
            got.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
            ["120", "100", "120"],
            "{receipt}"
        );
        assert!(got[1].1.contains("payment_conflict"), "{}", got[1].1);
        let (status, receipt) = send(&h, &s.carrier, &batch.waybills).await;
        assert_eq!(
            (status, statuses(&receipt)),
            (200, vec!["120".to_string(); 3])
        );

        // Parcels 0 and 2 cleared; parcel 1 has no payment, so no declaration.
        let ids = order_ids(&h, &s.merchant).await;
        let mut expected = vec![
            (ids[&s.parcels.order_no(0)].clone(), "released".to_string()),
            (ids[&s.parcels.order_no(2)].clone(), "released".to_string()),
        ];
        expected.sort();
        assert_eq!(declarations(&h, &s.merchant).await, expected);
        balanced(&h).await;

        // The refused payment, sent again in a message of its own with its own transaction id,
        // completes parcel 1: its order and waybill were waiting.
        let payment = s.parcels.batch(1, 1, buyer_id).unwrap().payments;
        let (status, receipt) = send(&h, &s.psp, &payment).await;
        assert_eq!(
            (status, statuses(&receipt)),
            (200, vec!["120".to_string()]),
            "{receipt}"
        );
        let decided = declarations(&h, &s.merchant).await;
        assert_eq!(decided.len(), 3, "{decided:?}");
        assert!(
            decided.iter().all(|(_, status)| status == "released"),
            "{decided:?}"
        );

        // The same three parcels sent cleanly by other parties leave their accounts exactly as
        // the refused document left these: nothing of it stayed in the batch's working set.
        let clean = senders(&h, 73).await;
        send_all_accepted(&h, &clean, 3).await;
        let accounts = balanced(&h).await;
        let (ours, theirs) = (books_of(&accounts, &s), books_of(&accounts, &clean));
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs);
        h.finish().await;
    }
}
