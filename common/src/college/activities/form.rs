//! The enrollment form (报名表单) an admin designs for an activity: ordered fields, stored as the
//! JSONB array `activities.form` (the parent module says why a column and not a table).
//!
//! The stored shape, and the checks of a form an admin sends: [`check_design`] (ids unique,
//! labels given, choices for choice fields, `min ≤ max`, at most [`MAX_FIELDS`] fields) and
//! [`check_change`], the rule "a form changes freely until the first enrollment; after that only
//! additively" (its doc says exactly what additive means). Answers are checked in `answers.rs`.

use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What a field asks for.
    pub enum FieldKind {
        /// One line of text.
        Text = "text",
        /// Several lines of text.
        LongText = "long_text",
        /// A number within `min`/`max` when given.
        Number = "number",
        /// One of `options`.
        SingleChoice = "single_choice",
        /// Some of `options`: between `min` and `max` picks when given.
        MultipleChoice = "multiple_choice",
        /// A calendar date (`YYYY-MM-DD`).
        Date = "date",
        Phone = "phone",
        Email = "email",
    }
}

/// One field of the form. `id` is stable across edits: answers are stored under it
/// (`activity_enrollments.answers` is `{fieldId: value}`), so a renamed label keeps its answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub id: String,
    pub kind: FieldKind,
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    /// The smallest number (`number`) or fewest picks (`multiple_choice`); unused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The largest number (`number`) or most picks (`multiple_choice`); unused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The choices of `single_choice` and `multiple_choice`, in display order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The most fields a form has (the table's `CHECK` says the same).
pub const MAX_FIELDS: usize = 100;
/// The longest field id: ASCII letters, digits, `_` and `-`, since answers are keyed by it.
pub const MAX_ID: usize = 64;
pub const MAX_LABEL: usize = 100;
pub const MAX_HELP: usize = 500;
/// The most choices of a choice field, and the longest choice.
pub const MAX_OPTIONS: usize = 50;
pub const MAX_OPTION: usize = 100;

/// A problem with a form an admin sent: where (`form`, `form[2].label`, …) and what.
pub type Problem = (String, String);

impl FieldKind {
    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::SingleChoice | FieldKind::MultipleChoice)
    }

    /// Kinds that read `min` and `max`: the number's range, or how many choices to pick.
    pub fn has_limits(self) -> bool {
        matches!(self, FieldKind::Number | FieldKind::MultipleChoice)
    }
}

fn at(i: usize, attr: &str) -> String {
    format!("form[{i}].{attr}")
}

/// A text given by the admin: 1..=`max` characters once trimmed (or 0.. when `may_be_empty`), no NUL.
fn text_problem(text: &str, max: usize, may_be_empty: bool) -> Option<String> {
    if text.contains('\0') {
        Some("must not contain NUL characters".into())
    } else if !may_be_empty && text.trim().is_empty() {
        Some("is required".into())
    } else if text.chars().count() > max {
        Some(format!("must be at most {max} characters"))
    } else {
        None
    }
}

/// Every problem of a form's design, each under the path of what is wrong: at most
/// [`MAX_FIELDS`] fields; each id 1..=[`MAX_ID`] of `A-Z a-z 0-9 _ -` and unique; a label of
/// 1..=[`MAX_LABEL`] characters; help up to [`MAX_HELP`]; choice fields with 1..=[`MAX_OPTIONS`]
/// distinct, non-blank choices and other kinds with none; `min`/`max` only on numbers (finite)
/// and multiple choices (whole numbers of picks, `max` ≥ 1 and at most the number of choices),
/// with `min ≤ max`.
pub fn check_design(form: &[FormField]) -> Vec<Problem> {
    let mut problems = Vec::new();
    if form.len() > MAX_FIELDS {
        problems.push(("form".into(), format!("at most {MAX_FIELDS} fields")));
        return problems;
    }
    let mut ids = std::collections::HashSet::new();
    for (i, f) in form.iter().enumerate() {
        let mut bad = |attr: &str, message: String| problems.push((at(i, attr), message));
        let id_ok = (1..=MAX_ID).contains(&f.id.len()) && f.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            bad("id", format!("must be 1 to {MAX_ID} letters, digits, _ or -"));
        } else if !ids.insert(f.id.as_str()) {
            bad("id", "is used by another field".into());
        }
        if let Some(m) = text_problem(&f.label, MAX_LABEL, false) {
            bad("label", m);
        }
        if let Some(m) = text_problem(&f.help, MAX_HELP, true) {
            bad("help", m);
        }
        if f.kind.has_options() {
            if f.options.is_empty() {
                bad("options", "a choice field needs at least one choice".into());
            } else if f.options.len() > MAX_OPTIONS {
                bad("options", format!("at most {MAX_OPTIONS} choices"));
            } else if let Some(m) = f.options.iter().find_map(|o| text_problem(o, MAX_OPTION, false)) {
                bad("options", format!("each choice: {m}"));
            } else if f.options.iter().enumerate().any(|(j, o)| f.options[..j].iter().any(|p| p.trim() == o.trim())) {
                bad("options", "choices must differ".into());
            }
        } else if !f.options.is_empty() {
            bad("options", "only choice fields have choices".into());
        }
        check_limits(f, &mut bad);
    }
    problems
}

