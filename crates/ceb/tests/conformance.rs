//! Conformance with the official schema, judged by `xmllint --schema` (libxml2), not by this
//! crate: the official samples, every receipt and CEB621 the crate writes, and agreement of
//! `ceb::validate` with xmllint on thousands of mutations of the samples.
//!
//! Needs `xmllint` (libxml2-utils) and the schema under `$EWTP_STANDARDS_DIR`; without either
//! the tests fail with a message saying so.
//!
//! The agreement test found one difference, fixed on our side: an empty element declared with
//! a fixed value (`<currency></currency>`) takes that value (XML Schema's value constraint), so
//! it is valid and reads as `142`.
//!
//! Justified differences from xmllint, kept out of the agreement test on purpose:
//! - bodies over `ceb::MAX_MESSAGE_BYTES` are refused (a hub limit; the schema has none);
//! - the reader refuses a DOCTYPE outright, even one xmllint would accept (no entity can be
//!   declared, so no entity expansion attack).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ceb::{failure_receipt, parse, receipt_for, render, render_ceb621, validate, Message};
use common::parcel::{cleared, parcel, NOW_MS};
use common::*;

/// A verdict of both validators on one document.
struct Verdict {
    label: String,
    ours: Result<(), String>,
    xmllint: Result<(), String>,
}

/// Runs `xmllint --noout --schema` over many documents at once (one process per batch).
struct Xmllint {
    schema: PathBuf,
    dir: PathBuf,
}

