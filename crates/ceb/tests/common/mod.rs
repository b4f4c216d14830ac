//! Shared by the integration tests: where the official material is, and the samples.
//!
//! The material is read in place (never copied into the repository). `EWTP_STANDARDS_DIR`
//! points at the standards folder; by default it is `../../../shared/standards` from this
//! crate. A missing folder fails the test with a clear message: a conformance test that
//! skips silently proves nothing.

#![allow(dead_code)] // each test target uses part of this module

use std::path::{Path, PathBuf};

/// The inbound kinds and their receipts, as the official import samples name them.
pub const SAMPLE_KINDS: [&str; 16] = [
    "CEB311", "CEB312", "CEB411", "CEB412", "CEB511", "CEB512", "CEB513", "CEB514", "CEB621",
    "CEB622", "CEB623", "CEB624", "CEB625", "CEB626", "CEB711", "CEB712",
];

/// The kinds a hub receives and answers with a receipt.
pub const INBOUND_KINDS: [&str; 8] = [
    "CEB311", "CEB411", "CEB511", "CEB513", "CEB621", "CEB623", "CEB625", "CEB711",
];

pub fn standards_dir() -> PathBuf {
    let dir = match std::env::var_os("EWTP_STANDARDS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards"),
    };
    assert!(
        dir.is_dir(),
        "the standards folder {} is missing: set EWTP_STANDARDS_DIR to the folder holding \
         cn-customs-ceb/ (the official CEB samples and schema)",
        dir.display()
    );
    dir
}

pub fn ceb_dir() -> PathBuf {
    let dir = standards_dir().join("cn-customs-ceb");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

pub fn samples_dir() -> PathBuf {
    let dir = ceb_dir().join("samples/import");
    assert!(
        dir.is_dir(),
        "the official import samples folder {} is missing",
        dir.display()
    );
    dir
}

pub fn sample_path(kind: &str) -> PathBuf {
    samples_dir().join(format!("{kind}Message.xml"))
}

/// The bytes of the official sample of `kind` (e.g. `CEB311`).
pub fn sample(kind: &str) -> Vec<u8> {
    let path = sample_path(kind);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read the official sample {}: {e}", path.display()))
}

pub fn sample_text(kind: &str) -> String {
    String::from_utf8(sample(kind)).expect("the official samples are UTF-8")
}

/// Every `*.xml` file in the samples folder, sorted, so that a sample added there is tested too.
pub fn all_sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("the samples folder can be listed")
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// Replaces the first `<ceb:{name}>…</ceb:{name}>` (or unprefixed) leaf value in `xml`.
pub fn with_value(xml: &str, name: &str, value: &str) -> String {
    let (open, close) = tags(xml, name);
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in the sample"))
        + open.len();
    let end = start + xml[start..].find(&close).expect("closing tag");
    format!("{}{}{}", &xml[..start], value, &xml[end..])
}

/// Removes the first `<ceb:{name}>…</ceb:{name}>` element.
pub fn without(xml: &str, name: &str) -> String {
    let (open, close) = tags(xml, name);
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in the sample"));
    let end = start + xml[start..].find(&close).expect("closing tag") + close.len();
    format!("{}{}", &xml[..start], &xml[end..])
}

/// Writes the first `<ceb:{name}>…</ceb:{name}>` element twice.
pub fn duplicated(xml: &str, name: &str) -> String {
    let (open, close) = tags(xml, name);
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in the sample"));
    let end = start + xml[start..].find(&close).expect("closing tag") + close.len();
    format!("{}{}{}", &xml[..end], &xml[start..end], &xml[end..])
}

/// Swaps the first `first` element with the first `second` element that follows it; `None`
/// when there is no such pair.
pub fn swapped(xml: &str, first: &str, second: &str) -> Option<String> {
    let span = |from: usize, name: &str| {
        let (open, close) = tags(xml, name);
        let start = from + xml[from..].find(&open)?;
        let end = start + xml[start..].find(&close)? + close.len();
        Some((start, end))
    };
    let (a_start, a_end) = span(0, first)?;
    let (b_start, b_end) = span(a_end, second)?;
    Some(format!(
        "{}{}{}{}{}",
        &xml[..a_start],
        &xml[b_start..b_end],
        &xml[a_end..b_start],
        &xml[a_start..a_end],
        &xml[b_end..]
    ))
}

/// The tags of element `name` as the sample writes them (`ceb:` prefixed or not).
fn tags(xml: &str, name: &str) -> (String, String) {
    let prefixed = format!("<ceb:{name}>");
    if xml.contains(&prefixed) {
        (prefixed, format!("</ceb:{name}>"))
    } else {
        (format!("<{name}>"), format!("</{name}>"))
    }
}

/// The names of the leaf elements of the first document of a sample, in order, once each
/// (`<ceb:x>text</ceb:x>` on one line, as the samples are written).
pub fn first_document_leaves(xml: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in xml.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix('<') else {
            continue;
        };
        let Some(name_end) = rest.find('>') else {
            continue;
        };
        let name = &rest[..name_end];
        if name.contains([' ', '/', '?', '!']) || name.starts_with("ds:") {
            continue;
        }
        let local = name.strip_prefix("ceb:").unwrap_or(name);
        let close = format!("</{name}>");
        if line.ends_with(&close) && !names.iter().any(|n| n == local) {
            names.push(local.to_string());
        }
    }
    names
}

