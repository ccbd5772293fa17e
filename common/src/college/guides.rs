//! 服务指南 (seed 002 六): files (forms, rules, how-tos) that admins upload into object storage under
//! a title and a category; staff list them by category or search their titles, download them, or
//! have one mailed to themselves. A guide's file is a `stored_files` row (key, sniffed type, size);
//! the guide keeps the name it was uploaded under. Mail is planned in the request's transaction
//! (send log row + outbox job); the `send_email` job reads the object by key when it sends.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::contains_pattern;
use crate::mail::{plan_email, MailTemplate, PlanMailError, PlannedMail, StoredAttachment};
use crate::storage::files::StoredFile;
use crate::storage::StoredObject;

/// Longest title, category and file name (the table's checks say the same).
pub const MAX_TITLE: usize = 200;
pub const MAX_CATEGORY: usize = 50;
pub const MAX_FILENAME: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub filename: String,
    pub file_id: String,
    /// The object's storage key.
    pub key: String,
    pub content_type: String,
    pub size: i64,
    pub uploader_id: Option<i64>,
    pub uploader_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What an admin uploads besides the file (already checked: trimmed, within the lengths).
#[derive(Debug, Clone)]
pub struct NewGuide {
    pub title: String,
    pub category: String,
    pub filename: String,
    pub uploader_id: i64,
}

/// Records a stored object as a file and a guide, in `conn`'s transaction.
pub async fn create(conn: &mut PgConnection, new: &NewGuide, object: &StoredObject) -> sqlx::Result<Guide> {
    let file = StoredFile::record(conn, object, Some(new.uploader_id), false).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO guides (title, category, file_id, filename, uploader_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        new.title,
        new.category,
        file.id,
        new.filename,
        new.uploader_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    find(conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// One guide.
pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Guide>> {
    sqlx::query_as!(
        Guide,
        r#"SELECT g.id, g.title, g.category, g.filename, g.file_id, f.key, f.content_type, f.size, g.uploader_id,
                  u.name AS "uploader_name?", g.created_at
             FROM guides g JOIN stored_files f ON f.id = g.file_id LEFT JOIN users u ON u.id = g.uploader_id
            WHERE g.id = $1"#,
        id,
    )
    .fetch_optional(conn)
    .await
}

/// Which guides a list shows: a substring of the title, a category (exact name).
#[derive(Debug, Clone, Copy, Default)]
pub struct GuideFilter<'a> {
    pub search: Option<&'a str>,
    pub category: Option<&'a str>,
}

/// A page of guides, newest first, and the total.
pub async fn list(conn: &mut PgConnection, f: GuideFilter<'_>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Guide>, i64)> {
    let pattern = f.search.map(str::trim).filter(|s| !s.is_empty()).map(contains_pattern);
    let category = f.category.map(str::trim).filter(|s| !s.is_empty());
    let rows = sqlx::query_as!(
        Guide,
        r#"SELECT g.id, g.title, g.category, g.filename, g.file_id, f.key, f.content_type, f.size, g.uploader_id,
                  u.name AS "uploader_name?", g.created_at
             FROM guides g JOIN stored_files f ON f.id = g.file_id LEFT JOIN users u ON u.id = g.uploader_id
            WHERE ($1::TEXT IS NULL OR lower(g.title) LIKE $1) AND ($2::TEXT IS NULL OR g.category = $2)
            ORDER BY g.id DESC LIMIT $3 OFFSET $4"#,
        pattern,
        category,
        limit,
        offset,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM guides g
            WHERE ($1::TEXT IS NULL OR lower(g.title) LIKE $1) AND ($2::TEXT IS NULL OR g.category = $2)"#,
        pattern,
        category,
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// A category in use and how many guides it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub name: String,
    pub count: i64,
}

/// Every category in use, by name.
pub async fn categories(conn: &mut PgConnection) -> sqlx::Result<Vec<CategoryCount>> {
    sqlx::query_as!(CategoryCount, r#"SELECT category AS name, count(*) AS "count!" FROM guides GROUP BY category ORDER BY category"#)
        .fetch_all(conn)
        .await
}

/// Deletes a guide and its file row; returns the storage key to delete after commit (`None`: no
/// such guide).
pub async fn delete(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<String>> {
    let Some(file_id) = sqlx::query_scalar!("DELETE FROM guides WHERE id = $1 RETURNING file_id", id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let key = sqlx::query_scalar!("DELETE FROM stored_files WHERE id = $1 RETURNING key", file_id).fetch_one(conn).await?;
    Ok(Some(key))
}

/// Plans the guide's e-mail, with its file attached, to `to`. Requests for the same guide by the
/// same user within one minute (`at`) are one e-mail: a double tap or a retried request sends once.
pub async fn plan_mail(conn: &mut PgConnection, g: &Guide, user_id: i64, to: &str, at: DateTime<Utc>) -> Result<PlannedMail, PlanMailError> {
    let params = BTreeMap::from([
        ("title".to_owned(), g.title.clone()),
        ("category".to_owned(), g.category.clone()),
        ("filename".to_owned(), g.filename.clone()),
    ]);
    let template = MailTemplate {
        subject: "【服务指南】{{title}}".to_owned(),
        text: "您好！\n\n您要的服务指南《{{title}}》（{{category}}）在附件中：{{filename}}。\n".to_owned(),
        html: None,
    };
    let attachment = StoredAttachment { key: g.key.clone(), filename: g.filename.clone(), content_type: g.content_type.clone() };
    let key = format!("guide:{}:user:{user_id}:minute:{}", g.id, at.timestamp().div_euclid(60));
    plan_email(conn, &key, "guide", &[to.to_owned()], &template.render(&params), &[attachment]).await
}