impl Xmllint {
    fn new(name: &str) -> Xmllint {
        let schema = ceb_dir().join("xsd/ceb-import-2022-05.xsd");
        assert!(
            schema.is_file(),
            "the import schema {} is missing",
            schema.display()
        );
        let imported = ceb_dir().join("xsd/xmldsig-core-schema.xsd");
        assert!(
            imported.is_file(),
            "the signature schema {} (imported by the import schema) is missing",
            imported.display()
        );
        match Command::new("xmllint").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!("`xmllint --version` failed: {out:?}"),
            Err(e) => panic!(
                "xmllint is needed for the conformance tests and cannot be run ({e}); \
                 install it (apt-get install libxml2-utils)"
            ),
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("ceb-conformance-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Xmllint { schema, dir }
    }

    /// xmllint's verdict on files already on disk: `Ok` or the messages it printed.
    fn check_files(&self, files: &[PathBuf]) -> Vec<Result<(), String>> {
        let mut verdicts = Vec::with_capacity(files.len());
        for batch in files.chunks(400) {
            let out = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&self.schema)
                .args(batch)
                .output()
                .expect("xmllint runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            );
            let mut valid: HashMap<String, bool> = HashMap::new();
            let mut messages: HashMap<String, Vec<String>> = HashMap::new();
            for line in text.lines() {
                if let Some(file) = line.strip_suffix(" validates") {
                    valid.insert(file.to_string(), true);
                } else if let Some(file) = line.strip_suffix(" fails to validate") {
                    valid.insert(file.to_string(), false);
                } else if let Some((file, _)) = line.split_once(':') {
                    messages
                        .entry(file.to_string())
                        .or_default()
                        .push(line.to_string());
                }
            }
            for file in batch {
                let key = file.display().to_string();
                // A file xmllint cannot even parse gets no verdict line: invalid.
                verdicts.push(if valid.get(&key) == Some(&true) {
                    Ok(())
                } else {
                    let said = messages.remove(&key).unwrap_or_default();
                    Err(if said.is_empty() {
                        "not well-formed".to_string()
                    } else {
                        said.join("\n")
                    })
                });
            }
        }
        verdicts
    }

    /// Writes the documents to the scratch folder and checks them.
    fn check(&self, documents: &[(String, Vec<u8>)]) -> Vec<Result<(), String>> {
        let mut verdicts = Vec::with_capacity(documents.len());
        for (batch_no, batch) in documents.chunks(400).enumerate() {
            let files: Vec<PathBuf> = batch
                .iter()
                .enumerate()
                .map(|(i, (_, bytes))| {
                    let file = self.dir.join(format!("doc-{batch_no}-{i}.xml"));
                    std::fs::write(&file, bytes).expect("a scratch file");
                    file
                })
                .collect();
            verdicts.extend(self.check_files(&files));
            for file in files {
                let _ = std::fs::remove_file(file);
            }
        }
        verdicts
    }

    /// Asserts that xmllint finds every document valid.
    fn assert_all_valid(&self, documents: &[(String, Vec<u8>)]) {
        assert!(!documents.is_empty());
        let failures: Vec<String> = documents
            .iter()
            .zip(self.check(documents))
            .filter_map(|((label, bytes), verdict)| {
                verdict.err().map(|why| {
                    format!(
                        "{label}: {why}\n{}",
                        String::from_utf8_lossy(&bytes[..bytes.len().min(3000)])
                    )
                })
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} documents fail xmllint:\n{}",
            failures.len(),
            documents.len(),
            failures.join("\n\n")
        );
    }

    /// Both validators' verdicts on every document.
    fn compare(&self, documents: &[(String, Vec<u8>)]) -> Vec<Verdict> {
        documents
            .iter()
            .zip(self.check(documents))
            .map(|((label, bytes), xmllint)| Verdict {
                label: label.clone(),
                ours: validate(bytes).map(|_| ()).map_err(|e| e.to_string()),
                xmllint,
            })
            .collect()
    }
}

impl Drop for Xmllint {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn official_samples_validate_with_xmllint() {
    let xmllint = Xmllint::new("samples");
    let files = all_sample_files();
    assert!(files.len() >= SAMPLE_KINDS.len(), "samples are missing");
    let failures: Vec<String> = files
        .iter()
        .zip(xmllint.check_files(&files))
        .filter_map(|(file, v)| v.err().map(|why| format!("{}: {why}", file.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // And the harness can fail: a broken sample is refused.
    let broken = vec![(
        "broken".to_string(),
        without(&sample_text("CEB311"), "orderNo").into_bytes(),
    )];
    assert!(
        xmllint.check(&broken)[0].is_err(),
        "xmllint accepts anything?"
    );
}

#[test]
fn rendered_samples_validate_with_xmllint() {
    let xmllint = Xmllint::new("rendered");
    let documents: Vec<(String, Vec<u8>)> = SAMPLE_KINDS
        .iter()
        .map(|kind| {
            let message = parse(&sample(kind)).unwrap();
            (
                format!("render({kind})"),
                render(&message).unwrap().into_bytes(),
            )
        })
        .collect();
    let mut documents = documents;
    let extended = parse(extended_order().as_bytes()).unwrap();
    documents.push((
        "render(extended CEB311)".into(),
        render(&extended).unwrap().into_bytes(),
    ));
    documents.push(("extended CEB311".into(), extended_order().into_bytes()));
    xmllint.assert_all_valid(&documents);
}

/// A refusal reason longer than `returnInfo` holds, in both languages, with markup characters.
fn long_reason() -> String {
    let mut reason = String::from(
        "订购人身份证件号码与姓名不一致 & <支付金额> 与订单\"实际支付金额\"不符; \
         the buyer's ID does not match the name & the amount paid differs from the order's. ",
    );
    while reason.chars().count() < 1500 {
        reason.push_str("重复原因 repeated reason; ");
    }
    reason.push('\u{7}'); // a control character a caller might pass through
    reason
}

#[test]
fn receipts_validate_with_xmllint() {
    let xmllint = Xmllint::new("receipts");
    let mut documents = Vec::new();
    for kind in INBOUND_KINDS {
        let message = parse(&sample(kind)).unwrap();
        let n = message.document_count();
        let accepted = vec![Ok(()); n];
        let rejected = vec![Err(long_reason()); n];
        let mixed: Vec<Result<(), String>> = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    Ok(())
                } else {
                    Err("单证不符 mismatch".into())
                }
            })
            .collect();
        for (name, outcomes) in [
            ("accepted", accepted),
            ("rejected", rejected),
            ("mixed", mixed),
        ] {
            let receipt = receipt_for(&message, &outcomes, NOW_MS)
                .unwrap_or_else(|e| panic!("{kind} {name}: no receipt: {e}"));
            let answer = parse(receipt.as_bytes()).unwrap();
            assert_eq!(Some(answer.kind()), message.kind().receipt_kind());
            assert_eq!(answer.document_count(), n);
            assert_eq!(answer.guid(), message.guid());
            documents.push((format!("{kind} {name}"), receipt.into_bytes()));
        }
    }
    // The rejected receipts say why, cut to the 1000 characters returnInfo holds.
    let rejected = parse(&documents[1].1).unwrap();
    let Message::Ceb312 { returns, .. } = rejected else {
        panic!("not a CEB312")
    };
    assert_eq!(returns[0].return_status, "100");
    assert_eq!(returns[0].return_info.chars().count(), 1000);
    assert!(returns[0]
        .return_info
        .starts_with("订购人身份证件号码与姓名不一致 & <支付金额>"));
    assert_eq!(returns[0].return_time, "20261122160000000");
    xmllint.assert_all_valid(&documents);
}

#[test]
fn inventory_receipts_assign_a_pre_entry_number() {
    // The official CEB621 has an empty preNo and CEB625 none: CEB622/626 need 18 characters.
    for kind in ["CEB621", "CEB625"] {
        let message = parse(&sample(kind)).unwrap();
        let outcomes = vec![Ok(()); message.document_count()];
        let first = receipt_for(&message, &outcomes, NOW_MS).unwrap();
        assert_eq!(
            first,
            receipt_for(&message, &outcomes, NOW_MS).unwrap(),
            "deterministic"
        );
        let pre_nos: Vec<String> = match parse(first.as_bytes()).unwrap() {
            Message::Ceb622 { returns, .. } => returns.into_iter().map(|r| r.pre_no).collect(),
            Message::Ceb626 { returns, .. } => returns.into_iter().map(|r| r.pre_no).collect(),
            other => panic!("{:?}", other.kind()),
        };
        let letter = if kind == "CEB621" { 'B' } else { 'T' };
        for pre_no in &pre_nos {
            assert_eq!(pre_no.chars().count(), 18);
            assert!(pre_no.starts_with(&format!("{letter}20261122")), "{pre_no}");
        }
        let mut distinct = pre_nos.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), pre_nos.len(), "one number per document");
    }
    // A preNo the document already has is echoed.
    let cancel = parse(&sample("CEB623")).unwrap();
    let receipt = receipt_for(&cancel, &vec![Ok(()); cancel.document_count()], NOW_MS).unwrap();
    assert!(receipt.contains("<preNo>B20160308000000001</preNo>"));
}