/// The element that holds one document of each kind (repeated up to 100 times).
pub fn document_element(kind: &str) -> &'static str {
    match kind {
        "CEB311" => "Order",
        "CEB312" => "OrderReturn",
        "CEB411" => "Payment",
        "CEB412" => "PaymentReturn",
        "CEB511" => "Logistics",
        "CEB512" => "LogisticsReturn",
        "CEB513" => "LogisticsStatus",
        "CEB514" => "LogisticsStatusReturn",
        "CEB621" => "Inventory",
        "CEB622" => "InventoryReturn",
        "CEB623" => "InvtCancel",
        "CEB624" => "InvtCancelReturn",
        "CEB625" => "InvtRefund",
        "CEB626" => "InvtRefundReturn",
        "CEB711" => "Delivery",
        "CEB712" => "DeliveryReturn",
        other => panic!("no document element known for {other}"),
    }
}

/// The sample of `kind` with only its first document (the others are alike): small enough
/// to mutate in thousands of ways.
pub fn one_document(kind: &str) -> String {
    let xml = sample_text(kind);
    let (open, close) = tags(&xml, document_element(kind));
    let first_end = xml.find(&close).expect("a document") + close.len();
    let last_end = xml.rfind(&close).expect("a document") + close.len();
    assert!(xml[..first_end].contains(&open));
    format!("{}{}", &xml[..first_end], &xml[last_end..])
}

/// The names of the elements that hold other elements, in order, once each (lines holding only
/// `<ceb:X>`), without the root.
pub fn containers(xml: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in xml.lines() {
        let line = line.trim();
        let Some(name) = line.strip_prefix('<').and_then(|r| r.strip_suffix('>')) else {
            continue;
        };
        if name.contains([' ', '/', '?', '!', '<', '>']) || name.starts_with("ds:") {
            continue;
        }
        let local = name.strip_prefix("ceb:").unwrap_or(name);
        if !names.iter().any(|n| n == local) {
            names.push(local.to_string());
        }
    }
    names
}

pub mod parcel {
    //! A cleared parcel of the hub: an order with its payment notice and waybill.

    use ceb::{
        ClearedParcel, CustomsParty, Guarantor, InventoryLineCodes, SignatureBlock, TradeMode,
        Transport,
    };
    use customs::{Payer, PaymentNotice, Waybill};
    use trade::order::{Buyer, BuyerIdType, Consignee, Incoterm, OrderLine};
    use trade::{Country, Currency, HsCode, Order, OrderStatus, Personal};

    pub const NOW_MS: i64 = 1_795_334_400_000; // 2026-11-22T08:00:00Z, 16:00 in China

