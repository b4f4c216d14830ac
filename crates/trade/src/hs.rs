//! Harmonized System commodity codes.

use serde::{Deserialize, Serialize};

/// A validated HS code: 6 to 10 digits (the 6-digit subheading plus national digits),
/// stored without separators.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsCodeError {
    #[error("HS code `{0}` must have 6 to 10 digits (dots and spaces are allowed as separators)")]
    Shape(String),
    #[error("HS code `{0}` names chapter {1:02}, which does not exist (chapters are 01-97, 77 is reserved)")]
    Chapter(String, u8),
    #[error("HS code `{0}` names heading 00, which does not exist")]
    Heading(String),
}

impl HsCode {
    /// Accepts `610910`, `6109.10` or `6109 10 00 10`; keeps only the digits.
    pub fn parse(text: &str) -> Result<HsCode, HsCodeError> {
        let shape = || HsCodeError::Shape(text.to_string());
        if !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b' ')
        {
            return Err(shape());
        }
        let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
        if !(6..=10).contains(&digits.len()) {
            return Err(shape());
        }
        let chapter: u8 = digits[..2].parse().map_err(|_| shape())?;
        if chapter == 0 || chapter > 97 || chapter == 77 {
            return Err(HsCodeError::Chapter(text.to_string(), chapter));
        }
        if &digits[2..4] == "00" {
            return Err(HsCodeError::Heading(text.to_string()));
        }
        Ok(HsCode(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn chapter(&self) -> u8 {
        // Validated at construction: the first two characters are digits.
        self.0[..2].parse().expect("digits")
    }
}

impl std::fmt::Display for HsCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for HsCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HsCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        HsCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_to_ten_digits_with_separators() {
        assert_eq!(HsCode::parse("610910").unwrap().as_str(), "610910");
        assert_eq!(HsCode::parse("6109.10").unwrap().as_str(), "610910");
        assert_eq!(
            HsCode::parse("8517.13.00.00").unwrap().as_str(),
            "8517130000"
        );
        assert_eq!(HsCode::parse("3304 99 00").unwrap().as_str(), "33049900");
        assert_eq!(HsCode::parse("0101210000").unwrap().chapter(), 1);
    }

    #[test]
    fn refuses_bad_shapes_and_unknown_chapters() {
        for bad in [
            "61091",
            "61091000001",
            "6109-10",
            "abcdef",
            "",
            "６１０９１０",
        ] {
            assert!(
                matches!(HsCode::parse(bad), Err(HsCodeError::Shape(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            HsCode::parse("000000"),
            Err(HsCodeError::Chapter(_, 0))
        ));
        assert!(matches!(
            HsCode::parse("770000"),
            Err(HsCodeError::Chapter(_, 77))
        ));
        assert!(matches!(
            HsCode::parse("980100"),
            Err(HsCodeError::Chapter(_, 98))
        ));
        assert!(matches!(
            HsCode::parse("610010"),
            Err(HsCodeError::Heading(_))
        ));
    }
}
