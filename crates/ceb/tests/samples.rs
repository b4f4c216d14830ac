//! The official import samples parse into the right messages with the right values; broken
//! input is refused with a stable code and an element path, never a panic; every message
//! renders back to itself.

mod common;

use ceb::{parse, render, render_ceb621, validate, CebError, ErrorKind, Message, MessageKind};
use common::parcel::{cleared, parcel};
use common::*;
use proptest::prelude::*;

fn parsed(kind: &str) -> Message {
    parse(&sample(kind)).unwrap_or_else(|e| panic!("the official {kind} sample is refused: {e}"))
}

fn refused(xml: impl AsRef<[u8]>) -> CebError {
    match parse(xml.as_ref()) {
        Ok(m) => panic!("accepted a broken {:?}", m.kind()),
        Err(e) => {
            // validate and parse must agree on every input.
            assert_eq!(validate(xml.as_ref()).unwrap_err(), e);
            e
        }
    }
}

fn assert_refused(xml: impl AsRef<[u8]>, kind: ErrorKind, path: &str) {
    let e = refused(xml);
    assert_eq!((e.kind, e.path.as_str()), (kind, path), "{e}");
    assert_eq!(e.code(), kind.code());
}

#[test]
fn every_official_sample_parses_into_its_kind() {
    let files = all_sample_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for kind in SAMPLE_KINDS {
        assert!(
            names.contains(&format!("{kind}Message.xml")),
            "the official {kind} sample is missing from {}",
            samples_dir().display()
        );
    }
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let message = parse(&bytes).unwrap_or_else(|e| panic!("{name} is refused: {e}"));
        assert_eq!(message.kind().root_name(), name);
        assert_eq!(MessageKind::from_root_name(&name), Some(message.kind()));
        assert_eq!(validate(&bytes), Ok(message.kind()));
        assert_eq!(message.guid().len(), 36);
        assert_eq!(message.version(), "1.0");
        assert!(message.document_count() >= 1);
    }
}

#[test]
fn ceb311_order_values() {
    let Message::Ceb311 {
        guid,
        orders,
        envelope,
        ..
    } = parsed("CEB311")
    else {
        panic!("not a CEB311")
    };
    assert_eq!(guid, "4CDE1CFD-EDED-46B1-946C-B8022E42FC94");
    assert_eq!(orders.len(), 6);
    let head = &orders[0].head;
    assert_eq!(head.order_no, "order20160321116421002");
    assert_eq!(head.order_type, "I");
    assert_eq!(head.ebp_code, "1105910159");
    assert_eq!(head.ebp_name, "东方物通科技(北京)有限公司");
    assert_eq!(
        (
            head.goods_value.as_str(),
            head.freight.as_str(),
            head.discount.as_str(),
            head.tax_total.as_str(),
            head.actural_paid.as_str()
        ),
        ("14000", "5000", "0", "50", "19050")
    );
    assert_eq!(head.goods_value_minor().unwrap(), 1_400_000);
    assert_eq!(head.actural_paid_minor().unwrap(), 1_905_000);
    assert_eq!(head.currency_iso().unwrap().code(), "CNY");
    assert_eq!(head.buyer_id_type, "1");
    assert_eq!(
        head.pay_transaction_id.as_deref(),
        Some("20160001634226001")
    );
    assert_eq!(head.consignee, "焦洪宇");
    assert_eq!(head.consignee_district.as_deref(), Some("072750"));
    let lines = &orders[0].lists;
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].gnum, 2);
    assert_eq!(lines[1].item_no.as_deref(), Some("AF001-002"));
    assert_eq!(
        (lines[1].qty.as_str(), lines[1].price.as_str()),
        ("200", "10")
    );
    assert_eq!(
        lines[1].note.as_deref(),
        Some(""),
        "empty optional elements are kept"
    );
    assert_eq!(lines[0].country, "116");
    assert_eq!(envelope.base_transfer.cop_code, "1101180326");
    assert_eq!(envelope.base_transfer.dxp_id, "EXP2016522002580001");
    assert!(envelope.is_signed());
    let signature = envelope.signature.as_deref().unwrap();
    assert!(signature.starts_with("<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"));
    assert!(signature.contains("<ds:KeyName>0001</ds:KeyName>"));
}

#[test]
fn ceb411_payment_values() {
    let Message::Ceb411 { payments, .. } = parsed("CEB411") else {
        panic!("not a CEB411")
    };
    assert_eq!(payments.len(), 10);
    let p = &payments[0];
    assert_eq!(p.pay_transaction_id, "P0242250007");
    assert_eq!(p.pay_code, "1101110323");
    assert_eq!(p.order_no, "order2016030811340007");
    assert_eq!(p.amount_paid, "19050");
    assert_eq!(p.amount_paid_minor().unwrap(), 1_905_000);
    assert_eq!(p.pay_time, "20160315153555");
    assert_eq!(p.telephone.as_deref(), Some("13256254445"));
    assert_eq!(payments[1].pay_transaction_id, "P0242250008");
    assert_eq!(payments[1].guid, "4CDE1CFD-EDED-46B1-946C-B8022E42FC95");
}