    pub struct Parcel {
        pub order: Order,
        pub payment: PaymentNotice,
        pub waybill: Waybill,
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    /// Values that need escaping and Chinese text on purpose.
    pub fn parcel() -> Parcel {
        let lines = vec![
            OrderLine {
                line_no: 1,
                product_id: Some("prd_tea".into()),
                sku: Some("TEA-1".into()),
                hs_code: HsCode::parse("0902.30.10 00").unwrap(),
                description: "乌龙茶 Oolong tea 100 g".into(),
                origin: Country::parse("MY").unwrap(),
                quantity: 2,
                unit_price: 4_500,
                line_value: 9_000,
            },
            OrderLine {
                line_no: 2,
                product_id: None,
                sku: Some("CREAM&<2>".into()),
                hs_code: HsCode::parse("330499").unwrap(),
                description: "Crème \"Nuit\" & <Soin> 夜霜 'N°5'".into(),
                origin: Country::parse("FR").unwrap(),
                quantity: 1,
                unit_price: 12_050,
                line_value: 12_050,
            },
        ];
        let order = Order {
            id: "ord_01JD0000000000000000000000".into(),
            merchant_id: "pty_m".into(),
            submitted_by: "pty_plat".into(),
            order_no: Some("SO-2026-11-22-0001".into()),
            status: OrderStatus::Declared,
            buyer: Buyer {
                name: Personal::new("王芳"),
                id_type: BuyerIdType::NationalId,
                id_number: Personal::new("11010519491231002X"),
                country: Country::parse("CN").unwrap(),
                address: Personal::new("浙江省杭州市西湖区文三路1号 & <B座>"),
                phone: Personal::new("13800000000"),
            },
            consignee: None,
            destination: Country::parse("CN").unwrap(),
            currency: cny(),
            lines,
            goods_value: 21_050,
            freight: 3_000,
            insurance: 150,
            total: 24_200,
            discount: 0,
            tax_withheld: 2_195,
            actual_paid: 26_395,
            payment_transaction_id: Some("TX-9".into()),
            incoterm: Incoterm::Ddp,
            created_at_ms: NOW_MS - 3_600_000,
            updated_at_ms: NOW_MS,
        };
        let payment = PaymentNotice {
            id: "pay_1".into(),
            provider_id: "pty_pay".into(),
            transaction_id: "TX-9".into(),
            order_no: "SO-2026-11-22-0001".into(),
            merchant_id: None,
            platform_id: None,
            payer: Payer {
                name: Personal::new("王芳"),
                id_type: BuyerIdType::NationalId,
                id_number: Personal::new("11010519491231002X"),
                phone: None,
            },
            amount: 26_395,
            currency: cny(),
            paid_at_ms: NOW_MS - 1_800_000,
            created_at_ms: NOW_MS - 1_800_000,
        };
        let waybill = Waybill {
            id: "wb_1".into(),
            carrier_id: "pty_c".into(),
            waybill_no: "SF1234567890".into(),
            bill_no: Some("784-12345675".into()),
            order_no: "SO-2026-11-22-0001".into(),
            merchant_id: None,
            consignee: Consignee {
                name: Personal::new("王芳"),
                address: Personal::new("浙江省杭州市西湖区文三路1号 & <B座>"),
                phone: Personal::new("13800000000"),
            },
            gross_weight_g: 1_250,
            package_count: 1,
            freight: Some(3_000),
            insurance: None,
            currency: Some(cny()),
            goods_description: Some("tea & cream".into()),
            created_at_ms: NOW_MS - 900_000,
        };
        Parcel {
            order,
            payment,
            waybill,
        }
    }

    fn party(code: &str, name: &str) -> CustomsParty {
        CustomsParty {
            code: code.into(),
            name: name.into(),
        }
    }

