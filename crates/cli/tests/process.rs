//! `ewtp serve` as a real child process: durability across SIGKILL, clean shutdown on SIGTERM,
//! and restarts that keep (and never rewrite) what is there.

mod child;

use child::{operator_key, serve, serve_logging, signal_and_wait, Served};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::Command;

async fn setup_merchant(client: &reqwest::Client, base: &str, op: &str) -> String {
    let party: Value = client
        .post(format!("{base}/v1/parties"))
        .bearer_auth(op)
        .json(&json!({"role": "merchant", "legal_name": "Kedai", "country": "MY", "registration_number": "R-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = party["key"]["token"]
        .as_str()
        .expect("merchant key")
        .to_string();
    let r = client
        .post(format!("{base}/v1/products"))
        .bearer_auth(&key)
        .json(&json!({"sku": "SKU-1", "title": "Scarf", "hs_code": "621410", "origin": "MY", "unit_price": "89.90", "currency": "MYR", "net_weight_kg": "0.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    key
}

fn order(n: u64) -> Value {
    json!({
        "order_no": format!("SO-{n}"),
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X", "country": "CN", "address": "Hangzhou", "phone": "+86 138 0000 0000"},
        "destination": "CN", "currency": "MYR",
        "lines": [{"sku": "SKU-1", "quantity": 1 + n % 5}, {"hs_code": "330499", "description": "Cream", "origin": "MY", "quantity": 1, "unit_price": format!("{}.{:02}", n % 100, n % 97)}],
        "freight": "10.00", "incoterm": "DDP"
    })
}

/// Sends orders from `workers` tasks until told to stop; remembers every acknowledged answer
/// and every attempted idempotency key.
struct Load {
    acked: Arc<Mutex<HashMap<u64, Value>>>,
    attempted: Arc<Mutex<Vec<u64>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn start_load(base: &str, key: &str, workers: u64) -> Load {
    let acked = Arc::new(Mutex::new(HashMap::new()));
    let attempted = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tasks = (0..workers)
        .map(|_| {
            let (acked, attempted, stop, next, client) = (
                acked.clone(),
                attempted.clone(),
                stop.clone(),
                next.clone(),
                client.clone(),
            );
            let (url, key) = (format!("{base}/v1/orders"), key.to_string());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    attempted.lock().unwrap().push(n);
                    let sent = client
                        .post(&url)
                        .bearer_auth(&key)
                        .header("Idempotency-Key", format!("load-{n}"))
                        .json(&order(n))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 201 => {
                            if let Ok(body) = r.json::<Value>().await {
                                acked.lock().unwrap().insert(n, body);
                            }
                        }
                        Ok(r) => {
                            assert_eq!(r.status(), 503, "only overload may refuse a valid order")
                        }
                        Err(_) => {} // the server went away: this one was not acknowledged
                    }
                }
            })
        })
        .collect();
    Load {
        acked,
        attempted,
        stop,
        tasks,
    }
}

impl Load {
    async fn wait_for_acks(&self, at_least: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.acked.lock().unwrap().len() < at_least {
            assert!(Instant::now() < deadline, "the load made no progress");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn finish(self) -> (HashMap<u64, Value>, Vec<u64>) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("load task");
        }
        let acked = self.acked.lock().unwrap().clone();
        let attempted = self.attempted.lock().unwrap().clone();
        (acked, attempted)
    }
}

/// Every acknowledged order is present and identical; retrying every attempted request with
/// its idempotency key creates each order exactly once.
async fn verify_after_restart(
    base: &str,
    key: &str,
    acked: &HashMap<u64, Value>,
    attempted: &[u64],
) {
    let client = reqwest::Client::new();
    for (n, body) in acked {
        let id = body["id"].as_str().unwrap();
        let stored: Value = client
            .get(format!("{base}/v1/orders/{id}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            &stored, body,
            "acknowledged order {n} is present and intact"
        );
    }
    let mut ids = std::collections::HashSet::new();
    for n in attempted {
        let r = client
            .post(format!("{base}/v1/orders"))
            .bearer_auth(key)
            .header("Idempotency-Key", format!("load-{n}"))
            .json(&order(*n))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "retry of {n}");
        let body: Value = r.json().await.unwrap();
        if let Some(first) = acked.get(n) {
            assert_eq!(&body, first, "a retry of an acknowledged order replays it");
        }
        ids.insert(body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), attempted.len(), "one order per idempotency key");
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}/v1/orders?limit=200&cursor={c}"),
            None => format!("{base}/v1/orders?limit=200"),
        };
        let page: Value = client
            .get(url)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(listed, attempted.len(), "no order doubled, none lost");
}

/// A hub on a fresh data folder with a merchant, under a load of 8 order writers that has had
/// at least 40 orders acknowledged.
async fn hub_under_load(
    extra: &[&str],
) -> (tempfile::TempDir, std::path::PathBuf, Served, String, Load) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = serve(&data, extra).await;
    let key = setup_merchant(&reqwest::Client::new(), &served.base, &operator_key(&data)).await;
    let load = start_load(&served.base, &key, 8);
    load.wait_for_acks(40).await;
    (dir, data, served, key, load)
}

