//! Field-level validation errors: every problem names the field (a JSON path such as
//! `lines[2].hs_code`) and a stable machine-readable code.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `lines[0].hs_code`.
    pub field: String,
    /// Stable machine-readable code, e.g. `invalid_hs_code`.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub detail: String,
}

/// Collects every problem of one input rather than stopping at the first.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn push(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        detail: impl Into<String>,
    ) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            detail: detail.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }

    /// A required text field: present, not blank, at most `max_chars`, no control characters.
    pub fn text(
        &mut self,
        field: &str,
        value: &Option<String>,
        max_chars: usize,
    ) -> Option<String> {
        match value {
            None => {
                self.push(field, "missing_field", format!("`{field}` is required"));
                None
            }
            Some(v) => self.present_text(field, v, max_chars),
        }
    }

    /// An optional text field: when present, the same rules as [`Problems::text`].
    pub fn optional_text(
        &mut self,
        field: &str,
        value: &Option<String>,
        max_chars: usize,
    ) -> Option<String> {
        value
            .as_ref()
            .and_then(|v| self.present_text(field, v, max_chars))
    }

    fn present_text(&mut self, field: &str, v: &str, max_chars: usize) -> Option<String> {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            self.push(field, "blank_field", format!("`{field}` must not be blank"));
            None
        } else if trimmed.chars().count() > max_chars {
            self.push(
                field,
                "too_long",
                format!("`{field}` has more than {max_chars} characters"),
            );
            None
        } else if trimmed.chars().any(char::is_control) {
            self.push(
                field,
                "invalid_characters",
                format!("`{field}` contains control characters"),
            );
            None
        } else {
            Some(trimmed.to_string())
        }
    }

    pub fn required<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.push(field, "missing_field", format!("`{field}` is required"));
        }
        value.as_ref()
    }

    pub fn country(&mut self, field: &str, value: &Option<String>) -> Option<crate::Country> {
        let v = self.required(field, value)?;
        crate::Country::parse(v)
            .map_err(|e| self.push(field, "unknown_country", e.to_string()))
            .ok()
    }

    pub fn currency(&mut self, field: &str, value: &Option<String>) -> Option<crate::Currency> {
        let v = self.required(field, value)?;
        crate::Currency::parse(v)
            .map_err(|e| self.push(field, "unknown_currency", e.to_string()))
            .ok()
    }

    pub fn hs_code(&mut self, field: &str, value: &Option<String>) -> Option<crate::HsCode> {
        let v = self.required(field, value)?;
        crate::HsCode::parse(v)
            .map_err(|e| self.push(field, "invalid_hs_code", e.to_string()))
            .ok()
    }

    /// An amount in `currency` (a decimal string); `None` when absent or invalid.
    pub fn amount(
        &mut self,
        field: &str,
        value: &Option<String>,
        currency: Option<crate::Currency>,
    ) -> Option<i64> {
        let v = self.required(field, value)?;
        self.amount_text(field, v, currency)
    }

    pub fn amount_or_zero(
        &mut self,
        field: &str,
        value: &Option<String>,
        currency: Option<crate::Currency>,
    ) -> Option<i64> {
        match value {
            None => Some(0),
            Some(v) => self.amount_text(field, v, currency),
        }
    }

    fn amount_text(
        &mut self,
        field: &str,
        v: &str,
        currency: Option<crate::Currency>,
    ) -> Option<i64> {
        // Without a valid currency the amount cannot be checked; the currency's own error says why.
        let currency = currency?;
        currency
            .parse_amount(v)
            .map_err(|e| {
                let code = match e {
                    crate::MoneyError::Negative => "negative_amount",
                    crate::MoneyError::TooPrecise { .. } => "too_precise",
                    crate::MoneyError::TooLarge(_) => "amount_too_large",
                    _ => "invalid_amount",
                };
                self.push(field, code, e.to_string())
            })
            .ok()
    }
}
