//! Parties of a hub and their roles.

use crate::validate::{FieldError, Problems};
use crate::Country;
use serde::{Deserialize, Serialize};

/// What a party does at the hub; every API key belongs to one party and so to one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Merchant,
    Platform,
    Payment,
    Logistics,
    Customs,
    Lender,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Operator,
        Role::Merchant,
        Role::Platform,
        Role::Payment,
        Role::Logistics,
        Role::Customs,
        Role::Lender,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Merchant => "merchant",
            Role::Platform => "platform",
            Role::Payment => "payment",
            Role::Logistics => "logistics",
            Role::Customs => "customs",
            Role::Lender => "lender",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyStatus {
    Active,
    Suspended,
}

impl PartyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyStatus::Active => "active",
            PartyStatus::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<PartyStatus> {
        [PartyStatus::Active, PartyStatus::Suspended]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub role: Role,
    pub legal_name: String,
    pub country: Country,
    pub registration_number: String,
    /// The party's registration code with customs (CEB `ebpCode`, `ebcCode`, `payCode`,
    /// `logisticsCode`), when it trades through customs messages; unique in the hub.
    pub customs_code: Option<String>,
    pub contact: Contact,
    pub status: PartyStatus,
    pub created_at_ms: i64,
}

/// A party as submitted: every field optional so that validation can name each missing one.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyDraft {
    /// operator, merchant, platform, payment, logistics, customs or lender.
    pub role: Option<String>,
    pub legal_name: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// The business registration number in its home country.
    pub registration_number: Option<String>,
    /// The registration code with customs (CEB party code): 1 to 18 letters and digits.
    pub customs_code: Option<String>,
    pub contact: Option<ContactDraft>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl PartyDraft {
    pub fn validate(&self, id: String, now_ms: i64) -> Result<Party, Vec<FieldError>> {
        let mut p = Problems::default();
        let role = match p.required("role", &self.role) {
            Some(r) => Role::parse(r).or_else(|| {
                p.push("role", "unknown_role", format!("`{r}` is not a role; use one of operator, merchant, platform, payment, logistics, customs, lender"));
                None
            }),
            None => None,
        };
        let legal_name = p.text("legal_name", &self.legal_name, 200);
        let country = p.country("country", &self.country);
        let registration_number = p.text("registration_number", &self.registration_number, 64);
        let customs_code =
            p.optional_text("customs_code", &self.customs_code, MAX_CUSTOMS_CODE_CHARS);
        if let Some(code) = &customs_code {
            if !valid_customs_code(code) {
                p.push(
                    "customs_code",
                    "invalid_customs_code",
                    format!("`{code}` is not a customs code: 1 to {MAX_CUSTOMS_CODE_CHARS} letters and digits"),
                );
            }
        }
        let contact = match &self.contact {
            None => Contact {
                name: None,
                email: None,
                phone: None,
            },
            Some(c) => {
                let name = p.optional_text("contact.name", &c.name, 200);
                let email = p.optional_text("contact.email", &c.email, 254);
                if let Some(e) = &email {
                    if !looks_like_email(e) {
                        p.push(
                            "contact.email",
                            "invalid_email",
                            format!("`{e}` is not an e-mail address"),
                        );
                    }
                }
                let phone = p.optional_text("contact.phone", &c.phone, 32);
                if let Some(ph) = &phone {
                    if !looks_like_phone(ph) {
                        p.push("contact.phone", "invalid_phone", "a phone number has 6 to 20 digits, an optional leading +, spaces or dashes");
                    }
                }
                Contact { name, email, phone }
            }
        };
        if !p.is_empty() {
            return Err(p.0);
        }
        // Every field was checked above; `Problems` is empty only when all of them are present.
        match (role, legal_name, country, registration_number) {
            (Some(role), Some(legal_name), Some(country), Some(registration_number)) => Ok(Party {
                id,
                role,
                legal_name,
                country,
                registration_number,
                customs_code,
                contact,
                status: PartyStatus::Active,
                created_at_ms: now_ms,
            }),
            _ => unreachable!("validation passed with a missing field"),
        }
    }
}

pub const MAX_CUSTOMS_CODE_CHARS: usize = 18;

/// A customs registration code: ASCII letters and digits, at most 18 (CEB `ebcCode` and its kin).
pub fn valid_customs_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CUSTOMS_CODE_CHARS
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

pub fn looks_like_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

pub fn looks_like_phone(ph: &str) -> bool {
    let body = ph.strip_prefix('+').unwrap_or(ph);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    body.bytes()
        .all(|b| b.is_ascii_digit() || b == b' ' || b == b'-')
        && (6..=20).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PartyDraft {
        PartyDraft {
            role: Some("merchant".into()),
            legal_name: Some("Kedai Batik Sdn Bhd".into()),
            country: Some("MY".into()),
            registration_number: Some("201901000123".into()),
            customs_code: Some("3301980001".into()),
            contact: Some(ContactDraft {
                name: Some("Aisyah".into()),
                email: Some("a@batik.my".into()),
                phone: Some("+60 12-345 6789".into()),
            }),
        }
    }

    #[test]
    fn a_complete_party_validates() {
        let p = draft().validate("pty_x".into(), 5).unwrap();
        assert_eq!(p.role, Role::Merchant);
        assert_eq!(p.status, PartyStatus::Active);
        assert_eq!(p.country.code(), "MY");
        assert_eq!(p.customs_code.as_deref(), Some("3301980001"));
    }

    #[test]
    fn every_problem_is_named() {
        let mut d = draft();
        d.role = Some("seller".into());
        d.legal_name = None;
        d.country = Some("XX".into());
        d.contact.as_mut().unwrap().email = Some("nope".into());
        d.customs_code = Some("33-01".into());
        let errs = d.validate("pty_x".into(), 5).unwrap_err();
        let fields: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("role", "unknown_role"),
                ("legal_name", "missing_field"),
                ("country", "unknown_country"),
                ("customs_code", "invalid_customs_code"),
                ("contact.email", "invalid_email")
            ]
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
