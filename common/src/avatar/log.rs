//! The avatar fetch log (`avatar_fetches`). A run claims its row (`pending → fetching`) before
//! fetching; the file and its URL are written on success (`stored`), the claim given back on a
//! failure that may pass, and the row ends `failed` on one that cannot. Every update after the
//! claim is guarded by it. A claim older than the job's timeout belongs to a dead run: fetching
//! has no effect outside, so it is simply taken over.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

crate::text_enum! {
    /// `avatar_fetches.status`.
    pub enum FetchStatus { Pending = "pending", Fetching = "fetching", Stored = "stored", Failed = "failed" }
}

/// A row claimed by one run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedAvatar {
    pub id: i64,
    pub source_url: String,
    pub claimed_at: DateTime<Utc>,
}

/// What claiming found.
pub type AvatarClaim = crate::claim::Claim<ClaimedAvatar>;

/// Reading and updating `avatar_fetches`.
#[derive(Debug)]
pub struct AvatarLog;

impl AvatarLog {
    pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<AvatarClaim> {
        let claimed = sqlx::query_as!(
            ClaimedAvatar,
            r#"UPDATE avatar_fetches SET status = 'fetching', claimed_at = clock_timestamp(), updated_at = now()
              WHERE id = $1 AND (status = 'pending'
                    OR (status = 'fetching' AND claimed_at < now() - make_interval(secs => $2)))
             RETURNING id, source_url, claimed_at AS "claimed_at!""#,
            id,
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(avatar) = claimed {
            return Ok(AvatarClaim::Mine(avatar));
        }
        crate::claim::not_claimed(conn, crate::claim::ClaimTable::AvatarFetches, id, timeout).await
    }

    /// Gives the row back (`pending`) after a failure that may pass.
    pub async fn release(conn: &mut PgConnection, avatar: &ClaimedAvatar, error: &str) -> sqlx::Result<()> {
        Self::unclaim(conn, avatar, FetchStatus::Pending, error).await
    }

    /// Ends the row `failed`.
    pub async fn fail(conn: &mut PgConnection, avatar: &ClaimedAvatar, error: &str) -> sqlx::Result<()> {
        Self::unclaim(conn, avatar, FetchStatus::Failed, error).await
    }

    async fn unclaim(conn: &mut PgConnection, avatar: &ClaimedAvatar, status: FetchStatus, error: &str) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE avatar_fetches SET status = $3, claimed_at = NULL, attempts = attempts + 1, error = left($4, 500),
                    updated_at = now()
              WHERE id = $1 AND status = 'fetching' AND claimed_at = $2",
            avatar.id,
            avatar.claimed_at,
            status.as_str(),
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records the stored file and its URL; `false` when the claim was lost meanwhile (nothing
    /// written).
    pub async fn stored(conn: &mut PgConnection, avatar: &ClaimedAvatar, file_id: &str, url: &str) -> sqlx::Result<bool> {
        let done = sqlx::query!(
            "UPDATE avatar_fetches SET status = 'stored', claimed_at = NULL, attempts = attempts + 1, error = NULL,
                    file_id = $3, url = $4, stored_at = now(), updated_at = now()
              WHERE id = $1 AND status = 'fetching' AND claimed_at = $2",
            avatar.id,
            avatar.claimed_at,
            file_id,
            url
        )
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
