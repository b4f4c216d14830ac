//! Crash safety of the money: `ewtp serve` as a child process runs parcels to delivery (order,
//! payment notice, waybill, delivered: every step moves ledger money), is killed with SIGKILL
//! mid-load and restarted. Every acknowledged step is still there; retrying every attempted step
//! with its idempotency key completes each parcel exactly once; and the books then hold exactly
//! what that many parcels must leave in them — nothing lost, nothing doubled — and balance.

mod child;

use child::{operator_key, serve};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The steps of a parcel, in order, with the path each posts to.
const STEPS: [&str; 4] = ["order", "payment", "waybill", "delivered"];

struct World {
    merchant_id: String,
    merchant: String,
    psp: String,
    carrier: String,
    tax: i64,
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    idem: &str,
    body: &Value,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .bearer_auth(key)
        .header("Idempotency-Key", idem)
        .json(body)
        .send()
        .await
}

async fn world(client: &reqwest::Client, base: &str, op: &str) -> World {
    let mut keys = HashMap::new();
    let mut merchant_id = String::new();
    for role in ["merchant", "payment", "logistics"] {
        let party: Value = client
            .post(format!("{base}/v1/parties"))
            .bearer_auth(op)
            .json(&json!({"role": role, "legal_name": format!("Crash {role}"), "country": "MY", "registration_number": format!("R-{role}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if role == "merchant" {
            merchant_id = party["party"]["id"].as_str().unwrap().to_string();
        }
        keys.insert(role, party["key"]["token"].as_str().unwrap().to_string());
    }
    let r = client
        .post(format!("{base}/v1/products"))
        .bearer_auth(&keys["merchant"])
        .json(&json!({"sku": "TEE", "title": "Cotton T-shirt", "hs_code": "610910", "origin": "MY", "unit_price": "100.00", "currency": "CNY", "net_weight_kg": "0.2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let quote: Value = client
        .post(format!("{base}/v1/quotes"))
        .json(&json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": "20.00",
                      "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "100.00", "origin": "MY"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    World {
        merchant_id,
        merchant: keys["merchant"].clone(),
        psp: keys["payment"].clone(),
        carrier: keys["logistics"].clone(),
        tax: minor(quote["tax_total"].as_str().unwrap()),
    }
}

fn minor(text: &str) -> i64 {
    let (units, cents) = text.split_once('.').unwrap();
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

fn money(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// The buyers: seven, so that each one's annual quota adds up many parcels.
const BUYERS: u64 = 7;

/// A valid resident ID for buyer `n`.
fn resident_id(n: u64) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!(
        "3301061985{:02}{:02}{:03}",
        1 + (n / 28_000) % 12,
        1 + (n / 1000) % 28,
        n % 1000
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// Step `step` of parcel `n`: the key that sends it, its path and body.
fn request(
    w: &World,
    base: &str,
    n: u64,
    step: &str,
    order_id: Option<&str>,
) -> (String, String, Value) {
    let order_no = format!("SO-{n}");
    let buyer = resident_id(n % BUYERS);
    let paid = 12_000 + w.tax;
    match step {
        "order" => (
            w.merchant.clone(),
            format!("{base}/v1/orders"),
            json!({"order_no": order_no,
                   "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": buyer, "country": "CN", "address": "Hangzhou", "phone": "+86 138 0000 0000"},
                   "destination": "CN", "currency": "CNY", "lines": [{"sku": "TEE", "quantity": 1}],
                   "freight": "20.00", "tax_withheld": money(w.tax), "incoterm": "DDP"}),
        ),
        "payment" => (
            w.psp.clone(),
            format!("{base}/v1/payments"),
            json!({"order_no": order_no, "transaction_id": format!("TX-{n}"),
                   "payer": {"name": "Wang Fang", "id_type": "national_id", "id_number": buyer},
                   "amount": money(paid), "currency": "CNY", "paid_at": "2026-01-02T10:00:00+08:00"}),
        ),
        "waybill" => (
            w.carrier.clone(),
            format!("{base}/v1/waybills"),
            json!({"waybill_no": format!("SF-{n}"), "order_no": order_no,
                   "consignee": {"name": "Wang Fang", "address": "Hangzhou", "phone": "13800000000"},
                   "gross_weight_kg": "0.300", "package_count": 1}),
        ),
        _ => (
            w.carrier.clone(),
            format!(
                "{base}/v1/orders/{}/delivered",
                order_id.expect("the order's id")
            ),
            json!({}),
        ),
    }
}

/// What the load saw: the acknowledged answer of every step, and how far each parcel was tried.
#[derive(Default)]
struct Seen {
    acked: HashMap<(u64, &'static str), Value>,
    attempted: HashMap<u64, usize>,
}

async fn load(
    base: String,
    w: Arc<World>,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<AtomicBool>,
    next: Arc<AtomicU64>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    'parcels: while !stop.load(Ordering::Relaxed) {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let mut order_id: Option<String> = None;
        for (i, step) in STEPS.iter().enumerate() {
            seen.lock().unwrap().attempted.insert(n, i + 1);
            let (key, url, body) = request(&w, &base, n, step, order_id.as_deref());
            let Ok(r) = post(&client, &url, &key, &format!("{step}-{n}"), &body).await else {
                break 'parcels; // the hub went away: this step was not acknowledged
            };
            let status = r.status();
            if status == 503 {
                continue 'parcels; // overloaded: the parcel stays unfinished, retried after the restart
            }
            assert!(status.is_success(), "{step} {n}: {status}");
            let Ok(answer) = r.json::<Value>().await else {
                break 'parcels;
            };
            if *step == "order" {
                order_id = answer["id"].as_str().map(str::to_string);
            }
            if *step == "waybill" {
                assert_eq!(answer["declaration"]["status"], "released", "{answer}");
            }
            seen.lock().unwrap().acked.insert((n, step), answer);
        }
    }
}

/// One round: the hub under load, killed at a moment the round's seed picks, restarted; every
/// acknowledged step checked, every attempted parcel completed by retries. Answers the parcels.
async fn crash_round(
    data: &std::path::Path,
    extra: &[&str],
    w: &Arc<World>,
    round: u64,
    first_parcel: u64,
) -> (String, Vec<u64>, usize) {
    let first = serve(data, extra).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU64::new(first_parcel));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(load(
                first.base.clone(),
                w.clone(),
                seen.clone(),
                stop.clone(),
                next.clone(),
            ))
        })
        .collect();
    // A moment between 2 and 40 acknowledged steps in, from the round number.
    let kill_after = 2 + (round * 7_919 + 13) % 39;
    let deadline = Instant::now() + Duration::from_secs(60);
    while (seen.lock().unwrap().acked.len() as u64) < kill_after {
        assert!(Instant::now() < deadline, "the load made no progress");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut child = first.child;
    child.kill().await.expect("SIGKILL mid-load");
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let second = serve(data, extra).await;
    let base = second.base.clone();
    let client = reqwest::Client::new();
    let seen = std::mem::take(&mut *seen.lock().unwrap());

    // Every acknowledged step is there, as it was answered.
    for ((n, step), answer) in &seen.acked {
        let path = match *step {
            "order" | "delivered" => format!("/v1/orders/{}", answer["id"].as_str().unwrap()),
            "payment" => format!("/v1/payments/{}", answer["id"].as_str().unwrap()),
            _ => format!("/v1/waybills/{}", answer["id"].as_str().unwrap()),
        };
        let key = match *step {
            "order" | "delivered" => &w.merchant,
            "payment" => &w.psp,
            _ => &w.carrier,
        };
        let stored: Value = client
            .get(format!("{base}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            stored["id"], answer["id"],
            "round {round}: {step} {n} is present"
        );
        if *step == "delivered" {
            assert_eq!(stored["status"], "delivered", "{step} {n}");
        }
        if *step == "payment" {
            assert_eq!(stored["amount"], answer["amount"]);
            assert_eq!(
                stored["hold_transfer_id"], answer["hold_transfer_id"],
                "the hold is the one acknowledged"
            );
        }
    }

    // Retrying every attempted parcel, every step with its key, finishes each exactly once.
    let mut parcels: Vec<u64> = seen.attempted.keys().copied().collect();
    parcels.sort_unstable();
    for n in &parcels {
        let mut order_id = None;
        for step in STEPS {
            let (key, url, body) = request(w, &base, *n, step, order_id.as_deref());
            let r = post(&client, &url, &key, &format!("{step}-{n}"), &body)
                .await
                .unwrap();
            let status = r.status();
            let answer: Value = r.json().await.unwrap();
            assert!(
                status.is_success(),
                "round {round}: retry of {step} {n}: {status} {answer}"
            );
            if let Some(first) = seen.acked.get(&(*n, step)) {
                assert_eq!(
                    &answer, first,
                    "a retry of an acknowledged {step} replays it"
                );
            }
            if step == "order" {
                order_id = answer["id"].as_str().map(str::to_string);
            }
        }
    }
    let mut child = second.child;
    child.kill().await.unwrap();
    child.wait().await.unwrap();
    (base, parcels, seen.acked.len())
}

/// The books and the quotas after `p` delivered parcels, read from a hub on `data`.
async fn verify_totals(data: &std::path::Path, extra: &[&str], w: &World, op: &str, p: i64) {
    let hub = serve(data, extra).await;
    let client = reqwest::Client::new();
    let tb: Value = client
        .get(format!("{}/v1/ledger/trial-balance", hub.base))
        .bearer_auth(op)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tb["balanced"], true, "{tb}");
    let gross = 12_000;
    let fee = (gross + 50) / 100; // 1% half up
    let posted = |owner: &str, code: &str| -> (String, String) {
        let a = tb["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["owner_id"] == owner && a["code"] == code)
            .unwrap_or_else(|| panic!("account {owner} {code}"));
        (
            a["balance_posted"].as_str().unwrap().to_string(),
            a["balance_pending"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(
        posted("customs:CN", "customs_revenue:CN").0,
        money(p * w.tax),
        "every tax once"
    );
    assert_eq!(
        posted(&w.merchant_id, "merchant_payable"),
        (money(p * (gross - fee)), money(0)),
        "every share once"
    );
    assert_eq!(posted("hub", "fees").0, money(p * fee));
    assert_eq!(
        posted("hub", "escrow"),
        (money(0), money(0)),
        "escrow holds nothing for delivered parcels"
    );
    let mut child = hub.child;
    child.kill().await.unwrap();
    child.wait().await.unwrap();
}

/// The buyers' quotas, read from the database: each buyer's parcels, once each.
async fn verify_quotas(db: std::sync::Arc<dyn store::Database>, w: &World, parcels: &[u64]) {
    let mut conn = db.read().await.unwrap();
    let paid = 12_000 + w.tax;
    let year = customs::calendar_year(hub::clock::now_ms(), 480);
    for buyer in 0..BUYERS {
        let key = customs::QuotaKey {
            destination: trade::Country::parse("CN").unwrap(),
            year,
            buyer_ref: hub::parcels::quota_buyer_ref(
                trade::order::BuyerIdType::NationalId,
                &trade::Personal::new(resident_id(buyer)),
            ),
        };
        let count = parcels.iter().filter(|n| *n % BUYERS == buyer).count() as i64;
        assert_eq!(
            conn.stores().quota_used(&key).await.unwrap(),
            count * paid,
            "buyer {buyer}: {count} parcels"
        );
    }
}

/// `rounds` SIGKILLs at moments spread over the load, each followed by a restart, the checks of
/// [`crash_round`] and the books' totals; the quotas at the end.
async fn crash_rounds(postgres: Option<&str>, rounds: u64) {
    let extra: Vec<&str> = match postgres {
        Some(url) => vec!["--database", url],
        None => Vec::new(),
    };
    let extra = extra.as_slice();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let setup = serve(&data, extra).await;
    let client = reqwest::Client::new();
    let op = operator_key(&data);
    let w = Arc::new(world(&client, &setup.base, &op).await);
    let mut child = setup.child;
    child.kill().await.unwrap();
    child.wait().await.unwrap();
    let mut all: Vec<u64> = Vec::new();
    let mut acknowledged = 0;
    for round in 0..rounds {
        // Each round numbers its parcels apart from the others'.
        let (_, parcels, acked) = crash_round(&data, extra, &w, round, round * 1_000_000).await;
        all.extend(parcels);
        acknowledged += acked;
        verify_totals(&data, extra, &w, &op, all.len() as i64).await;
    }
    // The hub is stopped: the test reads the quotas through a connection of its own.
    let db = match postgres {
        Some(url) => store::postgres::open(store::postgres::options(url).unwrap(), None, 1)
            .await
            .unwrap(),
        None => store::sqlite::open(&data.join("ewtp.db"), 1).await.unwrap(),
    };
    verify_quotas(db, &w, &all).await;
    println!("crash: {rounds} rounds of SIGKILL, {} parcels, {acknowledged} steps acknowledged before the kills; all present, none doubled, books and quotas exact", all.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_survive_twenty_sigkills_on_sqlite() {
    crash_rounds(None, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_survive_twenty_sigkills_on_postgres() {
    let Some(schema) = store::testing::PgSchema::create().await.unwrap() else {
        return;
    };
    crash_rounds(Some(&schema.url), 20).await;
    schema.drop_schema().await.unwrap();
}
