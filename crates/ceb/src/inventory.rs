//! CEB621: the import inventory list, the customs declaration the hub files for each cleared
//! order (trade mode `9610` direct purchase or `1210` bonded): [`from_clearance`] builds it from
//! the hub's records, [`render_ceb621`] writes it.

use customs::{matching_order_no, PaymentNotice, Waybill};
use trade::Order;

use crate::amount::{minor_to_amount, scaled_to_decimal};
use crate::codes::IdType;
use crate::error::{CebError, ErrorKind};
use crate::intake::CustomsParty;
use crate::message::{Inventory621, MessageKind};
use crate::model::{BaseTransfer, InventoryHead, InventoryList};
use crate::receipt::checked;
use crate::time::{format_ceb_date8, format_ceb_time14, CHINA_OFFSET_MINUTES};
use crate::xml::{escape, escape_attr, XmlOut, CEB_NS, DS_NS};

/// The values of the enveloped XML signature that CEB621 must carry (`ds:Signature` is
/// required there). Signing is the caller's (a signing device's) business: this crate only
/// writes what it is given, after checking its shape (base64 where the schema says so).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignatureBlock {
    /// `CanonicalizationMethod/@Algorithm`, e.g. [`SignatureBlock::C14N`].
    pub canonicalization_method: String,
    /// `SignatureMethod/@Algorithm`, e.g. [`SignatureBlock::SM2_SM3`].
    pub signature_method: String,
    /// `Reference/@URI`; empty for the whole document.
    pub reference_uri: String,
    /// `Transform/@Algorithm`s, e.g. [`SignatureBlock::ENVELOPED`].
    pub transforms: Vec<String>,
    /// `DigestMethod/@Algorithm`, e.g. [`SignatureBlock::SM3`].
    pub digest_method: String,
    /// `DigestValue`, base64.
    pub digest_value: String,
    /// `SignatureValue`, base64.
    pub signature_value: String,
    /// `KeyInfo/KeyName` (the certificate number).
    pub key_name: Option<String>,
    /// `KeyInfo/X509Data/X509Certificate`, base64.
    pub x509_certificate: Option<String>,
}

impl SignatureBlock {
    /// Canonical XML 1.0 (spec section 6.2.1.1).
    pub const C14N: &'static str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    /// SM2 with SM3, the preferred signature method (section 6.2.1.2).
    pub const SM2_SM3: &'static str = "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3";
    /// RSA with SHA-1, the general alternative (section 6.2.1.2).
    pub const RSA_SHA1: &'static str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    /// SM3 digest, preferred (section 6.2.1.3.2).
    pub const SM3: &'static str = "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3";
    /// SHA-1 digest, the general alternative (section 6.2.1.3.2).
    pub const SHA1: &'static str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// The enveloped-signature transform (section 6.2.1.3.1).
    pub const ENVELOPED: &'static str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
}

/// A CEB621 message: up to 100 inventory lists, each with 1 to 99 lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryDoc {
    /// The message guid (root attribute), 36 characters.
    pub guid: String,
    pub inventories: Vec<Inventory621>,
    pub base_transfer: BaseTransfer,
    pub signature: SignatureBlock,
}

fn attribute(name: &str, value: &str) -> String {
    let mut out = format!(" {name}=\"");
    escape_attr(value, &mut out);
    out.push('"');
    out
}

fn element(name: &str, attrs: &str, value: &str) -> String {
    let mut out = format!("<ds:{name}{attrs}>");
    escape(value, &mut out);
    out.push_str(&format!("</ds:{name}>"));
    out
}

