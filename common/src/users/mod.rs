//! Users, their contact details, their API tokens and their console sessions.

mod repo;
mod role;
mod sessions;
pub mod token_cache;
mod tokens;

use chrono::{DateTime, Utc};

pub use repo::{create, find_by_id, find_by_username, list, update, NewUser, UserFilter, UserPatch};
pub use sessions::{end_all_sessions, end_session, session_for, set_flash, start_session, take_flash, NewSession, Session};
pub use role::Role;
pub use token_cache::TokenCache;
pub use tokens::{issue, revoke, revoke_all, user_for_token, TokenLookup};

/// A user account as the application sees it (never with its password hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sqlx(try_from = "Vec<String>")]
    pub roles: Roles,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.0.contains(&role)
    }
}

/// The roles a user holds, read from a `TEXT[]` column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(pub Vec<Role>);

impl TryFrom<Vec<String>> for Roles {
    type Error = String;

    fn try_from(raw: Vec<String>) -> Result<Self, Self::Error> {
        raw.iter().map(|r| r.parse()).collect::<Result<Vec<_>, _>>().map(Roles)
    }
}

impl Roles {
    pub fn as_strings(&self) -> Vec<String> {
        self.0.iter().map(|r| r.as_str().to_owned()).collect()
    }
}

/// `roles AS "roles: Roles"` in a compile-checked query: a `TEXT[]` whose every value is a role.
impl sqlx::Type<sqlx::Postgres> for Roles {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <Vec<String> as sqlx::Type<sqlx::Postgres>>::type_info()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for Roles {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Roles::try_from(<Vec<String> as sqlx::Decode<sqlx::Postgres>>::decode(value)?)?)
    }
}

/// A [`User`] from a compile-checked query's record that has the user's columns.
macro_rules! user_from_record {
    ($r:expr) => {
        $crate::users::User {
            id: $r.id,
            username: $r.username,
            name: $r.name,
            phone: $r.phone,
            email: $r.email,
            roles: $r.roles,
            is_active: $r.is_active,
            created_at: $r.created_at,
        }
    };
}
use user_from_record;