#[test]
fn ceb511_waybill_values() {
    let Message::Ceb511 { waybills, .. } = parsed("CEB511") else {
        panic!("not a CEB511")
    };
    assert_eq!(waybills.len(), 6);
    let w = &waybills[0];
    assert_eq!(w.logistics_no, "L201603081138007");
    assert_eq!(w.logistics_code, "1101180326");
    assert_eq!(w.bill_no.as_deref(), Some("TY201603081344007"));
    assert_eq!(w.order_no, "order20160321116421002");
    assert_eq!(w.weight, "4000");
    assert_eq!(w.pack_no, 6000);
    assert_eq!(w.freight_minor().unwrap(), Some(500_000));
    assert_eq!(w.insured_fee_minor().unwrap(), Some(20_000));
    assert_eq!(w.goods_info.as_deref(), Some("包裹"));
    assert_eq!(waybills[1].order_no, "order20160321116421003");
}

#[test]
fn the_other_samples_spot_checked() {
    let Message::Ceb513 { statuses, .. } = parsed("CEB513") else {
        panic!()
    };
    assert_eq!(statuses.len(), 10);
    assert_eq!(
        (
            statuses[0].logistics_status.as_str(),
            statuses[0].logistics_time.as_str()
        ),
        ("R", "20150308164611")
    );
    let Message::Ceb621 { inventories, .. } = parsed("CEB621") else {
        panic!()
    };
    assert_eq!(inventories.len(), 10);
    let head = &inventories[0].head;
    assert_eq!(head.trade_mode, "9610");
    assert_eq!(head.cop_no.as_deref(), Some("NBBH20160308005"));
    assert_eq!(head.pre_no.as_deref(), Some(""));
    assert_eq!(head.pack_no, 6000);
    assert_eq!(inventories[0].lists[0].gcode, "8541401000");
    assert_eq!(inventories[0].lists[1].gname, "花王纸尿裤");
    let Message::Ceb623 { cancels, .. } = parsed("CEB623") else {
        panic!()
    };
    assert_eq!(cancels[0].invt_no, "150201613031520001");
    assert_eq!(cancels[0].pre_no.as_deref(), Some("B20160308000000001"));
    let Message::Ceb625 { refunds, .. } = parsed("CEB625") else {
        panic!()
    };
    assert_eq!(refunds[0].head.pre_no, None);
    assert_eq!(refunds[0].lists[0].gname, "可乐");
    let Message::Ceb711 { delivery, .. } = parsed("CEB711") else {
        panic!()
    };
    assert_eq!(delivery.head.rkd_no.as_deref(), Some("010220160308000005"));
    assert_eq!(delivery.lists[0].logistics_no, "L201603081138001");
    let Message::Ceb312 { returns, .. } = parsed("CEB312") else {
        panic!()
    };
    assert_eq!(returns.len(), 10);
    assert_eq!(returns[0].order_no, "order20160321116420545");
    assert_eq!(returns[0].return_time, "20160428182238000");
    let Message::Ceb412 { returns, .. } = parsed("CEB412") else {
        panic!()
    };
    assert_eq!(returns[0].return_status, "120");
    let Message::Ceb512 { returns, .. } = parsed("CEB512") else {
        panic!()
    };
    assert_eq!(returns[0].logistics_no, "L20160321114400001");
    let Message::Ceb514 { returns, .. } = parsed("CEB514") else {
        panic!()
    };
    assert_eq!(returns[0].logistics_status, "S");
    let Message::Ceb622 { returns, .. } = parsed("CEB622") else {
        panic!()
    };
    assert_eq!(returns[0].pre_no, "B20160512000001882");
    let Message::Ceb624 { returns, .. } = parsed("CEB624") else {
        panic!()
    };
    assert_eq!(
        returns[0].cop_no, "cop2016032210052\t",
        "white space in strings is kept"
    );
    let Message::Ceb626 { returns, .. } = parsed("CEB626") else {
        panic!()
    };
    assert_eq!(returns[0].invt_no.as_deref(), Some("150032133004001110"));
    let Message::Ceb712 { returns, .. } = parsed("CEB712") else {
        panic!()
    };
    assert_eq!(returns[0].pre_no.as_deref(), Some("R20160401000000007"));
}

const ORDER_HEAD: &str = "CEB311Message/Order[1]/OrderHead";