fn write_signature(w: &mut XmlOut, s: &SignatureBlock) {
    w.raw_line(&format!("<ds:Signature xmlns:ds=\"{DS_NS}\">"));
    w.raw_line("<ds:SignedInfo>");
    w.raw_line(&element(
        "CanonicalizationMethod",
        &attribute("Algorithm", &s.canonicalization_method),
        "",
    ));
    w.raw_line(&element(
        "SignatureMethod",
        &attribute("Algorithm", &s.signature_method),
        "",
    ));
    w.raw_line(&format!(
        "<ds:Reference{}>",
        attribute("URI", &s.reference_uri)
    ));
    if !s.transforms.is_empty() {
        w.raw_line("<ds:Transforms>");
        for algorithm in &s.transforms {
            w.raw_line(&element(
                "Transform",
                &attribute("Algorithm", algorithm),
                "",
            ));
        }
        w.raw_line("</ds:Transforms>");
    }
    w.raw_line(&element(
        "DigestMethod",
        &attribute("Algorithm", &s.digest_method),
        "",
    ));
    w.raw_line(&element("DigestValue", "", &s.digest_value));
    w.raw_line("</ds:Reference>");
    w.raw_line("</ds:SignedInfo>");
    w.raw_line(&element("SignatureValue", "", &s.signature_value));
    if s.key_name.is_some() || s.x509_certificate.is_some() {
        w.raw_line("<ds:KeyInfo>");
        if let Some(name) = &s.key_name {
            w.raw_line(&element("KeyName", "", name));
        }
        if let Some(certificate) = &s.x509_certificate {
            w.raw_line("<ds:X509Data>");
            w.raw_line(&element("X509Certificate", "", certificate));
            w.raw_line("</ds:X509Data>");
        }
        w.raw_line("</ds:KeyInfo>");
    }
    w.raw_line("</ds:Signature>");
}

/// Writes the CEB621 message. Every value is checked against the schema's facets first (by
/// checking the written document with this crate's validator): a value that would make the
/// document schema-invalid is an error naming its path, never an invalid document.
pub fn render_ceb621(doc: &InventoryDoc) -> Result<String, CebError> {
    let root = MessageKind::Ceb621.root_name();
    let mut w = XmlOut::new("ceb:");
    w.open_with(
        root,
        &[
            ("guid", &doc.guid),
            ("version", "1.0"),
            ("xmlns:ceb", CEB_NS),
        ],
    );
    for inventory in &doc.inventories {
        w.open("Inventory");
        w.open("InventoryHead");
        inventory.head.write(&mut w);
        w.close("InventoryHead");
        for line in &inventory.lists {
            w.open("InventoryList");
            line.write(&mut w);
            w.close("InventoryList");
        }
        w.close("Inventory");
    }
    w.open("BaseTransfer");
    doc.base_transfer.write(&mut w);
    w.close("BaseTransfer");
    write_signature(&mut w, &doc.signature);
    w.close(root);
    checked(w.out)
}

/// `tradeMode` (贸易方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeMode {
    /// `9610`: direct purchase import (直购进口), the parcel flies in per order.
    DirectPurchase,
    /// `1210`: bonded import (保税进口), shipped from a bonded warehouse in the zone.
    Bonded,
}

impl TradeMode {
    pub fn code(self) -> &'static str {
        match self {
            TradeMode::DirectPurchase => "9610",
            TradeMode::Bonded => "1210",
        }
    }
}

/// Who guarantees the tax (`assureCode`, 担保企业编号): the specification allows only the
/// list's platform, merchant or carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantor {
    Platform,
    Merchant,
    Logistics,
}

/// The bonded warehouse a `1210` parcel leaves from (required for bonded imports).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BondedWarehouse {
    /// `emsNo`: the warehouse's customs account book (账册编号).
    pub ems_no: String,
    /// `areaCode`, `areaName`: the warehouse enterprise in the zone.
    pub area: CustomsParty,
}

/// How the parcel crosses the border (for `9610`, the cross-border leg).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transport {
    /// `trafMode`: the customs transport-mode code (JGS-20), one character.
    pub traf_mode: String,
    /// `trafNo`: the flight, vessel or vehicle.
    pub traf_no: Option<String>,
    /// `voyageNo`: the voyage or flight date number.
    pub voyage_no: Option<String>,
}

