//! CEB621: the import inventory list, the customs declaration the hub files for each cleared
//! order (trade mode `9610` direct purchase or `1210` bonded).

use crate::error::CebError;
use crate::message::{Inventory621, MessageKind};
use crate::model::BaseTransfer;
use crate::receipt::checked;
use crate::xml::{escape, XmlOut, CEB_NS, DS_NS};

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
    escape(value, &mut out);
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