/// Broken versions of the samples: malformed, schema-invalid, foreign, garbage.
fn broken_inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for kind in SAMPLE_KINDS {
        let text = sample_text(kind);
        inputs.push((
            format!("{kind} truncated"),
            text.as_bytes()[..text.len() / 3].to_vec(),
        ));
        inputs.push((
            format!("{kind} short guid"),
            with_value(&text, "guid", "G-1").into_bytes(),
        ));
        let element = document_element(kind);
        let open = if text.contains(&format!("<ceb:{element}>")) {
            format!("<ceb:{element}>")
        } else {
            format!("<{element}>")
        };
        inputs.push((
            format!("{kind} unknown element"),
            text.replacen(&open, &format!("{open}<ceb:surprise>1</ceb:surprise>"), 1)
                .into_bytes(),
        ));
        inputs.push((
            format!("{kind} without guid attribute"),
            text.replacen("guid=\"", "id=\"", 1).into_bytes(),
        ));
    }
    let order = sample_text("CEB311");
    inputs.push((
        "CEB311 every guid wrong".into(),
        order
            .replace("4CDE1CFD-EDED-46B1-946C-B8022E42FC94", "X")
            .into_bytes(),
    ));
    inputs.push((
        "unknown root".into(),
        order.replace("CEB311Message", "CEB303Message").into_bytes(),
    ));
    inputs.push((
        "export kind".into(),
        b"<ceb:CEB303Message xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\" guid=\"x\"/>".to_vec(),
    ));
    inputs.push(("garbage".into(), vec![0xff, 0x00, 0x13, 0x37, 0xfe, 0x80]));
    inputs.push(("empty".into(), Vec::new()));
    inputs.push((
        "html".into(),
        b"<html><body>502 Bad Gateway</body></html>".to_vec(),
    ));
    inputs.push((
        "doctype".into(),
        b"<!DOCTYPE a [<!ENTITY e \"e\">]><a>&e;</a>".to_vec(),
    ));
    inputs.push(("huge".into(), vec![b'<'; ceb::MAX_MESSAGE_BYTES + 10]));
    inputs
}

