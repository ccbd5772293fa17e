//! The enrollment form (报名表单) an admin designs for an activity: ordered fields, stored as the
//! JSONB array `activities.form` (the parent module says why a column and not a table).
//!
//! This is the stored shape only. Checking a form an admin sends (ids unique, `min ≤ max`,
//! choices given for choice fields, only additive changes after the first enrollment) and
//! checking answers against it belong with the routes that accept them.

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
