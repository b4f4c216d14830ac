//! `ewtp bench clearance`: parcels through customs over HTTP. Each worker sends a parcel's three
//! documents one after another — order (platform), payment notice (payment provider), waybill
//! (carrier) — and the answer to the waybill carries the declaration: the hub clears it in the
//! same transaction. A parcel counts when its declaration is released; the decision latency is
//! the waybill's round trip, from the third document sent to the decision received.
//! `/healthz` runs in the same run, in alternating slices, for the ratio. Both loads go through
//! the bench's own HTTP/1.1 client (`bench_http`), one keep-alive connection per worker.

use crate::bench::{client, round2, spawn_hub, stop_hub, SLICE};
use crate::bench_ceb::accepted;
use crate::bench_http::{Connection, RequestHead};
use ceb::compose::{CebParcels, MAX_DOCUMENTS_PER_MESSAGE};
use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct ClearanceArgs {
    /// Hub to measure; without it the bench starts its own on a temporary data folder.
    #[arg(long)]
    pub url: Option<String>,
    /// An operator key of the hub at --url (the bench creates its parties). Required with --url.
    #[arg(long)]
    pub key: Option<String>,
    /// With no --url: run the bench's own hub on this PostgreSQL instead of SQLite.
    #[arg(long)]
    pub database: Option<String>,
    /// Parcels in flight at once (each sends its three documents in turn). The default, 128,
    /// is where the rate peaks on the 2-core machine of docs/performance.md; the decision
    /// latency's target is a matter of moderate loads (4 to 16).
    #[arg(long, default_value_t = 128)]
    pub concurrency: usize,
    /// Seconds of each load (/healthz and parcels take turns in half-second slices).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Send the documents as China customs messages on /ceb/v1/messages instead of JSON, this
    /// many parcels a message (1 to 100, the standard's limit): a CEB311 of orders, a CEB411 of
    /// payments, a CEB511 of waybills. 0 (the default) sends JSON, one document a request.
    #[arg(long, default_value_t = 0)]
    pub ceb_batch: usize,
}

/// The bench's parties and the parts of each parcel's documents that do not change. The request
/// heads (path, host, credentials) are formatted once: the client shares the hub's two cores, so
/// what it spends per request is taken from the hub.
struct Setup {
    order: RequestHead,
    payment: RequestHead,
    waybill: RequestHead,
    merchant_id: String,
    tax: String,
    paid: String,
    /// The same three senders on /ceb/v1/messages.
    ceb_order: RequestHead,
    ceb_payment: RequestHead,
    ceb_waybill: RequestHead,
    ceb: CebParcels,
    /// Parcels a CEB message carries; 0 for JSON.
    ceb_batch: usize,
    /// The merchant's key: it reads its declarations to check a CEB run.
    merchant_key: String,
}

/// What the bench reads of the waybill's answer; the rest of it is skipped unparsed.
#[derive(Deserialize)]
struct WaybillAnswer {
    declaration: Option<DeclarationStatus>,
}

#[derive(Deserialize)]
struct DeclarationStatus {
    status: String,
}