fn check_limits(f: &FormField, bad: &mut impl FnMut(&str, String)) {
    if !f.kind.has_limits() {
        for (attr, v) in [("min", f.min), ("max", f.max)] {
            if v.is_some() {
                bad(attr, "only number and multiple_choice fields have limits".into());
            }
        }
        return;
    }
    let picks = f.kind == FieldKind::MultipleChoice;
    for (attr, v) in [("min", f.min), ("max", f.max)] {
        let Some(v) = v else { continue };
        if !v.is_finite() {
            bad(attr, "must be a finite number".into());
        } else if picks && (v < 0.0 || v.fract() != 0.0 || v > f.options.len() as f64) {
            bad(attr, "must be a whole number of picks from 0 to the number of choices".into());
        } else if picks && attr == "max" && v < 1.0 {
            bad(attr, "must be at least 1".into());
        }
    }
    if let (Some(min), Some(max)) = (f.min, f.max) {
        if min > max {
            bad("max", "must not be less than min".into());
        }
    }
}

/// The problems of changing `old` into `new` once someone has enrolled (before that any valid
/// form may replace another). After the first enrollment a change is *additive*: the answers
/// already given stay valid answers of the new form, and nobody enrolled lacks a required one.
/// Precisely:
/// - every existing field stays (matched by `id`; the fields may be reordered);
/// - it keeps its `kind`;
/// - its choices stay, in their order, and new choices may only be appended;
/// - a required field may become optional, never the other way round;
/// - limits may only widen: `min` lower or removed, `max` higher or removed;
/// - `label` and `help` may change freely (answers are keyed by `id`);
/// - new fields may be added, but only optional ones (those enrolled could not have answered a
///   new required field).
pub fn check_change(old: &[FormField], new: &[FormField]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for o in old {
        if !new.iter().any(|n| n.id == o.id) {
            problems.push(("form".into(), format!("field `{}` cannot be removed after the first enrollment", o.id)));
        }
    }
    for (i, n) in new.iter().enumerate() {
        let mut bad = |attr: &str, message: &str| problems.push((at(i, attr), format!("{message} after the first enrollment")));
        let Some(o) = old.iter().find(|o| o.id == n.id) else {
            if n.required {
                bad("required", "a new field must be optional");
            }
            continue;
        };
        if n.kind != o.kind {
            bad("kind", "cannot change");
        }
        if !n.options.starts_with(&o.options) {
            bad("options", "choices can only be appended");
        }
        if n.required && !o.required {
            bad("required", "cannot become required");
        }
        if n.min.is_some() && (o.min.is_none() || n.min > o.min) {
            bad("min", "can only be lowered or removed");
        }
        if n.max.is_some() && (o.max.is_none() || n.max < o.max) {
            bad("max", "can only be raised or removed");
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_the_stored_shape_with_defaults() {
        let stored = serde_json::json!([
            {"id": "name", "kind": "text", "label": "姓名", "required": true},
            {"id": "days", "kind": "multiple_choice", "label": "参加哪几天", "options": ["周六", "周日"], "min": 1, "max": 2}
        ]);
        let form: Vec<FormField> = serde_json::from_value(stored).expect("form");
        assert_eq!(form[0].kind, FieldKind::Text);
        assert!(form[0].required && form[0].help.is_empty() && form[0].options.is_empty());
        assert_eq!((form[1].min, form[1].max), (Some(1.0), Some(2.0)));
        let back = serde_json::to_value(&form[0]).expect("json");
        assert_eq!(back, serde_json::json!({"id": "name", "kind": "text", "label": "姓名", "help": "", "required": true}));
    }
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod design_tests;
