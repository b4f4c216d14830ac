//! Conformance: pacs.008.001.09 messages rendered by `ledger::pacs008` validate against the
//! official ISO 20022 schema with xmllint.
//!
//! Needs the shared standards folder (env `EWTP_STANDARDS_DIR`, default `../shared/standards`
//! beside the repository) and `xmllint` (Debian package `libxml2-utils`). Without either the
//! test fails and says what it needs: it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use ledger::pacs008::{
    render, uetr_from_bytes, AccountNumber, ChargeBearer, CreditTransfer, Party, SettlementMethod,
};
use trade::{Country, Currency, MAX_MINOR};

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

/// xmllint's verdict: Ok, or its messages.
fn validate(schema: &Path, document: &Path) -> Result<(), String> {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(document)
        .output()
        .map_err(|error| format!("could not run xmllint: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("ewtp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn country(code: &str) -> Option<Country> {
    Some(Country::parse(code).unwrap())
}

fn base() -> CreditTransfer {
    CreditTransfer {
        message_id: "msg_01JABCDEF".into(),
        created_at_ms: 1_767_268_800_123, // 2026-01-01T12:00:00.123Z
        settlement_method: SettlementMethod::Clrg,
        instruction_id: Some("pay_01JABCDEF".into()),
        end_to_end_id: "pay_01JABCDEF".into(),
        transaction_id: None,
        uetr: None,
        amount_minor: 125_050,
        currency: cur("USD"),
        settlement_date: "2026-01-02".into(),
        exchange_rate: None,
        charge_bearer: ChargeBearer::Slev,
        debtor: Party {
            name: "ewtp hub BE-LGG".into(),
            country: country("BE"),
        },
        debtor_account: AccountNumber::Iban("BE68539007547034".into()),
        debtor_agent_bic: "GEBABEBB".into(),
        creditor_agent_bic: "DEUTDEFF500".into(),
        creditor: Party {
            name: "Kaffeerösterei Müller GmbH".into(),
            country: country("DE"),
        },
        creditor_account: AccountNumber::Iban("DE89370400440532013000".into()),
        purpose_code: Some("GDDS".into()),
        remittance_lines: vec!["payout pay_01JABCDEF".into(), "orders ord_1 ord_2".into()],
    }
}

fn cases() -> Vec<(&'static str, CreditTransfer)> {
    vec![
        ("usd-iban", base()),
        (
            "jpy-other-accounts-with-rate",
            CreditTransfer {
                settlement_method: SettlementMethod::Inda,
                charge_bearer: ChargeBearer::Shar,
                amount_minor: 1_510,
                currency: cur("JPY"),
                exchange_rate: Some("150.25".into()),
                debtor: Party {
                    name: "株式会社イーハブ".into(),
                    country: country("JP"),
                },
                debtor_account: AccountNumber::Other("0001-123-4567890".into()),
                debtor_agent_bic: "MHCBJPJT".into(),
                creditor: Party {
                    name: "Nguyễn Thị Minh Khai".into(),
                    country: country("VN"),
                },
                creditor_account: AccountNumber::Other("VCB 0071000123456".into()),
                creditor_agent_bic: "BFTVVNVX".into(),
                transaction_id: Some("tx-42".into()),
                ..base()
            },
        ),
        (
            "kwd-iban-uetr-max-rate",
            CreditTransfer {
                settlement_method: SettlementMethod::Cove,
                charge_bearer: ChargeBearer::Debt,
                amount_minor: 1_250, // 1.250 KWD
                currency: cur("KWD"),
                exchange_rate: Some("1.2345678901".into()),
                uetr: Some(uetr_from_bytes(*b"ewtp-payout-0001")),
                creditor_account: AccountNumber::Iban("KW81CBKU0000000000001234560101".into()),
                creditor_agent_bic: "CBKUKWKW".into(),
                creditor: Party {
                    name: "شركة الكويت للتجارة".into(),
                    country: country("KW"),
                },
                ..base()
            },
        ),
        (
            "escaping",
            CreditTransfer {
                message_id: "m&<>\"'1".into(),
                end_to_end_id: "e2e <&> \"x\"".into(),
                debtor: Party {
                    name: "Tom & Jerry <Trading> \"Ltd\" 'Ops'".into(),
                    country: None,
                },
                creditor: Party {
                    name: "Ünal Çiçek & Söhne — Ωmega ✓".into(),
                    country: country("TR"),
                },
                remittance_lines: vec![
                    "invoice <42> & 'special' \"chars\"".into(),
                    "line one\r\nline two\ttabbed".into(),
                    "]]> <![CDATA[ not a section".into(),
                ],
                charge_bearer: ChargeBearer::Cred,
                ..base()
            },
        ),
        (
            "required-fields-only",
            CreditTransfer {
                instruction_id: None,
                purpose_code: None,
                remittance_lines: vec![],
                debtor: Party {
                    name: "D".into(),
                    country: None,
                },
                creditor: Party {
                    name: "C".into(),
                    country: None,
                },
                settlement_method: SettlementMethod::Inga,
                ..base()
            },
        ),
        (
            "largest-amount-and-rate-edges",
            CreditTransfer {
                amount_minor: MAX_MINOR,
                currency: cur("JPY"),
                exchange_rate: Some("0.0000000001".into()),
                message_id: "x".repeat(35),
                end_to_end_id: "é".repeat(35),
                remittance_lines: vec!["ü".repeat(140)],
                ..base()
            },
        ),
        (
            "integer-rate-kwd-largest",
            CreditTransfer {
                amount_minor: MAX_MINOR,
                currency: cur("KWD"),
                exchange_rate: Some("12345678901".into()),
                ..base()
            },
        ),
    ]
}

#[test]
fn rendered_credit_transfers_validate_against_the_schema() {
    let schema = schema();
    require_xmllint();
    let dir = TempDir::new("pacs008");
    let mut failures = Vec::new();
    for (name, transfer) in cases() {
        let xml = render(&transfer).unwrap_or_else(|error| panic!("{name}: {error}"));
        let path = dir.0.join(format!("{name}.xml"));
        std::fs::write(&path, &xml).unwrap();
        if let Err(messages) = validate(&schema, &path) {
            failures.push(format!("{name}:\n{messages}\n{xml}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_validator_is_not_a_rubber_stamp() {
    let schema = schema();
    require_xmllint();
    let dir = TempDir::new("pacs008-broken");
    let xml = render(&base()).unwrap();
    // What render refuses to write, xmllint refuses to accept.
    for (name, broken) in [
        (
            "bad-bic",
            xml.replace("<BICFI>GEBABEBB</BICFI>", "<BICFI>gebabebb</BICFI>"),
        ),
        ("long-msg-id", xml.replace("msg_01JABCDEF", &"m".repeat(36))),
        (
            "out-of-order",
            xml.replace("<ChrgBr>SLEV</ChrgBr>\n", "")
                .replace("</CdtrAcct>\n", "</CdtrAcct>\n<ChrgBr>SLEV</ChrgBr>\n"),
        ),
        (
            "too-precise-rate",
            xml.replace("<ChrgBr>", "<XchgRate>0.12345678901</XchgRate>\n<ChrgBr>"),
        ),
    ] {
        assert_ne!(broken, xml, "{name}: the edit applied");
        let path = dir.0.join(format!("{name}.xml"));
        std::fs::write(&path, &broken).unwrap();
        assert!(
            validate(&schema, &path).is_err(),
            "{name} should be invalid:\n{broken}"
        );
    }
}

#[test]
fn escaped_text_reads_back_as_written() {
    // xmllint parses the document and prints the text content back: the escaping round-trips.
    require_xmllint();
    let dir = TempDir::new("pacs008-roundtrip");
    let name = "Tom & Jerry <Trading> \"Ltd\" 'Ops' Ünal ✓";
    let transfer = CreditTransfer {
        creditor: Party {
            name: name.into(),
            country: None,
        },
        ..base()
    };
    let path = dir.0.join("roundtrip.xml");
    std::fs::write(&path, render(&transfer).unwrap()).unwrap();
    let output = Command::new("xmllint")
        .args([
            "--xpath",
            "string(//*[local-name()='Cdtr']/*[local-name()='Nm'])",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap().trim_end(), name);
}
