//! Who a notice goes to: everyone the author sees, classes, groups, a grade/major/class filter, or
//! chosen students (one-to-one or a few). Kept with the notice as sent (`notices.audience`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Audience {
    /// Every student the author sees (an admin: the school; a counselor: their classes).
    Everyone,
    Classes { class_ids: Vec<i64> },
    Groups { group_ids: Vec<i64> },
    /// Students matching every given field.
    Filter { grade: Option<String>, major: Option<String>, class_id: Option<i64> },
    Students { student_ids: Vec<i64> },
}

impl Audience {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Classes { .. } => "classes",
            Self::Groups { .. } => "groups",
            Self::Filter { .. } => "filter",
            Self::Students { .. } => "students",
        }
    }
}
