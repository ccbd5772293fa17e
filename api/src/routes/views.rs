//! Response shapes shared by many routes, and how users are shown. Every response body is a
//! `Serialize` struct (no `json!` maps), its fields in the order of their JSON names (the order
//! the `json!` maps had), so the bytes on the wire stay as they were.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::time::serialize_local;
use yizhan_common::users::User;

/// A user as seed 002's `/current-user/` and the admin endpoints show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(example = json!(["staff"]))]
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

/// `201 Created` answers of the create routes: `{"id": …}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// `{"token": …}`: a login's bearer token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub token: String,
}

/// A whole (unpaginated, bounded) list: `{"count", "results"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub count: usize,
    pub results: Vec<T>,
}

impl<T> List<T> {
    pub fn new(results: Vec<T>) -> Self {
        Self { count: results.len(), results }
    }
}

/// `GET /current-user/meta/` (seed 002): the user's contact card.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCard {
    pub department: String,
    pub email: Option<String>,
    pub id: i64,
    pub mobile: Option<String>,
    pub name: String,
    pub position: String,
    pub qq: String,
    pub telephone: String,
}
