//! The send log: one row per planned message, updated as its job runs.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A send row as its job sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingSend {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub template_id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Reading and updating send rows.
#[derive(Debug)]
pub struct SendLog;

impl SendLog {
    /// The row, locked for this job's update.
    pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<PendingSend>> {
        sqlx::query_as("SELECT id, kind, user_id, template_id, status, created_at FROM subscribe_sends WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await
    }

    pub async fn sent(conn: &mut PgConnection, id: i64, openid: &str, data: &serde_json::Value) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE subscribe_sends SET status = 'sent', openid = $2, data = $3, attempts = attempts + 1,
                    errcode = NULL, error = NULL, sent_at = now(), updated_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(openid)
        .bind(data)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A final state other than sent: `failed` (WeChat refused) or `skipped` (nothing to send to).
    pub async fn finish(conn: &mut PgConnection, id: i64, status: &str, errcode: Option<i64>, error: &str) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE subscribe_sends SET status = $2, errcode = $3, error = left($4, 500), attempts = attempts + 1, updated_at = now()
              WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(errcode.and_then(|c| i32::try_from(c).ok()))
        .bind(error)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A failed attempt that will be retried.
    pub async fn attempt_failed(conn: &mut PgConnection, id: i64, errcode: Option<i64>, error: &str) -> sqlx::Result<()> {
        sqlx::query("UPDATE subscribe_sends SET attempts = attempts + 1, errcode = $2, error = left($3, 500), updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(errcode.and_then(|c| i32::try_from(c).ok()))
            .bind(error)
            .execute(conn)
            .await?;
        Ok(())
    }
}