async fn sigkill_round(extra: &[&str]) {
    let (_dir, data, first, key, load) = hub_under_load(extra).await;
    let mut child = first.child;
    child.kill().await.expect("SIGKILL"); // mid-load: requests are in flight
    let (acked, attempted) = load.finish().await;
    assert!(acked.len() >= 40);

    let second = serve(&data, extra).await;
    verify_after_restart(&second.base, &key, &acked, &attempted).await;
    println!(
        "sigkill: {} acknowledged, {} attempted, all present after restart",
        acked.len(),
        attempted.len()
    );
    let mut child = second.child;
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_orders_survive_sigkill_on_sqlite() {
    sigkill_round(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_orders_survive_sigkill_on_postgres() {
    let Some(schema) = store::testing::PgSchema::create().await.unwrap() else {
        return;
    };
    sigkill_round(&["--database", &schema.url]).await;
    schema.drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_work_and_exits_zero() {
    let (_dir, data, first, key, load) = hub_under_load(&[]).await;
    let client = reqwest::Client::new();
    let mut child = first.child;
    let status = signal_and_wait(&mut child, libc::SIGTERM).await;
    assert!(status.success(), "clean shutdown exits 0, got {status:?}");
    let (acked, attempted) = load.finish().await;
    assert!(
        client
            .get(format!("{}/healthz", first.base))
            .send()
            .await
            .is_err(),
        "no longer accepting"
    );

    let second = serve(&data, &[]).await;
    verify_after_restart(&second.base, &key, &acked, &attempted).await;
    let mut child = second.child;
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_keep_the_key_and_the_data_and_refuse_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = serve(&data, &[]).await;
    assert!(
        first
            .stdout_head
            .iter()
            .any(|l| l.starts_with("operator key (shown once")),
        "{:?}",
        first.stdout_head
    );
    let key = operator_key(&data);
    assert!(
        first.stdout_head.iter().any(|l| l.trim() == key),
        "printed once on first start"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(data.join("operator.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let client = reqwest::Client::new();
    let merchant = setup_merchant(&client, &first.base, &key).await;

    // A second process on the same data folder is refused while the first runs.
    let clash = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .await
        .unwrap();
    assert!(!clash.status.success());
    assert!(
        String::from_utf8_lossy(&clash.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&clash.stderr)
    );

    let mut child = first.child;
    child.kill().await.unwrap();
    child.wait().await.unwrap();
    let second = serve(&data, &[]).await;
    assert!(
        second.stdout_head.iter().all(|l| !l.contains(&key)),
        "the key is not printed again"
    );
    assert_eq!(operator_key(&data), key, "nor rewritten");
    assert_eq!(
        client
            .get(format!("{}/v1/me", second.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let products: Value = client
        .get(format!("{}/v1/products", second.base))
        .bearer_auth(&merchant)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(products["data"][0]["sku"], "SKU-1");
    // SIGINT (Ctrl-C) stops as cleanly as SIGTERM.
    let mut child = second.child;
    let status = signal_and_wait(&mut child, libc::SIGINT).await;
    assert!(status.success(), "SIGINT exits 0, got {status:?}");

    let other = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .args(["--listen", "127.0.0.1:0", "--hub", "CN-HGH"])
        .output()
        .await
        .unwrap();
    assert!(!other.status.success());
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("belongs to hub MY-KUL"),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .arg("serve")
        .arg("--data")
        .arg(dir.path().join("x"))
        .args(["--hub", "MYKUL"])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("CC-XXX"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_never_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let served = serve_logging(&data, &[], "trace", Stdio::from(log)).await;
    let (mut child, base) = (served.child, served.base);
    let client = reqwest::Client::new();
    let key = setup_merchant(&client, &base, &operator_key(&data)).await;
    let mut body = order(1);
    body["buyer"]["id_number"] = json!("44030419850315781X");
    body["buyer"]["phone"] = json!("+86 139 8765 4321");
    let placed = client
        .post(format!("{base}/v1/orders"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 201);
    body["currency"] = json!("XYZ"); // an error path too
    assert_eq!(
        client
            .post(format!("{base}/v1/orders"))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    assert!(signal_and_wait(&mut child, libc::SIGTERM).await.success());
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logged.len() > 1000,
        "trace logging was on: {} bytes",
        logged.len()
    );
    for secret in ["44030419850315781X", "8765 4321", "Wang Fang", &key] {
        assert!(!logged.contains(secret), "`{secret}` reached the log");
    }
}
