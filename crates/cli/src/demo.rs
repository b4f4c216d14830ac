//! `ewtp demo`: a hub of its own (SQLite, a fresh data folder unless told otherwise), a
//! realistic population — merchants in four countries with catalogs of real HS headings, a
//! marketplace, payment providers, carriers, a customs officer, buyers with valid IDs — and
//! cross-border trade driven through the public HTTP API: quotes, orders, payments and waybills in
//! random arrival order, officers' decisions on held declarations, deliveries, returns, payouts.
//! A progress bar shows the live rates; a summary table follows (and `--summary-json`). Then the
//! hub keeps running for the user to explore, unless `--exit`.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct DemoArgs {
    /// Stop after this many parcels (default: run for --seconds).
    #[arg(long)]
    pub orders: Option<u64>,
    /// Seconds of trade.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Data folder (default: a fresh temporary one, removed when the demo ends).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Parcels in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seed of the simulation (default: from the clock); the same seed makes the same choices.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the summary as JSON to this file too.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Stop the hub after the summary instead of leaving it running.
    #[arg(long)]
    pub exit: bool,
}

/// A small, seeded generator (SplitMix64): the demo's choices, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A destination: its currency and the merchants' goods sold there.
struct Market {
    country: &'static str,
    currency: &'static str,
    /// Freight per parcel, in the currency.
    freight: &'static str,
    /// Rates from the currency to MYR, THB, SGD and VND (the merchants' home currencies).
    to_home: [(&'static str, &'static str); 4],
}

const MARKETS: [Market; 7] = [
    Market {
        country: "CN",
        currency: "CNY",
        freight: "20.00",
        to_home: [
            ("MYR", "0.6512"),
            ("THB", "4.9012"),
            ("SGD", "0.1871"),
            ("VND", "3520.11"),
        ],
    },
    Market {
        country: "DE",
        currency: "EUR",
        freight: "6.00",
        to_home: [
            ("MYR", "5.0125"),
            ("THB", "37.7402"),
            ("SGD", "1.4403"),
            ("VND", "27101.9"),
        ],
    },
    Market {
        country: "GB",
        currency: "GBP",
        freight: "5.00",
        to_home: [
            ("MYR", "5.9003"),
            ("THB", "44.4115"),
            ("SGD", "1.6950"),
            ("VND", "31890.5"),
        ],
    },
    Market {
        country: "US",
        currency: "USD",
        freight: "9.00",
        to_home: [
            ("MYR", "4.4711"),
            ("THB", "33.6550"),
            ("SGD", "1.2845"),
            ("VND", "24180.0"),
        ],
    },
    Market {
        country: "SG",
        currency: "SGD",
        freight: "6.00",
        to_home: [
            ("MYR", "3.4810"),
            ("THB", "26.2011"),
            ("SGD", "1"),
            ("VND", "18820.4"),
        ],
    },
    Market {
        country: "AU",
        currency: "AUD",
        freight: "9.00",
        to_home: [
            ("MYR", "2.9530"),
            ("THB", "22.2290"),
            ("SGD", "0.8484"),
            ("VND", "15969.8"),
        ],
    },
    Market {
        country: "MY",
        currency: "MYR",
        freight: "8.00",
        to_home: [
            ("MYR", "1"),
            ("THB", "7.5277"),
            ("SGD", "0.2873"),
            ("VND", "5406.2"),
        ],
    },
];

/// Goods: SKU, title, HS code, unit price in every market's currency (CN DE GB US SG AU MY order).
const GOODS: [(&str, &str, &str, [&str; 7]); 8] = [
    (
        "SCARF",
        "Batik silk scarf",
        "621410",
        [
            "168.00", "22.90", "19.50", "24.90", "32.00", "36.00", "89.90",
        ],
    ),
    (
        "TEE",
        "Cotton T-shirt",
        "610910",
        [
            "99.00", "12.90", "10.90", "14.50", "18.00", "21.00", "45.00",
        ],
    ),
    (
        "CREAM",
        "Face cream 50 ml",
        "330499",
        [
            "139.00", "18.50", "15.90", "19.90", "25.00", "29.00", "59.00",
        ],
    ),
    (
        "BAG",
        "Leather handbag",
        "420221",
        [
            "1299.00", "165.00", "139.00", "179.00", "239.00", "269.00", "599.00",
        ],
    ),
    (
        "TEA",
        "Black tea 250 g",
        "090230",
        ["69.00", "8.90", "7.90", "9.90", "12.00", "13.50", "29.00"],
    ),
    (
        "SHOES",
        "Sneakers",
        "640399",
        [
            "459.00", "59.00", "49.00", "65.00", "85.00", "95.00", "219.00",
        ],
    ),
    (
        "TOY",
        "Wooden puzzle",
        "950300",
        ["89.00", "11.90", "9.90", "12.90", "16.00", "18.00", "39.00"],
    ),
    (
        "BUDS",
        "Wireless earbuds",
        "851762",
        [
            "399.00", "49.00", "42.00", "55.00", "72.00", "79.00", "179.00",
        ],
    ),
];

