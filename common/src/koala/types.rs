//! What Koala's operations take and answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A subject as Koala lists it (`subject_type` 0 employee, 1 visitor, 2 VIP visitor); fields a
/// reply leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub id: i64,
    #[serde(default)]
    pub subject_type: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub interviewee: Option<String>,
    #[serde(default)]
    pub come_from: Option<String>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub end_time: Option<i64>,
}

/// A staff member (`GetStaffs`): an employee subject (id, avatar, department).
pub type Staff = Subject;

/// A visit purpose (`GetPurpose`): Koala lists names, with or without an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawPurpose")]
pub struct Purpose {
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawPurpose {
    Name(String),
    Full {
        #[serde(default)]
        id: Option<i64>,
        name: String,
    },
}

impl From<RawPurpose> for Purpose {
    fn from(raw: RawPurpose) -> Self {
        match raw {
            RawPurpose::Name(name) => Self { id: None, name },
            RawPurpose::Full { id, name } => Self { id, name },
        }
    }
}

/// A visitor to let in for a time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVisitor {
    pub name: String,
    pub phone: String,
    pub purpose: Option<String>,
    /// Whom they visit (a staff name).
    pub interviewee: Option<String>,
    /// Where they come from (company).
    pub come_from: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// A directly usable image URL (Koala also takes `data:image…`).
    pub avatar_url: Option<String>,
}

impl NewVisitor {
    /// The `POST /subject` body.
    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "subject_type": 1,
            "name": self.name,
            "phone": self.phone,
            "purpose": self.purpose,
            "interviewee": self.interviewee,
            "come_from": self.come_from,
            "start_time": self.start.timestamp(),
            "end_time": self.end.timestamp(),
        });
        if let Some(avatar) = &self.avatar_url {
            body["avatar"] = avatar.clone().into();
        }
        body
    }

    /// True when `subject` is this visitor (same phone and window): how a retry after a lost
    /// answer finds the subject the lost call created.
    pub fn is(&self, subject: &Subject) -> bool {
        subject.subject_type.is_none_or(|t| t == 1)
            && subject.phone.as_deref().is_some_and(|p| same_phone(p, &self.phone))
            && subject.start_time == Some(self.start.timestamp())
            && subject.end_time == Some(self.end.timestamp())
    }
}

/// Phones compared as mainland numbers when both are, else as written.
pub(crate) fn same_phone(a: &str, b: &str) -> bool {
    use crate::sms::normalize_mainland_mobile as norm;
    match (norm(a), norm(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_read_as_names_or_objects() {
        let got: Vec<Purpose> = serde_json::from_str(r#"["面试", {"id": 2, "name": "送货"}]"#).expect("purposes");
        assert_eq!(got, vec![Purpose { id: None, name: "面试".into() }, Purpose { id: Some(2), name: "送货".into() }]);
    }

    #[test]
    fn phones_compare_as_numbers() {
        assert!(same_phone("+86 138-1234-5678", "13812345678"));
        assert!(!same_phone("13812345678", "13812345679"));
    }
}
