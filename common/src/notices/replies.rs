//! Replies on a notice (可回复, 提问咨询): a private thread per student per notice, between that
//! student and staff who see the notice (its counselor, admins). A student writes at most
//! [`REPLIES_PER_HOUR`] an hour (staff as many as they answer... within the same limit per user).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::comments::{written_last_hour, Author, Posted};

pub const MAX_REPLY_CHARS: usize = 1000;
pub const REPLIES_PER_HOUR: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: i64,
    /// true: the student asks; false: staff answer.
    pub from_student: bool,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Adds to the thread of `student_id` on the notice (in the caller's transaction).
pub async fn add(tx: &mut PgConnection, notice_id: i64, student_id: i64, author: &Author, body: &str) -> sqlx::Result<Posted> {
    if written_last_hour(tx, author.user_id, true).await? >= REPLIES_PER_HOUR {
        return Ok(Posted::TooMany);
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO notice_replies (notice_id, student_id, from_student, user_id, author_name, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        notice_id,
        student_id,
        author.student_id.is_some(),
        author.user_id,
        author.name,
        body
    )
    .fetch_one(tx)
    .await?;
    Ok(Posted::Yes(id))
}

/// The whole thread, oldest first (at most the newest `limit`).
pub async fn thread(conn: &mut PgConnection, notice_id: i64, student_id: i64, limit: i64) -> sqlx::Result<Vec<Reply>> {
    sqlx::query_as!(
        Reply,
        "SELECT * FROM (SELECT id, from_student, author_name, body, created_at FROM notice_replies
                         WHERE notice_id = $1 AND student_id = $2 ORDER BY id DESC LIMIT $3) t ORDER BY id",
        notice_id,
        student_id,
        limit
    )
    .fetch_all(conn)
    .await
}

/// One thread as staff list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub student_id: i64,
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub messages: i64,
    /// The student wrote last: an answer is due.
    pub awaiting_answer: bool,
    pub last_at: DateTime<Utc>,
}

/// The notice's threads, those awaiting an answer first, then newest; and how many.
pub async fn threads(conn: &mut PgConnection, notice_id: i64, limit: i64, offset: i64) -> sqlx::Result<(Vec<ThreadSummary>, i64)> {
    let rows = sqlx::query_as!(
        ThreadSummary,
        r#"SELECT t.student_id, s.student_no, s.name, k.name AS class_name, t.messages AS "messages!",
                  t.awaiting_answer AS "awaiting_answer!", t.last_at AS "last_at!"
             FROM (SELECT student_id, count(*) AS messages, max(created_at) AS last_at,
                          (array_agg(from_student ORDER BY id DESC))[1] AS awaiting_answer
                     FROM notice_replies WHERE notice_id = $1 GROUP BY student_id) t
             JOIN students s ON s.id = t.student_id JOIN school_classes k ON k.id = s.class_id
            ORDER BY t.awaiting_answer DESC, t.last_at DESC, t.student_id LIMIT $2 OFFSET $3"#,
        notice_id,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(r#"SELECT count(DISTINCT student_id) AS "n!" FROM notice_replies WHERE notice_id = $1"#, notice_id)
        .fetch_one(conn)
        .await?;
    Ok((rows, count))
}

/// The openid of the student's active binding (`None`: not bound, or unfollowed).
pub async fn student_openid(conn: &mut PgConnection, student_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT openid FROM student_bindings WHERE student_id = $1 AND active", student_id).fetch_optional(conn).await
}

/// The Official Account openid (app `appid`) of the counselor who sent the notice, when their
/// account signed in through WeChat or they bound one (`None`: an admin's notice, or no WeChat
/// account known).
pub async fn counselor_openid(conn: &mut PgConnection, notice_id: i64, appid: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT w.openid FROM notices n JOIN counselors c ON c.id = n.counselor_id JOIN wechat_identities w ON w.user_id IN (c.wechat_user_id, c.user_id)
          WHERE n.id = $1 AND w.appid = $2 ORDER BY (w.user_id = c.wechat_user_id) IS TRUE DESC LIMIT 1",
        notice_id,
        appid
    )
    .fetch_optional(conn)
    .await
}
