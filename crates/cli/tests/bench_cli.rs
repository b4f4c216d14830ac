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
