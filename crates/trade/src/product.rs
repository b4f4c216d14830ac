//! A merchant's catalog item.

use crate::decimal::{parse_scaled, DecimalError};
use crate::validate::{FieldError, Problems};
use crate::{Country, Currency, HsCode};
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    pub merchant_id: String,
    pub sku: String,
    pub title: String,
    pub hs_code: HsCode,
    pub origin: Country,
    pub unit_price: i64,
    pub currency: Currency,
    pub net_weight_g: i64,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Heaviest single item accepted: 10 tonnes, far above any parcel, low enough to catch unit mistakes.
pub const MAX_NET_WEIGHT_G: i64 = 10_000_000;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductDraft {
    /// Unique per merchant: letters, digits, `.`, `_`, `-`, `/`; at most 64.
    pub sku: Option<String>,
    pub title: Option<String>,
    /// 6 to 10 digits; dots and spaces allowed as separators.
    pub hs_code: Option<String>,
    /// Country of origin, ISO 3166-1 alpha-2.
    pub origin: Option<String>,
    /// Decimal string in `currency`, e.g. "29.90".
    pub unit_price: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// Decimal string in kilograms, at most 3 decimals, e.g. "0.250".
    pub net_weight_kg: Option<String>,
}

/// A partial update; absent fields keep their value. The SKU cannot change.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub title: Option<String>,
    pub hs_code: Option<String>,
    pub origin: Option<String>,
    pub unit_price: Option<String>,
    pub currency: Option<String>,
    pub net_weight_kg: Option<String>,
}

pub fn valid_sku(sku: &str) -> bool {
    !sku.is_empty()
        && sku.len() <= 64
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
}

fn weight(p: &mut Problems, field: &str, value: &Option<String>) -> Option<i64> {
    let v = p.required(field, value)?;
    match parse_scaled(v, 3, MAX_NET_WEIGHT_G) {
        Ok(0) => {
            p.push(field, "invalid_weight", "net weight must be more than zero");
            None
        }
        Ok(g) => Some(g),
        Err(e) => {
            let (code, detail) = match e {
                DecimalError::Negative => (
                    "invalid_weight",
                    "net weight must not be negative".to_string(),
                ),
                DecimalError::TooPrecise => (
                    "too_precise",
                    "net weight has at most 3 decimals (grams)".to_string(),
                ),
                DecimalError::TooLarge => {
                    ("invalid_weight", "net weight is above 10000 kg".to_string())
                }
                DecimalError::Malformed => (
                    "invalid_weight",
                    format!("`{v}` is not a decimal number of kilograms"),
                ),
            };
            p.push(field, code, detail);
            None
        }
    }
}

impl ProductDraft {
    pub fn validate(
        &self,
        id: String,
        merchant_id: String,
        now_ms: i64,
    ) -> Result<Product, Vec<FieldError>> {
        let mut p = Problems::default();
        let sku = p.required("sku", &self.sku).cloned();
        if let Some(s) = &sku {
            if !valid_sku(s) {
                p.push(
                    "sku",
                    "invalid_sku",
                    "a SKU has 1 to 64 letters, digits, `.`, `_`, `-` or `/`",
                );
            }
        }
        let title = p.text("title", &self.title, 300);
        let hs_code = p.hs_code("hs_code", &self.hs_code);
        let origin = p.country("origin", &self.origin);
        let currency = p.currency("currency", &self.currency);
        let unit_price = p.amount("unit_price", &self.unit_price, currency);
        let net_weight_g = weight(&mut p, "net_weight_kg", &self.net_weight_kg);
        match (
            sku,
            title,
            hs_code,
            origin,
            currency,
            unit_price,
            net_weight_g,
        ) {
            (
                Some(sku),
                Some(title),
                Some(hs_code),
                Some(origin),
                Some(currency),
                Some(unit_price),
                Some(net_weight_g),
            ) if p.is_empty() => Ok(Product {
                id,
                merchant_id,
                sku,
                title,
                hs_code,
                origin,
                unit_price,
                currency,
                net_weight_g,
                version: 1,
                created_at_ms: now_ms,
                updated_at_ms: now_ms,
            }),
            _ => Err(p.0),
        }
    }
}

