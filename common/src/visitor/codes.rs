//! SMS binding codes: six digits, kept only as SHA-256 over (user, phone, code), valid for
//! `VISIT_CODE_TTL_SECS`, spent by the right answer or by `VISIT_CODE_MAX_ATTEMPTS` wrong ones.
//! Asking for a new code replaces the user's earlier ones for that phone.

use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;

/// The SMS kind of a binding code (`SMS_TEMPLATE_BINDING_CODE`, parameter `code`).
pub const CODE_SMS_KIND: &str = "binding_code";

/// What checking a code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the code is valid (call [`spend`] in the transaction that binds).
    Valid { code_id: i64 },
    /// Wrong; `left` tries remain (0: the code is spent).
    Wrong { left: i32 },
    /// No live code for this phone (never asked, expired, used or out of tries).
    Missing,
}

/// A new random code.
pub fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

fn hash(user_id: i64, phone: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{user_id}:{phone}:{}", code.trim()).as_bytes()))
}

/// Stores a new code for (user, phone), retiring the earlier ones.
pub async fn store(conn: &mut PgConnection, user_id: i64, phone: &str, code: &str, expires_at: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query!("UPDATE binding_codes SET used_at = now() WHERE user_id = $1 AND phone = $2 AND used_at IS NULL", user_id, phone)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar!(
        "INSERT INTO binding_codes (user_id, phone, code_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
        user_id,
        phone,
        hash(user_id, phone, code),
        expires_at
    )
    .fetch_one(conn)
    .await
}

/// Checks `code` against the live code of (user, phone); a wrong one counts a try (commit it).
pub async fn check(conn: &mut PgConnection, user_id: i64, phone: &str, code: &str, max_attempts: i32) -> sqlx::Result<CodeCheck> {
    let live = sqlx::query!(
        "SELECT id, code_hash, attempts FROM binding_codes
          WHERE user_id = $1 AND phone = $2 AND used_at IS NULL AND expires_at > now() AND attempts < $3
          ORDER BY id DESC LIMIT 1 FOR UPDATE",
        user_id,
        phone,
        max_attempts
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(live) = live else { return Ok(CodeCheck::Missing) };
    if bool::from(hash(user_id, phone, code).as_bytes().ct_eq(live.code_hash.as_bytes())) {
        return Ok(CodeCheck::Valid { code_id: live.id });
    }
    sqlx::query!("UPDATE binding_codes SET attempts = attempts + 1 WHERE id = $1", live.id).execute(conn).await?;
    Ok(CodeCheck::Wrong { left: (max_attempts - live.attempts - 1).max(0) })
}

/// Spends a valid code; false when it was spent meanwhile (a parallel request won).
pub async fn spend(conn: &mut PgConnection, code_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("UPDATE binding_codes SET used_at = now() WHERE id = $1 AND used_at IS NULL", code_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
