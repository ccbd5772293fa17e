//! Sign-ins to the admin console: server-side sessions found by the hash of a cookie value.
//!
//! The cookie carries 256 random bits; only their SHA-256 is stored, as for API tokens. Each
//! session has its own CSRF token (the synchronizer token every console form posts back) and at
//! most one flash message waiting for the next page.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::User;
use crate::auth::token;

/// A new session: the cookie value for the browser (shown once) and the session's CSRF token.
#[derive(Debug)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
}

/// A live session and its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub session_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    #[sqlx(flatten)]
    pub user: User,
}

/// Starts a session for `user_id` until `expires_at` (and forgets that user's expired ones).
pub async fn start_session(conn: &mut PgConnection, user_id: i64, expires_at: DateTime<Utc>) -> sqlx::Result<NewSession> {
    sqlx::query("DELETE FROM console_sessions WHERE user_id = $1 AND expires_at <= now()").bind(user_id).execute(&mut *conn).await?;
    let cookie = token::generate();
    let csrf_token = token::generate().plain;
    sqlx::query("INSERT INTO console_sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(&cookie.hash)
        .bind(user_id)
        .bind(&csrf_token)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(NewSession { cookie: cookie.plain, csrf_token })
}

/// The live session behind a cookie value: `None` when unknown, expired, or its user is disabled.
pub async fn session_for(conn: &mut PgConnection, cookie: &str) -> sqlx::Result<Option<Session>> {
    sqlx::query_as::<_, Session>(
        "SELECT s.id AS session_id, s.csrf_token, s.expires_at,
                u.id, u.username, u.name, u.phone, u.email, u.roles, u.is_active, u.created_at
           FROM console_sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > now() AND u.is_active",
    )
    .bind(token::digest(cookie))
    .fetch_optional(conn)
    .await
}

/// Ends one session (sign-out). Ending it twice is harmless.
pub async fn end_session(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM console_sessions WHERE id = $1").bind(session_id).execute(conn).await?;
    Ok(())
}

/// Ends every session of a user (a password reset); returns how many there were.
pub async fn end_all_sessions(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM console_sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}

/// Leaves a message for the session's next page.
pub async fn set_flash(conn: &mut PgConnection, session_id: i64, message: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE console_sessions SET flash = $2 WHERE id = $1").bind(session_id).bind(message).execute(conn).await?;
    Ok(())
}

/// Takes the waiting message, if any (a second call finds none).
pub async fn take_flash(conn: &mut PgConnection, session_id: i64) -> sqlx::Result<Option<String>> {
    let row: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE console_sessions s SET flash = NULL FROM (SELECT id, flash FROM console_sessions WHERE id = $1 FOR UPDATE) old
          WHERE s.id = old.id AND old.flash IS NOT NULL RETURNING old.flash",
    )
    .bind(session_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.flatten())
}
