//! Notices as their recipients and authors read them: the notice page marks it read for that
//! student (once: the first time is kept), "confirm" (确认) records a confirmation on notices that
//! ask for one.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::send::Urgency;
use super::Scope;

#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub category: String,
    pub urgency: Urgency,
    pub require_confirm: bool,
    pub audience: serde_json::Value,
    pub sent_at: DateTime<Utc>,
    pub recipients: i64,
    pub has_vote: bool,
}

/// A notice its author's `scope` sees (admins every one, a counselor their own).
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Notice>> {
    sqlx::query_as!(
        Notice,
        r#"SELECT n.id, n.title, n.body, c.name AS category, n.urgency AS "urgency: Urgency", n.require_confirm, n.audience, n.sent_at,
                  (SELECT count(*) FROM notice_recipients r WHERE r.notice_id = n.id) AS "recipients!",
                  EXISTS (SELECT 1 FROM notice_votes v WHERE v.notice_id = n.id) AS "has_vote!"
             FROM notices n JOIN notice_categories c ON c.id = n.category_id
            WHERE n.id = $1 AND ($2::bigint IS NULL OR n.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// A page of the notices `scope` sees, newest first.
pub async fn list(conn: &mut PgConnection, scope: Scope, limit: i64, offset: i64) -> sqlx::Result<(Vec<Notice>, i64)> {
    let rows = sqlx::query_as!(
        Notice,
        r#"SELECT n.id, n.title, n.body, c.name AS category, n.urgency AS "urgency: Urgency", n.require_confirm, n.audience, n.sent_at,
                  (SELECT count(*) FROM notice_recipients r WHERE r.notice_id = n.id) AS "recipients!",
                  EXISTS (SELECT 1 FROM notice_votes v WHERE v.notice_id = n.id) AS "has_vote!"
             FROM notices n JOIN notice_categories c ON c.id = n.category_id
            WHERE $1::bigint IS NULL OR n.counselor_id = $1
            ORDER BY n.id DESC LIMIT $2 OFFSET $3"#,
        scope.counselor_filter(),
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM notices n WHERE $1::bigint IS NULL OR n.counselor_id = $1"#, scope.counselor_filter())
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// One recipient's own state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub read_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// Marks the notice read by the student (the first reading is kept); `None` when they are not
/// among its recipients.
pub async fn read(conn: &mut PgConnection, notice_id: i64, student_id: i64) -> sqlx::Result<Option<Receipt>> {
    sqlx::query_as!(
        Receipt,
        "UPDATE notice_recipients SET read_at = COALESCE(read_at, now()) WHERE notice_id = $1 AND student_id = $2 RETURNING read_at, confirmed_at",
        notice_id,
        student_id
    )
    .fetch_optional(conn)
    .await
}

/// Records the student's confirmation (and a reading); the first is kept.
pub async fn confirm(conn: &mut PgConnection, notice_id: i64, student_id: i64) -> sqlx::Result<Option<Receipt>> {
    sqlx::query_as!(
        Receipt,
        "UPDATE notice_recipients SET read_at = COALESCE(read_at, now()), confirmed_at = COALESCE(confirmed_at, now())
          WHERE notice_id = $1 AND student_id = $2 RETURNING read_at, confirmed_at",
        notice_id,
        student_id
    )
    .fetch_optional(conn)
    .await
}

/// Whether the student is among the notice's recipients.
pub async fn is_recipient(conn: &mut PgConnection, notice_id: i64, student_id: i64) -> sqlx::Result<bool> {
    let found = sqlx::query_scalar!("SELECT 1 AS one FROM notice_recipients WHERE notice_id = $1 AND student_id = $2", notice_id, student_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}
