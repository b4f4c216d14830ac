//! `ewtp bench orders` and `ewtp bench quotes`: order creation and landed-cost quotes over HTTP,
//! each measured against `GET /healthz` in the same run (same machine, same moment), so the
//! ratio means something on any machine.

use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Create orders as fast as the hub takes them; compare with /healthz.
    Orders(OrdersArgs),
    /// Quote landed costs (POST /v1/quotes, no key needed); compare with /healthz.
    Quotes(QuotesArgs),
    /// Ledger transfers committed durably per second, batch sizes 1, 100 and 8,000, on SQLite
    /// and PostgreSQL, against pgbench TPC-B on the same PostgreSQL.
    Ledger(crate::bench_ledger::LedgerArgs),
    /// Parcels through customs: order, payment and waybill over HTTP until the declaration is
    /// released; the decision latency from the third document; compare with /healthz.
    Clearance(crate::bench_clearance::ClearanceArgs),
}

#[derive(Args, Clone)]
pub struct QuotesArgs {
    /// Hub to measure; without it the bench starts its own on a temporary data folder.
    #[arg(long)]
    pub url: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds of each load (/healthz and quotes take turns in half-second slices).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Item lines per quote.
    #[arg(long, default_value_t = 1)]
    pub lines: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Clone)]
pub struct OrdersArgs {
    /// Hub to measure; without it the bench starts its own on a temporary data folder.
    #[arg(long)]
    pub url: Option<String>,
    /// An operator key (a merchant is created) or a merchant key. Required with --url.
    #[arg(long)]
    pub key: Option<String>,
    /// With no --url: run the bench's own hub on this PostgreSQL instead of SQLite.
    #[arg(long)]
    pub database: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds of each load (/healthz and orders take turns in half-second slices).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cmd: BenchCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        BenchCommand::Orders(args) => orders(args).await,
        BenchCommand::Quotes(args) => quotes(args).await,
        BenchCommand::Ledger(args) => crate::bench_ledger::run(args).await,
        BenchCommand::Clearance(args) => crate::bench_clearance::run(args).await,
    }
}

pub(crate) struct Phase {
    pub(crate) per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    first_error: Option<String>,
}

