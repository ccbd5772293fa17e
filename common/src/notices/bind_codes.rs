//! One-time binding codes a counselor issues to a student (the first way to bind; the second is
//! an SMS code to the phone on file, `visitor::codes`). Six digits like the SMS codes
//! (`codes::new_code`), kept only as SHA-256 over (student, code), valid for
//! `NOTICE_BIND_CODE_TTL_HOURS`, spent by the right answer or by `NOTICE_BIND_CODE_MAX_ATTEMPTS`
//! wrong ones; issuing a new one retires the student's earlier codes. Checking answers the same
//! [`CodeCheck`] as the SMS codes.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;

pub use crate::visitor::codes::{new_code, CodeCheck};

fn hash(student_id: i64, code: &str) -> String {
    hex::encode(Sha256::digest(format!("student-bind:{student_id}:{}", code.trim()).as_bytes()))
}

/// Stores a new code for a student, retiring the earlier ones.
pub async fn issue(conn: &mut PgConnection, student_id: i64, code: &str, issued_by: i64, expires_at: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query!("UPDATE student_bind_codes SET used_at = now() WHERE student_id = $1 AND used_at IS NULL", student_id).execute(&mut *conn).await?;
    sqlx::query_scalar!(
        "INSERT INTO student_bind_codes (student_id, code_hash, issued_by, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
        student_id,
        hash(student_id, code),
        issued_by,
        expires_at
    )
    .fetch_one(conn)
    .await
}

/// Checks `code` against the student's live code; a wrong one counts a try (commit it).
pub async fn check(conn: &mut PgConnection, student_id: i64, code: &str, max_attempts: i32) -> sqlx::Result<CodeCheck> {
    let live = sqlx::query!(
        "SELECT id, code_hash, attempts FROM student_bind_codes
          WHERE student_id = $1 AND used_at IS NULL AND expires_at > now() AND attempts < $2
          ORDER BY id DESC LIMIT 1 FOR UPDATE",
        student_id,
        max_attempts
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(live) = live else { return Ok(CodeCheck::Missing) };
    if bool::from(hash(student_id, code).as_bytes().ct_eq(live.code_hash.as_bytes())) {
        return Ok(CodeCheck::Valid { code_id: live.id });
    }
    sqlx::query!("UPDATE student_bind_codes SET attempts = attempts + 1 WHERE id = $1", live.id).execute(conn).await?;
    Ok(CodeCheck::Wrong { left: (max_attempts - live.attempts - 1).max(0) })
}

/// Spends a valid code; false when it was spent meanwhile (a parallel request won).
pub async fn spend(conn: &mut PgConnection, code_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("UPDATE student_bind_codes SET used_at = now() WHERE id = $1 AND used_at IS NULL", code_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
