//! The send log as staff read it: newest first, filtered by status, template and a time range,
//! with WeChat's `errcode` and error of each failed send.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::SendStatus;

/// Which sends to list.
#[derive(Debug, Clone, Default)]
pub struct SendFilter {
    pub status: Option<SendStatus>,
    pub template_id: Option<String>,
    /// Created at or after this moment, and before the second one.
    pub created: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// One row of the send log.
#[derive(Debug, Clone)]
pub struct SendEntry {
    pub id: i64,
    pub kind: String,
    pub username: String,
    pub template_id: String,
    pub appointment_id: Option<i64>,
    pub waitlist_entry_id: Option<i64>,
    pub openid: Option<String>,
    pub status: SendStatus,
    pub errcode: Option<i32>,
    pub error: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A page of the log, newest first, and how many rows match.
pub async fn list(conn: &mut PgConnection, f: &SendFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<SendEntry>, i64)> {
    let (from, to) = f.created.map_or((None, None), |(a, b)| (Some(a), Some(b)));
    let status = f.status.map(SendStatus::as_str);
    let rows = sqlx::query_as!(
        SendEntry,
        r#"SELECT s.id, s.kind, u.username, s.template_id, s.appointment_id, s.waitlist_entry_id, s.openid,
                  s.status AS "status: SendStatus", s.errcode, s.error, s.attempts, s.created_at, s.sent_at
             FROM subscribe_sends s JOIN users u ON u.id = s.user_id
            WHERE ($1::TEXT IS NULL OR s.status = $1) AND ($2::TEXT IS NULL OR s.template_id = $2)
              AND ($3::TIMESTAMPTZ IS NULL OR s.created_at >= $3) AND ($4::TIMESTAMPTZ IS NULL OR s.created_at < $4)
            ORDER BY s.id DESC LIMIT $5 OFFSET $6"#,
        status,
        f.template_id,
        from,
        to,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM subscribe_sends s
            WHERE ($1::TEXT IS NULL OR s.status = $1) AND ($2::TEXT IS NULL OR s.template_id = $2)
              AND ($3::TIMESTAMPTZ IS NULL OR s.created_at >= $3) AND ($4::TIMESTAMPTZ IS NULL OR s.created_at < $4)"#,
        status,
        f.template_id,
        from,
        to
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}