    pub fn signature() -> SignatureBlock {
        SignatureBlock {
            canonicalization_method: SignatureBlock::C14N.into(),
            signature_method: SignatureBlock::SM2_SM3.into(),
            reference_uri: String::new(),
            transforms: vec![SignatureBlock::ENVELOPED.into()],
            digest_method: SignatureBlock::SM3.into(),
            digest_value: "SF/P+2sVsRQ9dJIqJSroW6ajb0Y=".into(),
            signature_value: "AI0wdcUHaaOR+FZ7W8lN6FrjzS+iru1qoBTCxm4S6kk=".into(),
            key_name: Some("0001".into()),
            x509_certificate: Some("MIIEWzCCA8SgAwIBAgIDAJkn".into()),
        }
    }

    pub fn cleared(parcel: &Parcel) -> ClearedParcel<'_> {
        ClearedParcel {
            order: &parcel.order,
            payment: &parcel.payment,
            waybill: &parcel.waybill,
            guid: "0B3F7C2E-9D41-4A6B-8E25-3C1D9F0A7B64".into(),
            inventory_no: "292920261122000001".into(),
            declaration_id: "dec_01JD5ZQ8X3N7M2K4P6R8T0V2W4".into(),
            platform: party("3301960001", "杭州某跨境电商平台有限公司"),
            merchant: party("MY201901000123", "Kedai Teh & <Krim> Sdn. Bhd."),
            logistics: party("3301980002", "顺丰速运(杭州)有限公司"),
            agent: party("3301990003", "ewtp CN-HGH e-hub \"Hangzhou\""),
            guarantor: Guarantor::Platform,
            customs_code: "2992".into(),
            port_code: "2991".into(),
            trade_mode: TradeMode::DirectPurchase,
            warehouse: None,
            transport: Transport {
                traf_mode: "5".into(),
                traf_no: Some("MH370".into()),
                voyage_no: Some("20261122".into()),
            },
            departure_country: "122".into(),
            lines: vec![
                InventoryLineCodes {
                    gcode: None,
                    gmodel: Some("100克/罐 & 盒装 <礼品>".into()),
                    unit: "007".into(),
                    legal_qty: "0.2".into(),
                    legal_unit: "035".into(),
                    origin_country: "122".into(),
                    ..InventoryLineCodes::default()
                },
                InventoryLineCodes {
                    gcode: Some("3304990099".into()),
                    unit: "007".into(),
                    legal_qty: "0.05".into(),
                    legal_unit: "035".into(),
                    second_qty: Some("1".into()),
                    second_unit: Some("007".into()),
                    origin_country: "305".into(),
                    bar_code: Some("无".into()),
                    ..InventoryLineCodes::default()
                },
            ],
            net_weight_g: 1_000,
            declared_at_ms: NOW_MS,
            dxp_id: "DXPENT0000000001".into(),
            signature: signature(),
        }
    }
}

/// The CEB311 sample with two receipt subscriptions and an extension in a foreign namespace
/// (attributes holding a line feed and a quote, an unqualified element, CJK text).
pub fn extended_order() -> String {
    let extension = concat!(
        "<ceb:BaseSubscribe><ceb:status>120,100</ceb:status><ceb:dxpMode>DXP</ceb:dxpMode>",
        "<ceb:dxpAddress>DXPENT0000000001</ceb:dxpAddress></ceb:BaseSubscribe>",
        "<ceb:BaseSubscribe><ceb:status>800</ceb:status><ceb:dxpMode>DXP</ceb:dxpMode>",
        "<ceb:dxpAddress></ceb:dxpAddress><ceb:note>放行</ceb:note></ceb:BaseSubscribe>",
        "<ceb:ExtendMessage><ceb:name>ewtp</ceb:name><ceb:version>1</ceb:version>",
        "<ceb:Message><x:hub xmlns:x=\"urn:ewtp:ext\" x:line=\"a&#10;b\" quote=\"&quot;q&quot;\">",
        "<x:road from=\"MY-KUL\">吉隆坡 &amp; 杭州</x:road><plain>1 &lt; 2</plain>",
        "<x:empty/></x:hub></ceb:Message></ceb:ExtendMessage>",
    );
    sample_text("CEB311").replacen("<ds:Signature", &format!("{extension}<ds:Signature"), 1)
}
