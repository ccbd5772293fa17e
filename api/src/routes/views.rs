//! How users are shown in responses.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yizhan_common::time::serialize_local;
use yizhan_common::users::User;

/// A user as seed 002's `/current-user/` and the admin endpoints show it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub is_active: bool,
    #[serde(serialize_with = "serialize_local")]
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            roles: u.roles.as_strings(),
            username: u.username,
            name: u.name,
            phone: u.phone,
            email: u.email,
            is_active: u.is_active,
            created_at: u.created_at,
        }
    }
}