impl ProductPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.hs_code.is_none()
            && self.origin.is_none()
            && self.unit_price.is_none()
            && self.currency.is_none()
            && self.net_weight_kg.is_none()
    }

    /// Applies the patch to `current`, validating every given field; bumps the version.
    pub fn apply(&self, current: &Product, now_ms: i64) -> Result<Product, Vec<FieldError>> {
        let mut p = Problems::default();
        if self.is_empty() {
            p.push(
                "",
                "empty_patch",
                "give at least one of title, hs_code, origin, unit_price, currency, net_weight_kg",
            );
            return Err(p.0);
        }
        let mut next = current.clone();
        if self.title.is_some() {
            next.title = p.text("title", &self.title, 300).unwrap_or_default();
        }
        if self.hs_code.is_some() {
            if let Some(h) = p.hs_code("hs_code", &self.hs_code) {
                next.hs_code = h;
            }
        }
        if self.origin.is_some() {
            if let Some(o) = p.country("origin", &self.origin) {
                next.origin = o;
            }
        }
        if self.currency.is_some() {
            match p.currency("currency", &self.currency) {
                Some(c) => next.currency = c,
                None => return Err(p.0),
            }
            if self.unit_price.is_none() && next.currency != current.currency {
                p.push(
                    "unit_price",
                    "missing_field",
                    "changing the currency needs a unit_price in the new currency",
                );
            }
        }
        if self.unit_price.is_some() {
            if let Some(v) = p.amount("unit_price", &self.unit_price, Some(next.currency)) {
                next.unit_price = v;
            }
        }
        if self.net_weight_kg.is_some() {
            if let Some(g) = weight(&mut p, "net_weight_kg", &self.net_weight_kg) {
                next.net_weight_g = g;
            }
        }
        next.version += 1;
        next.updated_at_ms = now_ms;
        p.into_result(|| next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProductDraft {
        ProductDraft {
            sku: Some("BATIK-001".into()),
            title: Some("Batik silk scarf".into()),
            hs_code: Some("6214.10".into()),
            origin: Some("MY".into()),
            unit_price: Some("89.90".into()),
            currency: Some("MYR".into()),
            net_weight_kg: Some("0.120".into()),
        }
    }

    #[test]
    fn validates_a_product() {
        let p = draft()
            .validate("prd_1".into(), "pty_m".into(), 10)
            .unwrap();
        assert_eq!(p.hs_code.as_str(), "621410");
        assert_eq!(p.unit_price, 8990);
        assert_eq!(p.net_weight_g, 120);
        assert_eq!(p.version, 1);
    }

    #[test]
    fn names_each_bad_field() {
        let d = ProductDraft {
            sku: Some("bad sku!".into()),
            hs_code: Some("12".into()),
            unit_price: Some("-3".into()),
            net_weight_kg: Some("0".into()),
            ..draft()
        };
        let codes: Vec<_> = d
            .validate("prd_1".into(), "pty_m".into(), 1)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("sku".to_string(), "invalid_sku"),
                ("hs_code".to_string(), "invalid_hs_code"),
                ("unit_price".to_string(), "negative_amount"),
                ("net_weight_kg".to_string(), "invalid_weight")
            ]
        );
    }

    #[test]
    fn patch_changes_only_given_fields_and_bumps_version() {
        let p = draft()
            .validate("prd_1".into(), "pty_m".into(), 10)
            .unwrap();
        let patch = ProductPatch {
            unit_price: Some("79.90".into()),
            ..Default::default()
        };
        let next = patch.apply(&p, 20).unwrap();
        assert_eq!(next.unit_price, 7990);
        assert_eq!(next.title, p.title);
        assert_eq!(next.version, 2);
        assert_eq!(next.updated_at_ms, 20);
        assert!(ProductPatch::default().apply(&p, 20).is_err());
        let currency_only = ProductPatch {
            currency: Some("USD".into()),
            ..Default::default()
        };
        assert_eq!(
            currency_only.apply(&p, 20).unwrap_err()[0].field,
            "unit_price"
        );
    }
}
