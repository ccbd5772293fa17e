//! One-time binding codes: a counselor issues one to a student, an admin one to a counselor (the
//! first way to bind; a student's second is an SMS code to the phone on file, `visitor::codes`).
//! Six digits like the SMS codes (`codes::new_code`), kept only as SHA-256 over (holder, code),
//! valid for `NOTICE_BIND_CODE_TTL_HOURS`, spent by the right answer or by
//! `NOTICE_BIND_CODE_MAX_ATTEMPTS` wrong ones; issuing a new one retires the holder's earlier
//! codes. Checking answers the same [`CodeCheck`] as the SMS codes.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;

pub use crate::visitor::codes::{new_code, CodeCheck};

/// Whose code it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Student(i64),
    Counselor(i64),
}

impl Holder {
    /// (student id, counselor id): one of them.
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Self::Student(id) => (Some(id), None),
            Self::Counselor(id) => (None, Some(id)),
        }
    }
}

fn hash(holder: Holder, code: &str) -> String {
    let salt = match holder {
        Holder::Student(id) => format!("student-bind:{id}"),
        Holder::Counselor(id) => format!("counselor-bind:{id}"),
    };
    hex::encode(Sha256::digest(format!("{salt}:{}", code.trim()).as_bytes()))
}

/// Stores a new code for `holder`, retiring their earlier ones.
pub async fn issue(conn: &mut PgConnection, holder: Holder, code: &str, issued_by: i64, expires_at: DateTime<Utc>) -> sqlx::Result<i64> {
    let (student, counselor) = holder.ids();
    sqlx::query!(
        "UPDATE student_bind_codes SET used_at = now() WHERE (student_id = $1 OR counselor_id = $2) AND used_at IS NULL",
        student,
        counselor
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar!(
        "INSERT INTO student_bind_codes (student_id, counselor_id, code_hash, issued_by, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        student,
        counselor,
        hash(holder, code),
        issued_by,
        expires_at
    )
    .fetch_one(conn)
    .await
}

/// Checks `code` against the holder's live code; a wrong one counts a try (commit it).
pub async fn check(conn: &mut PgConnection, holder: Holder, code: &str, max_attempts: i32) -> sqlx::Result<CodeCheck> {
    let (student, counselor) = holder.ids();
    let live = sqlx::query!(
        "SELECT id, code_hash, attempts FROM student_bind_codes
          WHERE (student_id = $1 OR counselor_id = $2) AND used_at IS NULL AND expires_at > now() AND attempts < $3
          ORDER BY id DESC LIMIT 1 FOR UPDATE",
        student,
        counselor,
        max_attempts
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(live) = live else { return Ok(CodeCheck::Missing) };
    if bool::from(hash(holder, code).as_bytes().ct_eq(live.code_hash.as_bytes())) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_hashes_differently_for_each_holder() {
        assert_ne!(hash(Holder::Student(1), "123456"), hash(Holder::Counselor(1), "123456"));
        assert_eq!(hash(Holder::Student(1), " 123456 "), hash(Holder::Student(1), "123456"));
    }
}
