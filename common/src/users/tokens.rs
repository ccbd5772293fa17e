//! Issuing, checking and revoking API tokens.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Roles, User};
use crate::auth::token;

/// Issues a token for a user, valid until `expires_at`; returns the plain text for the client.
pub async fn issue(conn: &mut PgConnection, user_id: i64, expires_at: DateTime<Utc>) -> sqlx::Result<String> {
    let issued = token::generate();
    sqlx::query!("INSERT INTO api_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3)", user_id, issued.hash, expires_at)
        .execute(conn)
        .await?;
    Ok(issued.plain)
}

const LAST_USED_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum TokenLookup {
    Valid { user: User, token_id: i64, expires_at: DateTime<Utc> },
    Unknown,
    Expired,
    Revoked,
    Inactive,
}

struct TokenRow {
    token_id: i64,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    user: User,
}

/// Finds the user behind a presented token and says why it is refused if it is.
pub async fn user_for_token(conn: &mut PgConnection, plain: &str) -> sqlx::Result<TokenLookup> {
    let row = sqlx::query!(
        r#"SELECT t.id AS token_id, t.expires_at, t.revoked_at, t.last_used_at,
                  u.id, u.username, u.name, u.phone, u.email, u.roles AS "roles: Roles", u.is_active, u.created_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = $1"#,
        token::digest(plain)
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| TokenRow {
        token_id: r.token_id,
        expires_at: r.expires_at,
        revoked_at: r.revoked_at,
        last_used_at: r.last_used_at,
        user: super::user_from_record!(r),
    });
    if let Some(r) = &row {
        // Recording use costs a write, so it is done at most every few minutes per token.
        let stale = r.last_used_at.is_none_or(|at| Utc::now() - at > LAST_USED_GRANULARITY);
        if stale && r.revoked_at.is_none() {
            sqlx::query!("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", r.token_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(match row {
        None => TokenLookup::Unknown,
        Some(r) if r.revoked_at.is_some() => TokenLookup::Revoked,
        Some(r) if r.expires_at <= Utc::now() => TokenLookup::Expired,
        Some(r) if !r.user.is_active => TokenLookup::Inactive,
        Some(r) => TokenLookup::Valid { user: r.user, token_id: r.token_id, expires_at: r.expires_at },
    })
}

/// Revokes one token (logout). Revoking twice is harmless.
pub async fn revoke(conn: &mut PgConnection, token_id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1", token_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes every live token of a user (a password reset); returns how many were revoked.
pub async fn revoke_all(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    let done = sqlx::query!("UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
