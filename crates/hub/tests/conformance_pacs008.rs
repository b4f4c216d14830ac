//! Conformance: the pacs.008.001.09 messages the hub serves for its payouts
//! (`GET /v1/payouts/{id}/pacs008`, over real HTTP, on every backend this run can test) validate
//! against the official ISO 20022 schema with xmllint: same-currency and converted payouts, an
//! IBAN and another account number, names that need escaping.
//!
//! Needs the shared standards folder (env `EWTP_STANDARDS_DIR`, default `../shared/standards`
//! beside the repository) and `xmllint` (Debian package `libxml2-utils`). Without either the
//! test fails and says what it needs: it never skips.

mod harness;
mod ledger_world;

use harness::hubs;
use ledger_world::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn standards_dir() -> PathBuf {
    std::env::var_os("EWTP_STANDARDS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/standards"
            ))
        })
}

fn schema() -> PathBuf {
    let schema = standards_dir().join("iso20022/pacs.008.001.09.xsd");
    assert!(
        schema.is_file(),
        "this test needs the ISO 20022 schema at {}: set EWTP_STANDARDS_DIR to the shared \
         standards folder (the one holding iso20022/pacs.008.001.09.xsd)",
        schema.display()
    );
    schema
}

fn require_xmllint() {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        found,
        "this test needs xmllint on PATH (Debian/Ubuntu: apt-get install libxml2-utils)"
    );
}

/// xmllint's verdict on a document: Ok, or its messages.
fn validate(schema: &Path, document: &Path) -> Result<(), String> {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(document)
        .output()
        .map_err(|e| format!("could not run xmllint: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The text of the first `<name>…</name>` of a document.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..end])
}

/// The payouts' messages, fetched over HTTP, each validated against the schema.
#[tokio::test]
async fn payout_messages_validate_against_the_schema() {
    require_xmllint();
    let schema = schema();
    let dir = tempfile::tempdir().expect("temp dir");
    for h in hubs().await {
        let w = world(&h).await;
        let other = h.party("merchant", "Toko Lain").await;
        delivered_parcel(&h, &w, &w.merchant.1, "SO-X1", "1000.00").await;
        set_rates(&h, &[("CNY", "MYR", "0.6543"), ("CNY", "JPY", "25")]).await;
        let tricky = r#"Kedai "Batik" & Sons <Sdn> 'Bhd'"#;
        let cases = [
            // Same currency, an IBAN, a name full of XML's special characters.
            (
                json!({"source_currency": "CNY", "currency": "CNY", "amount": "150.00",
                       "creditor": {"name": tricky, "account": "DE89370400440532013000", "agent_bic": "DEUTDEFF500"}}),
                "CNY",
                "150.00",
            ),
            // Converted into the home currency (MYR), another account number, non-ASCII text.
            (
                json!({"source_currency": "CNY", "amount": "100.01",
                       "creditor": {"name": "Müller & Söhne — 株式会社", "account": "514-1234-5678", "agent_bic": "MBBEMYKL"}}),
                "MYR",
                "65.44",
            ),
            // Converted into a currency without a minor unit.
            (
                json!({"source_currency": "CNY", "currency": "JPY", "amount": "0.10",
                       "creditor": {"name": "Tanaka Shoten", "account": "GB82 WEST 1234 5698 7654 32", "agent_bic": "MHCBJPJT"}}),
                "JPY",
                "3",
            ),
        ];
        for (i, (body, currency, amount)) in cases.iter().enumerate() {
            let created = payout(&h, &w.merchant.1, body).await;
            assert_eq!(created.status, 201, "{}", created.body);
            let id = created.body["id"].as_str().unwrap();
            assert_eq!(
                created.body["pacs008"],
                format!("/v1/payouts/{id}/pacs008").as_str()
            );
            let res = h
                .client
                .get(format!("{}/v1/payouts/{id}/pacs008", h.base))
                .bearer_auth(&w.merchant.1)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(
                content_type.starts_with("application/xml"),
                "{content_type}"
            );
            let xml = res.text().await.unwrap();
            let file = dir.path().join(format!("{}-{i}.xml", h.backend));
            std::fs::write(&file, &xml).unwrap();
            if let Err(messages) = validate(&schema, &file) {
                panic!(
                    "{} payout {i} does not validate:\n{messages}\n{xml}",
                    h.backend
                );
            }
            // What the message says is what the payout says.
            assert_eq!(element(&xml, "MsgId"), Some(id));
            assert_eq!(element(&xml, "EndToEndId"), Some(id));
            assert!(
                xml.contains(&format!(
                    "<IntrBkSttlmAmt Ccy=\"{currency}\">{amount}</IntrBkSttlmAmt>"
                )),
                "{xml}"
            );
            let legs = created.body["transfer_ids"].as_array().unwrap();
            assert_eq!(element(&xml, "TxId"), legs.last().unwrap().as_str());
            assert_eq!(
                element(&xml, "BICFI"),
                Some("EWTPMYHBKUL"),
                "the hub's bank first"
            );
            assert_eq!(
                element(&xml, "IntrBkSttlmDt"),
                created.body["created_at"].as_str().map(|t| &t[..10])
            );
            // The operator gets the same message.
            let by_operator = h
                .client
                .get(format!("{}/v1/payouts/{id}/pacs008", h.base))
                .bearer_auth(&h.operator_key)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(by_operator, xml);
            match i {
                0 => {
                    assert!(
                        xml.contains("<Nm>Kedai &quot;Batik&quot; &amp; Sons &lt;Sdn&gt; &apos;Bhd&apos;</Nm>"),
                        "{xml}"
                    );
                    assert!(xml.contains("<IBAN>DE89370400440532013000</IBAN>"));
                    assert!(!xml.contains("<XchgRate>"), "no conversion, no rate");
                }
                1 => {
                    assert!(
                        xml.contains("<Nm>Müller &amp; Söhne — 株式会社</Nm>"),
                        "{xml}"
                    );
                    assert!(xml.contains("<Othr>\n") && xml.contains("<Id>514-1234-5678</Id>"));
                    assert_eq!(element(&xml, "XchgRate"), Some("0.6543"));
                }
                _ => {
                    assert!(xml.contains("<IBAN>GB82WEST12345698765432</IBAN>"), "{xml}");
                    assert_eq!(element(&xml, "XchgRate"), Some("25"));
                }
            }
            // Another merchant cannot fetch it.
            h.get(&format!("/v1/payouts/{id}/pacs008"), &other.1)
                .await
                .problem(404, "not_found");
            h.get(&format!("/v1/payouts/{id}/pacs008"), &w.psp.1)
                .await
                .problem(403, "role_not_allowed");
        }
        h.finish().await;
    }
}
