//! Reading and writing user rows.

use sqlx::PgConnection;

use super::{Role, Roles, User};

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<Role>,
}

/// Fields an admin may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<Role>>,
    pub is_active: Option<bool>,
    pub password_hash: Option<String>,
}

// Each query below lists the user's columns again (sqlx's macros take literals only); `roles` is
// read through `Roles`, which refuses a value that is not a role.

/// Inserts a user. A taken username is the `users_username_key` unique violation.
pub async fn create(conn: &mut PgConnection, user: &NewUser) -> sqlx::Result<User> {
    let roles = Roles(user.roles.clone()).as_strings();
    sqlx::query_as!(
        User,
        r#"INSERT INTO users (username, password_hash, name, phone, email, roles)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, username, name, phone, email, roles AS "roles: Roles", is_active, created_at"#,
        user.username,
        user.password_hash,
        user.name,
        user.phone,
        user.email,
        &roles
    )
    .fetch_one(conn)
    .await
}

/// A user and their password hash, looked up case-insensitively by username.
pub async fn find_by_username(
    conn: &mut PgConnection,
    username: &str,
) -> sqlx::Result<Option<(User, Option<String>)>> {
    let row = sqlx::query!(
        r#"SELECT id, username, name, phone, email, roles AS "roles: Roles", is_active, created_at, password_hash
             FROM users WHERE lower(username) = lower($1)"#,
        username
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (super::user_from_record!(r), r.password_hash)))
}

pub async fn find_by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as!(
        User,
        r#"SELECT id, username, name, phone, email, roles AS "roles: Roles", is_active, created_at FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Which users a list shows: holders of `role`, and those whose username, name, phone or e-mail
/// contains `search` (case-insensitive); `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub search: Option<String>,
}

/// One page of users, newest first, filtered; with the total count of the filtered list.
pub async fn list(conn: &mut PgConnection, filter: &UserFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<User>, i64)> {
    let role = filter.role.map(|r| r.as_str().to_owned());
    let users = sqlx::query_as!(
        User,
        r#"SELECT id, username, name, phone, email, roles AS "roles: Roles", is_active, created_at
             FROM users
            WHERE ($1::TEXT IS NULL OR $1 = ANY(roles))
              AND ($2::TEXT IS NULL OR strpos(lower(username || ' ' || name || ' ' || coalesce(phone, '') || ' ' || coalesce(email, '')), lower($2)) > 0)
            ORDER BY id DESC LIMIT $3 OFFSET $4"#,
        role,
        filter.search,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM users
            WHERE ($1::TEXT IS NULL OR $1 = ANY(roles))
              AND ($2::TEXT IS NULL OR strpos(lower(username || ' ' || name || ' ' || coalesce(phone, '') || ' ' || coalesce(email, '')), lower($2)) > 0)"#,
        role,
        filter.search
    )
    .fetch_one(conn)
    .await?;
    Ok((users, total))
}

/// Applies a patch; `None` when there is no such user.
pub async fn update(conn: &mut PgConnection, id: i64, patch: &UserPatch) -> sqlx::Result<Option<User>> {
    let roles = patch.roles.as_ref().map(|r| Roles(r.clone()).as_strings());
    sqlx::query_as!(
        User,
        r#"UPDATE users SET
              name = COALESCE($2, name),
              phone = CASE WHEN $3 THEN $4 ELSE phone END,
              email = CASE WHEN $5 THEN $6 ELSE email END,
              roles = COALESCE($7, roles),
              is_active = COALESCE($8, is_active),
              password_hash = COALESCE($9, password_hash),
              updated_at = now()
           WHERE id = $1
           RETURNING id, username, name, phone, email, roles AS "roles: Roles", is_active, created_at"#,
        id,
        patch.name,
        patch.phone.is_some(),
        patch.phone.clone().flatten(),
        patch.email.is_some(),
        patch.email.clone().flatten(),
        roles.as_deref(),
        patch.is_active,
        patch.password_hash
    )
    .fetch_optional(conn)
    .await
}