/// What the inventory list needs for one order line that the hub's order does not hold: the
/// customs codes of the JGS-20 tables, which this crate does not carry (see [`crate::codes`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryLineCodes {
    /// `gcode`: the 10-digit Chinese tariff code; `None` takes the order line's HS code, which
    /// must then have 10 digits.
    pub gcode: Option<String>,
    /// `gmodel` (规格型号: brand, model, composition…); `None` takes the line's description.
    pub gmodel: Option<String>,
    /// `unit`: the customs unit code of the line's quantity (e.g. `007`, as in the samples).
    pub unit: String,
    /// `qty1` and `unit1`: the quantity in the tariff line's legal unit, a decimal string.
    pub legal_qty: String,
    pub legal_unit: String,
    /// `qty2` and `unit2`, when the tariff line has a second unit.
    pub second_qty: Option<String>,
    pub second_unit: Option<String>,
    /// `country`: the customs country code of the goods' origin.
    pub origin_country: String,
    /// `itemRecordNo`: the warehouse account item (bonded imports).
    pub item_record_no: Option<String>,
    /// `barCode`.
    pub bar_code: Option<String>,
}

/// A parcel the hub cleared, with everything its inventory list names.
#[derive(Clone, Debug)]
pub struct ClearedParcel<'a> {
    pub order: &'a Order,
    pub payment: &'a PaymentNotice,
    pub waybill: &'a Waybill,
    /// The message's and the list's guid: 36 characters (upper-case letters by the
    /// specification); the caller makes it, this crate has no randomness.
    pub guid: String,
    /// `invtNo`: the inventory number of the declaration (at most 18 characters).
    pub inventory_no: String,
    /// The hub's declaration id (`dec_…`): the list's `copNo` (see [`cop_no_of`]) and its note.
    pub declaration_id: String,
    /// `ebpCode`/`ebpName`, `ebcCode`/`ebcName`, `logisticsCode`/`logisticsName`.
    pub platform: CustomsParty,
    pub merchant: CustomsParty,
    pub logistics: CustomsParty,
    /// `agentCode`/`agentName`: the declarant, the hub's operator; also the transmitting
    /// enterprise of `BaseTransfer`.
    pub agent: CustomsParty,
    pub guarantor: Guarantor,
    /// `customsCode` and `portCode`: the customs district codes (4 characters).
    pub customs_code: String,
    pub port_code: String,
    pub trade_mode: TradeMode,
    /// Required for [`TradeMode::Bonded`], ignored otherwise.
    pub warehouse: Option<BondedWarehouse>,
    pub transport: Transport,
    /// `country` of the head: the customs code of the country the parcel left from (`142`,
    /// China, for bonded imports).
    pub departure_country: String,
    /// One per order line, in the order's line order.
    pub lines: Vec<InventoryLineCodes>,
    /// `netWeight`: the goods without packing, in grams (the waybill has the gross weight).
    pub net_weight_g: i64,
    /// `appTime` and `declTime`, in China time.
    pub declared_at_ms: i64,
    /// `BaseTransfer/dxpId`: the hub's user number at the data exchange platform.
    pub dxp_id: String,
    pub signature: SignatureBlock,
}

/// `copNo` holds at most 20 characters and a hub id is 30 (`dec_` and a 26-character ULID):
/// the id itself when it fits, else its last 20 characters — the ULID's 80 random bits and
/// low time bits, unique in practice. The full id is in the list's `note`.
pub fn cop_no_of(declaration_id: &str) -> String {
    const COP_NO_MAX_CHARS: usize = 20;
    let count = declaration_id.chars().count();
    declaration_id
        .chars()
        .skip(count.saturating_sub(COP_NO_MAX_CHARS))
        .collect()
}

const LIST_PATH: &str = "CEB621Message/Inventory";

fn not_mappable(path: impl Into<String>, detail: impl Into<String>) -> CebError {
    CebError::new(ErrorKind::NotMappable, path, detail)
}

