//! One error type for everything the crate refuses: a stable code, the element path, and a
//! detail that never repeats an element's value (values may be personal data).

/// What went wrong; [`ErrorKind::code`] is the stable snake_case name clients can rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The body is empty or only whitespace.
    EmptyMessage,
    /// The body is larger than [`crate::MAX_MESSAGE_BYTES`] (a hub limit, not the schema's).
    MessageTooLarge,
    /// The bytes are not UTF-8, or the XML declaration names another encoding.
    InvalidEncoding,
    /// Not well-formed XML (truncated, mismatched tags, bad entity, forbidden character…).
    MalformedXml,
    /// A DOCTYPE (and with it entity declarations, the stuff of XML bombs) is refused.
    DoctypeNotAllowed,
    /// Elements nested deeper than any CEB message needs.
    TooDeep,
    /// The root element is not a CEB import message this crate knows.
    UnknownMessageType,
    /// An element is in the wrong XML namespace.
    WrongNamespace,
    /// A required element is absent.
    MissingElement,
    /// An element that the schema does not allow here (unknown, or out of order).
    UnexpectedElement,
    /// More occurrences of an element than the schema allows.
    TooManyElements,
    /// Character data where the schema allows only elements.
    UnexpectedText,
    /// A required attribute is absent.
    MissingAttribute,
    /// An attribute the schema does not declare.
    UnexpectedAttribute,
    /// A value with fewer characters than the schema's minimum (typically empty).
    EmptyValue,
    /// A value longer than the schema's maximum length.
    TooLong,
    /// A value whose length differs from the schema's fixed length.
    WrongLength,
    /// A value outside the allowed set (a fixed value, an identifier's syntax, a code).
    InvalidValue,
    /// Not a decimal number (`xs:decimal`).
    InvalidDecimal,
    /// Not an integer, or outside the range of `xs:int`.
    InvalidInteger,
    /// More significant digits than `totalDigits` allows.
    TooManyDigits,
    /// More digits after the point than `fractionDigits` allows.
    TooManyFractionDigits,
    /// Not base64 (signature values).
    InvalidBase64,
    /// An amount with more decimals than its currency has (never rounded).
    TooPrecise,
    /// A number too large to convert to minor units.
    OutOfRange,
    /// A customs currency code this crate's table does not hold.
    UnknownCurrencyCode,
    /// A customs country code this crate's table does not hold.
    UnknownCountryCode,
    /// A time that is not `YYYYMMDDhhmmss` or not a real date and time.
    InvalidTime,
    /// A receipt cannot be made for this message kind, or the outcomes do not match its documents.
    NoReceipt,
    /// A schema-valid value the hub's own model cannot hold (an order line without `itemNo`, a
    /// fractional quantity, an ID type outside the table, a message kind without a draft).
    NotMappable,
    /// Documents given together that do not belong together (different order numbers).
    MismatchedDocuments,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 31] = [
        ErrorKind::EmptyMessage,
        ErrorKind::MessageTooLarge,
        ErrorKind::InvalidEncoding,
        ErrorKind::MalformedXml,
        ErrorKind::DoctypeNotAllowed,
        ErrorKind::TooDeep,
        ErrorKind::UnknownMessageType,
        ErrorKind::WrongNamespace,
        ErrorKind::MissingElement,
        ErrorKind::UnexpectedElement,
        ErrorKind::TooManyElements,
        ErrorKind::UnexpectedText,
        ErrorKind::MissingAttribute,
        ErrorKind::UnexpectedAttribute,
        ErrorKind::EmptyValue,
        ErrorKind::TooLong,
        ErrorKind::WrongLength,
        ErrorKind::InvalidValue,
        ErrorKind::InvalidDecimal,
        ErrorKind::InvalidInteger,
        ErrorKind::TooManyDigits,
        ErrorKind::TooManyFractionDigits,
        ErrorKind::InvalidBase64,
        ErrorKind::TooPrecise,
        ErrorKind::OutOfRange,
        ErrorKind::UnknownCurrencyCode,
        ErrorKind::UnknownCountryCode,
        ErrorKind::InvalidTime,
        ErrorKind::NoReceipt,
        ErrorKind::NotMappable,
        ErrorKind::MismatchedDocuments,
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::EmptyMessage => "empty_message",
            ErrorKind::MessageTooLarge => "message_too_large",
            ErrorKind::InvalidEncoding => "invalid_encoding",
            ErrorKind::MalformedXml => "malformed_xml",
            ErrorKind::DoctypeNotAllowed => "doctype_not_allowed",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::UnknownMessageType => "unknown_message_type",
            ErrorKind::WrongNamespace => "wrong_namespace",
            ErrorKind::MissingElement => "missing_element",
            ErrorKind::UnexpectedElement => "unexpected_element",
            ErrorKind::TooManyElements => "too_many_elements",
            ErrorKind::UnexpectedText => "unexpected_text",
            ErrorKind::MissingAttribute => "missing_attribute",
            ErrorKind::UnexpectedAttribute => "unexpected_attribute",
            ErrorKind::EmptyValue => "empty_value",
            ErrorKind::TooLong => "too_long",
            ErrorKind::WrongLength => "wrong_length",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::InvalidDecimal => "invalid_decimal",
            ErrorKind::InvalidInteger => "invalid_integer",
            ErrorKind::TooManyDigits => "too_many_digits",
            ErrorKind::TooManyFractionDigits => "too_many_fraction_digits",
            ErrorKind::InvalidBase64 => "invalid_base64",
            ErrorKind::TooPrecise => "too_precise",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::UnknownCurrencyCode => "unknown_currency_code",
            ErrorKind::UnknownCountryCode => "unknown_country_code",
            ErrorKind::InvalidTime => "invalid_time",
            ErrorKind::NoReceipt => "no_receipt",
            ErrorKind::NotMappable => "not_mappable",
            ErrorKind::MismatchedDocuments => "mismatched_documents",
        }
    }

    /// True for errors found before the XML could be read as a tree (no schema check ran).
    pub fn is_malformed(self) -> bool {
        matches!(
            self,
            ErrorKind::EmptyMessage
                | ErrorKind::MessageTooLarge
                | ErrorKind::InvalidEncoding
                | ErrorKind::MalformedXml
                | ErrorKind::DoctypeNotAllowed
                | ErrorKind::TooDeep
        )
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused message or value. `path` is the element path, e.g.
/// `CEB311Message/Order[2]/OrderHead/buyerIdNumber`: a schema error numbers the elements that
/// may repeat; a well-formedness error, found while reading, names the open elements without
/// positions (`CEB311Message/Order/OrderHead/note`) and gives the byte offset in `detail`.
/// The path is empty when no element was reached. `detail` explains in English and never
/// quotes the offending value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {path}: {detail}", path = if path.is_empty() { "(document)" } else { path })]
pub struct CebError {
    pub kind: ErrorKind,
    pub path: String,
    pub detail: String,
}

impl CebError {
    pub fn new(kind: ErrorKind, path: impl Into<String>, detail: impl Into<String>) -> CebError {
        CebError {
            kind,
            path: path.into(),
            detail: detail.into(),
        }
    }

    /// The stable snake_case code of [`CebError::kind`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// Shortens a name taken from the input (element or attribute names, never values) for a message.
pub(crate) fn shown_name(name: &str) -> String {
    const LIMIT_CHARS: usize = 64;
    let mut out: String = name
        .chars()
        .take(LIMIT_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if name.chars().count() > LIMIT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert!(codes.iter().all(|c| !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        let e = CebError::new(ErrorKind::TooLong, "", "x");
        assert_eq!(e.to_string(), "too_long at (document): x");
    }
}
