//! Collecting per-field validation messages before answering 422.

use std::collections::BTreeMap;

use super::ApiError;

/// Validation messages keyed by the field's name as the client sent it.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a message for a field (the first message for a field wins).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// How many fields have a message.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records a message when `bad` holds.
    pub fn check(&mut self, bad: bool, field: &str, message: &str) {
        if bad {
            self.add(field, message);
        }
    }

    /// A required text field: present, not blank, at most `max` characters, no NUL.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "is required");
        } else {
            self.optional_text(field, Some(value), max);
        }
    }

    /// An optional text field: at most `max` characters and no NUL (which PostgreSQL cannot
    /// store) when present.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            if v.contains('\0') {
                self.add(field, "must not contain NUL characters");
            } else if v.chars().count() > max {
                self.add(field, format!("must be at most {max} characters"));
            }
        }
    }

    /// A required phone number (trimmed): 5 to 20 characters, digits, `+` and `-`.
    pub fn phone(&mut self, field: &str, value: &str) {
        let v = value.trim();
        let ok = (5..=20).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit() || c == '+' || c == '-');
        self.check(!ok, field, "must be a phone number of 5 to 20 digits");
    }

    /// An optional phone number (empty is none), as [`Self::phone`].
    pub fn optional_phone(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            self.phone(field, v);
        }
    }

    /// An optional e-mail address (empty is none): `local@domain.tld`, no spaces, at most 254.
    pub fn optional_email(&mut self, field: &str, value: Option<&str>) {
        let email = value.map(str::trim).unwrap_or("");
        let ok = email.is_empty()
            || (email.len() <= 254
                && !email.contains(char::is_whitespace)
                && email.rsplit_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')));
        self.check(!ok, field, "must be an e-mail address");
    }

    /// `Ok` when nothing was recorded, otherwise the 422 error.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}