pub async fn run(args: ClearanceArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.concurrency == 0 || args.seconds == 0 {
        return Err("--concurrency and --seconds must be at least 1".into());
    }
    if args.ceb_batch > MAX_DOCUMENTS_PER_MESSAGE {
        return Err(format!(
            "--ceb-batch must be 0 (JSON) or 1 to {MAX_DOCUMENTS_PER_MESSAGE} (a CEB message's limit)"
        )
        .into());
    }
    let client = client(args.concurrency)?;
    let mut own_hub = None;
    let mut _data_dir = None;
    let mut bench_schema = None;
    let (url, key) = match &args.url {
        Some(url) => (
            url.trim_end_matches('/').to_string(),
            args.key
                .clone()
                .ok_or("--key (an operator key) is required with --url")?,
        ),
        None => {
            let dir = tempfile::tempdir()?;
            if let Some(base) = &args.database {
                bench_schema = Some(store::testing::PgSchema::create_in(base, "ewtp_bench").await?);
            }
            let database = bench_schema.as_ref().map(|s| s.url.clone());
            let (child, url) = spawn_hub(dir.path(), database.as_deref()).await?;
            let key = std::fs::read_to_string(dir.path().join(hub::OPERATOR_KEY_FILE))?
                .trim()
                .to_string();
            own_hub = Some(child);
            _data_dir = Some(dir);
            (url, key)
        }
    };
    let (addr, host) = socket_address(&url).await?;
    let setup = Arc::new(setup(&client, &url, &host, &key, args.ceb_batch).await?);
    let mut parcels = Parcels::new(addr, args.concurrency);
    let mut healthz = Healthz::new(addr, &host, args.concurrency);
    let per_load = Duration::from_secs(args.seconds);
    // The hub's resident memory and the parcel rate over the run, when the hub is the bench's own:
    // a long run (a soak) shows whether either drifts.
    let hub_pid = own_hub
        .as_ref()
        .and_then(|c: &tokio::process::Child| c.id());
    let mut timeline: Vec<Value> = Vec::new();
    // Each point: parcels released per second of parcel load (the healthz slices left out, as
    // in the overall rate) since the previous point.
    let mut last = (Duration::ZERO, 0u64);
    let every = Duration::from_secs((args.seconds / 20).max(1));
    while parcels.busy < per_load || healthz.busy < per_load {
        healthz.run_slice().await;
        parcels.run_slice(&setup).await;
        if parcels.busy - last.0 >= every {
            let rate = (parcels.released - last.1) as f64 / (parcels.busy - last.0).as_secs_f64();
            timeline.push(
                json!({"busy_s": round2(parcels.busy.as_secs_f64()), "parcels_per_s": round2(rate),
                                 "rss_mb": hub_pid.and_then(rss_mb).map(round2)}),
            );
            last = (parcels.busy, parcels.released);
        }
    }
    if setup.ceb_batch > 0 {
        // Receipts say a document was accepted; the declarations say what clearance decided.
        let (released, other) = declarations_by_status(&client, &url, &setup).await?;
        if released != parcels.released || other.is_some() {
            parcels.errors += parcels.released.saturating_sub(released).max(1);
            parcels.first_error.get_or_insert(format!(
                "{} parcels' messages were accepted, {released} declarations released; first other: {other:?}",
                parcels.released
            ));
            parcels.released = released.min(parcels.released);
        }
    }
    if let Some(mut child) = own_hub {
        stop_hub(&mut child).await;
    }
    if let Some(schema) = bench_schema {
        schema.drop_schema().await?;
    }
    let parcels_per_s = parcels.released as f64 / parcels.busy.as_secs_f64().max(f64::MIN_POSITIVE);
    let healthz_per_s = healthz.per_s();
    let (p50, p99) = percentiles(&mut parcels.decision_us);
    let ratio = if healthz_per_s > 0.0 {
        parcels_per_s / healthz_per_s
    } else {
        0.0
    };
    let backend = if args.database.is_some() {
        "postgres"
    } else if args.url.is_some() {
        "given"
    } else {
        "sqlite"
    };
    if args.json {
        println!(
            "{}",
            json!({
                "parcels_per_s": round2(parcels_per_s),
                "healthz_per_s": round2(healthz_per_s),
                "decision_p50_ms": round2(p50),
                "decision_p99_ms": round2(p99),
                "documents_per_s": round2(parcels_per_s * 3.0),
                "ratio": (ratio * 1000.0).round() / 1000.0,
                "parcel_errors": parcels.errors,
                "ceb_batch": args.ceb_batch,
                "healthz_errors": healthz.errors,
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "backend": backend,
                "timeline": timeline,
            })
        );
    } else {
        println!("parcels  {parcels_per_s:>10.1} cleared/s ({:.1} documents/s)   decision p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   errors {}", parcels_per_s * 3.0, parcels.errors);
        println!("healthz  {healthz_per_s:>10.1} req/s");
        println!("ratio    {ratio:>10.3} (parcels / healthz; concurrency {}, {} s of each, {backend}, interleaved)", args.concurrency, args.seconds);
    }
    if let Some(e) = &parcels.first_error {
        eprintln!("parcels: {} errors; first: {e}", parcels.errors);
    }
    if let Some(e) = &healthz.first_error {
        eprintln!("healthz: {} errors; first: {e}", healthz.errors);
    }
    Ok(())
}