#[test]
fn malformed_xml_is_refused() {
    let text = sample_text("CEB311");
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let truncated = &text[..cut];
    let e = refused(truncated);
    assert_eq!(e.kind, ErrorKind::MalformedXml);
    assert!(e.path.starts_with("CEB311Message/Order"), "{e}");
    // Well-formedness errors name the open elements, without positions.
    let open_head = "CEB311Message/Order/OrderHead";
    assert_refused(
        text.replacen("</ceb:orderNo>", "</ceb:orderNumber>", 1),
        ErrorKind::MalformedXml,
        &format!("{open_head}/orderNo"),
    );
    assert_refused(
        text.replacen("<ceb:Order>", "<ceb:Order><<", 1),
        ErrorKind::MalformedXml,
        "CEB311Message/Order",
    );
    assert_refused(
        text.replacen("<ceb:Order>", "<ceb:Order><1st>", 1),
        ErrorKind::MalformedXml,
        "CEB311Message/Order",
    );
    assert_refused(
        text.replacen("<?xml version=\"1.0\"", "<?xml", 1),
        ErrorKind::MalformedXml,
        "",
    );
    assert_refused(format!("{text}<extra/>"), ErrorKind::MalformedXml, "");
    assert_refused(
        text.replacen("<ceb:note>test", "<ceb:note>a \u{1} b", 1),
        ErrorKind::MalformedXml,
        &format!("{open_head}/note"),
    );
    assert_refused(
        text.replacen("<ceb:note>test", "<ceb:note>&#1;", 1),
        ErrorKind::MalformedXml,
        &format!("{open_head}/note"),
    );
    assert_refused(
        text.replacen("xmlns:ceb=", "xmlns:other=", 1),
        ErrorKind::MalformedXml,
        "CEB311Message",
    );
}

#[test]
fn unknown_or_misplaced_roots_are_refused() {
    let text = sample_text("CEB311");
    assert_refused(
        text.replace("CEB311Message", "CEB999Message"),
        ErrorKind::UnknownMessageType,
        "CEB999Message",
    );
    assert_refused(
        text.replace("http://www.chinaport.gov.cn/ceb", "urn:elsewhere"),
        ErrorKind::WrongNamespace,
        "CEB311Message",
    );
    assert_refused(
        "<html><body>hello</body></html>",
        ErrorKind::UnknownMessageType,
        "html",
    );
}

#[test]
fn schema_violations_name_the_element() {
    let text = sample_text("CEB311");
    assert_refused(
        without(&text, "orderNo"),
        ErrorKind::MissingElement,
        &format!("{ORDER_HEAD}/orderNo"),
    );
    assert_refused(
        with_value(&text, "orderNo", &"X".repeat(61)),
        ErrorKind::TooLong,
        &format!("{ORDER_HEAD}/orderNo"),
    );
    assert_refused(
        with_value(&text, "guid", "too-short"),
        ErrorKind::WrongLength,
        &format!("{ORDER_HEAD}/guid"),
    );
    assert_refused(
        with_value(&text, "ebpCode", ""),
        ErrorKind::EmptyValue,
        &format!("{ORDER_HEAD}/ebpCode"),
    );
    assert_refused(
        with_value(&text, "goodsValue", "12.123456"),
        ErrorKind::TooManyFractionDigits,
        &format!("{ORDER_HEAD}/goodsValue"),
    );
    assert_refused(
        with_value(&text, "goodsValue", "12345678901234567890"),
        ErrorKind::TooManyDigits,
        &format!("{ORDER_HEAD}/goodsValue"),
    );
    assert_refused(
        with_value(&text, "goodsValue", "1,400"),
        ErrorKind::InvalidDecimal,
        &format!("{ORDER_HEAD}/goodsValue"),
    );
    assert_refused(
        with_value(&text, "currency", "502"),
        ErrorKind::InvalidValue,
        &format!("{ORDER_HEAD}/currency"),
    );
    assert_refused(
        with_value(&text, "gnum", "one"),
        ErrorKind::InvalidInteger,
        "CEB311Message/Order[1]/OrderList[1]/gnum",
    );
    assert_refused(
        text.replacen(
            "<ceb:orderNo>",
            "<ceb:shoeSize>42</ceb:shoeSize><ceb:orderNo>",
            1,
        ),
        ErrorKind::UnexpectedElement,
        &format!("{ORDER_HEAD}/shoeSize"),
    );
    // A required element out of order is reported where it was due; an optional one where
    // it turns up late.
    assert_refused(
        swapped(&text, "orderType", "orderNo").unwrap(),
        ErrorKind::MissingElement,
        &format!("{ORDER_HEAD}/orderType"),
    );
    assert_refused(
        swapped(&text, "payCode", "payName").unwrap(),
        ErrorKind::UnexpectedElement,
        &format!("{ORDER_HEAD}/payCode"),
    );
    assert_refused(
        duplicated(&text, "orderNo"),
        ErrorKind::TooManyElements,
        &format!("{ORDER_HEAD}/orderNo"),
    );
    assert_refused(
        text.replacen("<ceb:OrderHead>", "<ceb:OrderHead>stray text", 1),
        ErrorKind::UnexpectedText,
        ORDER_HEAD,
    );
    // The root's attributes (the XML declaration's `version` comes first in the text).
    assert_refused(
        text.replacen("\" version=\"1.0\"", "\"", 1),
        ErrorKind::MissingAttribute,
        "CEB311Message/@version",
    );
    assert_refused(
        text.replacen("\" version=\"1.0\"", "\" version=\"1.0\" colour=\"red\"", 1),
        ErrorKind::UnexpectedAttribute,
        "CEB311Message/@colour",
    );
    assert_refused(
        without(&text, "BaseTransfer"),
        ErrorKind::MissingElement,
        "CEB311Message/BaseTransfer",
    );
    // CEB621 must be signed.
    let inventory = sample_text("CEB621");
    let start = inventory.find("<ds:Signature").unwrap();
    let end = inventory.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &inventory[..start], &inventory[end..]);
    assert_refused(
        unsigned,
        ErrorKind::MissingElement,
        "CEB621Message/Signature",
    );
    let bad_base64 = inventory.replacen(
        "<ds:DigestValue>SF/P+2sVsRQ9dJIqJSroW6ajb0Y=",
        "<ds:DigestValue>not*base64",
        1,
    );
    assert_refused(
        bad_base64,
        ErrorKind::InvalidBase64,
        "CEB621Message/Signature/SignedInfo/Reference[1]/DigestValue",
    );
}