/// The merchants: name, country, home currency (index into `to_home`).
const MERCHANTS: [(&str, &str, usize); 4] = [
    ("Kedai Batik Sdn Bhd", "MY", 0),
    ("Siam Silk Co Ltd", "TH", 1),
    ("Lion City Goods Pte Ltd", "SG", 2),
    ("Saigon Craft JSC", "VN", 3),
];

struct Population {
    base: String,
    merchants: Vec<(String, String, usize)>,
    platform: String,
    psps: Vec<(String, String)>,
    carriers: Vec<(String, String)>,
    officer: String,
}

#[derive(Default)]
struct Stats {
    parcels: u64,
    cleared: u64,
    rejected: u64,
    returned: u64,
    delivered: u64,
    by_channel: BTreeMap<String, u64>,
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    body: &Value,
) -> Result<(u16, Value, u32), Failure> {
    let mut req = client.request(method, url);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let t = Instant::now();
    let r = req.json(body).send().await?;
    let status = r.status().as_u16();
    let text = r.text().await?;
    let elapsed = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((status, value, elapsed))
}

async fn ok(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    body: &Value,
) -> Result<(Value, u32), Failure> {
    let (status, value, us) = call(client, method, url.clone(), key, body).await?;
    if !(200..300).contains(&status) {
        return Err(format!("{url}: {status} {value}").into());
    }
    Ok((value, us))
}

fn token(created: &Value) -> Result<(String, String), Failure> {
    let id = created["party"]["id"]
        .as_str()
        .ok_or("no party id")?
        .to_string();
    let key = created["key"]["token"]
        .as_str()
        .ok_or("no key")?
        .to_string();
    Ok((id, key))
}

async fn populate(
    client: &reqwest::Client,
    base: &str,
    operator: &str,
) -> Result<Population, Failure> {
    let party = |role: &str, name: &str, country: &str| json!({"role": role, "legal_name": name, "country": country, "registration_number": format!("DEMO-{}", name.len() * 7919)});
    let post = |url: String, key: String, body: Value| async move {
        ok(client, reqwest::Method::POST, url, Some(&key), &body)
            .await
            .map(|(v, _)| v)
    };
    let mut merchants = Vec::new();
    for (name, country, home) in MERCHANTS {
        let (id, key) = token(
            &post(
                format!("{base}/v1/parties"),
                operator.to_string(),
                party("merchant", name, country),
            )
            .await?,
        )?;
        for (sku, title, hs, prices) in GOODS {
            // The catalog price is the merchant's price in its own market; orders name the
            // price of the destination.
            let body = json!({"sku": sku, "title": title, "hs_code": hs, "origin": country, "unit_price": prices[6], "currency": "MYR", "net_weight_kg": "0.300"});
            post(format!("{base}/v1/products"), key.clone(), body).await?;
        }
        merchants.push((id, key, home));
    }
    let platform = token(
        &post(
            format!("{base}/v1/parties"),
            operator.to_string(),
            party("platform", "Lazada Mall", "SG"),
        )
        .await?,
    )?
    .1;
    let mut psps = Vec::new();
    for name in ["2C2P Pte Ltd", "Alipay+ Singapore"] {
        psps.push(token(
            &post(
                format!("{base}/v1/parties"),
                operator.to_string(),
                party("payment", name, "SG"),
            )
            .await?,
        )?);
    }
    let mut carriers = Vec::new();
    for name in ["DHL eCommerce", "Ninja Van"] {
        carriers.push(token(
            &post(
                format!("{base}/v1/parties"),
                operator.to_string(),
                party("logistics", name, "MY"),
            )
            .await?,
        )?);
    }
    let officer = token(
        &post(
            format!("{base}/v1/parties"),
            operator.to_string(),
            party("customs", "Customs risk desk", "MY"),
        )
        .await?,
    )?
    .1;
    // The operator's rates for payouts in each merchant's home currency.
    let mut rates = Vec::new();
    for m in &MARKETS {
        for (home, rate) in m.to_home {
            if home != m.currency {
                rates.push(json!({"base": m.currency, "quote": home, "rate": rate, "source": "ewtp demo rate sheet"}));
            }
        }
    }
    ok(
        client,
        reqwest::Method::PUT,
        format!("{base}/v1/fx-rates"),
        Some(operator),
        &json!({"rates": rates}),
    )
    .await?;
    // Risk rules: random document checks and inspections, a licence for radio equipment, and a
    // watchlist of a denied party.
    for rule in [
        json!({"name": "Random document check", "condition": {"kind": "random", "channel": "yellow", "rate_ppm": 60000}}),
        json!({"name": "Random inspection", "condition": {"kind": "random", "channel": "red", "rate_ppm": 15000}}),
        json!({"name": "Radio equipment needs a licence", "score": 10, "condition": {"kind": "hs_prefix", "prefixes": ["8517"], "restriction": "licence"}}),
        json!({"name": "Denied parties", "score": 80, "condition": {"kind": "watchlist", "entries": ["Ivan Petrov", "Global Shadow Trading"], "min_similarity_percent": 88, "subjects": ["buyer", "payer"]}}),
    ] {
        post(format!("{base}/v1/risk-rules"), officer.clone(), rule).await?;
    }
    Ok(Population {
        base: base.to_string(),
        merchants,
        platform,
        psps,
        carriers,
        officer,
    })
}

