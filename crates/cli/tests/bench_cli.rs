//! `ewtp bench` runs end to end against a hub of its own and reports what it promises. No
//! figure is asserted (speed is measured, not tested): only that the run worked.

use std::process::Command;

fn bench(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .arg("bench")
        .args(args)
        .args(["--concurrency", "2", "--seconds", "1", "--json"])
        .output()
        .expect("ewtp bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("one JSON object: {e}: {stdout}"))
}

#[test]
fn bench_quotes_reports_both_rates_and_the_ratio() {
    let r = bench(&["quotes"]);
    for key in ["quotes_per_s", "healthz_per_s", "ratio", "p99_ms"] {
        assert!(r[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {r}");
    }
    assert_eq!(r["quote_errors"], 0, "{r}");
    let expected = r["quotes_per_s"].as_f64().unwrap() / r["healthz_per_s"].as_f64().unwrap();
    assert!(
        (r["ratio"].as_f64().unwrap() - expected).abs() < 0.01,
        "{r}"
    );
}

#[test]
fn bench_orders_reports_both_rates_and_the_ratio() {
    let r = bench(&["orders"]);
    for key in ["orders_per_s", "healthz_per_s", "ratio", "p50_ms", "p99_ms"] {
        assert!(r[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {r}");
    }
    assert_eq!(r["order_errors"], 0, "{r}");
}

#[test]
fn bench_clearance_reports_parcels_and_the_decision_latency() {
    let r = bench(&["clearance"]);
    for key in [
        "parcels_per_s",
        "healthz_per_s",
        "decision_p50_ms",
        "decision_p99_ms",
        "ratio",
    ] {
        assert!(r[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {r}");
    }
    assert_eq!(r["parcel_errors"], 0, "every parcel was released: {r}");
    assert_eq!(r["healthz_errors"], 0, "every /healthz answered 200: {r}");
    assert!(
        r["decision_p99_ms"].as_f64() >= r["decision_p50_ms"].as_f64(),
        "{r}"
    );
}

/// The same parcels as CEB messages of five: every declaration is read back after the run and
/// must be released (a parcel counts only then).
#[test]
fn bench_clearance_over_ceb_messages_releases_every_parcel() {
    let r = bench(&["clearance", "--ceb-batch", "5"]);
    assert_eq!(r["ceb_batch"], 5, "{r}");
    assert!(r["parcels_per_s"].as_f64().is_some_and(|v| v > 0.0), "{r}");
    assert_eq!(r["parcel_errors"], 0, "{r}");
    assert_eq!(r["healthz_errors"], 0, "{r}");
}

#[test]
fn bench_clearance_refuses_a_url_it_cannot_speak_to() {
    for (url, says) in [
        ("https://hub.example", "plain HTTP"),
        ("http://127.0.0.1:9/v1", "without a path"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ewtp"))
            .args([
                "bench",
                "clearance",
                "--url",
                url,
                "--key",
                "k",
                "--seconds",
                "1",
            ])
            .output()
            .expect("run ewtp");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
    }
}

#[test]
fn bench_ledger_reports_every_batch_size_and_pgbench() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ewtp"));
    cmd.args([
        "bench",
        "ledger",
        "--seconds",
        "1",
        "--accounts",
        "100",
        "--batch-sizes",
        "1,100",
        "--json",
    ]);
    // With a PostgreSQL (always in CI) the PostgreSQL half and pgbench run too.
    let database = std::env::var("EWTP_TEST_DATABASE_URL").ok();
    if let Some(url) = &database {
        cmd.args(["--database", url, "--pgbench-clients", "2"]);
    }
    let out = cmd.output().expect("ewtp bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    for size in ["batch_1", "batch_100"] {
        assert!(
            r["sqlite"][size].as_f64().is_some_and(|v| v > 0.0),
            "{size} in {r}"
        );
    }
    match database {
        Some(_) => {
            assert!(
                r["postgres"]["batch_100"].as_f64().is_some_and(|v| v > 0.0),
                "{r}"
            );
            assert!(r["pgbench_tps"].as_f64().is_some_and(|v| v > 0.0), "{r}");
        }
        None => {
            assert!(r["postgres"].is_null() && r["pgbench_tps"].is_null(), "{r}");
            println!(
                "PostgreSQL half did not run: set EWTP_TEST_DATABASE_URL=postgres://… to run it"
            );
        }
    }
}