#[test]
fn failure_receipts_validate_with_xmllint() {
    let xmllint = Xmllint::new("failures");
    let mut documents = Vec::new();
    let mut kinds_seen = Vec::new();
    for (label, input) in broken_inputs() {
        let error = parse(&input).expect_err(&label);
        let receipt = failure_receipt(&input, &error, NOW_MS);
        let answer = parse(receipt.as_bytes())
            .unwrap_or_else(|e| panic!("{label}: the failure receipt is refused: {e}\n{receipt}"));
        kinds_seen.push(answer.kind());
        if let Message::Ceb900 { message_return, .. } = &answer {
            assert!(message_return.return_status.starts_with('-'), "{label}");
            assert!(message_return.return_info.contains(error.code()), "{label}");
        }
        documents.push((label, receipt.into_bytes()));
    }
    // Schema-invalid inbound messages are answered in their own kind, the rest with CEB900.
    assert!(kinds_seen.contains(&ceb::MessageKind::Ceb312));
    assert!(kinds_seen.contains(&ceb::MessageKind::Ceb622));
    assert!(kinds_seen.contains(&ceb::MessageKind::Ceb900));
    xmllint.assert_all_valid(&documents);
}

#[test]
fn rendered_inventory_lists_validate_with_xmllint() {
    let xmllint = Xmllint::new("ceb621");
    let p = parcel();
    let doc = ceb::from_clearance(&cleared(&p)).unwrap();
    let xml = render_ceb621(&doc).unwrap();
    // Escaped on the way out, read back exactly.
    assert!(xml.contains("Crème &quot;Nuit&quot; &amp; &lt;Soin&gt; 夜霜 'N°5'"));
    let Message::Ceb621 {
        inventories,
        envelope,
        ..
    } = parse(xml.as_bytes()).unwrap()
    else {
        panic!("not a CEB621")
    };
    assert_eq!(inventories, doc.inventories);
    assert_eq!(envelope.base_transfer, doc.base_transfer);
    let head = &inventories[0].head;
    assert_eq!(head.order_no, "SO-2026-11-22-0001");
    assert_eq!(head.trade_mode, "9610");
    assert_eq!(head.invt_no.as_deref(), Some("292920261122000001"));
    assert_eq!(
        head.cop_no.as_deref(),
        Some("Q8X3N7M2K4P6R8T0V2W4"),
        "the id's last 20"
    );
    assert_eq!(
        head.note.as_deref(),
        Some("declaration dec_01JD5ZQ8X3N7M2K4P6R8T0V2W4")
    );
    assert_eq!(
        (head.decl_time.as_str(), head.app_time.as_str()),
        ("20261122", "20261122160000")
    );
    assert_eq!(
        (head.freight.as_str(), head.insured_fee.as_str()),
        ("30.00", "1.50")
    );
    assert_eq!(
        (head.gross_weight.as_str(), head.net_weight.as_str()),
        ("1.250", "1.000")
    );
    assert_eq!(
        head.consignee_address,
        "浙江省杭州市西湖区文三路1号 & <B座>"
    );
    assert_eq!(head.assure_code, "3301960001");
    let lines = &inventories[0].lists;
    assert_eq!(
        lines[0].gcode, "0902301000",
        "a 10-digit HS code is the tariff code"
    );
    assert_eq!(lines[1].gcode, "3304990099");
    assert_eq!(
        (lines[0].price.as_str(), lines[0].total_price.as_str()),
        ("45.00", "90.00")
    );
    assert_eq!(lines[1].item_no.as_deref(), Some("CREAM&<2>"));
    // A hand-made list with the same escaping needs, and a bonded one.
    let mut bonded = cleared(&p);
    bonded.trade_mode = ceb::TradeMode::Bonded;
    bonded.warehouse = Some(ceb::BondedWarehouse {
        ems_no: "T2992W000001".into(),
        area: ceb::CustomsParty {
            code: "3301970004".into(),
            name: "综合保税区 \"仓储\" & 物流".into(),
        },
    });
    bonded.departure_country = "142".into();
    let bonded_xml = render_ceb621(&ceb::from_clearance(&bonded).unwrap()).unwrap();
    assert!(bonded_xml.contains("<ceb:tradeMode>1210</ceb:tradeMode>"));
    xmllint.assert_all_valid(&[
        ("CEB621 from clearance".into(), xml.into_bytes()),
        ("CEB621 bonded".into(), bonded_xml.into_bytes()),
    ]);
}

