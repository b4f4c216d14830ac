//! `ds:Signature` as the CEB schema imports it (`xmldsig-core-schema.xsd`, the customs'
//! trimmed XML-DSig: no `ds:Object`, no `Id` on `SignedInfo`). The signature is checked for
//! shape only; verifying it cryptographically is not this crate's job.

use crate::error::{shown_name, CebError, ErrorKind};
use crate::schema::{
    no_text, validate_element, AttrDecl, AttrType, Content, Ctx, Ns, Particle, Simple, UNBOUNDED,
};
use crate::xml::{Element, DS_NS};

const fn ds(
    name: &'static str,
    min: u32,
    max: u32,
    content: Content,
    attrs: &'static [AttrDecl],
) -> Particle {
    Particle {
        name,
        ns: Ns::Ds,
        min,
        max,
        content,
        attrs,
    }
}

const BASE64: Content = Content::Simple(Simple::Base64);
const STRING: Content = Content::Simple(Simple::Text {
    min: 0,
    max: UNBOUNDED,
});

const ALGORITHM: &[AttrDecl] = &[AttrDecl {
    name: "Algorithm",
    required: true,
    ty: AttrType::AnyUri,
}];
const ID: &[AttrDecl] = &[AttrDecl {
    name: "Id",
    required: false,
    ty: AttrType::Id,
}];
const REFERENCE_ATTRS: &[AttrDecl] = &[
    AttrDecl {
        name: "Id",
        required: false,
        ty: AttrType::Id,
    },
    AttrDecl {
        name: "URI",
        required: false,
        ty: AttrType::AnyUri,
    },
    AttrDecl {
        name: "Type",
        required: false,
        ty: AttrType::AnyUri,
    },
];
const RETRIEVAL_ATTRS: &[AttrDecl] = &[
    AttrDecl {
        name: "URI",
        required: false,
        ty: AttrType::AnyUri,
    },
    AttrDecl {
        name: "Type",
        required: false,
        ty: AttrType::AnyUri,
    },
];

const TRANSFORMS: &[Particle] = &[ds(
    "Transform",
    1,
    UNBOUNDED,
    Content::Custom(transform),
    ALGORITHM,
)];
const TRANSFORMS_PARTICLE: Particle = ds("Transforms", 0, 1, Content::Seq(TRANSFORMS), &[]);

const REFERENCE: &[Particle] = &[
    TRANSFORMS_PARTICLE,
    ds("DigestMethod", 1, 1, Content::MixedEmpty, ALGORITHM),
    ds("DigestValue", 1, 1, BASE64, &[]),
];

const SIGNED_INFO: &[Particle] = &[
    ds(
        "CanonicalizationMethod",
        1,
        1,
        Content::MixedEmpty,
        ALGORITHM,
    ),
    ds("SignatureMethod", 1, 1, Content::MixedEmpty, ALGORITHM),
    ds(
        "Reference",
        1,
        UNBOUNDED,
        Content::Seq(REFERENCE),
        REFERENCE_ATTRS,
    ),
];

const SIGNATURE: &[Particle] = &[
    ds("SignedInfo", 1, 1, Content::Seq(SIGNED_INFO), &[]),
    ds("SignatureValue", 1, 1, BASE64, &[]),
    ds("KeyInfo", 0, 1, Content::Custom(key_info), &[]),
];

/// The `ds:Signature` element as a particle of a CEB message (`min` 0 or 1).
pub(crate) const fn signature_particle(min: u32) -> Particle {
    ds("Signature", min, 1, Content::Seq(SIGNATURE), ID)
}

const RSA_KEY_VALUE: &[Particle] = &[
    ds("Modulus", 1, 1, BASE64, &[]),
    ds("Exponent", 1, 1, BASE64, &[]),
];
const X509_ISSUER_SERIAL: &[Particle] = &[
    ds("X509IssuerName", 1, 1, STRING, &[]),
    ds(
        "X509SerialNumber",
        1,
        1,
        Content::Simple(Simple::Integer),
        &[],
    ),
];
const RETRIEVAL_METHOD: &[Particle] = &[TRANSFORMS_PARTICLE];

