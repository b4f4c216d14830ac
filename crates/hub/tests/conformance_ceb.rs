//! Conformance: China customs CEB messages through the hub over real HTTP, on every backend.
//! The official import samples are received; every receipt and every CEB621 the hub answers
//! validates against the official XSD with xmllint; a parcel sent as CEB311/411/511 clears and
//! its signed inventory list verifies with the hub's public key.
//!
//! Needs the shared standards folder (`EWTP_STANDARDS_DIR`, default `../shared/standards`
//! beside the repository) and `xmllint` (Debian's libxml2-utils): without either the test fails
//! and says what it needs; it never skips.

mod harness;

use base64::Engine as _;
use harness::{hubs, hubs_with, TestHub};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
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

fn ceb_dir() -> PathBuf {
    let dir = standards_dir().join("cn-customs-ceb");
    assert!(
        dir.join("xsd/ceb-import-2022-05.xsd").is_file(),
        "this test needs the CEB standard at {}: set EWTP_STANDARDS_DIR to the shared standards folder",
        dir.display()
    );
    dir
}

fn sample(name: &str) -> String {
    let path = ceb_dir().join("samples/import").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// xmllint's verdict on `xml` against the import schema.
fn schema_valid(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(ceb_dir().join("xsd/ceb-import-2022-05.xsd"))
        .arg(&file)
        .output()
        .expect("this test needs xmllint on PATH (Debian: apt-get install libxml2-utils)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn send(h: &TestHub, key: &str, body: &str) -> (u16, String) {
    h.ceb_message(key, body).await
}

/// Every `returnStatus` of a receipt.
fn statuses(receipt: &str) -> Vec<String> {
    receipt
        .split("<returnStatus>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(str::to_string)
        .collect()
}

async fn party_with_code(h: &TestHub, role: &str, name: &str, code: &str) -> (String, String) {
    let a = h
        .post(
            "/v1/parties",
            &h.operator_key,
            &json!({"role": role, "legal_name": name, "country": "CN", "registration_number": format!("REG-{code}"), "customs_code": code}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    (
        a.body["party"]["id"].as_str().unwrap().into(),
        a.body["key"]["token"].as_str().unwrap().into(),
    )
}

#[tokio::test]
async fn the_official_samples_are_received_and_every_receipt_is_schema_valid() {
    for h in hubs().await {
        // The parties the samples name, registered with their customs codes.
        let (_, merchant) =
            party_with_code(&h, "merchant", "东方物通科技(北京)有限公司", "1105910159").await;
        let (_, psp) = party_with_code(&h, "payment", "测试支付企业", "1101110323").await;
        let (_, carrier) = party_with_code(&h, "logistics", "测试物流企业", "1101180326").await;
        for (sku, price) in [("AF001-001", "20.00"), ("AF001-002", "10.00")] {
            let p = h
                .post(
                    "/v1/products",
                    &merchant,
                    &json!({"sku": sku, "title": "测试商品", "hs_code": "8541401000", "origin": "US", "unit_price": price, "currency": "CNY", "net_weight_kg": "0.500"}),
                )
                .await;
            assert_eq!(p.status, 201, "{}", p.body);
        }
        for (file, key, expected_root) in [
            ("CEB311Message.xml", &merchant, "CEB312Message"),
            ("CEB411Message.xml", &psp, "CEB412Message"),
            ("CEB511Message.xml", &carrier, "CEB512Message"),
        ] {
            let (status, receipt) = send(&h, key, &sample(file)).await;
            assert_eq!(status, 200, "{file}: {receipt}");
            assert!(receipt.contains(expected_root), "{file}: {receipt}");
            schema_valid(&receipt).unwrap_or_else(|e| panic!("{file} receipt: {e}\n{receipt}"));
            let s = statuses(&receipt);
            if file == "CEB511Message.xml" {
                // The sample gives one waybill number (L201603081138007) to six different orders:
                // the carrier's first waybill is received, the five others conflict with it.
                assert_eq!(s[0], "120", "{receipt}");
                assert_eq!(s[1..], ["100"; 5], "{receipt}");
                assert_eq!(receipt.matches("waybill_conflict").count(), 5, "{receipt}");
            } else {
                assert!(
                    !s.is_empty() && s.iter().all(|s| s == "120"),
                    "{file}: every document received: {s:?}\n{receipt}"
                );
            }
            // The same message again: the same receipt, nothing written twice.
            let (again_status, again) = send(&h, key, &sample(file)).await;
            assert_eq!((again_status, &again), (200, &receipt), "{file}");
        }
        // Another message under a guid the sender used: refused with a failure receipt.
        let other = sample("CEB311Message.xml")
            .replace("<ceb:note>test</ceb:note>", "<ceb:note>changed</ceb:note>");
        let (status, receipt) = send(&h, &merchant, &other).await;
        assert_eq!(status, 409, "{receipt}");
        schema_valid(&receipt).unwrap_or_else(|e| panic!("guid reuse receipt: {e}\n{receipt}"));
        // One order (the sample repeats it six times), payments and waybills are stored once each.
        let orders = h.get("/v1/orders", &merchant).await;
        assert_eq!(
            orders.body["data"].as_array().unwrap().len(),
            1,
            "{}",
            orders.body
        );
        assert_eq!(orders.body["data"][0]["order_no"], "order20160321116421002");

        // Kinds the hub does not take are answered, each document refused with the reason. (The
        // samples share one guid: each comes from a sender of its own.)
        for file in [
            "CEB513Message.xml",
            "CEB621Message.xml",
            "CEB623Message.xml",
            "CEB625Message.xml",
            "CEB711Message.xml",
        ] {
            let (_, sender) = h.party("logistics", file).await;
            let (status, receipt) = send(&h, &sender, &sample(file)).await;
            assert_eq!(status, 200, "{file}: {receipt}");
            schema_valid(&receipt).unwrap_or_else(|e| panic!("{file} receipt: {e}\n{receipt}"));
            assert!(
                statuses(&receipt).iter().all(|s| s == "100"),
                "{file}: {receipt}"
            );
        }
        // Receipts are not answered with receipts: a CEB900.
        for file in [
            "CEB312Message.xml",
            "CEB412Message.xml",
            "CEB512Message.xml",
            "CEB622Message.xml",
        ] {
            let (_, sender) = h.party("logistics", file).await;
            let (status, receipt) = send(&h, &sender, &sample(file)).await;
            assert_eq!(status, 200, "{file}");
            assert!(receipt.contains("CEB900Message"), "{file}: {receipt}");
            schema_valid(&receipt).unwrap_or_else(|e| panic!("{file} receipt: {e}\n{receipt}"));
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn broken_messages_get_failure_receipts_never_a_500() {
    for h in hubs().await {
        let (_, merchant) = party_with_code(&h, "merchant", "Shop", "1105910159").await;
        let good = sample("CEB311Message.xml");
        let cases = [
            ("not xml", "hello".to_string()),
            ("truncated", good[..good.len() / 2].to_string()),
            (
                "unknown root",
                good.replace("CEB311Message", "CEB999Message"),
            ),
            (
                "missing orderNo",
                good.replacen("<ceb:orderNo>order20160321116421002</ceb:orderNo>", "", 1),
            ),
            (
                "too long",
                good.replacen("order20160321116421002", &"9".repeat(61), 1),
            ),
            (
                "bad decimal",
                good.replacen(
                    "<ceb:freight>5000</ceb:freight>",
                    "<ceb:freight>5,000</ceb:freight>",
                    1,
                ),
            ),
            (
                "entity",
                good.replacen(
                    "<ceb:note>test</ceb:note>",
                    "<ceb:note>&unknown;</ceb:note>",
                    1,
                ),
            ),
        ];
        for (what, body) in cases {
            let (status, receipt) = send(&h, &merchant, &body).await;
            assert_eq!(status, 400, "{what}: {receipt}");
            schema_valid(&receipt).unwrap_or_else(|e| panic!("{what}: {e}\n{receipt}"));
            assert!(
                statuses(&receipt).iter().all(|s| s.starts_with('-')),
                "{what}: a failure status: {receipt}"
            );
        }
        // Not XML at all, by its media type: a problem, not a receipt.
        let r = h
            .client
            .post(format!("{}/ceb/v1/messages", h.base))
            .bearer_auth(&merchant)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
        assert_eq!(
            h.get("/v1/orders", &merchant).await.body["data"],
            json!([]),
            "nothing was stored"
        );
        h.finish().await;
    }
}

/// The sample order, as one order for our own parties: `order_no`, a valid buyer, amounts that
/// add up (2 × 20.00 + 1 × 10.00, freight 5.00, the tax the hub computes).
fn our_order(order_no: &str, tax: &str, paid: &str) -> String {
    let one = sample("CEB311Message.xml");
    let start = one.find("<ceb:Order>").unwrap();
    let end = one.find("</ceb:Order>").unwrap() + "</ceb:Order>".len();
    let order = one[start..end]
        .replace("order20160321116421002", order_no)
        .replace(
            "<ceb:ebpCode>1105910159</ceb:ebpCode>",
            "<ceb:ebpCode>3301960001</ceb:ebpCode>",
        )
        .replace(
            "<ceb:ebcCode>1105910159</ceb:ebcCode>",
            "<ceb:ebcCode>3301960002</ceb:ebcCode>",
        )
        .replace(
            "<ceb:payCode>1105910159</ceb:payCode>",
            "<ceb:payCode>3301960003</ceb:payCode>",
        )
        .replace(
            "<ceb:goodsValue>14000</ceb:goodsValue>",
            "<ceb:goodsValue>50</ceb:goodsValue>",
        )
        .replace(
            "<ceb:freight>5000</ceb:freight>",
            "<ceb:freight>5</ceb:freight>",
        )
        .replace(
            "<ceb:taxTotal>50</ceb:taxTotal>",
            &format!("<ceb:taxTotal>{tax}</ceb:taxTotal>"),
        )
        .replace(
            "<ceb:acturalPaid>19050</ceb:acturalPaid>",
            &format!("<ceb:acturalPaid>{paid}</ceb:acturalPaid>"),
        )
        .replace(
            "<ceb:buyerName>aa</ceb:buyerName>",
            "<ceb:buyerName>焦洪宇</ceb:buyerName>",
        )
        .replace("130681136250023332", "11010519491231002X")
        .replace(
            "<ceb:payTransactionId>20160001634226001</ceb:payTransactionId>",
            "<ceb:payTransactionId>TX-CEB-1</ceb:payTransactionId>",
        )
        .replace("<ceb:qty>100</ceb:qty>", "<ceb:qty>2</ceb:qty>")
        .replace(
            "<ceb:totalPrice>2000</ceb:totalPrice>",
            "<ceb:totalPrice>40</ceb:totalPrice>",
        )
        .replace("<ceb:qty>200</ceb:qty>", "<ceb:qty>1</ceb:qty>")
        .replace(
            "<ceb:totalPrice>12000</ceb:totalPrice>",
            "<ceb:totalPrice>10</ceb:totalPrice>",
        );
    format!(
        "{}{order}{}",
        &one[..start],
        &one[one.rfind("</ceb:Order>").unwrap() + "</ceb:Order>".len()..]
    )
    .replace(
        "4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
        "11111111-2222-3333-4444-555555555555",
    )
}

fn our_payment(order_no: &str, paid: &str) -> String {
    let all = sample("CEB411Message.xml");
    let start = all.find("<ceb:Payment>").unwrap();
    let end = all.find("</ceb:Payment>").unwrap() + "</ceb:Payment>".len();
    let payment = all[start..end]
        .replace("order2016030811340007", order_no)
        .replace(
            "<ceb:payCode>1101110323</ceb:payCode>",
            "<ceb:payCode>3301960003</ceb:payCode>",
        )
        .replace(
            "<ceb:ebpCode>1101110325</ceb:ebpCode>",
            "<ceb:ebpCode>3301960001</ceb:ebpCode>",
        )
        .replace(
            "<ceb:payTransactionId>P0242250007</ceb:payTransactionId>",
            "<ceb:payTransactionId>TX-CEB-1</ceb:payTransactionId>",
        )
        .replace("130625021345225322", "11010519491231002X")
        .replace(
            "<ceb:payerName>支付人</ceb:payerName>",
            "<ceb:payerName>焦洪宇</ceb:payerName>",
        )
        .replace(
            "<ceb:amountPaid>19050</ceb:amountPaid>",
            &format!("<ceb:amountPaid>{paid}</ceb:amountPaid>"),
        )
        .replace("20160315153555", "20260101120000");
    format!(
        "{}{payment}{}",
        &all[..start],
        &all[all.rfind("</ceb:Payment>").unwrap() + "</ceb:Payment>".len()..]
    )
    .replace(
        "4CDE1CFD-EDED-46B1-946C-B8022E42FC9",
        "11111111-2222-3333-4444-66666666666",
    )
}

fn our_waybill(order_no: &str) -> String {
    let all = sample("CEB511Message.xml");
    let start = all.find("<ceb:Logistics>").unwrap();
    let end = all.find("</ceb:Logistics>").unwrap() + "</ceb:Logistics>".len();
    let first = &all[start..end];
    let sample_no = first
        .split("<ceb:orderNo>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let sample_consignee = first
        .split("<ceb:consignee>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let waybill = first.replace(sample_no, order_no).replace(
        &format!("<ceb:consignee>{sample_consignee}</ceb:consignee>"),
        "<ceb:consignee>焦洪宇</ceb:consignee>",
    );
    let waybill = replace_text(&waybill, "freight", "5");
    let waybill = replace_text(&waybill, "insuredFee", "0");
    format!(
        "{}{waybill}{}",
        &all[..start],
        &all[all.rfind("</ceb:Logistics>").unwrap() + "</ceb:Logistics>".len()..]
    )
    .replace(
        "4CDE1CFD-EDED-46B1-946C-B8022E42FC9",
        "11111111-2222-3333-4444-77777777777",
    )
}

/// "12.34" → 1234.
fn cents(text: &str) -> i64 {
    let (units, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let fraction = format!("{fraction:0<2}");
    units.parse::<i64>().unwrap() * 100 + fraction[..2].parse::<i64>().unwrap()
}

fn cents_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// `xml` with the text of the first `<ceb:{name}>` element replaced.
fn replace_text(xml: &str, name: &str, value: &str) -> String {
    let open = format!("<ceb:{name}>");
    let close = format!("</ceb:{name}>");
    match (xml.find(&open), xml.find(&close)) {
        (Some(a), Some(b)) if a < b => format!("{}{open}{value}{}", &xml[..a], &xml[b..]),
        _ => xml.to_string(),
    }
}

#[tokio::test]
async fn a_parcel_sent_as_ceb_messages_clears_and_its_signed_inventory_list_validates() {
    // The operator's table of customs country codes (JGS-20): the hub holds none of its own.
    for h in hubs_with(|c| {
        c.customs.country_codes.insert("MY".into(), "122".into());
        c.customs.country_codes.insert("CN".into(), "142".into());
    })
    .await
    {
        let (_, platform) = party_with_code(&h, "platform", "天猫国际", "3301960001").await;
        let (_, merchant) = party_with_code(&h, "merchant", "Kedai & Co <MY>", "3301960002").await;
        let (_, psp) = party_with_code(&h, "payment", "支付宝", "3301960003").await;
        let (_, carrier) = party_with_code(&h, "logistics", "测试物流企业", "1101180326").await;
        let (_, officer) = h.party("customs", "Hangzhou Customs").await;
        for (sku, price) in [("AF001-001", "20.00"), ("AF001-002", "10.00")] {
            let p = h
                .post(
                    "/v1/products",
                    &merchant,
                    &json!({"sku": sku, "title": "Batik scarf", "hs_code": "6214100000", "origin": "MY", "unit_price": price, "currency": "CNY", "net_weight_kg": "0.100"}),
                )
                .await;
            assert_eq!(p.status, 201, "{}", p.body);
        }
        let tax = h
            .quoted_tax(
                &[("6214100000", 2, "20.00"), ("6214100000", 1, "10.00")],
                "5.00",
            )
            .await;
        let paid = cents_text(5_500 + cents(&tax));
        // Sending for somebody else is refused at intake.
        let (_, receipt) = send(&h, &psp, &our_order("SO-CEB-1", &tax, &paid)).await;
        assert_eq!(statuses(&receipt), ["100"], "{receipt}");
        assert!(receipt.contains("not_your_party"), "{receipt}");
        let (status, receipt) = send(&h, &platform, &our_order("SO-CEB-1", &tax, &paid)).await;
        assert_eq!(
            (status, statuses(&receipt)),
            (200, vec!["120".to_string()]),
            "{receipt}"
        );
        let (_, receipt) = send(&h, &psp, &our_payment("SO-CEB-1", &paid)).await;
        assert_eq!(statuses(&receipt), ["120"], "{receipt}");
        let (_, receipt) = send(&h, &carrier, &our_waybill("SO-CEB-1")).await;
        assert_eq!(statuses(&receipt)[0], "120", "{receipt}");

        let list = h.get("/v1/declarations", &officer).await;
        let declarations = list.body["data"].as_array().unwrap();
        assert_eq!(declarations.len(), 1, "{}", list.body);
        let d = &declarations[0];
        assert_eq!(d["failures"], json!([]), "{d}");
        assert_eq!(d["status"], "released");
        let id = d["id"].as_str().unwrap();
        let r = h
            .client
            .get(format!("{}/v1/declarations/{id}/ceb621", h.base))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let ceb621 = r.text().await.unwrap();
        assert_eq!(status, 200, "{ceb621}");
        schema_valid(&ceb621).unwrap_or_else(|e| panic!("CEB621: {e}\n{ceb621}"));
        assert!(ceb621.contains("<ceb:invtNo>"), "{ceb621}");
        assert!(
            ceb621.contains("Kedai &amp; Co &lt;MY&gt;"),
            "names are escaped"
        );
        // The signature: SHA-256 of the message without it, Ed25519 over SignedInfo as written.
        let identity: Value = h.get("/eroad/v1/hub", &officer).await.body;
        let public: [u8; 32] = hex::decode(identity["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = hub::routes::ceb::without_signature(&ceb621).unwrap();
        let digest = ceb621
            .split("<ds:DigestValue>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        assert_eq!(
            b64.decode(digest).unwrap(),
            Sha256::digest(body.as_bytes()).to_vec()
        );
        let info = hub::routes::ceb::signed_info(&ceb621).unwrap();
        let signature = ceb621
            .split("<ds:SignatureValue>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        assert!(hub::identity::verify(
            &key,
            info.as_bytes(),
            &b64.decode(signature.trim()).unwrap()
        ));
        let tampered = info.replace("sha256", "sha512");
        assert!(!hub::identity::verify(
            &key,
            tampered.as_bytes(),
            &b64.decode(signature.trim()).unwrap()
        ));
        // Another merchant cannot have it; a merchant without a customs code cannot be filed.
        let (_, other) = h.party("merchant", "Other").await;
        assert_eq!(
            h.get(&format!("/v1/declarations/{id}/ceb621"), &other)
                .await
                .status,
            404
        );
        h.finish().await;
    }
}
