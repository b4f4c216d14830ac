//! `ewtp quote` as a user runs it: flags or JSON on stdin, the answer on stdout, problems on
//! stderr with exit status 2.

use std::io::Write;
use std::process::{Command, Stdio};

fn ewtp(args: &[&str], stdin: &str) -> (i32, serde_json::Value, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ewtp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ewtp runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("ewtp finishes");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The same parcel as flags and as JSON on stdin gives the same answer: CN CBEC, VAT 9.1% on
/// (200.00 + 20.00) = 20.02.
#[test]
fn flags_and_stdin_give_the_same_quote() {
    let (code, by_flags, err) = ewtp(
        &[
            "quote",
            "--origin",
            "MY",
            "--destination",
            "CN",
            "--currency",
            "CNY",
            "--date",
            "2026-11-23",
            "--freight",
            "20.00",
            "--item",
            "610910:2:100.00:MY:T-shirt",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_flags["regime"], "cn_cbec_retail");
    assert_eq!(by_flags["tax_total"], "20.02");
    let body = r#"{"origin":"MY","destination":"CN","currency":"CNY","date":"2026-11-23","freight":"20.00",
                   "items":[{"hs_code":"610910","description":"T-shirt","quantity":2,"unit_price":"100.00","origin":"MY"}]}"#;
    let (code, by_stdin, err) = ewtp(&["quote"], body);
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_stdin, by_flags);
}

#[test]
fn fx_flags_convert_and_are_named_in_the_answer() {
    let (code, q, err) = ewtp(
        &[
            "quote",
            "--origin",
            "MY",
            "--destination",
            "DE",
            "--currency",
            "USD",
            "--date",
            "2026-11-23",
            "--fx",
            "USD/EUR=0.92",
            "--item",
            "610910:2:15.00",
            "--compact",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(q["fx"]["rate"], "0.92");
    assert_eq!(q["goods_value"], "27.60");
    // Without the rate: a clear refusal naming the field.
    let (code, _, err) = ewtp(
        &[
            "quote",
            "--origin",
            "MY",
            "--destination",
            "DE",
            "--currency",
            "USD",
            "--item",
            "610910:2:15.00",
        ],
        "",
    );
    assert_eq!(code, 2);
    let problems: serde_json::Value = serde_json::from_str(err.trim()).expect("problems as JSON");
    assert_eq!(problems["errors"][0]["field"], "currency", "{err}");
}

#[test]
fn invalid_input_exits_2_with_every_problem() {
    let (code, out, err) = ewtp(
        &["quote"],
        r#"{"origin":"MY","destination":"XX","currency":"CNY","items":[]}"#,
    );
    assert_eq!(code, 2);
    assert_eq!(out, serde_json::Value::Null, "nothing on stdout");
    let problems: serde_json::Value = serde_json::from_str(err.trim()).expect("problems as JSON");
    let fields: Vec<&str> = problems["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["destination", "items"]);

    let (code, _, err) = ewtp(&["quote"], "{not json");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid_json"), "{err}");

    let (code, _, err) = ewtp(
        &["quote", "--destination", "CN", "--item", "610910:two:1"],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("quantity `two`"), "{err}");
}
