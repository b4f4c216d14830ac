//! The import schema (CEB 2022-05, `ceb-import-2022-05.xsd`) as data, and a validator that
//! walks an element tree against it.
//!
//! The tables transcribe the XSD's facts: element order, `minOccurs`/`maxOccurs`, string
//! `length`/`minLength`/`maxLength`, `fixed` values, and decimal `totalDigits`/`fractionDigits`.
//! The XSD has no patterns or enumerations. Where XML Schema leaves room, the checks follow
//! libxml2 (what `xmllint --schema` does), so that this crate and `xmllint` agree:
//! - strings are checked as written (no white-space trimming), counting characters;
//! - decimals may be surrounded by white space; integers (`xs:int`) may not;
//! - a decimal may have at most 24 digits after its leading zeros are dropped.

use crate::error::{shown_name, CebError, ErrorKind};
use crate::xml::{is_ncname, Element, CEB_NS, DS_NS, XSI_NS};

pub(crate) const UNBOUNDED: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ns {
    Ceb,
    Ds,
}

impl Ns {
    fn uri(self) -> &'static str {
        match self {
            Ns::Ceb => CEB_NS,
            Ns::Ds => DS_NS,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Simple {
    /// `xs:string` with length bounds in characters (`length` gives min == max).
    Text { min: u32, max: u32 },
    /// A string that must equal `value` (after the length facets).
    Fixed {
        value: &'static str,
        min: u32,
        max: u32,
    },
    /// `xs:decimal` with `totalDigits` and `fractionDigits`.
    Decimal { total: u32, fraction: u32 },
    /// `xs:int`, with `totalDigits` when non-zero.
    Int { total: u32 },
    /// `xs:integer` (the signature's serial number).
    Integer,
    /// `xs:base64Binary` (signature values).
    Base64,
}

pub(crate) type CustomCheck = fn(&Element, &str, &mut Ctx) -> Result<(), CebError>;

#[derive(Clone, Copy)]
pub(crate) enum Content {
    Simple(Simple),
    Seq(&'static [Particle]),
    /// Mixed content that declares no child element: text only.
    MixedEmpty,
    /// `xs:any processContents="skip"`, at most one element (the `XMLElement` type).
    AnyOne,
    Custom(CustomCheck),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum AttrType {
    Text {
        min: u32,
        max: u32,
    },
    /// `xs:ID`: an NCName, unique in the document.
    Id,
    /// `xs:anyURI`: libxml2 accepts practically any string.
    AnyUri,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct AttrDecl {
    pub name: &'static str,
    pub required: bool,
    pub ty: AttrType,
}

#[derive(Clone, Copy)]
pub(crate) struct Particle {
    pub name: &'static str,
    pub ns: Ns,
    pub min: u32,
    pub max: u32,
    pub content: Content,
    pub attrs: &'static [AttrDecl],
}

pub(crate) const fn el(name: &'static str, min: u32, max: u32, content: Content) -> Particle {
    Particle {
        name,
        ns: Ns::Ceb,
        min,
        max,
        content,
        attrs: &[],
    }
}

pub(crate) const fn text(min: u32, max: u32) -> Content {
    Content::Simple(Simple::Text { min, max })
}

pub(crate) const fn fixed(value: &'static str, min: u32, max: u32) -> Content {
    Content::Simple(Simple::Fixed { value, min, max })
}

pub(crate) const fn dec(total: u32, fraction: u32) -> Content {
    Content::Simple(Simple::Decimal { total, fraction })
}

pub(crate) const fn int(total: u32) -> Content {
    Content::Simple(Simple::Int { total })
}

/// Validation state that spans the document (`xs:ID` uniqueness).
#[derive(Default)]
pub(crate) struct Ctx {
    ids: Vec<String>,
}

pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn err(kind: ErrorKind, path: &str, detail: impl Into<String>) -> CebError {
    CebError::new(kind, path, detail)
}

fn child_path(parent: &str, name: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{parent}/{name}[{i}]"),
        None => format!("{parent}/{name}"),
    }
}

/// Validates `element` (already known to carry `decl`'s name) at `path`.
pub(crate) fn validate_element(
    element: &Element,
    decl: &Particle,
    path: &str,
    ctx: &mut Ctx,
) -> Result<(), CebError> {
    check_attributes(element, decl.attrs, path, ctx)?;
    match decl.content {
        Content::Simple(simple) => {
            no_child_elements(element, path)?;
            check_simple(&element.text, simple, path)
        }
        Content::MixedEmpty => no_child_elements(element, path),
        Content::AnyOne => {
            no_text(element, path)?;
            if element.children.len() > 1 {
                return Err(err(
                    ErrorKind::TooManyElements,
                    &child_path(path, &element.children[1].local, None),
                    "at most one element is allowed here",
                ));
            }
            Ok(())
        }
        Content::Seq(particles) => {
            no_text(element, path)?;
            check_sequence(&element.children, particles, path, ctx)
        }
        Content::Custom(check) => check(element, path, ctx),
    }
}

pub(crate) fn no_child_elements(element: &Element, path: &str) -> Result<(), CebError> {
    match element.children.first() {
        Some(child) => Err(err(
            ErrorKind::UnexpectedElement,
            &child_path(path, &shown_name(&child.local), None),
            "this element holds a value, not elements",
        )),
        None => Ok(()),
    }
}

pub(crate) fn no_text(element: &Element, path: &str) -> Result<(), CebError> {
    if element.text.chars().all(is_xml_space) {
        Ok(())
    } else {
        Err(err(
            ErrorKind::UnexpectedText,
            path,
            "text is not allowed here, only elements",
        ))
    }
}

fn matches(child: &Element, particle: &Particle) -> bool {
    child.local == particle.name && child.ns == particle.ns.uri()
}

/// A sequence of element particles, in order, each within its occurrence bounds.
pub(crate) fn check_sequence(
    children: &[Element],
    particles: &[Particle],
    path: &str,
    ctx: &mut Ctx,
) -> Result<(), CebError> {
    let mut index = 0usize;
    let mut count = 0u32;
    for child in children {
        loop {
            let Some(particle) = particles.get(index) else {
                return Err(unexpected(child, particles, path));
            };
            if matches(child, particle) {
                count += 1;
                let shown_index = (particle.max > 1).then_some(count as usize);
                let here = child_path(path, particle.name, shown_index);
                if count > particle.max {
                    return Err(err(
                        ErrorKind::TooManyElements,
                        &here,
                        format!(
                            "`{}` may occur at most {} time(s)",
                            particle.name, particle.max
                        ),
                    ));
                }
                validate_element(child, particle, &here, ctx)?;
                break;
            }
            if child.local == particle.name {
                return Err(err(
                    ErrorKind::WrongNamespace,
                    &child_path(path, particle.name, None),
                    format!(
                        "`{}` must be in namespace {}",
                        particle.name,
                        particle.ns.uri()
                    ),
                ));
            }
            // The child belongs further on: this particle must have had enough occurrences.
            if !particles[index + 1..].iter().any(|p| matches(child, p)) {
                return Err(unexpected(child, particles, path));
            }
            if count < particle.min {
                return Err(missing(particle, path));
            }
            index += 1;
            count = 0;
        }
    }
    // What is left must be optional.
    while let Some(particle) = particles.get(index) {
        if count < particle.min {
            return Err(missing(particle, path));
        }
        index += 1;
        count = 0;
    }
    Ok(())
}

fn missing(particle: &Particle, path: &str) -> CebError {
    err(
        ErrorKind::MissingElement,
        &child_path(path, particle.name, None),
        format!("required element `{}` is missing", particle.name),
    )
}

fn unexpected(child: &Element, particles: &[Particle], path: &str) -> CebError {
    let name = shown_name(&child.local);
    let known = particles.iter().any(|p| matches(child, p));
    let detail = if known {
        format!("`{name}` is out of order here")
    } else {
        format!("`{name}` is not allowed here")
    };
    err(
        ErrorKind::UnexpectedElement,
        &child_path(path, &name, None),
        detail,
    )
}

fn check_attributes(
    element: &Element,
    decls: &[AttrDecl],
    path: &str,
    ctx: &mut Ctx,
) -> Result<(), CebError> {
    for attr in &element.attrs {
        if attr.ns == XSI_NS
            && (attr.local == "schemaLocation" || attr.local == "noNamespaceSchemaLocation")
        {
            continue;
        }
        let decl = decls
            .iter()
            .find(|d| attr.ns.is_empty() && d.name == attr.local);
        let Some(decl) = decl else {
            return Err(err(
                ErrorKind::UnexpectedAttribute,
                &format!("{path}/@{}", shown_name(&attr.local)),
                format!(
                    "attribute `{}` is not allowed here",
                    shown_name(&attr.local)
                ),
            ));
        };
        let here = format!("{path}/@{}", decl.name);
        match decl.ty {
            AttrType::Text { min, max } => check_length(&attr.value, min, max, &here)?,
            AttrType::AnyUri => {}
            AttrType::Id => {
                let value = attr.value.trim_matches(is_xml_space);
                if !is_ncname(value) {
                    return Err(err(
                        ErrorKind::InvalidValue,
                        &here,
                        "not an XML name (xs:ID)",
                    ));
                }
                if ctx.ids.iter().any(|id| id == value) {
                    return Err(err(
                        ErrorKind::InvalidValue,
                        &here,
                        "the same xs:ID is used twice in the document",
                    ));
                }
                ctx.ids.push(value.to_string());
            }
        }
    }
    for decl in decls.iter().filter(|d| d.required) {
        if element.attr(decl.name).is_none() {
            return Err(err(
                ErrorKind::MissingAttribute,
                &format!("{path}/@{}", decl.name),
                format!("required attribute `{}` is missing", decl.name),
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_length(value: &str, min: u32, max: u32, path: &str) -> Result<(), CebError> {
    let length = value.chars().count();
    let length_u32 = u32::try_from(length).unwrap_or(u32::MAX);
    if min == max && length_u32 != min {
        return Err(err(
            ErrorKind::WrongLength,
            path,
            format!("must be exactly {min} characters, not {length}"),
        ));
    }
    if length_u32 < min {
        let kind = if length == 0 {
            ErrorKind::EmptyValue
        } else {
            ErrorKind::WrongLength
        };
        return Err(err(
            kind,
            path,
            format!("must have at least {min} characters"),
        ));
    }
    if length_u32 > max {
        return Err(err(
            ErrorKind::TooLong,
            path,
            format!("{length} characters, at most {max} allowed"),
        ));
    }
    Ok(())
}

pub(crate) fn check_simple(value: &str, simple: Simple, path: &str) -> Result<(), CebError> {
    match simple {
        Simple::Text { min, max } => check_length(value, min, max, path),
        Simple::Fixed {
            value: wanted,
            min,
            max,
        } => {
            // An empty element takes its declaration's fixed value (XML Schema's value
            // constraint; libxml2 agrees), so `<currency/>` is 142.
            let value = if value.is_empty() { wanted } else { value };
            check_length(value, min, max, path)?;
            if value != wanted {
                return Err(err(
                    ErrorKind::InvalidValue,
                    path,
                    format!("must be `{wanted}`"),
                ));
            }
            Ok(())
        }
        Simple::Decimal { total, fraction } => {
            let digits = decimal_digits(value)
                .ok_or_else(|| err(ErrorKind::InvalidDecimal, path, "not a decimal number"))?;
            if digits.total > total {
                return Err(err(
                    ErrorKind::TooManyDigits,
                    path,
                    format!(
                        "{} significant digits, at most {total} allowed",
                        digits.total
                    ),
                ));
            }
            if digits.fraction > fraction {
                return Err(err(
                    ErrorKind::TooManyFractionDigits,
                    path,
                    format!(
                        "{} digits after the point, at most {fraction} allowed",
                        digits.fraction
                    ),
                ));
            }
            Ok(())
        }
        Simple::Int { total } => {
            if crate::xml::parse_xs_int(value).is_none() {
                return Err(err(
                    ErrorKind::InvalidInteger,
                    path,
                    "not an integer between -2147483648 and 2147483647 (no spaces)",
                ));
            }
            let significant = value
                .trim_start_matches(['+', '-'])
                .trim_start_matches('0')
                .len()
                .max(1);
            if total > 0 && significant > total as usize {
                return Err(err(
                    ErrorKind::TooManyDigits,
                    path,
                    format!("{significant} digits, at most {total} allowed"),
                ));
            }
            Ok(())
        }
        Simple::Integer => {
            let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
            let significant = digits.trim_start_matches('0').len();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || significant > 24
            {
                return Err(err(ErrorKind::InvalidInteger, path, "not an integer"));
            }
            Ok(())
        }
        Simple::Base64 => {
            if is_base64_like_libxml2(value) {
                Ok(())
            } else {
                Err(err(ErrorKind::InvalidBase64, path, "not base64"))
            }
        }
    }
}

/// The digits of a valid `xs:decimal` as the facets count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecimalDigits {
    /// Significant digits: no leading zeros, no trailing zeros after the point; 1 for zero.
    pub total: u32,
    pub fraction: u32,
}

/// Reads an `xs:decimal` (`-12.50`, `+.5`, `7.`, surrounding white space) the way libxml2 does,
/// including its limit of 24 digits once leading zeros are dropped.
pub(crate) fn decimal_digits(value: &str) -> Option<DecimalDigits> {
    const LIBXML2_DIGIT_LIMIT: usize = 24;
    let value = value.trim_matches(is_xml_space);
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    if unsigned.is_empty() {
        return None;
    }
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || !fraction.is_none_or(all_digits) {
        return None;
    }
    if integer.is_empty() && fraction.is_none_or(str::is_empty) {
        return None;
    }
    let significant_integer = integer.trim_start_matches('0');
    let fraction = fraction.unwrap_or("");
    let written_digits = if significant_integer.is_empty() {
        // Zeros right after the point count towards the limit once the integer part is gone.
        fraction.len()
    } else {
        significant_integer.len() + fraction.len()
    };
    if written_digits > LIBXML2_DIGIT_LIMIT {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    let total = if significant_integer.is_empty() {
        // e.g. 0.0012 has 4 digits as libxml2 counts it (the fraction as written).
        fraction.len()
    } else {
        significant_integer.len() + fraction.len()
    };
    Some(DecimalDigits {
        total: u32::try_from(total.max(1)).unwrap_or(u32::MAX),
        fraction: u32::try_from(fraction.len()).unwrap_or(u32::MAX),
    })
}

/// `xs:base64Binary` as libxml2 checks it: characters outside the alphabet are skipped, the
/// alphabet characters must come in quads, `=` padding only at the end with zero pad bits.
pub(crate) fn is_base64_like_libxml2(value: &str) -> bool {
    fn decode(c: u8) -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            b'=' => Some(64),
            _ => None,
        }
    }
    let bytes = value.as_bytes();
    let mut data = 0usize;
    let mut last = 0u8;
    let mut position = 0usize;
    while position < bytes.len() {
        match decode(bytes[position]) {
            Some(64) => break,
            Some(d) => {
                data += 1;
                last = d;
            }
            None => {}
        }
        position += 1;
    }
    let mut pad = 0usize;
    for &b in &bytes[position..] {
        match decode(b) {
            Some(64) => pad += 1,
            Some(_) => return false,
            None => {}
        }
    }
    match pad {
        0 => data.is_multiple_of(4),
        1 => data % 4 == 3 && last & !0x3c == 0,
        2 => data % 4 == 2 && last & !0x30 == 0,
        _ => false,
    }
}