async fn orders(args: OrdersArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.concurrency == 0 || args.seconds == 0 {
        return Err("--concurrency and --seconds must be at least 1".into());
    }
    let client = client(args.concurrency)?;
    // Keep the temporary data folder and the hub alive for the whole run.
    let mut own_hub = None;
    let mut _data_dir = None;
    let mut bench_schema = None;
    let (url, key) = match &args.url {
        Some(url) => (
            url.trim_end_matches('/').to_string(),
            args.key.clone().ok_or("--key is required with --url")?,
        ),
        None => {
            let dir = tempfile::tempdir()?;
            // On PostgreSQL the bench's hub gets a schema of its own, dropped at the end.
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
    let merchant_key = merchant_key(&client, &url, &key).await?;
    let sku = create_product(&client, &url, &merchant_key).await?;

    let orders_url = format!("{url}/v1/orders");
    let auth = format!("Bearer {merchant_key}");
    let run_id = std::process::id();
    let (prefix, suffix) = order_body_template(&sku);
    let orders = Load::new(
        move |c, n| {
            c.post(&orders_url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .header("idempotency-key", format!("bench-{run_id}-{n}"))
                .body(format!("{prefix}{n}{suffix}"))
        },
        201,
    );
    let (healthz, orders) =
        against_healthz(&client, &url, orders, args.concurrency, args.seconds).await;
    if let Some(mut child) = own_hub {
        stop_hub(&mut child).await;
    }
    if let Some(schema) = bench_schema {
        schema.drop_schema().await?;
    }
    report(
        Subject {
            plural: "orders",
            singular: "order",
        },
        &healthz,
        &orders,
        args.json,
        json!({"healthz_p50_ms": round2(healthz.p50_ms), "concurrency": args.concurrency, "seconds": args.seconds}),
        format!(
            "concurrency {}, {} s of each",
            args.concurrency, args.seconds
        ),
    );
    Ok(())
}

async fn quotes(args: QuotesArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.concurrency == 0 || args.seconds == 0 || args.lines == 0 || args.lines > 100 {
        return Err("--concurrency and --seconds must be at least 1, --lines 1 to 100".into());
    }
    let client = client(args.concurrency)?;
    let mut own_hub = None;
    let mut _data_dir = None;
    let url = match &args.url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let dir = tempfile::tempdir()?;
            let (child, url) = spawn_hub(dir.path(), None).await?;
            own_hub = Some(child);
            _data_dir = Some(dir);
            url
        }
    };
    // A cosmetics parcel to China: CBEC regime, consumption tax grossed up, VAT at 70%.
    let items: Vec<Value> = (0..args.lines)
        .map(|i| json!({"hs_code": if i % 2 == 0 { "330499" } else { "610910" }, "description": format!("item {i}"),
                        "quantity": 1 + i % 3, "unit_price": format!("{}.50", 100 + i)}))
        .collect();
    let body = json!({"origin": "MY", "destination": "CN", "currency": "CNY", "freight": "20.00",
                      "insurance": "1.20", "incoterm": "DDP", "items": items})
    .to_string();
    // One request first, so a wrong body fails loudly instead of measuring errors.
    let first = client
        .post(format!("{url}/v1/quotes"))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await?;
    if first.status() != 200 {
        return Err(format!(
            "the quote request failed: {} {}",
            first.status(),
            first.text().await.unwrap_or_default()
        )
        .into());
    }
    let quotes_url = format!("{url}/v1/quotes");
    let quotes = Load::new(
        move |c, _| {
            c.post(&quotes_url)
                .header("content-type", "application/json")
                .body(body.clone())
        },
        200,
    );
    let (healthz, quotes) =
        against_healthz(&client, &url, quotes, args.concurrency, args.seconds).await;
    if let Some(mut child) = own_hub {
        stop_hub(&mut child).await;
    }
    report(
        Subject {
            plural: "quotes",
            singular: "quote",
        },
        &healthz,
        &quotes,
        args.json,
        json!({"lines": args.lines, "concurrency": args.concurrency, "seconds": args.seconds}),
        format!(
            "{} line(s), concurrency {}, {} s of each",
            args.lines, args.concurrency, args.seconds
        ),
    );
    Ok(())
}

/// What a bench measures, for its report's keys and labels.
struct Subject {
    plural: &'static str,
    singular: &'static str,
}

/// Prints one run: a JSON object (`{plural}_per_s`, `healthz_per_s`, `ratio`, `p50_ms`, `p99_ms`,
/// `healthz_p99_ms`, `{singular}_errors`, and `extra`'s fields) or three lines of text; the first
/// error of each load goes to stderr.
fn report(
    what: Subject,
    healthz: &Phase,
    load: &Phase,
    as_json: bool,
    extra: Value,
    setting: String,
) {
    let ratio = if healthz.per_s > 0.0 {
        load.per_s / healthz.per_s
    } else {
        0.0
    };
    if as_json {
        let mut out = json!({
            format!("{}_per_s", what.plural): round2(load.per_s),
            "healthz_per_s": round2(healthz.per_s),
            "ratio": (ratio * 1000.0).round() / 1000.0,
            "p50_ms": round2(load.p50_ms),
            "p99_ms": round2(load.p99_ms),
            "healthz_p99_ms": round2(healthz.p99_ms),
            format!("{}_errors", what.singular): load.errors,
        });
        if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
            out.extend(extra);
        }
        println!("{out}");
    } else {
        for (name, phase) in [("healthz", healthz), (what.plural, load)] {
            println!(
                "{name:<8} {:>10.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}",
                phase.per_s, phase.p50_ms, phase.p99_ms, phase.errors
            );
        }
        println!(
            "ratio    {ratio:>10.3} ({} / healthz; {setting}, interleaved)",
            what.plural
        );
    }
    for (name, phase) in [("healthz", healthz), (what.plural, load)] {
        if let Some(e) = &phase.first_error {
            eprintln!("{name}: {} errors; first: {e}", phase.errors);
        }
    }
}

pub(crate) fn client(concurrency: usize) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency * 2)
        .timeout(Duration::from_secs(30))
        .build()
}

/// Runs `load` and `GET /healthz` for `seconds` each, taking turns in short slices so that both
/// see the same machine: on a shared VM the speed drifts over seconds, and back-to-back phases
/// would put the drift in the ratio.
async fn against_healthz(
    client: &reqwest::Client,
    url: &str,
    mut load: Load,
    concurrency: usize,
    seconds: u64,
) -> (Phase, Phase) {
    let healthz_url = format!("{url}/healthz");
    let mut healthz = Load::new(move |c, _| c.get(&healthz_url), 200);
    let per_load = Duration::from_secs(seconds);
    while healthz.busy < per_load || load.busy < per_load {
        healthz.run_slice(client, concurrency, SLICE).await;
        load.run_slice(client, concurrency, SLICE).await;
    }
    (healthz.finish(), load.finish())
}

/// Runs `ewtp serve` (this same binary) as a separate process, as a hub runs in production,
/// so that the client and the hub do not share one async runtime.
pub(crate) async fn spawn_hub(
    data: &std::path::Path,
    database: Option<&str>,
) -> Result<(tokio::process::Child, String), Box<dyn std::error::Error>> {
    use tokio::io::AsyncBufReadExt;
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    cmd.arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"]);
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let mut child = cmd
        .env("EWTP_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout from ewtp serve")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await? {
        if let Some(url) = line.strip_prefix("listening on ") {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok((child, url.to_string()));
        }
    }
    Err("ewtp serve exited before it listened".into())
}

pub(crate) async fn stop_hub(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        // A clean stop (SIGTERM), so the temporary database is closed properly.
        // SAFETY: signalling our own child process, which we have not yet waited for.
        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    }
    let _ = child.wait().await;
}