/// Values that probe every facet: lengths around each limit of the schema, decimals around
/// totalDigits and fractionDigits, integers, white space, non-ASCII.
fn probe_values() -> Vec<String> {
    let mut values: Vec<String> = [
        0usize, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 17, 18, 19, 20, 21, 30, 31, 32, 33, 36,
        37, 38, 50, 51, 60, 61, 100, 101, 200, 201, 250, 251, 255, 256, 510, 511, 1000, 1001,
    ]
    .iter()
    .map(|n| "X".repeat(*n))
    .collect();
    for n in [18, 19, 36, 60, 61, 100, 101] {
        values.push("中".repeat(n)); // characters, not bytes, are counted
    }
    for v in [
        "0",
        "-0",
        "+1",
        "-1",
        "1.",
        ".5",
        "1.5",
        "1.12345",
        "1.123456",
        "1.1234500000",
        " 42 ",
        "\t7\n",
        "1e3",
        "0x1F",
        "１２",
        "NaN",
        "2147483647",
        "2147483648",
        "-2147483649",
        "000000000000000000000000000042",
        "0.000000000000000000000001",
        "0.0000000000000000000000001",
        "123456789",
        "1234567890",
        "12345678.90123",
        "9999999999999999999",
        "99999999999999999999",
        "99999999999999.99999",
        "142",
        " 142",
        "142 ",
        "I",
        "i",
        "&amp;",
        "&lt;&gt;",
        "a&#9;b",
        "&#x4E2D;",
    ] {
        values.push(v.to_string());
    }
    values
}

/// Mutations of one sample: every leaf dropped, doubled and set to every probe value; every
/// pair of neighbouring elements swapped; every group dropped and doubled; root attributes.
fn mutations(kind: &str) -> Vec<(String, Vec<u8>)> {
    let base = one_document(kind);
    let mut out: Vec<(String, Vec<u8>)> =
        vec![(format!("{kind} one document"), base.clone().into_bytes())];
    let leaves = first_document_leaves(&base);
    let values = probe_values();
    for leaf in &leaves {
        out.push((
            format!("{kind} drop {leaf}"),
            without(&base, leaf).into_bytes(),
        ));
        out.push((
            format!("{kind} double {leaf}"),
            duplicated(&base, leaf).into_bytes(),
        ));
        for (i, value) in values.iter().enumerate() {
            out.push((
                format!("{kind} {leaf}=value#{i}"),
                with_value(&base, leaf, value).into_bytes(),
            ));
        }
    }
    let groups = containers(&base);
    for pair in leaves.windows(2).chain(groups.windows(2)) {
        if let Some(swapped) = swapped(&base, &pair[0], &pair[1]) {
            out.push((
                format!("{kind} swap {} {}", pair[0], pair[1]),
                swapped.into_bytes(),
            ));
        }
    }
    for group in groups.iter().filter(|g| !g.ends_with("Message")) {
        out.push((
            format!("{kind} drop group {group}"),
            without(&base, group).into_bytes(),
        ));
        out.push((
            format!("{kind} double group {group}"),
            duplicated(&base, group).into_bytes(),
        ));
    }
    // What the reader decides before the schema: the same verdicts as libxml2's parser.
    let first_leaf = &leaves[0];
    let reader_cases = [
        (
            "no declaration version",
            base.replacen("<?xml version=\"1.0\"", "<?xml", 1),
        ),
        (
            "declaration 1.1",
            base.replacen("<?xml version=\"1.0\"", "<?xml version=\"1.1\"", 1),
        ),
        (
            "byte order mark",
            format!("\u{feff}{}", base.trim_start_matches('\u{feff}')),
        ),
        (
            "comment",
            base.replacen("<ceb:guid>", "<!-- 备注 --><ceb:guid>", 1)
                .replacen("<guid>", "<!-- 备注 --><guid>", 1),
        ),
        (
            "processing instruction",
            base.replacen("<ceb:guid>", "<?ewtp hint?><ceb:guid>", 1)
                .replacen("<guid>", "<?ewtp hint?><guid>", 1),
        ),
        (
            "cdata",
            with_value(
                &base,
                first_leaf,
                "<![CDATA[4CDE1CFD-EDED-46B1-946C-B8022E42FC94]]>",
            ),
        ),
        (
            "character references",
            with_value(
                &base,
                first_leaf,
                "&#x34;CDE1CFD-EDED-46B1-946C-B8022E42FC9&#52;",
            ),
        ),
        (
            "name starting with a digit",
            base.replacen(&format!("{first_leaf}>"), "1x>", 2),
        ),
        (
            "undeclared prefix",
            base.replacen(&format!("{first_leaf}>"), "zz:x>", 2),
        ),
        ("text after the root", format!("{base}trailing")),
        ("control character", with_value(&base, first_leaf, "\u{1}")),
    ];
    for (name, mutated) in reader_cases {
        out.push((format!("{kind} reader {name}"), mutated.into_bytes()));
    }
    let (tag_start, tag_end) = root_tag(&base);
    let tag = &base[tag_start..tag_end];
    let guid_start = tag.find("guid=\"").expect("a root guid") + "guid=\"".len();
    let guid_end = guid_start + tag[guid_start..].find('"').expect("a quote");
    let guid = &tag[guid_start..guid_end];
    for (name, new_tag) in [
        ("guid 35", tag.replacen(guid, &guid[..35], 1)),
        ("guid 37", tag.replacen(guid, &format!("{guid}4"), 1)),
        ("no guid", tag.replacen(&format!("guid=\"{guid}\""), "", 1)),
        ("no version", tag.replacen("version=\"1.0\"", "", 1)),
        (
            "long version",
            tag.replacen("version=\"1.0\"", "version=\"1.0.0.0.0.0\"", 1),
        ),
        (
            "empty version",
            tag.replacen("version=\"1.0\"", "version=\"\"", 1),
        ),
        (
            "unknown attribute",
            tag.replacen("version=", "colour=\"red\" version=", 1),
        ),
    ] {
        let mutated = format!("{}{new_tag}{}", &base[..tag_start], &base[tag_end..]);
        out.push((format!("{kind} root {name}"), mutated.into_bytes()));
    }
    out
}