/// The address the bench connects to and the `Host` it names, from `http://host:port`.
async fn socket_address(
    url: &str,
) -> Result<(std::net::SocketAddr, String), Box<dyn std::error::Error>> {
    let host = url
        .strip_prefix("http://")
        .ok_or("the clearance bench speaks plain HTTP: --url must start with http://")?
        .trim_end_matches('/');
    if host.contains('/') {
        return Err("--url must be the hub's root (http://host:port), without a path".into());
    }
    let with_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    let addr = tokio::net::lookup_host(&with_port)
        .await?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    Ok((addr, host.to_string()))
}
/// The resident memory of process `pid` in MB (Linux: `VmRSS` of /proc/PID/status).
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn percentiles(us: &mut [u32]) -> (f64, f64) {
    us.sort_unstable();
    let pct = |p: usize| {
        if us.is_empty() {
            0.0
        } else {
            us[(us.len() * p / 100).min(us.len() - 1)] as f64 / 1000.0
        }
    };
    (pct(50), pct(99))
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
) -> Result<Value, Box<dyn std::error::Error>> {
    let r = client.post(url).bearer_auth(key).json(body).send().await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        return Err(format!("{url}: {status} {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}

/// The parties, a product, and the tax of the bench's parcel (one T-shirt to China, DDP).
async fn setup(
    client: &reqwest::Client,
    url: &str,
    host: &str,
    operator: &str,
    ceb_batch: usize,
) -> Result<Setup, Box<dyn std::error::Error>> {
    let run = std::process::id();
    // Customs codes for the CEB messages' party codes: distinct per run (the process id) and role.
    let code = |i: usize| format!("B{run}R{i}");
    let party = |role: &str, name: &str, i: usize| json!({"role": role, "legal_name": name, "country": "MY", "registration_number": format!("BENCH-{run}-{role}"), "customs_code": code(i)});
    let parties = format!("{url}/v1/parties");
    let mut keys = Vec::new();
    let mut merchant_id = String::new();
    for (i, (role, name)) in [
        ("merchant", "Bench Batik Sdn Bhd"),
        ("platform", "Bench Mall"),
        ("payment", "Bench Pay"),
        ("logistics", "Bench Express"),
    ]
    .into_iter()
    .enumerate()
    {
        let created = post(client, &parties, operator, &party(role, name, i)).await?;
        if role == "merchant" {
            merchant_id = created["party"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        keys.push(
            created["key"]["token"]
                .as_str()
                .ok_or("no key in the party's answer")?
                .to_string(),
        );
    }
    post(
        client,
        &format!("{url}/v1/products"),
        &keys[0],
        &json!({"sku": "BENCH-TEE", "title": "Cotton T-shirt", "hs_code": "610910", "origin": "MY", "unit_price": "100.00", "currency": "CNY", "net_weight_kg": "0.200"}),
    )
    .await?;
    let quote = client
        .post(format!("{url}/v1/quotes"))
        .json(&json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": "20.00",
                      "items": [{"hs_code": "610910", "quantity": 1, "unit_price": "100.00", "origin": "MY"}]}))
        .send()
        .await?
        .error_for_status()?
        .json::<Value>()
        .await?;
    let tax = quote["tax_total"]
        .as_str()
        .ok_or("no tax in the quote")?
        .to_string();
    let paid = minor_text(12_000 + minor(&tax)?);
    let xml = |key: &str| {
        RequestHead::with_type(
            "POST",
            "/ceb/v1/messages",
            host,
            Some(key),
            "application/xml",
        )
    };
    Ok(Setup {
        order: RequestHead::new("POST", "/v1/orders", host, Some(&keys[1])),
        payment: RequestHead::new("POST", "/v1/payments", host, Some(&keys[2])),
        waybill: RequestHead::new("POST", "/v1/waybills", host, Some(&keys[3])),
        ceb_order: xml(&keys[1]),
        ceb_payment: xml(&keys[2]),
        ceb_waybill: xml(&keys[3]),
        ceb: CebParcels {
            merchant_code: code(0),
            platform_code: code(1),
            psp_code: code(2),
            carrier_code: code(3),
            sku: "BENCH-TEE".into(),
            price: "100.00".into(),
            freight: "20.00".into(),
            tax: tax.clone(),
            paid: paid.clone(),
            run,
        },
        ceb_batch,
        merchant_key: keys[0].clone(),
        merchant_id,
        tax,
        paid,
    })
}

fn minor(text: &str) -> Result<i64, Box<dyn std::error::Error>> {
    let (units, cents) = text.split_once('.').ok_or("an amount with two decimals")?;
    Ok(units.parse::<i64>()? * 100 + cents.parse::<i64>()?)
}

fn minor_text(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// A valid Chinese resident ID for buyer `n`: every parcel has its own buyer, so no buyer's
/// annual quota fills up during the run.
fn resident_id(n: u64) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    const DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    // Beijing Xicheng, born on a day of 1990 and with a sequence number, both from n.
    let mut day = (n / 1000) % 365;
    let mut month = 0;
    while day >= DAYS[month] {
        day -= DAYS[month];
        month += 1;
    }
    let body = format!("1101021990{:02}{:02}{:03}", month + 1, day + 1, n % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize] as char)
}

struct Parcels {
    /// One per worker, kept open across slices.
    connections: Vec<Connection>,
    sequence: Arc<AtomicU64>,
    released: u64,
    decision_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
    busy: Duration,
}

impl Parcels {
    fn new(addr: std::net::SocketAddr, concurrency: usize) -> Parcels {
        Parcels {
            connections: (0..concurrency).map(|_| Connection::new(addr)).collect(),
            sequence: Arc::default(),
            released: 0,
            decision_us: Vec::new(),
            errors: 0,
            first_error: None,
            busy: Duration::ZERO,
        }
    }

    async fn run_slice(&mut self, setup: &Arc<Setup>) {
        let started = Instant::now();
        let deadline = started + SLICE;
        let mut workers = Vec::with_capacity(self.connections.len());
        for mut connection in std::mem::take(&mut self.connections) {
            let (setup, sequence) = (setup.clone(), self.sequence.clone());
            workers.push(tokio::spawn(async move {
                let mut done = (0u64, Vec::new(), 0u64, None::<String>);
                let per_round = setup.ceb_batch.max(1) as u64;
                while Instant::now() < deadline {
                    let n = sequence.fetch_add(per_round, Ordering::Relaxed);
                    let sent = if setup.ceb_batch == 0 {
                        parcel(&mut connection, &setup, n).await
                    } else {
                        ceb_parcels(&mut connection, &setup, n).await
                    };
                    match sent {
                        Ok(decision_us) => {
                            done.0 += per_round;
                            done.1.push(decision_us);
                        }
                        Err(e) => {
                            done.2 += per_round;
                            done.3.get_or_insert(e.to_string());
                        }
                    }
                }
                (connection, done)
            }));
        }
        for w in workers {
            if let Ok((connection, (released, decisions, errors, first))) = w.await {
                self.connections.push(connection);
                self.released += released;
                self.decision_us.extend(decisions);
                self.errors += errors;
                if self.first_error.is_none() {
                    self.first_error = first;
                }
            }
        }
        self.busy += started.elapsed();
    }
}

/// `GET /healthz` from as many workers, on connections of their own.
struct Healthz {
    connections: Vec<Connection>,
    head: RequestHead,
    answered: u64,
    errors: u64,
    first_error: Option<String>,
    busy: Duration,
}

impl Healthz {
    fn new(addr: std::net::SocketAddr, host: &str, concurrency: usize) -> Healthz {
        Healthz {
            connections: (0..concurrency).map(|_| Connection::new(addr)).collect(),
            head: RequestHead::new("GET", "/healthz", host, None),
            answered: 0,
            errors: 0,
            first_error: None,
            busy: Duration::ZERO,
        }
    }

    async fn run_slice(&mut self) {
        let started = Instant::now();
        let deadline = started + SLICE;
        let mut workers = Vec::with_capacity(self.connections.len());
        for mut connection in std::mem::take(&mut self.connections) {
            let head = self.head.clone();
            workers.push(tokio::spawn(async move {
                let (mut answered, mut errors, mut first) = (0u64, 0u64, None::<String>);
                while Instant::now() < deadline {
                    match connection.exchange(&head, b"").await {
                        Ok(a) if a.status == 200 => answered += 1,
                        Ok(a) => {
                            errors += 1;
                            first.get_or_insert(format!("/healthz answered {}", a.status));
                        }
                        Err(e) => {
                            errors += 1;
                            first.get_or_insert(e.to_string());
                        }
                    }
                }
                (connection, answered, errors, first)
            }));
        }
        for w in workers {
            if let Ok((connection, answered, errors, first)) = w.await {
                self.connections.push(connection);
                self.answered += answered;
                self.errors += errors;
                if self.first_error.is_none() {
                    self.first_error = first;
                }
            }
        }
        self.busy += started.elapsed();
    }

    fn per_s(&self) -> f64 {
        self.answered as f64 / self.busy.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// One parcel, its documents in turn; the waybill's round trip in microseconds. The bodies are
/// formatted as text (every value in them is the bench's own, with nothing to escape).
async fn parcel(
    connection: &mut Connection,
    s: &Setup,
    n: u64,
) -> Result<u32, Box<dyn std::error::Error>> {
    let order_no = format!("BENCH-{}-{n}", std::process::id());
    let buyer_id = resident_id(n);
    let order = format!(
        r#"{{"merchant_id":"{}","order_no":"{order_no}","buyer":{{"name":"Wang Fang","id_type":"national_id","id_number":"{buyer_id}","country":"CN","address":"1 Wensan Road, Hangzhou","phone":"+86 138 0000 1234"}},"destination":"CN","currency":"CNY","lines":[{{"sku":"BENCH-TEE","quantity":1}}],"freight":"20.00","tax_withheld":"{}","incoterm":"DDP"}}"#,
        s.merchant_id, s.tax
    );
    send(connection, &s.order, "order", &order).await?;
    let payment = format!(
        r#"{{"order_no":"{order_no}","transaction_id":"TX-{order_no}","payer":{{"name":"Wang Fang","id_type":"national_id","id_number":"{buyer_id}"}},"amount":"{}","currency":"CNY","paid_at":"2026-01-02T10:00:00+08:00"}}"#,
        s.paid
    );
    send(connection, &s.payment, "payment", &payment).await?;
    let waybill = format!(
        r#"{{"waybill_no":"SF-{order_no}","order_no":"{order_no}","consignee":{{"name":"Wang Fang","address":"1 Wensan Road, Hangzhou","phone":"13800001234"}},"gross_weight_kg":"0.300","package_count":1,"freight":"20.00","currency":"CNY"}}"#
    );
    let t = Instant::now();
    let answer = send(connection, &s.waybill, "waybill", &waybill).await?;
    let elapsed = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
    let read: WaybillAnswer = serde_json::from_slice(answer)?;
    match read.declaration.as_ref().map(|d| d.status.as_str()) {
        Some("released") => Ok(elapsed),
        other => Err(format!(
            "parcel {n}: the declaration is {other:?}, not released: {}",
            String::from_utf8_lossy(answer)
        )
        .into()),
    }
}

/// `setup.ceb_batch` parcels from `first` as three CEB messages; the CEB511's round trip in
/// microseconds. Every document of every message must be accepted (`returnStatus` 120).
async fn ceb_parcels(
    connection: &mut Connection,
    s: &Setup,
    first: u64,
) -> Result<u32, Box<dyn std::error::Error>> {
    let batch = s.ceb.batch(first, s.ceb_batch, resident_id)?;
    let check = |what: &str, receipt: &[u8]| -> Result<(), String> {
        let text = String::from_utf8_lossy(receipt);
        match accepted(&text) {
            (n, None) if n == s.ceb_batch => Ok(()),
            (n, other) => Err(format!(
                "{what} from parcel {first}: {n} of {} documents accepted; first other: {other:?}",
                s.ceb_batch
            )),
        }
    };
    let receipt = send(connection, &s.ceb_order, "CEB311", &batch.orders).await?;
    check("CEB311", receipt)?;
    let receipt = send(connection, &s.ceb_payment, "CEB411", &batch.payments).await?;
    check("CEB411", receipt)?;
    let t = Instant::now();
    let receipt = send(connection, &s.ceb_waybill, "CEB511", &batch.waybills).await?;
    let elapsed = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
    check("CEB511", receipt)?;
    Ok(elapsed)
}

/// The merchant's declarations of this run: how many are released, and the first in any other
/// status (id and status), read page by page after the run.
async fn declarations_by_status(
    client: &reqwest::Client,
    url: &str,
    s: &Setup,
) -> Result<(u64, Option<String>), Box<dyn std::error::Error>> {
    let mut released = 0u64;
    let mut other = None;
    let mut cursor: Option<String> = None;
    loop {
        let mut page_url = format!("{url}/v1/declarations?limit=200");
        if let Some(c) = &cursor {
            page_url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(&page_url)
            .bearer_auth(&s.merchant_key)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        for d in page["data"]
            .as_array()
            .ok_or("no data in the declarations page")?
        {
            match d["status"].as_str() {
                Some("released") => released += 1,
                status => {
                    other.get_or_insert(format!("{}: {status:?}", d["id"]));
                }
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    Ok((released, other))
}

/// POSTs a JSON body; the answer's bytes when it succeeded (2xx), else an error with its text.
async fn send<'c>(
    connection: &'c mut Connection,
    head: &RequestHead,
    what: &str,
    body: &str,
) -> Result<&'c [u8], Box<dyn std::error::Error>> {
    let answer = connection
        .exchange(head, body.as_bytes())
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "{what}: {} {}",
            answer.status,
            String::from_utf8_lossy(answer.body)
        )
        .into());
    }
    Ok(answer.body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_ids_are_valid_and_distinct() {
        let ids: std::collections::HashSet<String> =
            (0..400_000).step_by(97).map(super::resident_id).collect();
        assert_eq!(ids.len(), (0..400_000).step_by(97).count(), "distinct");
        for id in &ids {
            let today = time::Date::from_calendar_date(2026, time::Month::January, 1).unwrap();
            assert!(customs::check_cn_resident_id(id, today).is_ok(), "{id}");
        }
    }
}
