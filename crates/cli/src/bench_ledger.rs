//! `ewtp bench ledger`: transfers committed durably per second, through the same path the
//! engine uses (`hub::books`: the ledger's working set, multi-row writes, one commit per batch),
//! at batch sizes 1, 100 and 8,000, on SQLite and on PostgreSQL; and in the same run, on the same
//! PostgreSQL, `pgbench` TPC-B for the ratio.

use clap::Args;
use hub::books::{self, AccountKey, Books};
use ledger::{AccountKind, Transfer, TransferResult};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Database;
use trade::id::{encode, IdKind};
use trade::Currency;

#[derive(Args, Clone)]
pub struct LedgerArgs {
    /// PostgreSQL to measure as well (a schema of its own, dropped afterwards), and to run
    /// pgbench on; without it only SQLite is measured.
    #[arg(long)]
    pub database: Option<String>,
    /// Seconds for each batch size on each backend.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Accounts the transfers move money between.
    #[arg(long, default_value_t = 10_000)]
    pub accounts: usize,
    /// Batch sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 100, 8000])]
    pub batch_sizes: Vec<usize>,
    /// pgbench clients (`-c`).
    #[arg(long, default_value_t = 8)]
    pub pgbench_clients: u32,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: LedgerArgs) -> Result<(), Box<dyn std::error::Error>> {
    if args.seconds == 0 || args.accounts < 2 || args.batch_sizes.contains(&0) {
        return Err(
            "--seconds must be at least 1, --accounts at least 2, batch sizes at least 1".into(),
        );
    }
    let dir = tempfile::tempdir()?;
    let sqlite = store::sqlite::open(&dir.path().join("ledger.db"), 1).await?;
    let sqlite_rates = measure(sqlite.clone(), &args, "sqlite").await?;
    sqlite.close().await;

    let mut postgres_rates = None;
    let mut pgbench_tps = None;
    if let Some(base) = &args.database {
        let schema = store::testing::PgSchema::create_in(base, "ewtp_bench_ledger").await?;
        let pg = store::postgres::open(store::postgres::options(&schema.url)?, None, 1).await?;
        let rates = measure(pg.clone(), &args, "postgres").await;
        pg.close().await;
        schema.drop_schema().await?;
        postgres_rates = Some(rates?);
        pgbench_tps = Some(pgbench(base, args.seconds, args.pgbench_clients).await?);
    }

    let per_batch = |rates: &[(usize, f64)]| -> Value {
        let mut o = serde_json::Map::new();
        for (size, rate) in rates {
            o.insert(format!("batch_{size}"), json!(rate.round()));
        }
        Value::Object(o)
    };
    let report = json!({
        "sqlite": per_batch(&sqlite_rates),
        "postgres": postgres_rates.as_deref().map(per_batch),
        "pgbench_tps": pgbench_tps.map(|t| (t * 10.0).round() / 10.0),
    });
    if args.json {
        println!("{report}");
        return Ok(());
    }
    println!(
        "ledger transfers committed durably per second ({} accounts, {} s each):",
        args.accounts, args.seconds
    );
    for (name, rates) in [
        ("SQLite", Some(&sqlite_rates)),
        ("PostgreSQL", postgres_rates.as_ref()),
    ] {
        let Some(rates) = rates else { continue };
        for (size, rate) in rates {
            println!("  {name:<10} batch {size:>5}: {rate:>10.0} transfers/s");
        }
    }
    if let (Some(tps), Some(pg)) = (pgbench_tps, &postgres_rates) {
        println!(
            "  pgbench TPC-B ({} clients): {tps:.0} tps",
            args.pgbench_clients
        );
        for (size, rate) in pg {
            println!("  PostgreSQL batch {size:>5} / pgbench: {:.1}×", rate / tps);
        }
    }
    Ok(())
}