/// A valid resident ID of buyer `n` (ISO 7064 MOD 11-2 check digit).
fn resident_id(n: u64) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!(
        "4403041988{:02}{:02}{:03}",
        1 + (n / 28) % 12,
        1 + n % 28,
        n % 997
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

const NAMES: [&str; 10] = [
    "Wang Fang",
    "Li Wei",
    "Zhang Min",
    "Emma Schmidt",
    "Oliver Smith",
    "Sophia Miller",
    "Tan Wei Ling",
    "Jack Wilson",
    "Siti Aminah",
    "Ivan Petrov",
];

fn minor(text: &str) -> i64 {
    let (units, cents) = text.split_once('.').unwrap_or((text, "00"));
    units.parse::<i64>().unwrap_or(0) * 100
        + format!("{cents:0<2}")[..2].parse::<i64>().unwrap_or(0)
}

fn money(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// One parcel from the quote to its end (delivered, perhaps returned; or rejected).
async fn parcel(
    client: &reqwest::Client,
    p: &Population,
    n: u64,
    rng: &mut Rng,
    stats: &Mutex<Stats>,
) -> Result<(), Failure> {
    let base = &p.base;
    let market_index = rng.below(MARKETS.len() as u64) as usize;
    let market = &MARKETS[market_index];
    // Malaysian buyers are served by the merchants outside Malaysia.
    let merchant = loop {
        let m = &p.merchants[rng.below(p.merchants.len() as u64) as usize];
        if !(market.country == "MY" && m.2 == 0) {
            break m;
        }
    };
    let lines: Vec<(usize, u32)> = (0..1 + rng.below(2))
        .map(|_| {
            (
                rng.below(GOODS.len() as u64) as usize,
                1 + rng.below(2) as u32,
            )
        })
        .collect();
    let items: Vec<Value> = lines
        .iter()
        .map(|(g, q)| json!({"hs_code": GOODS[*g].2, "quantity": q, "unit_price": GOODS[*g].3[market_index], "origin": MERCHANTS[merchant.2].1}))
        .collect();
    let (quote, _) = ok(client, reqwest::Method::POST, format!("{base}/v1/quotes"), None, &json!({"origin": MERCHANTS[merchant.2].1, "destination": market.country, "currency": market.currency, "freight": market.freight, "items": items})).await?;
    let tax = quote["tax_total"].as_str().unwrap_or("0.00").to_string();
    let goods: i64 = lines
        .iter()
        .map(|(g, q)| minor(GOODS[*g].3[market_index]) * i64::from(*q))
        .sum();
    let paid = money(goods + minor(market.freight) + minor(&tax));
    let buyer_no = rng.below(if market.country == "CN" { 400 } else { 2000 });
    let name = NAMES[(buyer_no % NAMES.len() as u64) as usize];
    let (id_type, id_number) = if market.country == "CN" {
        ("national_id", resident_id(buyer_no))
    } else {
        ("passport", format!("P{:08}", buyer_no * 7 + 1))
    };
    let order_no = format!("DEMO-{n}");
    let order = json!({
        "merchant_id": merchant.0, "order_no": order_no,
        "buyer": {"name": name, "id_type": id_type, "id_number": id_number, "country": market.country,
                  "address": format!("{} Market Street", 1 + buyer_no), "phone": format!("+65 6{:07}", buyer_no)},
        "destination": market.country, "currency": market.currency,
        "lines": lines.iter().map(|(g, q)| json!({"hs_code": GOODS[*g].2, "description": GOODS[*g].1, "origin": MERCHANTS[merchant.2].1, "quantity": q, "unit_price": GOODS[*g].3[market_index]})).collect::<Vec<_>>(),
        "freight": market.freight, "tax_withheld": tax, "incoterm": "DDP"
    });
    let (_, psp) = &p.psps[rng.below(2) as usize];
    // One payment in fifty is made by somebody else than the buyer: customs refuses it.
    let payer = if rng.chance(2) { "Somebody Else" } else { name };
    let payment = json!({"order_no": order_no, "transaction_id": format!("TX-DEMO-{n}"), "amount": paid, "currency": market.currency,
                         "payer": {"name": payer, "id_type": id_type, "id_number": id_number}, "paid_at": "2026-01-05T09:00:00Z"});
    let (_, carrier) = &p.carriers[rng.below(2) as usize];
    let waybill = json!({"waybill_no": format!("WB-DEMO-{n}"), "order_no": order_no, "gross_weight_kg": "0.850", "package_count": 1,
                         "consignee": {"name": name, "address": format!("{} Market Street", 1 + buyer_no), "phone": "+65 61234567"}});
    // The three documents in a random order; the one that completes them carries the declaration.
    let mut docs: Vec<(String, &String, &Value)> = vec![
        (format!("{base}/v1/orders"), &p.platform, &order),
        (format!("{base}/v1/payments"), psp, &payment),
        (format!("{base}/v1/waybills"), carrier, &waybill),
    ];
    for i in (1..docs.len()).rev() {
        docs.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut order_id = None;
    let mut waybill_id = None;
    let mut latencies = Vec::new();
    for (url, key, body) in &docs {
        let (answer, us) = ok(client, reqwest::Method::POST, url.clone(), Some(key), body).await?;
        latencies.push(us);
        if url.ends_with("/v1/orders") {
            order_id = answer["id"].as_str().map(str::to_string);
        }
        if url.ends_with("/v1/waybills") {
            waybill_id = answer["id"].as_str().map(str::to_string);
        }
    }
    let order_id = order_id.ok_or("no order id")?;
    let waybill_id = waybill_id.ok_or("no waybill id")?;
    // The declaration, as the carrier's waybill shows it: its channel, and the officer's
    // decision when it is held.
    let (shown, _) = ok(
        client,
        reqwest::Method::GET,
        format!("{base}/v1/waybills/{waybill_id}"),
        Some(carrier),
        &Value::Null,
    )
    .await?;
    let declaration = &shown["declaration"];
    let channel = declaration["channel"]
        .as_str()
        .unwrap_or("none")
        .to_string();
    let mut status = declaration["status"].as_str().unwrap_or("").to_string();
    if status == "held" {
        let decision = if rng.chance(85) { "release" } else { "reject" };
        let reason = if decision == "release" {
            "documents and goods as declared"
        } else {
            "goods do not match the invoice"
        };
        let path = format!(
            "{base}/v1/declarations/{}/decision",
            declaration["id"].as_str().ok_or("no declaration id")?
        );
        let (decided, _) = ok(
            client,
            reqwest::Method::POST,
            path,
            Some(&p.officer),
            &json!({"decision": decision, "reason": reason}),
        )
        .await?;
        status = decided["status"].as_str().unwrap_or("").to_string();
    }
    let mut returned = false;
    let mut delivered = false;
    if status == "released" {
        ok(
            client,
            reqwest::Method::POST,
            format!("{base}/v1/orders/{order_id}/delivered"),
            Some(carrier),
            &json!({}),
        )
        .await?;
        delivered = true;
        if rng.chance(3) {
            ok(
                client,
                reqwest::Method::POST,
                format!("{base}/v1/orders/{order_id}/return"),
                Some(&merchant.1),
                &json!({"reason": "the buyer sent it back"}),
            )
            .await?;
            returned = true;
        }
    }
    let mut s = stats.lock().map_err(|_| "stats lock")?;
    s.parcels += 1;
    s.latencies_us.extend(latencies);
    *s.by_channel.entry(channel).or_default() += 1;
    match status.as_str() {
        "released" => s.cleared += 1,
        "rejected" => s.rejected += 1,
        _ => {}
    }
    s.delivered += u64::from(delivered);
    s.returned += u64::from(returned);
    Ok(())
}

pub async fn run(args: DemoArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.concurrency == 0 || args.seconds == 0 {
        return Err("--concurrency and --seconds must be at least 1".into());
    }
    let temp = match &args.data {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let data_dir = args.data.clone().unwrap_or_else(|| {
        temp.as_ref()
            .map(|t| t.path().join("data"))
            .unwrap_or_default()
    });
    let hub = hub::start(hub::HubConfig {
        listen: args.listen,
        data_dir: data_dir.clone(),
        ..Default::default()
    })
    .await?;
    let base = format!("http://{}", hub.addr);
    let operator = match &hub.new_operator_key {
        Some(k) => k.clone(),
        None => std::fs::read_to_string(data_dir.join(hub::OPERATOR_KEY_FILE))?
            .trim()
            .to_string(),
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency * 2)
        .timeout(Duration::from_secs(30))
        .build()?;
    println!(
        "ewtp demo: hub {} at {base}, data in {}",
        hub.state.hub.code,
        data_dir.display()
    );
    let population = Arc::new(
        populate(&client, &base, &operator)
            .await
            .map_err(|e| e.to_string())?,
    );
    let seed = args.seed.unwrap_or_else(|| hub::clock::now_ms() as u64);
    let stats = Arc::new(Mutex::new(Stats::default()));
    let next = Arc::new(AtomicU64::new(0));
    let bar = ProgressBar::new(args.orders.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} parcels {per_sec} — {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (client, population, stats, next, bar) = (
            client.clone(),
            population.clone(),
            stats.clone(),
            next.clone(),
            bar.clone(),
        );
        let limit = args.orders;
        workers.push(tokio::spawn(async move {
            let mut rng = Rng(seed ^ (w as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if limit.is_some_and(|l| n >= l) {
                    break;
                }
                if let Err(e) = parcel(&client, &population, n, &mut rng, &stats).await {
                    if let Ok(mut s) = stats.lock() {
                        s.errors += 1;
                        s.first_error.get_or_insert(e.to_string());
                    }
                }
                bar.inc(1);
                if let Ok(s) = stats.lock() {
                    bar.set_message(format!(
                        "cleared {} · rejected {} · returned {} · errors {}",
                        s.cleared, s.rejected, s.returned, s.errors
                    ));
                }
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let elapsed = started.elapsed();
    bar.finish();
    // Payouts: every merchant is paid what it has, in its home currency.
    let mut payouts: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (i, (_, key, home)) in population.merchants.iter().enumerate() {
        let name = MERCHANTS[i].0.to_string();
        let (accounts, _) = ok(
            &client,
            reqwest::Method::GET,
            format!("{base}/v1/accounts?limit=200"),
            Some(key),
            &Value::Null,
        )
        .await
        .map_err(|e| e.to_string())?;
        for a in accounts["data"].as_array().into_iter().flatten() {
            if a["code"] != "merchant_payable"
                || a["available"].as_str().is_none_or(|v| minor(v) <= 0)
            {
                continue;
            }
            let home_code = MARKETS[0].to_home[*home].0;
            let (payout, _) = ok(&client, reqwest::Method::POST, format!("{base}/v1/payouts"), Some(key),
                &json!({"source_currency": a["currency"], "currency": home_code, "creditor": {"name": "Merchant account", "account": "DEMO0001", "agent_bic": "MBBEMYKL"}}))
                .await
                .map_err(|e| e.to_string())?;
            let paid = payout["amount"].as_str().unwrap_or("0").to_string();
            let total = payouts
                .entry(name.clone())
                .or_default()
                .entry(home_code.to_string())
                .or_insert_with(|| "0".into());
            *total = add_decimal(total, &paid);
        }
    }
    let (tb, _) = ok(
        &client,
        reqwest::Method::GET,
        format!("{base}/v1/ledger/trial-balance"),
        Some(&operator),
        &Value::Null,
    )
    .await
    .map_err(|e| e.to_string())?;
    let summary = {
        let s = stats.lock().map_err(|_| "stats lock")?;
        let summary = summary_json(&s, &tb, &payouts, elapsed);
        print_summary(&summary, &s);
        summary
    };
    if let Some(path) = &args.summary_json {
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)?;
    }
    if args.exit {
        hub.stop().await?;
        return Ok(());
    }
    println!("\nThe hub keeps running: {base}  (operator key: {operator})");
    println!("Try: curl -s {base}/v1/ledger/trial-balance -H 'Authorization: Bearer {operator}'");
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    hub.stop().await?;
    Ok(())
}

/// Two decimal strings added exactly (the same number of fraction digits, or an integer).
fn add_decimal(a: &str, b: &str) -> String {
    let digits = b.split_once('.').map_or(0, |(_, f)| f.len());
    let scale = 10i128.pow(digits as u32);
    let parse = |t: &str| -> i128 {
        let (u, f) = t.split_once('.').unwrap_or((t, ""));
        let f = format!("{f:0<width$}", width = digits);
        u.parse::<i128>().unwrap_or(0) * scale + f[..digits].parse::<i128>().unwrap_or(0)
    };
    let sum = parse(a) + parse(b);
    if digits == 0 {
        sum.to_string()
    } else {
        format!("{}.{:0width$}", sum / scale, sum % scale, width = digits)
    }
}

fn summary_json(
    s: &Stats,
    tb: &Value,
    payouts: &BTreeMap<String, BTreeMap<String, String>>,
    elapsed: Duration,
) -> Value {
    let mut taxes = serde_json::Map::new();
    let mut trial = serde_json::Map::new();
    for a in tb["accounts"].as_array().into_iter().flatten() {
        if let Some(country) = a["owner_id"]
            .as_str()
            .and_then(|o| o.strip_prefix("customs:"))
        {
            taxes.insert(
                format!("{country} {}", a["currency"].as_str().unwrap_or("")),
                a["balance_posted"].clone(),
            );
        }
    }
    for c in tb["currencies"].as_array().into_iter().flatten() {
        trial.insert(
            c["currency"].as_str().unwrap_or("").to_string(),
            json!({"debits": c["debits_posted"], "credits": c["credits_posted"], "debits_pending": c["debits_pending"], "credits_pending": c["credits_pending"]}),
        );
    }
    let mut lat = s.latencies_us.clone();
    lat.sort_unstable();
    let pct = |p: usize| {
        if lat.is_empty() {
            0.0
        } else {
            f64::from(lat[(lat.len() * p / 100).min(lat.len() - 1)]) / 1000.0
        }
    };
    json!({
        "parcels": s.parcels,
        "cleared": s.cleared,
        "rejected": s.rejected,
        "returned": s.returned,
        "delivered": s.delivered,
        "by_channel": s.by_channel,
        "taxes_by_destination": taxes,
        "payouts": payouts,
        "trial_balance": trial,
        "balanced": tb["balanced"],
        "parcels_per_s": (s.parcels as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE) * 10.0).round() / 10.0,
        "document_p50_ms": pct(50),
        "document_p99_ms": pct(99),
        "errors": s.errors,
    })
}

fn print_summary(j: &Value, s: &Stats) {
    println!("\n== ewtp demo summary");
    println!(
        "parcels {}  cleared {}  rejected {}  delivered {}  returned {}  errors {}",
        j["parcels"], j["cleared"], j["rejected"], j["delivered"], j["returned"], j["errors"]
    );
    println!("by channel:");
    for (channel, n) in &s.by_channel {
        println!("  {channel:<8} {n:>8}");
    }
    println!("taxes collected, by destination:");
    for (k, v) in j["taxes_by_destination"].as_object().into_iter().flatten() {
        println!("  {k:<8} {:>14}", v.as_str().unwrap_or(""));
    }
    println!("merchant payouts:");
    for (merchant, by) in j["payouts"].as_object().into_iter().flatten() {
        for (currency, amount) in by.as_object().into_iter().flatten() {
            println!(
                "  {merchant:<26} {currency} {:>16}",
                amount.as_str().unwrap_or("")
            );
        }
    }
    println!("trial balance (posted):            debits          credits");
    for (currency, t) in j["trial_balance"].as_object().into_iter().flatten() {
        println!(
            "  {currency:<4} {:>24} {:>16}",
            t["debits"].as_str().unwrap_or(""),
            t["credits"].as_str().unwrap_or("")
        );
    }
    println!("balanced: {}", j["balanced"]);
    println!(
        "throughput {} parcels/s; document requests p50 {} ms, p99 {} ms",
        j["parcels_per_s"], j["document_p50_ms"], j["document_p99_ms"]
    );
    if let Some(e) = &s.first_error {
        eprintln!("first error: {e}");
    }
}