fn is_ds(e: &Element) -> bool {
    e.ns == DS_NS
}

/// `##other`: any namespace but the signature's own, and not unqualified.
fn is_other(e: &Element) -> bool {
    !e.ns.is_empty() && e.ns != DS_NS
}

fn not_allowed(e: &Element, path: &str) -> CebError {
    let name = shown_name(&e.local);
    CebError::new(
        ErrorKind::UnexpectedElement,
        format!("{path}/{name}"),
        format!("`{name}` is not allowed here"),
    )
}

fn simple_child(e: &Element, simple: Simple, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    let particle = ds("", 1, 1, Content::Simple(simple), &[]);
    let here = format!("{path}/{}", e.local);
    validate_element(e, &particle, &here, ctx)
}

fn seq_child(
    e: &Element,
    particles: &'static [Particle],
    attrs: &'static [AttrDecl],
    path: &str,
    ctx: &mut Ctx,
) -> Result<(), CebError> {
    let particle = ds("", 1, 1, Content::Seq(particles), attrs);
    let here = format!("{path}/{}", e.local);
    validate_element(e, &particle, &here, ctx)
}

fn custom_child(
    e: &Element,
    check: crate::schema::CustomCheck,
    path: &str,
    ctx: &mut Ctx,
) -> Result<(), CebError> {
    let particle = ds("", 1, 1, Content::Custom(check), &[]);
    let here = format!("{path}/{}", e.local);
    validate_element(e, &particle, &here, ctx)
}

/// Mixed; any number of `ds:XPath` strings or foreign elements.
fn transform(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    for child in &e.children {
        if is_ds(child) && child.local == "XPath" {
            simple_child(
                child,
                Simple::Text {
                    min: 0,
                    max: UNBOUNDED,
                },
                path,
                ctx,
            )?;
        } else if !is_other(child) {
            return Err(not_allowed(child, path));
        }
    }
    Ok(())
}

/// Mixed; one or more key descriptions.
fn key_info(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    if e.children.is_empty() {
        return Err(CebError::new(
            ErrorKind::MissingElement,
            format!("{path}/KeyName"),
            "KeyInfo needs at least one element (KeyName, X509Data…)",
        ));
    }
    for child in &e.children {
        if is_other(child) {
            continue;
        }
        if !is_ds(child) {
            return Err(not_allowed(child, path));
        }
        match child.local.as_str() {
            "KeyName" | "MgmtData" => simple_child(
                child,
                Simple::Text {
                    min: 0,
                    max: UNBOUNDED,
                },
                path,
                ctx,
            )?,
            "KeyValue" => custom_child(child, key_value, path, ctx)?,
            "RetrievalMethod" => seq_child(child, RETRIEVAL_METHOD, RETRIEVAL_ATTRS, path, ctx)?,
            "X509Data" => custom_child(child, x509_data, path, ctx)?,
            "PGPData" => custom_child(child, pgp_data, path, ctx)?,
            "SPKIData" => custom_child(child, spki_data, path, ctx)?,
            _ => return Err(not_allowed(child, path)),
        }
    }
    Ok(())
}

/// Mixed; exactly one of DSA, RSA or a foreign key value.
fn key_value(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    let [child] = e.children.as_slice() else {
        return Err(CebError::new(
            ErrorKind::UnexpectedElement,
            path,
            "KeyValue holds exactly one key",
        ));
    };
    if is_other(child) {
        return Ok(());
    }
    match (is_ds(child), child.local.as_str()) {
        (true, "RSAKeyValue") => seq_child(child, RSA_KEY_VALUE, &[], path, ctx),
        (true, "DSAKeyValue") => custom_child(child, dsa_key_value, path, ctx),
        _ => Err(not_allowed(child, path)),
    }
}