/// Builds the CEB621 (one inventory list, `appType` 1 new, `appStatus` 2 declared, `ieFlag` I)
/// for a parcel the hub cleared. Amounts are the order's, which customs matched against the
/// payment and the waybill: goods lines, freight, insurance; weights and packages are the
/// waybill's. The list is not checked against the schema here: [`render_ceb621`] does that.
///
/// Errors: the order, payment and waybill are for different orders (`mismatched_documents`);
/// the order is not in CNY, the codes are not one per line, a line has no 10-digit tariff
/// code, a bonded list has no warehouse, or a figure does not fit (`not_mappable`).
pub fn from_clearance(parcel: &ClearedParcel<'_>) -> Result<InventoryDoc, CebError> {
    let order = parcel.order;
    let order_no = matching_order_no(order);
    if parcel.payment.order_no != order_no || parcel.waybill.order_no != order_no {
        return Err(CebError::new(
            ErrorKind::MismatchedDocuments,
            format!("{LIST_PATH}/InventoryHead/orderNo"),
            "the payment notice and the waybill must be for the order being declared",
        ));
    }
    let currency = order.currency;
    if currency.code() != "CNY" {
        return Err(not_mappable(
            format!("{LIST_PATH}/InventoryHead/currency"),
            format!(
                "the inventory list is in CNY (customs code 142); the order is in {}: convert it first",
                currency.code()
            ),
        ));
    }
    if parcel.lines.len() != order.lines.len() {
        return Err(not_mappable(
            format!("{LIST_PATH}/InventoryList"),
            format!(
                "{} line code set(s) for {} order line(s)",
                parcel.lines.len(),
                order.lines.len()
            ),
        ));
    }
    let waybill = parcel.waybill;
    if parcel.net_weight_g > waybill.gross_weight_g {
        return Err(not_mappable(
            format!("{LIST_PATH}/InventoryHead/netWeight"),
            "the net weight is more than the waybill's gross weight",
        ));
    }
    let pack_no = i32::try_from(waybill.package_count).map_err(|_| {
        not_mappable(
            format!("{LIST_PATH}/InventoryHead/packNo"),
            "too many packages",
        )
    })?;
    let (ems_no, area) = match (parcel.trade_mode, &parcel.warehouse) {
        (TradeMode::DirectPurchase, _) => (None, None),
        (TradeMode::Bonded, Some(w)) => (Some(w.ems_no.clone()), Some(w.area.clone())),
        (TradeMode::Bonded, None) => {
            return Err(not_mappable(
                format!("{LIST_PATH}/InventoryHead/emsNo"),
                "a bonded (1210) list needs the warehouse's account book and enterprise",
            ))
        }
    };
    let assure_code = match parcel.guarantor {
        Guarantor::Platform => &parcel.platform.code,
        Guarantor::Merchant => &parcel.merchant.code,
        Guarantor::Logistics => &parcel.logistics.code,
    };
    let buyer = &order.buyer;
    let head = InventoryHead {
        guid: parcel.guid.clone(),
        app_type: "1".into(),
        app_time: format_ceb_time14(parcel.declared_at_ms, CHINA_OFFSET_MINUTES),
        app_status: "2".into(),
        order_no: order_no.to_string(),
        ebp_code: parcel.platform.code.clone(),
        ebp_name: parcel.platform.name.clone(),
        ebc_code: parcel.merchant.code.clone(),
        ebc_name: parcel.merchant.name.clone(),
        logistics_no: waybill.waybill_no.clone(),
        logistics_code: parcel.logistics.code.clone(),
        logistics_name: parcel.logistics.name.clone(),
        cop_no: Some(cop_no_of(&parcel.declaration_id)),
        // The e-port numbers the list when it receives it.
        pre_no: None,
        assure_code: assure_code.clone(),
        ems_no,
        invt_no: Some(parcel.inventory_no.clone()),
        ie_flag: "I".into(),
        decl_time: format_ceb_date8(parcel.declared_at_ms, CHINA_OFFSET_MINUTES),
        customs_code: parcel.customs_code.clone(),
        port_code: parcel.port_code.clone(),
        ie_date: None,
        buyer_id_type: IdType::from_buyer_id_type(buyer.id_type).code().into(),
        buyer_id_number: buyer.id_number.expose().to_string(),
        buyer_name: buyer.name.expose().to_string(),
        buyer_telephone: buyer.phone.expose().to_string(),
        // Where the parcel is going: the waybill's consignee, whom customs matched with the order.
        consignee_address: waybill.consignee.address.expose().to_string(),
        agent_code: parcel.agent.code.clone(),
        agent_name: parcel.agent.name.clone(),
        area_code: area.as_ref().map(|a| a.code.clone()),
        area_name: area.map(|a| a.name),
        trade_mode: parcel.trade_mode.code().into(),
        traf_mode: parcel.transport.traf_mode.clone(),
        traf_no: parcel.transport.traf_no.clone(),
        voyage_no: parcel.transport.voyage_no.clone(),
        bill_no: waybill.bill_no.clone(),
        loct_no: None,
        license_no: None,
        country: parcel.departure_country.clone(),
        freight: minor_to_amount(order.freight, currency),
        insured_fee: minor_to_amount(order.insurance, currency),
        currency: "142".into(),
        wrap_type: None,
        pack_no,
        gross_weight: scaled_to_decimal(waybill.gross_weight_g, 3),
        net_weight: scaled_to_decimal(parcel.net_weight_g, 3),
        note: Some(format!("declaration {}", parcel.declaration_id)),
    };
    let mut lists = Vec::with_capacity(order.lines.len());
    for (i, (line, codes)) in order.lines.iter().zip(&parcel.lines).enumerate() {
        let gcode =
            match &codes.gcode {
                Some(gcode) => gcode.clone(),
                None if line.hs_code.as_str().len() == 10 => line.hs_code.as_str().to_string(),
                None => return Err(not_mappable(
                    format!("{LIST_PATH}/InventoryList[{}]/gcode", i + 1),
                    "the list needs the 10-digit Chinese tariff code and the line's HS code is \
                     shorter: give it in the line's codes",
                )),
            };
        let gnum = i32::try_from(i + 1)
            .map_err(|_| not_mappable(format!("{LIST_PATH}/InventoryList"), "too many lines"))?;
        lists.push(InventoryList {
            gnum,
            item_record_no: codes.item_record_no.clone(),
            item_no: line.sku.clone(),
            item_name: Some(line.description.clone()),
            gcode,
            gname: line.description.clone(),
            gmodel: codes
                .gmodel
                .clone()
                .unwrap_or_else(|| line.description.clone()),
            bar_code: codes.bar_code.clone(),
            country: codes.origin_country.clone(),
            trade_country: None,
            currency: "142".into(),
            qty: line.quantity.to_string(),
            unit: codes.unit.clone(),
            qty1: codes.legal_qty.clone(),
            unit1: codes.legal_unit.clone(),
            qty2: codes.second_qty.clone(),
            unit2: codes.second_unit.clone(),
            price: minor_to_amount(line.unit_price, currency),
            total_price: minor_to_amount(line.line_value, currency),
            note: None,
        });
    }
    Ok(InventoryDoc {
        guid: parcel.guid.clone(),
        inventories: vec![Inventory621 { head, lists }],
        base_transfer: BaseTransfer {
            cop_code: parcel.agent.code.clone(),
            cop_name: parcel.agent.name.clone(),
            dxp_mode: "DXP".into(),
            dxp_id: parcel.dxp_id.clone(),
            note: None,
        },
        signature: parcel.signature.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cop_numbers_fit_twenty_characters() {
        assert_eq!(
            cop_no_of("dec_01JD5ZQ8X3N7M2K4P6R8T0V2W4"),
            "Q8X3N7M2K4P6R8T0V2W4"
        );
        assert_eq!(cop_no_of("NBBH20160308005"), "NBBH20160308005");
        assert_eq!(cop_no_of(""), "");
        assert_eq!(cop_no_of(&"中".repeat(25)).chars().count(), 20);
    }

    #[test]
    fn trade_modes() {
        assert_eq!(TradeMode::DirectPurchase.code(), "9610");
        assert_eq!(TradeMode::Bonded.code(), "1210");
    }
}