#[test]
fn an_empty_fixed_element_takes_its_fixed_value() {
    // XML Schema gives an empty element its declaration's fixed value (xmllint agrees).
    let text = with_value(&sample_text("CEB311"), "currency", "");
    let Message::Ceb311 { orders, .. } = parse(text.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(orders[0].head.currency, "142");
    assert_eq!(orders[0].head.currency_iso().unwrap().code(), "CNY");
}

#[test]
fn too_many_documents_are_refused() {
    let text = sample_text("CEB311");
    let start = text.find("<ceb:Order>").unwrap();
    let end = text.find("</ceb:Order>").unwrap() + "</ceb:Order>".len();
    let order = &text[start..end];
    let hundred_and_one = format!("{}{}{}", &text[..start], order.repeat(101), &text[end..]);
    assert_refused(
        hundred_and_one,
        ErrorKind::TooManyElements,
        "CEB311Message/Order[101]",
    );
}

#[test]
fn doctype_and_entity_tricks_are_refused() {
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">\
                  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\
                  <lolz>&lol2;</lolz>";
    assert_refused(laughs, ErrorKind::DoctypeNotAllowed, "");
    let external = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><r>&xxe;</r>";
    assert_refused(external, ErrorKind::DoctypeNotAllowed, "");
    let text = sample_text("CEB311");
    // A DOCTYPE in front of a real message changes nothing.
    let with_doctype = text.replacen(
        "<ceb:CEB311Message",
        "<!DOCTYPE ceb:CEB311Message SYSTEM \"http://example.com/x.dtd\"><ceb:CEB311Message",
        1,
    );
    assert_refused(with_doctype, ErrorKind::DoctypeNotAllowed, "");
    // An entity that was never declared (there is no way to declare one).
    assert_refused(
        text.replacen("<ceb:note>test", "<ceb:note>&xxe;", 1),
        ErrorKind::MalformedXml,
        "CEB311Message/Order/OrderHead/note",
    );
    // The predefined entities and character references are fine, and expanded.
    let escaped = text.replacen(
        "<ceb:note>test",
        "<ceb:note>&lt;a&gt; &amp; &#x4E2D;&#22269;",
        1,
    );
    let Message::Ceb311 { orders, .. } = parse(escaped.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!(orders[0].head.note.as_deref(), Some("<a> & 中国"));
}

#[test]
fn encodings_other_than_utf8_are_refused() {
    let text = sample_text("CEB311");
    // 中 in GBK is D6 D0: not UTF-8.
    let gbk = text
        .replacen("<ceb:note>test", "<ceb:note>\u{0}", 1)
        .into_bytes();
    let position = gbk.iter().position(|b| *b == 0).unwrap();
    let mut gbk = gbk;
    gbk.splice(position..position + 1, [0xD6, 0xD0]);
    assert_refused(&gbk, ErrorKind::InvalidEncoding, "");
    assert_refused(
        text.replacen("encoding=\"UTF-8\"", "encoding=\"GBK\"", 1),
        ErrorKind::InvalidEncoding,
        "",
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert_refused(&utf16, ErrorKind::InvalidEncoding, "");
    assert_refused(b"\xff\xfe\xfd garbage \x80", ErrorKind::InvalidEncoding, "");
    // The sample itself starts with a UTF-8 byte order mark, which is fine.
    assert!(sample("CEB311").starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn empty_and_huge_bodies_are_refused() {
    assert_refused(b"", ErrorKind::EmptyMessage, "");
    assert_refused(b" \r\n\t ", ErrorKind::EmptyMessage, "");
    assert_refused(b"\xEF\xBB\xBF", ErrorKind::EmptyMessage, "");
    let huge = vec![b' '; ceb::MAX_MESSAGE_BYTES + 1];
    assert_refused(&huge, ErrorKind::MessageTooLarge, "");
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let e = refused(deep);
    assert_eq!(e.kind, ErrorKind::TooDeep);
    assert!(e.path.starts_with("a/a/a"), "{e}");
    // Just under the limit, a body made of one huge value is read, then refused by the schema.
    let text = sample_text("CEB311");
    let big = with_value(&text, "note", &"备".repeat(3_000_000));
    assert!(big.len() < ceb::MAX_MESSAGE_BYTES);
    assert_refused(big, ErrorKind::TooLong, &format!("{ORDER_HEAD}/note"));
}

#[test]
fn errors_never_quote_values() {
    let text = sample_text("CEB311");
    for broken in [
        with_value(&text, "buyerIdNumber", &"SECRET".repeat(20)),
        with_value(&text, "goodsValue", "SECRET"),
        with_value(&text, "currency", "SEC"),
        text.replacen("<ceb:note>test", "<ceb:note>SECRET&bogus;", 1),
    ] {
        let e = refused(broken);
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert!(!e.to_string().contains("SEC\""), "{e}");
    }
}

#[test]
fn every_sample_renders_back_to_itself() {
    for kind in SAMPLE_KINDS {
        let message = parsed(kind);
        let xml = render(&message).unwrap_or_else(|e| panic!("{kind} does not render: {e}"));
        let again = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("rendered {kind}: {e}"));
        assert_eq!(again, message, "{kind} changed on the way");
        assert_eq!(
            render(&again).unwrap(),
            xml,
            "{kind} renders the same twice"
        );
    }
}

#[test]
fn extensions_and_subscriptions_render_back() {
    let message = parse(extended_order().as_bytes()).unwrap();
    let Message::Ceb311 { envelope, .. } = &message else {
        panic!()
    };
    assert_eq!(envelope.base_subscribes.len(), 2);
    assert_eq!(envelope.base_subscribes[1].note.as_deref(), Some("放行"));
    let extend = envelope.extend_message.as_ref().unwrap();
    assert_eq!(
        (extend.name.as_str(), extend.version.as_str()),
        ("ewtp", "1")
    );
    let fragment = extend.message.as_deref().unwrap();
    assert!(
        fragment.starts_with("<n1:hub xmlns:n1=\"urn:ewtp:ext\" n1:line=\"a&#10;b\""),
        "{fragment}"
    );
    assert!(fragment.contains("<plain>1 &lt; 2</plain>"), "{fragment}");
    let xml = render(&message).unwrap();
    assert_eq!(parse(xml.as_bytes()).unwrap(), message);
    assert_eq!(render(&parse(xml.as_bytes()).unwrap()).unwrap(), xml);
}

#[test]
fn rendering_refuses_what_the_schema_refuses() {
    let Message::Ceb311 {
        guid,
        version,
        mut orders,
        envelope,
    } = parsed("CEB311")
    else {
        panic!()
    };
    orders[1].head.order_no = "X".repeat(61);
    let too_long = Message::Ceb311 {
        guid: guid.clone(),
        version: version.clone(),
        orders: orders.clone(),
        envelope: envelope.clone(),
    };
    let e = render(&too_long).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str()),
        (
            ErrorKind::TooLong,
            "CEB311Message/Order[2]/OrderHead/orderNo"
        )
    );
    orders[1].head.order_no = "bell\u{7}".into();
    let control = Message::Ceb311 {
        guid,
        version,
        orders,
        envelope,
    };
    assert_eq!(render(&control).unwrap_err().kind, ErrorKind::MalformedXml);
}

/// The text fields of a message's first document (and its transfer header), to perturb.
fn text_fields(message: &mut Message) -> Vec<&mut String> {
    match message {
        Message::Ceb311 {
            orders, envelope, ..
        } => {
            let (order, _) = orders.split_first_mut().unwrap();
            let h = &mut order.head;
            let l = &mut order.lists[0];
            vec![
                &mut h.order_no,
                &mut h.ebp_name,
                &mut h.goods_value,
                &mut h.freight,
                &mut h.currency,
                &mut h.buyer_name,
                &mut h.buyer_id_number,
                &mut h.consignee_address,
                &mut l.item_name,
                &mut l.qty,
                &mut l.price,
                &mut l.unit,
                &mut envelope.base_transfer.cop_name,
            ]
        }
        Message::Ceb411 { payments, .. } => {
            let p = &mut payments[0];
            vec![
                &mut p.pay_transaction_id,
                &mut p.payer_name,
                &mut p.amount_paid,
                &mut p.pay_time,
                &mut p.guid,
            ]
        }
        Message::Ceb511 { waybills, .. } => {
            let w = &mut waybills[0];
            vec![
                &mut w.logistics_no,
                &mut w.weight,
                &mut w.consignee,
                &mut w.app_status,
            ]
        }
        Message::Ceb621 { inventories, .. } => {
            let i = &mut inventories[0];
            let line = &mut i.lists[0];
            vec![
                &mut i.head.trade_mode,
                &mut i.head.gross_weight,
                &mut i.head.agent_name,
                &mut line.gcode,
                &mut line.gmodel,
            ]
        }
        Message::Ceb312 { returns, .. } => {
            let r = &mut returns[0];
            vec![&mut r.return_info, &mut r.return_status, &mut r.return_time]
        }
        other => panic!("no fields listed for {:?}", other.kind()),
    }
}

fn perturbation() -> impl Strategy<Value = String> {
    prop_oneof![
        // Characters that need escaping, white space, CJK, controls, surrogates' neighbours.
        "[ -~]{0,40}",
        "[&<>\"'\\t\\r\\n ]{0,8}",
        "[0-9]{0,22}(\\.[0-9]{0,8})?",
        " ?[+-]?[0-9]{1,6}\\.?[0-9]{0,3} ?",
        "[\u{4e00}-\u{4e20}]{0,70}",
        "[\u{0}-\u{1f}\u{fffe}\u{ffff}a]{1,4}",
        Just(String::new()),
    ]
}

proptest! {
    // No failure files in the source tree: a failure prints its minimal input.
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A message whose fields were changed renders to XML that parses back to it, or is refused
    /// with a code: never invalid XML, never a panic.
    #[test]
    fn perturbed_messages_round_trip_or_are_refused(
        kind in prop::sample::select(vec!["CEB311", "CEB411", "CEB511", "CEB621", "CEB312"]),
        field in 0usize..16,
        value in perturbation(),
        pack_no in prop::option::of(any::<i32>()),
    ) {
        let mut message = parsed(kind);
        {
            let mut fields = text_fields(&mut message);
            let count = fields.len();
            *fields[field % count] = value;
        }
        if let (Some(n), Message::Ceb511 { waybills, .. }) = (pack_no, &mut message) {
            waybills[0].pack_no = n;
        }
        // An empty element with a fixed value reads as that value.
        let mut expected = message.clone();
        if let Message::Ceb311 { orders, .. } = &mut expected {
            if orders[0].head.currency.is_empty() {
                orders[0].head.currency = "142".into();
            }
        }
        match render(&message) {
            Ok(xml) => {
                let back = parse(xml.as_bytes());
                prop_assert_eq!(back.as_ref(), Ok(&expected), "{}", xml);
            }
            Err(e) => {
                prop_assert!(!e.code().is_empty());
                prop_assert!(e.path.starts_with(kind), "{}", e);
            }
        }
    }

    /// Arbitrary bytes and arbitrary cuts and splices of a sample never panic the parser, and
    /// every refusal has a code.
    #[test]
    fn arbitrary_input_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        cut in 0usize..20_000,
        splice in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        for input in [bytes.clone(), {
            let mut s = sample("CEB411");
            let at = cut % s.len();
            s.splice(at..at, splice.iter().copied());
            s
        }, {
            let s = sample("CEB621");
            s[..cut % s.len()].to_vec()
        }] {
            if let Err(e) = parse(&input) {
                prop_assert!(!e.code().is_empty());
                let receipt = ceb::failure_receipt(&input, &e, 1_700_000_000_000);
                prop_assert!(parse(receipt.as_bytes()).is_ok(), "{}", receipt);
            }
        }
    }
}

#[test]
fn inventory_lists_from_clearance_are_checked() {
    let p = parcel();
    // The documents must be for the same order.
    let mut other = parcel();
    other.waybill.order_no = "SO-OTHER".into();
    let e = ceb::from_clearance(&ceb::ClearedParcel {
        waybill: &other.waybill,
        ..cleared(&p)
    })
    .unwrap_err();
    assert_eq!(e.code(), "mismatched_documents");
    // A 6-digit HS code is not a tariff code.
    let mut codes = cleared(&p);
    codes.lines[1].gcode = None;
    let e = ceb::from_clearance(&codes).unwrap_err();
    assert_eq!(
        (e.code(), e.path.as_str()),
        (
            "not_mappable",
            "CEB621Message/Inventory/InventoryList[2]/gcode"
        )
    );
    // One set of codes per line.
    let mut short = cleared(&p);
    short.lines.pop();
    assert_eq!(
        ceb::from_clearance(&short).unwrap_err().code(),
        "not_mappable"
    );
    // CEB amounts are in CNY.
    let mut myr = parcel();
    myr.order.currency = trade::Currency::parse("MYR").unwrap();
    let e = ceb::from_clearance(&cleared(&myr)).unwrap_err();
    assert_eq!(e.path, "CEB621Message/Inventory/InventoryHead/currency");
    // Bonded needs its warehouse.
    let mut bonded = cleared(&p);
    bonded.trade_mode = ceb::TradeMode::Bonded;
    assert_eq!(
        ceb::from_clearance(&bonded).unwrap_err().code(),
        "not_mappable"
    );
    // A value the schema refuses is caught when rendering, with its path.
    let mut long = cleared(&p);
    long.inventory_no = "1".repeat(19);
    let doc = ceb::from_clearance(&long).unwrap();
    let e = render_ceb621(&doc).unwrap_err();
    assert_eq!(
        (e.code(), e.path.as_str()),
        (
            "too_long",
            "CEB621Message/Inventory[1]/InventoryHead/invtNo"
        )
    );
}

mod intake_of_samples {
    //! The official CEB311, 411 and 511 as the hub's drafts, validated the way the JSON API
    //! validates them.

    use super::*;
    use ceb::intake::{intake, order_intake};
    use ceb::{Draft, IdType};
    use std::collections::HashMap;
    use trade::order::{BuyerIdType, Submission};
    use trade::{Country, Currency, HsCode, Product};

    const NOW_MS: i64 = 1_795_334_400_000;

    fn drafts(kind: &str) -> Vec<Draft> {
        intake(&parsed(kind))
            .unwrap()
            .into_iter()
            .map(|d| d.unwrap_or_else(|e| panic!("{kind}: {e}")))
            .collect()
    }

    fn catalog() -> HashMap<String, Product> {
        ["AF001-001", "AF001-002"]
            .into_iter()
            .map(|sku| {
                let product = Product {
                    id: format!("prd_{sku}"),
                    merchant_id: "pty_m".into(),
                    sku: sku.into(),
                    title: "样品".into(),
                    hs_code: HsCode::parse("8541401000").unwrap(),
                    origin: Country::parse("JP").unwrap(),
                    unit_price: 1,
                    currency: Currency::parse("CNY").unwrap(),
                    net_weight_g: 100,
                    version: 1,
                    created_at_ms: 0,
                    updated_at_ms: 0,
                };
                (sku.to_string(), product)
            })
            .collect()
    }

    #[test]
    fn the_official_order_is_an_order_draft() {
        let drafts = drafts("CEB311");
        assert_eq!(drafts.len(), 6);
        let Draft::Order(o) = &drafts[0] else {
            panic!("not an order")
        };
        let d = &o.draft;
        assert_eq!(d.order_no.as_deref(), Some("order20160321116421002"));
        assert_eq!(
            (
                d.freight.as_deref(),
                d.discount.as_deref(),
                d.tax_withheld.as_deref(),
                d.actual_paid.as_deref()
            ),
            (
                Some("5000.00"),
                Some("0.00"),
                Some("50.00"),
                Some("19050.00")
            )
        );
        assert_eq!(o.stated_goods_value, "14000.00");
        assert_eq!(d.currency.as_deref(), Some("CNY"));
        assert_eq!(d.destination.as_deref(), Some("CN"));
        assert_eq!(d.incoterm.as_deref(), Some("DDP"));
        assert_eq!(
            d.payment_transaction_id.as_deref(),
            Some("20160001634226001")
        );
        let buyer = d.buyer.as_ref().unwrap();
        assert_eq!(buyer.id_type.as_deref(), Some("national_id"));
        assert_eq!(buyer.id_number.as_deref(), Some("130681136250023332"));
        assert_eq!(buyer.address.as_deref(), Some("北京市海淀区"));
        assert_eq!(
            d.consignee.as_ref().unwrap().name.as_deref(),
            Some("焦洪宇")
        );
        let lines = d.lines.as_ref().unwrap();
        let got: Vec<(Option<&str>, Option<i64>, Option<&str>)> = lines
            .iter()
            .map(|l| (l.sku.as_deref(), l.quantity, l.unit_price.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("AF001-001"), Some(100), Some("20.00")),
                (Some("AF001-002"), Some(200), Some("10.00"))
            ]
        );
        assert!(
            lines.iter().all(|l| l.hs_code.is_none()),
            "the catalog gives HS codes"
        );
        assert_eq!(o.platform.code, "1105910159");
        assert_eq!(o.merchant.name, "东方物通科技(北京)有限公司");
        assert_eq!(o.payment_company.as_ref().unwrap().code, "1105910159");
        assert_eq!(o.buyer_id_type, IdType::NationalIdCard);
        assert_eq!(o.buyer_reg_no, "ID20160001");

        // The JSON API's own validation takes it.
        let catalog = catalog();
        let order = d
            .validate(Submission {
                id: "ord_1".into(),
                merchant_id: "pty_m".into(),
                submitted_by: "pty_plat".into(),
                now_ms: NOW_MS,
                catalog: &catalog,
            })
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(order.order_no.as_deref(), Some("order20160321116421002"));
        assert_eq!(order.buyer.id_type, BuyerIdType::NationalId);
        assert_eq!(order.lines[0].hs_code.as_str(), "8541401000");
        // The sample's second line says 200 × 10 = 12000: the hub counts 2000.
        assert_eq!(order.goods_value, 400_000);
        assert_eq!(
            (order.freight, order.tax_withheld, order.actual_paid),
            (500_000, 5_000, 1_905_000)
        );
    }

    #[test]
    fn the_official_payment_is_a_payment_draft() {
        let drafts = drafts("CEB411");
        assert_eq!(drafts.len(), 10);
        let Draft::Payment(p) = &drafts[0] else {
            panic!("not a payment")
        };
        let d = &p.draft;
        assert_eq!(d.transaction_id.as_deref(), Some("P0242250007"));
        assert_eq!(d.order_no.as_deref(), Some("order2016030811340007"));
        assert_eq!(d.amount.as_deref(), Some("19050.00"));
        assert_eq!(d.currency.as_deref(), Some("CNY"));
        assert_eq!(d.paid_at.as_deref(), Some("2016-03-15T15:35:55+08:00"));
        assert_eq!(p.payment_company.code, "1101110323");
        assert_eq!(p.platform.code, "1101110325");
        let notice = d
            .validate("pay_1".into(), "pty_pay".into(), NOW_MS)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(notice.amount, 1_905_000);
        assert_eq!(
            Some(notice.paid_at_ms),
            ceb::parse_ceb_time14("20160315153555", ceb::CHINA_OFFSET_MINUTES)
        );
        assert_eq!(notice.payer.id_type, BuyerIdType::NationalId);
        assert_eq!(notice.payer.phone.as_ref().unwrap().expose(), "13256254445");
    }

    #[test]
    fn the_official_waybill_is_a_waybill_draft() {
        let drafts = drafts("CEB511");
        assert_eq!(drafts.len(), 6);
        let Draft::Waybill(w) = &drafts[0] else {
            panic!("not a waybill")
        };
        let d = &w.draft;
        assert_eq!(d.waybill_no.as_deref(), Some("L201603081138007"));
        assert_eq!(d.gross_weight_kg.as_deref(), Some("4000.000"));
        assert_eq!(d.package_count, Some(6000));
        assert_eq!(
            (d.freight.as_deref(), d.insurance.as_deref()),
            (Some("5000.00"), Some("200.00"))
        );
        assert_eq!(d.goods_description.as_deref(), Some("包裹"));
        assert_eq!(w.logistics.code, "1101180326");
        let waybill = d
            .validate("wb_1".into(), "pty_c".into(), NOW_MS)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(waybill.gross_weight_g, 4_000_000);
        assert_eq!(waybill.package_count, 6000);
        assert_eq!(waybill.freight, Some(500_000));
        assert_eq!(waybill.insurance, Some(20_000));
        assert_eq!(waybill.bill_no.as_deref(), Some("TY201603081344007"));
        assert_eq!(waybill.consignee.name.expose(), "李小可");
    }

    #[test]
    fn unknown_codes_are_clear_errors() {
        let Message::Ceb311 {
            guid,
            version,
            mut orders,
            envelope,
        } = parsed("CEB311")
        else {
            panic!()
        };
        orders[2].head.currency = "502".into();
        let e = order_intake(&orders[2]).unwrap_err();
        assert_eq!(
            (e.kind, e.path.as_str()),
            (ErrorKind::UnknownCurrencyCode, "OrderHead/currency")
        );
        let message = Message::Ceb311 {
            guid,
            version,
            orders,
            envelope,
        };
        let results = intake(&message).unwrap();
        assert!(results[0].is_ok() && results[1].is_ok());
        let e = results[2].as_ref().unwrap_err();
        assert_eq!(e.path, "CEB311Message/Order[3]/OrderHead/currency");
        assert!(!e.to_string().contains("502"), "never a value");
        assert_eq!(
            intake(&parsed("CEB621")).unwrap_err().code(),
            "not_mappable"
        );
    }

    #[test]
    fn outcomes_of_the_drafts_go_into_the_receipt() {
        // The flow the hub runs: parse → intake → one outcome per document → receipt.
        let message = parsed("CEB511");
        let outcomes: Vec<Result<(), String>> = intake(&message)
            .unwrap()
            .into_iter()
            .map(|draft| match draft {
                Ok(Draft::Waybill(w)) => w
                    .draft
                    .validate("wb_1".into(), "pty_c".into(), NOW_MS)
                    .map(|_| ())
                    .map_err(|errors| format!("{} problem(s)", errors.len())),
                Ok(other) => Err(format!("unexpected {other:?}")),
                Err(e) => Err(e.to_string()),
            })
            .collect();
        assert!(outcomes.iter().all(Result::is_ok));
        let receipt = ceb::receipt_for(&message, &outcomes, NOW_MS).unwrap();
        let Message::Ceb512 { returns, .. } = parse(receipt.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(returns.len(), 6);
        assert!(returns.iter().all(|r| r.return_status == "120"));
    }
}
