//! The visitor log (`koala_visitors`): one row per visitor subject we mean to create, keyed by
//! our own id. A run claims its row (`pending → creating`, with the claim's time) before calling
//! Koala and counts the call first, so a redelivered job does nothing once the row holds a
//! subject id, and a retry after a lost answer looks for the subject before creating another.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::types::NewVisitor;

crate::text_enum! {
    /// `koala_visitors.status`.
    pub enum VisitorStatus { Pending = "pending", Creating = "creating", Created = "created", Failed = "failed" }
}

/// A visitor row claimed by one job run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedVisitor {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub purpose: Option<String>,
    pub interviewee: Option<String>,
    pub come_from: Option<String>,
    pub avatar_url: Option<String>,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// `POST /subject` calls made for this row before this run (one may have created it).
    pub calls: i32,
    pub claimed_at: DateTime<Utc>,
}

impl ClaimedVisitor {
    pub fn visitor(&self) -> NewVisitor {
        NewVisitor {
            name: self.name.clone(),
            phone: self.phone.clone(),
            purpose: self.purpose.clone(),
            interviewee: self.interviewee.clone(),
            come_from: self.come_from.clone(),
            start: self.start_time,
            end: self.end_time,
            avatar_url: self.avatar_url.clone(),
        }
    }
}

/// What claiming found.
pub type VisitorClaim = crate::claim::Claim<ClaimedVisitor>;

/// Reading and updating `koala_visitors`.
#[derive(Debug)]
pub struct KoalaVisitors;

impl KoalaVisitors {
    /// Claims a pending row without a subject, or one whose claim is older than `timeout` (its
    /// run died).
    pub async fn claim(conn: &mut PgConnection, id: i64, attempt: u32, timeout: Duration) -> sqlx::Result<VisitorClaim> {
        let claimed = sqlx::query_as!(
            ClaimedVisitor,
            r#"UPDATE koala_visitors SET status = 'creating', claimed_at = clock_timestamp(), claim_attempt = $2, updated_at = now()
              WHERE id = $1 AND subject_id IS NULL AND (status = 'pending'
                    OR (status = 'creating' AND claimed_at < now() - make_interval(secs => $3)))
             RETURNING id, name, phone, purpose, interviewee, come_from, avatar_url, start_time, end_time, calls, claimed_at AS "claimed_at!""#,
            id,
            i32::try_from(attempt).unwrap_or(i32::MAX),
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(visitor) = claimed {
            return Ok(VisitorClaim::Mine(visitor));
        }
        crate::claim::not_claimed(conn, crate::claim::ClaimTable::KoalaVisitors, id, timeout).await
    }

    /// Counts a `POST /subject` call about to go out; false when the claim was taken over.
    pub async fn calling(conn: &mut PgConnection, v: &ClaimedVisitor) -> sqlx::Result<bool> {
        let done = sqlx::query!(
            "UPDATE koala_visitors SET calls = calls + 1, updated_at = now()
              WHERE id = $1 AND status = 'creating' AND claimed_at = $2",
            v.id,
            v.claimed_at
        )
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the row back (`pending`), recording `error` when a call failed.
    pub async fn release(conn: &mut PgConnection, v: &ClaimedVisitor, error: Option<&str>) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE koala_visitors SET status = 'pending', claimed_at = NULL, claim_attempt = NULL, updated_at = now(),
                    error = COALESCE(left($3, 500), error)
              WHERE id = $1 AND status = 'creating' AND claimed_at = $2",
            v.id,
            v.claimed_at,
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Stores Koala's subject id: the row is done.
    pub async fn created(conn: &mut PgConnection, v: &ClaimedVisitor, subject_id: i64) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE koala_visitors SET status = 'created', subject_id = $3, code = 0, error = NULL, claimed_at = NULL,
                    created_subject_at = now(), updated_at = now()
              WHERE id = $1 AND status = 'creating' AND claimed_at = $2",
            v.id,
            v.claimed_at,
            subject_id
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Refused for good (`code` is Koala's, when it answered).
    pub async fn failed(conn: &mut PgConnection, v: &ClaimedVisitor, code: Option<i64>, error: &str) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE koala_visitors SET status = 'failed', code = $3, error = left($4, 500), claimed_at = NULL, updated_at = now()
              WHERE id = $1 AND status = 'creating' AND claimed_at = $2",
            v.id,
            v.claimed_at,
            code,
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}