/// Where the root's start tag is: from its `<` to its `>`.
fn root_tag(xml: &str) -> (usize, usize) {
    let start = xml
        .find("Message ")
        .and_then(|i| xml[..i].rfind('<'))
        .expect("a root");
    let end = start + xml[start..].find('>').expect("the end of the root tag");
    (start, end)
}

#[test]
fn our_validator_agrees_with_xmllint_on_mutations() {
    let xmllint = Xmllint::new("agreement");
    let mut total = 0usize;
    let mut refused = 0usize;
    let mut disagreements = Vec::new();
    for kind in SAMPLE_KINDS {
        let documents = mutations(kind);
        let verdicts = xmllint.compare(&documents);
        // The trimmed sample itself is valid for both.
        assert!(
            verdicts[0].ours.is_ok() && verdicts[0].xmllint.is_ok(),
            "{kind}: {:?} {:?}",
            verdicts[0].ours,
            verdicts[0].xmllint
        );
        let mut refused_here = 0;
        for v in &verdicts {
            total += 1;
            if v.xmllint.is_err() {
                refused += 1;
                refused_here += 1;
            }
            if v.ours.is_ok() != v.xmllint.is_ok() {
                disagreements.push(format!(
                    "{}:\n  ours:    {:?}\n  xmllint: {:?}",
                    v.label, v.ours, v.xmllint
                ));
            }
        }
        // Not a rubber stamp: many mutations break the document (most probe values fit the
        // long free-text fields, so not most).
        assert!(
            refused_here * 4 > verdicts.len(),
            "{kind}: only {refused_here} of {} mutations are refused",
            verdicts.len()
        );
        for category in ["drop ", "double ", "swap ", "=value#"] {
            assert!(
                verdicts
                    .iter()
                    .any(|v| v.label.contains(category) && v.ours.is_err() && v.xmllint.is_err()),
                "{kind}: no `{category}` mutation is refused by both"
            );
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {total} mutations ({refused} refused by xmllint) are judged differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