pub(crate) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The order body with its number left open: the client formats one string per request rather
/// than building and serializing a JSON tree, so that the bench spends its CPU on sending.
fn order_body_template(sku: &str) -> (String, String) {
    let rest = json!({
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X", "country": "CN",
                  "address": "1 Wensan Road, Xihu, Hangzhou", "phone": "+86 138 0000 0000"},
        "destination": "CN",
        "currency": "MYR",
        "lines": [
            {"sku": sku, "quantity": 2},
            {"hs_code": "330499", "description": "Face cream 50 ml", "origin": "MY", "quantity": 1, "unit_price": "45.00"}
        ],
        "freight": "18.00",
        "insurance": "1.20",
        "incoterm": "DDP"
    })
    .to_string();
    let prefix = format!("{{\"order_no\":\"BENCH-{}-", std::process::id());
    let suffix = format!("\",{}", &rest[1..]);
    (prefix, suffix)
}

async fn merchant_key(
    client: &reqwest::Client,
    url: &str,
    key: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let me: Value = client
        .get(format!("{url}/v1/me"))
        .bearer_auth(key)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    match me["party"]["role"].as_str() {
        Some("merchant") => Ok(key.to_string()),
        Some("operator") => {
            let created: Value = client
                .post(format!("{url}/v1/parties"))
                .bearer_auth(key)
                .json(&json!({"role": "merchant", "legal_name": "Bench Batik Sdn Bhd", "country": "MY", "registration_number": "BENCH-1"}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            created["key"]["token"]
                .as_str()
                .map(String::from)
                .ok_or_else(|| "no token in the new party's answer".into())
        }
        other => Err(format!("--key must be an operator or merchant key (it is {other:?})").into()),
    }
}

async fn create_product(
    client: &reqwest::Client,
    url: &str,
    key: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let sku = format!("BENCH-{}", std::process::id());
    client
        .post(format!("{url}/v1/products"))
        .bearer_auth(key)
        .json(&json!({"sku": sku, "title": "Batik silk scarf", "hs_code": "621410", "origin": "MY", "unit_price": "89.90", "currency": "MYR", "net_weight_kg": "0.120"}))
        .send()
        .await?
        .error_for_status()?;
    Ok(sku)
}

/// How long each load runs before the other takes its turn.
pub(crate) const SLICE: Duration = Duration::from_millis(500);

type BuildRequest = dyn Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync;

/// One kind of request, measured across all its slices.
pub(crate) struct Load {
    build: Arc<BuildRequest>,
    expect: u16,
    /// Numbers the requests (and so the idempotency keys) across slices.
    sequence: Arc<AtomicU64>,
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
    pub(crate) busy: Duration,
}

impl Load {
    pub(crate) fn new(
        build: impl Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
        expect: u16,
    ) -> Load {
        Load {
            build: Arc::new(build),
            expect,
            sequence: Arc::new(AtomicU64::new(0)),
            latencies_us: Vec::new(),
            errors: 0,
            first_error: None,
            busy: Duration::ZERO,
        }
    }

    /// Runs `concurrency` loops for `length`; each sends requests one after another and records
    /// the latency of every answer with the expected status.
    pub(crate) async fn run_slice(
        &mut self,
        client: &reqwest::Client,
        concurrency: usize,
        length: Duration,
    ) {
        let started = Instant::now();
        let deadline = started + length;
        let mut workers = Vec::with_capacity(concurrency);
        for _ in 0..concurrency {
            let (client, build, sequence, expect) = (
                client.clone(),
                self.build.clone(),
                self.sequence.clone(),
                self.expect,
            );
            workers.push(tokio::spawn(async move {
                let mut latencies_us: Vec<u32> = Vec::new();
                let mut errors = 0u64;
                let mut first_error = None;
                while Instant::now() < deadline {
                    let n = sequence.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    match build(&client, n).send().await {
                        Ok(r) if r.status().as_u16() == expect => {
                            let _ = r.bytes().await;
                            latencies_us.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                        }
                        Ok(r) => {
                            errors += 1;
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            first_error.get_or_insert(format!(
                                "{status}: {}",
                                body.chars().take(300).collect::<String>()
                            ));
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e.to_string());
                        }
                    }
                }
                (latencies_us, errors, first_error)
            }));
        }
        for w in workers {
            if let Ok((l, e, f)) = w.await {
                self.latencies_us.extend(l);
                self.errors += e;
                if self.first_error.is_none() {
                    self.first_error = f;
                }
            }
        }
        self.busy += started.elapsed();
    }

    pub(crate) fn finish(mut self) -> Phase {
        self.latencies_us.sort_unstable();
        let all = &self.latencies_us;
        let pct = |p: usize| {
            if all.is_empty() {
                0.0
            } else {
                all[(all.len() * p / 100).min(all.len() - 1)] as f64 / 1000.0
            }
        };
        Phase {
            per_s: all.len() as f64 / self.busy.as_secs_f64().max(f64::MIN_POSITIVE),
            p50_ms: pct(50),
            p99_ms: pct(99),
            errors: self.errors,
            first_error: self.first_error,
        }
    }
}