/// Runs every batch size on one database; answers (batch size, transfers per second).
async fn measure(
    db: Arc<dyn Database>,
    args: &LedgerArgs,
    name: &str,
) -> Result<Vec<(usize, f64)>, Box<dyn std::error::Error>> {
    let usd = Currency::parse("USD")?;
    let mut books = Books::default();
    let mut ids = Ids::default();
    let accounts: Vec<ledger::Account> = (0..args.accounts)
        .map(|i| {
            let key = AccountKey {
                owner_id: format!("bench-{i}"),
                currency: usd,
                code: "bench".into(),
            };
            books::new_account(ids.next(IdKind::Account), &key, AccountKind::Asset)
        })
        .collect();
    let account_ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    for chunk in accounts.chunks(5_000) {
        let results = books::commit_accounts(&mut books, db.as_ref(), chunk, now_ms()).await?;
        if let Some(bad) = results.iter().find(|r| !r.is_success()) {
            return Err(format!("{name}: creating accounts answered {}", bad.as_str()).into());
        }
    }
    let mut random = 0x9E37_79B9_7F4A_7C15u64;
    let mut rates = Vec::new();
    let mut total = 0u64;
    for &size in &args.batch_sizes {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(args.seconds);
        let mut done = 0u64;
        while Instant::now() < deadline {
            let batch: Vec<Transfer> = (0..size)
                .map(|_| {
                    let debit = (next(&mut random) % account_ids.len() as u64) as usize;
                    let mut credit = (next(&mut random) % account_ids.len() as u64) as usize;
                    if credit == debit {
                        credit = (credit + 1) % account_ids.len();
                    }
                    let amount = 1 + (next(&mut random) % 100_000) as i64;
                    Transfer::single(
                        ids.next(IdKind::Transfer),
                        account_ids[debit].clone(),
                        account_ids[credit].clone(),
                        amount,
                        usd,
                    )
                    .with_code("bench")
                })
                .collect();
            let results =
                books::commit_transfers(&mut books, db.as_ref(), &batch, now_ms()).await?;
            if let Some(bad) = results.iter().find(|r| **r != TransferResult::Ok) {
                return Err(format!("{name}: a transfer answered {}", bad.as_str()).into());
            }
            done += size as u64;
        }
        let elapsed = started.elapsed().as_secs_f64();
        rates.push((size, done as f64 / elapsed));
        total += done;
    }
    // The books must balance in the database after all of it, and hold every transfer.
    let mut conn = db.read().await?;
    let stored = conn.stores().all_accounts().await?;
    let trial = ledger::trial_balance(&stored);
    if !trial.balanced {
        return Err(format!("{name}: the trial balance does not balance after the bench").into());
    }
    let moved: i128 = trial.currencies.iter().map(|c| c.debits_posted).sum();
    if moved <= 0 || total == 0 {
        return Err(format!("{name}: nothing was committed").into());
    }
    Ok(rates)
}

/// pgbench's built-in TPC-B-like script for `seconds`, in a schema of its own on `base`.
async fn pgbench(
    base: &str,
    seconds: u64,
    clients: u32,
) -> Result<f64, Box<dyn std::error::Error>> {
    let schema = store::testing::PgSchema::create_in(base, "ewtp_pgbench").await?;
    let search_path = format!("-c search_path={}", schema.schema());
    let init = tokio::process::Command::new("pgbench")
        .args(["-i", "-s", "1", "-q", base])
        .env("PGOPTIONS", &search_path)
        .output()
        .await
        .map_err(|e| format!("pgbench did not start ({e}); install postgresql-contrib"))?;
    if !init.status.success() {
        schema.drop_schema().await?;
        return Err(format!(
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&init.stderr)
        )
        .into());
    }
    let threads = clients.clamp(1, 2).to_string();
    let run = tokio::process::Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            &threads,
            "-T",
            &seconds.to_string(),
            base,
        ])
        .env("PGOPTIONS", &search_path)
        .output()
        .await?;
    schema.drop_schema().await?;
    let out = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        return Err(format!("pgbench failed: {}", String::from_utf8_lossy(&run.stderr)).into());
    }
    out.lines()
        .find_map(|l| l.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| format!("no tps in pgbench's output: {out}").into())
}

/// Time-ordered ids from a counter: unique within the run without a random source.
#[derive(Default)]
struct Ids {
    clock: trade::id::IdClock,
    counter: u128,
}

impl Ids {
    fn next(&mut self, kind: IdKind) -> String {
        self.counter += 1;
        let (ms, entropy) = self.clock.next(now_ms() as u64, self.counter);
        encode(kind, ms, entropy)
    }
}

fn next(state: &mut u64) -> u64 {
    // xorshift64*: the bench needs spread, not secrecy.
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn now_ms() -> i64 {
    hub::clock::now_ms()
}
