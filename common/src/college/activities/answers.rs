//! Answers to an enrollment form: `{fieldId: value}` checked against the form, field by field.
//!
//! What each kind takes (an absent field, `null`, `""` and `[]` are all "not answered", refused
//! for a required field and left out of what is stored otherwise):
//! - `text`: a string of at most [`MAX_TEXT`] characters; `long_text`: at most [`MAX_LONG_TEXT`];
//! - `number`: a finite JSON number (or a string holding one), within `min`/`max` when given;
//! - `single_choice`: one of the options, as a string;
//! - `multiple_choice`: an array of distinct options, between `min` and `max` picks when given;
//! - `date`: `YYYY-MM-DD`, a real calendar date;
//! - `phone`: a Chinese mobile number (11 digits starting with 1) or a landline (digits with
//!   dashes between, 7 to 20 characters, at least 7 digits);
//! - `email`: `local@domain.tld` without spaces, at most 254 characters.
//!
//! Texts are trimmed and may not hold NUL (PostgreSQL's JSONB cannot). A key that is not a field
//! of the form is refused. Problems come back keyed by the field id (or the unknown key).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::form::{FieldKind, FormField};

pub const MAX_TEXT: usize = 200;
pub const MAX_LONG_TEXT: usize = 5000;
/// The most characters of a phone number or an e-mail address.
const MAX_PHONE: usize = 20;
const MAX_EMAIL: usize = 254;

/// The answers as they are stored (each trimmed, numbers as numbers, unanswered optional fields
/// left out), or a message per field id.
pub fn check(form: &[FormField], answers: &Map<String, Value>) -> Result<Map<String, Value>, BTreeMap<String, String>> {
    let mut problems = BTreeMap::new();
    for key in answers.keys() {
        if !form.iter().any(|f| &f.id == key) {
            problems.insert(key.clone(), "is not a field of this form".to_owned());
        }
    }
    let mut stored = Map::new();
    for field in form {
        match answer(field, answers.get(&field.id)) {
            Ok(Some(value)) => {
                stored.insert(field.id.clone(), value);
            }
            Ok(None) if field.required => {
                problems.insert(field.id.clone(), "is required".to_owned());
            }
            Ok(None) => {}
            Err(message) => {
                problems.insert(field.id.clone(), message);
            }
        }
    }
    if problems.is_empty() {
        Ok(stored)
    } else {
        Err(problems)
    }
}

/// One answer as stored, `None` when not answered.
fn answer(field: &FormField, value: Option<&Value>) -> Result<Option<Value>, String> {
    let value = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::Array(a)) if a.is_empty() => return Ok(None),
        Some(v) => v,
    };
    match field.kind {
        FieldKind::Text => text(value, MAX_TEXT).map(Value::from),
        FieldKind::LongText => text(value, MAX_LONG_TEXT).map(Value::from),
        FieldKind::Number => number(field, value),
        FieldKind::SingleChoice => {
            let choice = text(value, usize::MAX)?;
            field.options.iter().any(|o| o.trim() == choice).then(|| Value::from(choice)).ok_or_else(|| "must be one of the choices".to_owned())
        }
        FieldKind::MultipleChoice => choices(field, value),
        FieldKind::Date => {
            let d = text(value, 10)?;
            let ok = d.len() == 10 && chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_ok();
            ok.then(|| Value::from(d)).ok_or_else(|| "must be a date like 2027-03-01".to_owned())
        }
        FieldKind::Phone => {
            let p = text(value, MAX_PHONE)?;
            is_phone(&p).then(|| Value::from(p)).ok_or_else(|| "must be a mobile number (11 digits) or a landline like 025-83787000".to_owned())
        }
        FieldKind::Email => {
            let e = text(value, MAX_EMAIL)?;
            is_email(&e).then(|| Value::from(e)).ok_or_else(|| "must be an e-mail address".to_owned())
        }
    }
    .map(Some)
}

/// A string, trimmed, at most `max` characters, without NUL.
fn text(value: &Value, max: usize) -> Result<String, String> {
    let Value::String(s) = value else { return Err("must be text".to_owned()) };
    let s = s.trim();
    if s.contains('\0') {
        Err("must not contain NUL characters".to_owned())
    } else if s.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(s.to_owned())
    }
}

fn number(field: &FormField, value: &Value) -> Result<Value, String> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().len() <= 40 => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
    .ok_or_else(|| "must be a number".to_owned())?;
    match (field.min, field.max) {
        (Some(min), _) if n < min => Err(format!("must be at least {min}")),
        (_, Some(max)) if n > max => Err(format!("must be at most {max}")),
        // Whole numbers stay whole (`3`, not `3.0`).
        _ if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => Ok(Value::from(n as i64)),
        _ => serde_json::Number::from_f64(n).map(Value::Number).ok_or_else(|| "must be a number".to_owned()),
    }
}

fn choices(field: &FormField, value: &Value) -> Result<Value, String> {
    let Value::Array(picked) = value else { return Err("must be a list of choices".to_owned()) };
    if picked.len() > field.options.len() {
        return Err("has more picks than there are choices".to_owned());
    }
    let mut chosen: Vec<String> = Vec::with_capacity(picked.len());
    for p in picked {
        let p = text(p, usize::MAX).map_err(|_| "each pick must be one of the choices".to_owned())?;
        if !field.options.iter().any(|o| o.trim() == p) {
            return Err(format!("`{}` is not one of the choices", p.chars().take(MAX_TEXT).collect::<String>()));
        }
        if chosen.contains(&p) {
            return Err("picks a choice more than once".to_owned());
        }
        chosen.push(p);
    }
    let n = chosen.len() as f64;
    match (field.min, field.max) {
        (Some(min), _) if n < min => Err(format!("pick at least {min}")),
        (_, Some(max)) if n > max => Err(format!("pick at most {max}")),
        _ => Ok(Value::from(chosen)),
    }
}

/// A Chinese mobile number (11 digits starting with 1) or a landline: digits with single dashes
/// between groups, 7 to 20 characters, at least 7 digits, not starting with 1 (an area code
/// starts with 0, a local number with 2 to 9).
pub fn is_phone(p: &str) -> bool {
    let mobile = p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit());
    let digits = p.bytes().filter(u8::is_ascii_digit).count();
    let landline = (7..=MAX_PHONE).contains(&p.len())
        && !p.starts_with('1')
        && digits >= 7
        && p.split('-').all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    mobile || landline
}

/// `local@domain.tld`: no spaces, a non-empty local part, a dotted domain not starting or ending
/// with a dot, at most 254 characters.
pub fn is_email(e: &str) -> bool {
    e.len() <= MAX_EMAIL
        && !e.contains(char::is_whitespace)
        && e.rsplit_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.contains('@') && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
}

#[cfg(test)]
#[path = "answers_tests.rs"]
mod tests;
