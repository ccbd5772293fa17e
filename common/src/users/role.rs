//! The roles a user can hold.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role; a user holds any number of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
    Patient,
    Visitor,
    Student,
    Counselor,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Staff, Role::Patient, Role::Visitor, Role::Student, Role::Counselor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Patient => "patient",
            Role::Visitor => "visitor",
            Role::Student => "student",
            Role::Counselor => "counselor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}
