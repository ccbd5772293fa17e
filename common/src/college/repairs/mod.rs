//! 故障报修 (seed 002): staff report a fault (location, category, description); the category's
//! recipients get an e-mail each, planned in the same transaction as the report (so a report
//! committed is a report mailed, even when the API dies right after the commit); admins move a
//! report through 待处理 → 处理中 → 已解决 and the reporter is told by e-mail.

pub mod notice;
pub mod routing;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::mail::PlanMailError;

crate::text_enum! {
    /// A report's status (`repairs.status`).
    pub enum RepairStatus {
        /// 待处理
        Pending = "pending",
        /// 处理中
        InProgress = "in_progress",
        /// 已解决
        Resolved = "resolved",
    }
}

impl RepairStatus {
    /// The seed's Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待处理",
            Self::InProgress => "处理中",
            Self::Resolved => "已解决",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub id: i64,
    pub reporter_id: i64,
    pub reporter_name: String,
    pub category_id: i64,
    pub category_name: String,
    pub location: String,
    pub description: String,
    pub status: RepairStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why a report was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no such repair category")]
    UnknownCategory,
    #[error(transparent)]
    Mail(#[from] PlanMailError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Files a report and plans one e-mail to each recipient of its category, in `conn`'s
/// transaction. Returns the report and the outbox rows written (push them after commit).
pub async fn report(conn: &mut PgConnection, reporter: i64, category: i64, location: &str, description: &str) -> Result<(Repair, Vec<i64>), ReportError> {
    let id = sqlx::query_scalar!(
        "INSERT INTO repairs (reporter_id, category_id, location, description)
         SELECT $1, id, $3, $4 FROM repair_categories WHERE id = $2 RETURNING id",
        reporter,
        category,
        location,
        description,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ReportError::UnknownCategory)?;
    let repair = find(conn, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    let mut jobs = Vec::new();
    for to in routing::recipients_for(conn, category).await? {
        jobs.extend(notice::plan_new_report(conn, &repair, &to).await?);
    }
    Ok((repair, jobs))
}

/// One report.
pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Repair>> {
    sqlx::query_as!(
        Repair,
        r#"SELECT r.id, r.reporter_id, u.name AS reporter_name, r.category_id, c.name AS category_name, r.location,
                  r.description, r.status AS "status: RepairStatus", r.created_at, r.updated_at
             FROM repairs r JOIN users u ON u.id = r.reporter_id JOIN repair_categories c ON c.id = r.category_id
            WHERE r.id = $1"#,
        id,
    )
    .fetch_optional(conn)
    .await
}

/// What a list shows: one reporter's reports, or (admins) everyone's by status, category and
/// when they were filed (`created_from` inclusive, `created_before` exclusive).
#[derive(Debug, Clone, Copy, Default)]
pub struct RepairFilter {
    pub reporter: Option<i64>,
    pub status: Option<RepairStatus>,
    pub category: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
}

/// A page of reports, newest first, and the total.
pub async fn list(conn: &mut PgConnection, f: RepairFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<Repair>, i64)> {
    let status = f.status.map(RepairStatus::as_str);
    let rows = sqlx::query_as!(
        Repair,
        r#"SELECT r.id, r.reporter_id, u.name AS reporter_name, r.category_id, c.name AS category_name, r.location,
                  r.description, r.status AS "status: RepairStatus", r.created_at, r.updated_at
             FROM repairs r JOIN users u ON u.id = r.reporter_id JOIN repair_categories c ON c.id = r.category_id
            WHERE ($1::BIGINT IS NULL OR r.reporter_id = $1) AND ($2::TEXT IS NULL OR r.status = $2)
              AND ($3::BIGINT IS NULL OR r.category_id = $3)
              AND ($4::TIMESTAMPTZ IS NULL OR r.created_at >= $4) AND ($5::TIMESTAMPTZ IS NULL OR r.created_at < $5)
            ORDER BY r.id DESC LIMIT $6 OFFSET $7"#,
        f.reporter,
        status,
        f.category,
        f.created_from,
        f.created_before,
        limit,
        offset,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM repairs r
            WHERE ($1::BIGINT IS NULL OR r.reporter_id = $1) AND ($2::TEXT IS NULL OR r.status = $2)
              AND ($3::BIGINT IS NULL OR r.category_id = $3)
              AND ($4::TIMESTAMPTZ IS NULL OR r.created_at >= $4) AND ($5::TIMESTAMPTZ IS NULL OR r.created_at < $5)"#,
        f.reporter,
        status,
        f.category,
        f.created_from,
        f.created_before,
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// Moves a report to `status` and, when that changed it and the reporter has an e-mail address,
/// plans one e-mail telling them (once per change, whatever retries follow). Returns the report and
/// the outbox rows written; `None`: no such report.
pub async fn set_status(conn: &mut PgConnection, id: i64, status: RepairStatus) -> Result<Option<(Repair, Vec<i64>)>, ReportError> {
    let changed = sqlx::query_scalar!(
        "UPDATE repairs SET status = $2, status_changes = status_changes + 1, updated_at = now()
          WHERE id = $1 AND status <> $2 RETURNING status_changes",
        id,
        status.as_str(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(repair) = find(conn, id).await? else { return Ok(None) };
    let mut jobs = Vec::new();
    if let Some(change) = changed {
        jobs.extend(notice::plan_status_change(conn, &repair, change).await?);
    }
    Ok(Some((repair, jobs)))
}
