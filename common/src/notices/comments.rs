//! Comments under a notice (可评论): written by its recipients and by staff who see it, read by
//! them all; a counselor or an admin hides (students no longer see it) or deletes one. At most
//! [`MAX_COMMENT_CHARS`] characters, and [`COMMENTS_PER_HOUR`] an hour per user, counted under a
//! lock on the user so parallel posts cannot slip past the limit.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub const MAX_COMMENT_CHARS: usize = 500;
pub const COMMENTS_PER_HOUR: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub notice_id: i64,
    pub author_name: String,
    /// The student who wrote it (staff see who; students see only `author_name`).
    pub student_no: Option<String>,
    pub body: String,
    pub hidden_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Who writes a comment or a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub user_id: i64,
    /// A student writing (`None`: staff).
    pub student_id: Option<i64>,
    /// As others see them.
    pub name: String,
}

/// Whether a post went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    Yes(i64),
    /// The author reached the hourly limit.
    TooMany,
}

/// Takes the author's lock for the rest of the transaction and counts what they wrote in the last
/// hour (`replies`: in `notice_replies`, else in `notice_comments`).
pub(super) async fn written_last_hour(conn: &mut PgConnection, user_id: i64, replies: bool) -> sqlx::Result<i64> {
    sqlx::query!("SELECT id FROM users WHERE id = $1 FOR UPDATE", user_id).fetch_optional(&mut *conn).await?;
    let n = if replies {
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM notice_replies WHERE user_id = $1 AND created_at > now() - interval '1 hour'"#, user_id)
            .fetch_one(conn)
            .await?
    } else {
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM notice_comments WHERE user_id = $1 AND created_at > now() - interval '1 hour'"#, user_id)
            .fetch_one(conn)
            .await?
    };
    Ok(n)
}

/// Posts a comment (in the caller's transaction: the author's lock is held until it commits).
pub async fn post(tx: &mut PgConnection, notice_id: i64, author: &Author, body: &str) -> sqlx::Result<Posted> {
    if written_last_hour(tx, author.user_id, false).await? >= COMMENTS_PER_HOUR {
        return Ok(Posted::TooMany);
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO notice_comments (notice_id, user_id, student_id, author_name, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        notice_id,
        author.user_id,
        author.student_id,
        author.name,
        body
    )
    .fetch_one(tx)
    .await?;
    Ok(Posted::Yes(id))
}

/// A page of the notice's comments, oldest first (hidden ones only for staff), and how many.
pub async fn list(conn: &mut PgConnection, notice_id: i64, with_hidden: bool, limit: i64, offset: i64) -> sqlx::Result<(Vec<Comment>, i64)> {
    let rows = sqlx::query_as!(
        Comment,
        r#"SELECT c.id, c.notice_id, c.author_name, s.student_no AS "student_no?", c.body, c.hidden_at, c.created_at
             FROM notice_comments c LEFT JOIN students s ON s.id = c.student_id
            WHERE c.notice_id = $1 AND ($2 OR c.hidden_at IS NULL)
            ORDER BY c.id LIMIT $3 OFFSET $4"#,
        notice_id,
        with_hidden,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notice_comments WHERE notice_id = $1 AND ($2 OR hidden_at IS NULL)"#,
        notice_id,
        with_hidden
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, count))
}

/// The notice a comment is under.
pub async fn notice_of(conn: &mut PgConnection, comment_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT notice_id FROM notice_comments WHERE id = $1", comment_id).fetch_optional(conn).await
}

/// Hides a comment from students (or shows it again); the first hiding is kept.
pub async fn set_hidden(conn: &mut PgConnection, comment_id: i64, hidden: bool, by: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE notice_comments SET hidden_at = CASE WHEN $2 THEN COALESCE(hidden_at, now()) END, hidden_by = CASE WHEN $2 THEN COALESCE(hidden_by, $3) END WHERE id = $1",
        comment_id,
        hidden,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, comment_id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM notice_comments WHERE id = $1", comment_id).execute(conn).await?;
    Ok(())
}

/// One comment (as staff see it).
pub async fn find(conn: &mut PgConnection, comment_id: i64) -> sqlx::Result<Option<Comment>> {
    sqlx::query_as!(
        Comment,
        r#"SELECT c.id, c.notice_id, c.author_name, s.student_no AS "student_no?", c.body, c.hidden_at, c.created_at
             FROM notice_comments c LEFT JOIN students s ON s.id = c.student_id WHERE c.id = $1"#,
        comment_id
    )
    .fetch_optional(conn)
    .await
}
