//! `ewtp demo` runs from the binary: a hub of its own, trade driven through its API, and a
//! summary whose figures hold together — every parcel accounted for, the books balanced.

use serde_json::Value;
use std::process::Command;

#[test]
fn the_demo_trades_and_its_books_balance() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let out = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .args([
            "demo",
            "--orders",
            "120",
            "--seconds",
            "120",
            "--seed",
            "42",
            "--exit",
            "--summary-json",
        ])
        .arg(&summary)
        .output()
        .expect("ewtp demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("== ewtp demo summary"), "{stdout}");
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["parcels"], 120, "{s}");
    assert_eq!(s["errors"], 0, "{s}");
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}"));
    // Held declarations are decided, so every parcel ends released or rejected.
    assert_eq!(n("cleared") + n("rejected"), n("parcels"), "{s}");
    assert!(
        n("returned") <= n("delivered") && n("delivered") == n("cleared"),
        "{s}"
    );
    let channels: u64 = s["by_channel"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(channels, n("parcels"), "{s}");
    assert!(s["by_channel"]["green"].as_u64().unwrap_or(0) > 0, "{s}");
    assert!(
        n("rejected") > 0,
        "the demo has payers who are not the buyer: {s}"
    );
    assert_eq!(s["balanced"], true, "{s}");
    let trial = s["trial_balance"].as_object().unwrap();
    assert!(trial.len() >= 5, "several currencies: {s}");
    for (currency, t) in trial {
        assert_eq!(t["debits"], t["credits"], "{currency} balances");
    }
    let taxes = s["taxes_by_destination"].as_object().unwrap();
    assert!(taxes.len() >= 4, "{s}");
    for (k, v) in taxes {
        assert!(!v.as_str().unwrap().starts_with('-'), "{k}: {v}");
    }
    assert!(
        s["payouts"].as_object().is_some_and(|p| !p.is_empty()),
        "{s}"
    );
    assert!(s["parcels_per_s"].as_f64().is_some_and(|v| v > 0.0), "{s}");
}
