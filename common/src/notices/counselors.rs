//! Counselors (辅导员): a contact card, optionally the user account they sign in with (role
//! `counselor`), and the classes they look after (`school_classes.counselor_id`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone)]
pub struct Counselor {
    pub id: i64,
    pub user_id: Option<i64>,
    /// The WeChat account they bound with an admin's code (`None`: not bound).
    pub wechat_user_id: Option<i64>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub office: String,
    pub class_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

/// A counselor's card as written.
#[derive(Debug, Clone, Default)]
pub struct CounselorFields {
    pub user_id: Option<i64>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub office: String,
}

/// A page of counselors by name (`q`: a substring of name, phone or office), with the total.
pub async fn list(conn: &mut PgConnection, q: Option<&str>, limit: i64, offset: i64) -> sqlx::Result<(Vec<Counselor>, i64)> {
    let pattern = q.map(|q| format!("%{}%", crate::notices::students::escape_like(q)));
    let rows = sqlx::query_as!(
        Counselor,
        r#"SELECT c.id, c.user_id, c.wechat_user_id, c.name, c.phone, c.email, c.office, c.created_at,
                  COALESCE(ARRAY(SELECT k.id FROM school_classes k WHERE k.counselor_id = c.id ORDER BY k.id), '{}') AS "class_ids!"
             FROM counselors c
            WHERE $1::text IS NULL OR c.name ILIKE $1 OR c.phone ILIKE $1 OR c.office ILIKE $1
            ORDER BY c.name, c.id LIMIT $2 OFFSET $3"#,
        pattern,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM counselors c WHERE $1::text IS NULL OR c.name ILIKE $1 OR c.phone ILIKE $1 OR c.office ILIKE $1"#,
        pattern
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Counselor>> {
    sqlx::query_as!(
        Counselor,
        r#"SELECT c.id, c.user_id, c.wechat_user_id, c.name, c.phone, c.email, c.office, c.created_at,
                  COALESCE(ARRAY(SELECT k.id FROM school_classes k WHERE k.counselor_id = c.id ORDER BY k.id), '{}') AS "class_ids!"
             FROM counselors c WHERE c.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Creates a counselor; a `user_id` already tied to another counselor is a unique violation
/// (`counselors_user_key`).
pub async fn create(conn: &mut PgConnection, f: &CounselorFields) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO counselors (user_id, name, phone, email, office) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        f.user_id,
        f.name,
        f.phone,
        f.email,
        f.office
    )
    .fetch_one(conn)
    .await
}

/// Replaces a counselor's card; false when there is no such counselor.
pub async fn update(conn: &mut PgConnection, id: i64, f: &CounselorFields) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE counselors SET user_id = $2, name = $3, phone = $4, email = $5, office = $6 WHERE id = $1",
        id,
        f.user_id,
        f.name,
        f.phone,
        f.email,
        f.office
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The counselor whose phone on file is `phone` and who holds a live binding code (the newest
/// code wins when several share the phone).
pub async fn with_live_code(conn: &mut PgConnection, phone: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT c.id FROM counselors c JOIN student_bind_codes b ON b.counselor_id = c.id
          WHERE c.phone = $1 AND b.used_at IS NULL AND b.expires_at > now()
          ORDER BY b.id DESC LIMIT 1",
        phone
    )
    .fetch_optional(conn)
    .await
}

/// The counselor whose WeChat account (or sign-in account) is `user_id`.
pub async fn of_user(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<Counselor>> {
    match crate::notices::counselor_of(conn, user_id).await? {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Ties the WeChat account `user_id` to counselor `id` (an account is one counselor's at most:
/// another counselor it was tied to lets it go). Returns the WeChat account the counselor had
/// before, when it was another.
pub async fn bind_wechat(conn: &mut PgConnection, id: i64, user_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query!("UPDATE counselors SET wechat_user_id = NULL WHERE wechat_user_id = $1 AND id <> $2", user_id, id).execute(&mut *conn).await?;
    let before = sqlx::query_scalar!("SELECT wechat_user_id FROM counselors WHERE id = $1 FOR UPDATE", id).fetch_one(&mut *conn).await?;
    sqlx::query!("UPDATE counselors SET wechat_user_id = $2 WHERE id = $1", id, user_id).execute(conn).await?;
    Ok(before.filter(|b| *b != user_id))
}
