//! The topic board (话题讨论, seed 004): a text message `#话题 内容` (or `#话题#内容`, with `#` or
//! `＃`) sent to the Official Account posts 内容 under 话题. Posts are read newest first; a
//! counselor or an admin hides one. A follower posts at most [`POSTS_PER_HOUR`] an hour, and a
//! message delivered twice posts once (its `MsgId` is unique per account).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub const MAX_TOPIC_CHARS: usize = 20;
pub const MAX_CONTENT_CHARS: usize = 600;
pub const POSTS_PER_HOUR: i64 = 20;

/// What a text message is, as far as the board goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicMessage<'a> {
    /// A post: the topic and what is said.
    Post { topic: &'a str, content: &'a str },
    /// Starts with `#` but is not a post; the answer says how to write one.
    Malformed(&'static str),
}

pub const HOW_TO_POST: &str = "发言格式：#话题 内容（话题不超过20个字，内容不超过600个字）";

/// The post in a text message; `None` when it does not start with `#`.
pub fn parse(text: &str) -> Option<TopicMessage<'_>> {
    let rest = text.trim().strip_prefix(['#', '＃'])?;
    let end = rest.find(|c: char| c.is_whitespace() || c == '#' || c == '＃').unwrap_or(rest.len());
    let (topic, after) = rest.split_at(end);
    let content = after.trim_start_matches(|c: char| c == '#' || c == '＃').trim();
    let topic_chars = topic.chars().count();
    if topic_chars == 0 || topic_chars > MAX_TOPIC_CHARS || content.is_empty() || content.chars().count() > MAX_CONTENT_CHARS {
        return Some(TopicMessage::Malformed(HOW_TO_POST));
    }
    Some(TopicMessage::Post { topic, content })
}

/// What posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// Posted now, or this message was posted before (a redelivery).
    Yes,
    /// The follower posted [`POSTS_PER_HOUR`] in the last hour.
    TooMany,
}

/// Posts one message (idempotent by `(account, msg_id)`).
pub async fn post(conn: &mut PgConnection, account: &str, openid: &str, msg_id: i64, topic: &str, content: &str) -> sqlx::Result<Posted> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO topic_posts (topic, account, openid, msg_id, content)
         SELECT $1, $2, $3, $4, $5
          WHERE (SELECT count(*) FROM topic_posts WHERE account = $2 AND openid = $3 AND created_at > now() - interval '1 hour') < $6
         ON CONFLICT (account, msg_id) DO NOTHING
         RETURNING id",
        topic,
        account,
        openid,
        msg_id,
        content,
        POSTS_PER_HOUR
    )
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_some() {
        return Ok(Posted::Yes);
    }
    let before = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM topic_posts WHERE account = $1 AND msg_id = $2) AS "before!""#,
        account,
        msg_id
    )
    .fetch_one(conn)
    .await?;
    Ok(if before { Posted::Yes } else { Posted::TooMany })
}

/// A topic with posts that are not hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSummary {
    pub topic: String,
    pub posts: i64,
    pub last_post_at: DateTime<Utc>,
}

/// The topics, latest activity first, and how many there are.
pub async fn topics(conn: &mut PgConnection, limit: i64, offset: i64) -> sqlx::Result<(Vec<TopicSummary>, i64)> {
    let rows = sqlx::query_as!(
        TopicSummary,
        r#"SELECT topic, count(*) AS "posts!", max(created_at) AS "last_post_at!"
             FROM topic_posts WHERE hidden_at IS NULL
            GROUP BY topic ORDER BY max(created_at) DESC, topic LIMIT $1 OFFSET $2"#,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(DISTINCT topic) AS "n!" FROM topic_posts WHERE hidden_at IS NULL"#)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// A post as readers see it (no author: followers are not named on the board).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPost {
    pub id: i64,
    pub topic: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// One topic's visible posts, newest first, and how many there are.
pub async fn posts(conn: &mut PgConnection, topic: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<TopicPost>, i64)> {
    let rows = sqlx::query_as!(
        TopicPost,
        "SELECT id, topic, content, created_at FROM topic_posts
          WHERE topic = $1 AND hidden_at IS NULL ORDER BY id DESC LIMIT $2 OFFSET $3",
        topic,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM topic_posts WHERE topic = $1 AND hidden_at IS NULL"#, topic)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// Hides a post (kept for the record); false when there is no such post. Hiding twice is fine.
pub async fn hide(conn: &mut PgConnection, id: i64, by: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE topic_posts SET hidden_at = COALESCE(hidden_at, now()), hidden_by = COALESCE(hidden_by, $2) WHERE id = $1",
        id,
        by
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_read_from_either_form_and_malformed_ones_get_the_format() {
        assert_eq!(parse("#食堂 二楼的面很好吃"), Some(TopicMessage::Post { topic: "食堂", content: "二楼的面很好吃" }));
        assert_eq!(parse(" ＃考研#  谁一起自习 "), Some(TopicMessage::Post { topic: "考研", content: "谁一起自习" }));
        assert_eq!(parse("#食堂"), Some(TopicMessage::Malformed(HOW_TO_POST)), "nothing said");
        assert_eq!(parse("# 内容"), Some(TopicMessage::Malformed(HOW_TO_POST)), "no topic");
        let long = format!("#{} 内容", "话".repeat(MAX_TOPIC_CHARS + 1));
        assert_eq!(parse(&long), Some(TopicMessage::Malformed(HOW_TO_POST)));
        assert_eq!(parse("挂号 #1"), None, "only a leading # makes a post");
    }
}
