//! Who sees what: an admin sees every class, student and group; a counselor only the classes they
//! look after, the students in them and the groups they manage.

use sqlx::PgConnection;

use crate::users::{Role, User};

/// What one caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything (admins).
    All,
    /// The classes and groups of this counselor (`None`: a user with the role but no counselor
    /// record, who sees nothing).
    Counselor(Option<i64>),
}

impl Scope {
    /// The scope of a signed-in user: admins see all, anyone else what their counselor record
    /// looks after.
    pub async fn of(conn: &mut PgConnection, user: &User) -> sqlx::Result<Self> {
        if user.has_role(Role::Admin) {
            return Ok(Self::All);
        }
        Ok(Self::Counselor(counselor_of(conn, user.id).await?))
    }

    /// The counselor to filter by in SQL (`$n::bigint IS NULL OR counselor_id = $n`): `None` for
    /// all, `0` (no such row) for a counselor without a record.
    pub fn counselor_filter(self) -> Option<i64> {
        match self {
            Self::All => None,
            Self::Counselor(id) => Some(id.unwrap_or(0)),
        }
    }

    /// The counselor a new group is managed by (`None`: the school's).
    pub fn owner(self) -> Option<i64> {
        match self {
            Self::All => None,
            Self::Counselor(id) => id,
        }
    }
}

/// The counselor record of user `user_id` (their sign-in account, or the WeChat account they
/// bound), if they have one.
pub async fn counselor_of(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM counselors WHERE user_id = $1 OR wechat_user_id = $1 ORDER BY id LIMIT 1", user_id).fetch_optional(conn).await
}