/// `(P, Q)? G? Y J? (Seed, PgenCounter)?`, all base64.
fn dsa_key_value(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    no_text(e, path)?;
    let names: Vec<&str> = e
        .children
        .iter()
        .map(|c| if is_ds(c) { c.local.as_str() } else { "" })
        .collect();
    let mut at = 0;
    let mut take = |name: &str| {
        if names.get(at) == Some(&name) {
            at += 1;
            true
        } else {
            false
        }
    };
    let shape_ok = {
        let pq = if take("P") { take("Q") } else { true };
        take("G");
        let y = take("Y");
        take("J");
        let seed = if take("Seed") {
            take("PgenCounter")
        } else {
            true
        };
        pq && y && seed && at == names.len()
    };
    if !shape_ok {
        return Err(CebError::new(
            ErrorKind::UnexpectedElement,
            path,
            "DSAKeyValue elements are not (P, Q)? G? Y J? (Seed, PgenCounter)?",
        ));
    }
    for child in &e.children {
        simple_child(child, Simple::Base64, path, ctx)?;
    }
    Ok(())
}

/// One or more of the X.509 descriptions, or foreign elements.
fn x509_data(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    no_text(e, path)?;
    if e.children.is_empty() {
        return Err(CebError::new(
            ErrorKind::MissingElement,
            format!("{path}/X509Certificate"),
            "X509Data needs at least one element",
        ));
    }
    for child in &e.children {
        if is_other(child) {
            continue;
        }
        if !is_ds(child) {
            return Err(not_allowed(child, path));
        }
        match child.local.as_str() {
            "X509IssuerSerial" => seq_child(child, X509_ISSUER_SERIAL, &[], path, ctx)?,
            "X509SKI" | "X509Certificate" | "X509CRL" => {
                simple_child(child, Simple::Base64, path, ctx)?
            }
            "X509SubjectName" => simple_child(
                child,
                Simple::Text {
                    min: 0,
                    max: UNBOUNDED,
                },
                path,
                ctx,
            )?,
            _ => return Err(not_allowed(child, path)),
        }
    }
    Ok(())
}

/// `(PGPKeyID, PGPKeyPacket?, other*) | (PGPKeyPacket, other*)`.
fn pgp_data(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    no_text(e, path)?;
    let own: Vec<&Element> = e.children.iter().take_while(|c| !is_other(c)).collect();
    let rest_ok = e.children[own.len()..].iter().all(is_other);
    let names: Vec<&str> = own
        .iter()
        .map(|c| if is_ds(c) { c.local.as_str() } else { "" })
        .collect();
    let shape_ok = matches!(
        names.as_slice(),
        ["PGPKeyID"] | ["PGPKeyID", "PGPKeyPacket"] | ["PGPKeyPacket"]
    );
    if !shape_ok || !rest_ok {
        return Err(CebError::new(
            ErrorKind::UnexpectedElement,
            path,
            "PGPData elements are not in the allowed order",
        ));
    }
    for child in own {
        simple_child(child, Simple::Base64, path, ctx)?;
    }
    Ok(())
}

/// `(SPKISexp, other?)+`.
fn spki_data(e: &Element, path: &str, ctx: &mut Ctx) -> Result<(), CebError> {
    no_text(e, path)?;
    let mut previous_was_sexp = false;
    let mut any_sexp = false;
    for child in &e.children {
        if is_ds(child) && child.local == "SPKISexp" {
            simple_child(child, Simple::Base64, path, ctx)?;
            previous_was_sexp = true;
            any_sexp = true;
        } else if is_other(child) && previous_was_sexp {
            previous_was_sexp = false;
        } else {
            return Err(not_allowed(child, path));
        }
    }
    if !any_sexp {
        return Err(CebError::new(
            ErrorKind::MissingElement,
            format!("{path}/SPKISexp"),
            "SPKIData needs an SPKISexp",
        ));
    }
    Ok(())
}
