//! The desk's conversations: a follower's messages kept as they arrive (once per MsgId), the
//! conversations staff see (a counselor those of the students of their classes, admins all),
//! newest first, with what is unread and until when WeChat's window is open.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgConnection;

use super::{DeskKind, DeskStatus, WINDOW};
use crate::notices::Scope;
use crate::wechat::callback::Message;

/// What of a follower's message is kept: its kind and body (media by MediaId), `None` for kinds
/// the desk does not show.
pub fn kept(message: &Message) -> Option<(DeskKind, Value)> {
    Some(match message {
        Message::Text { content, .. } => (DeskKind::Text, json!({"content": content})),
        Message::Image { pic_url, media_id, .. } => (DeskKind::Image, json!({"mediaId": media_id, "picUrl": pic_url})),
        Message::Voice { media_id, format, recognition, .. } => {
            (DeskKind::Voice, json!({"mediaId": media_id, "format": format, "recognition": recognition}))
        }
        Message::Video { media_id, thumb_media_id, short, .. } => {
            (DeskKind::Video, json!({"mediaId": media_id, "thumbMediaId": thumb_media_id, "short": short}))
        }
        Message::Location { latitude, longitude, label, .. } => {
            (DeskKind::Location, json!({"latitude": latitude, "longitude": longitude, "label": label}))
        }
        Message::Link { title, description, url, .. } => (DeskKind::Link, json!({"title": title, "description": description, "url": url})),
        Message::Unknown { .. } => return None,
    })
}

/// Keeps a follower's message in their conversation; `false` when that MsgId was kept before.
pub async fn receive(conn: &mut PgConnection, openid: &str, msg_id: i64, kind: DeskKind, body: &Value) -> sqlx::Result<bool> {
    let conversation = sqlx::query_scalar!(
        "INSERT INTO desk_conversations (openid) VALUES ($1)
         ON CONFLICT (openid) DO UPDATE SET openid = EXCLUDED.openid RETURNING id",
        openid
    )
    .fetch_one(&mut *conn)
    .await?;
    let kept = sqlx::query_scalar!(
        "INSERT INTO desk_messages (conversation_id, inbound, msg_id, kind, body, status) VALUES ($1, true, $2, $3, $4, 'received')
         ON CONFLICT (conversation_id, msg_id) DO NOTHING RETURNING id",
        conversation,
        msg_id,
        kind.as_str(),
        body
    )
    .fetch_optional(&mut *conn)
    .await?;
    if kept.is_some() {
        sqlx::query!("UPDATE desk_conversations SET last_at = now() WHERE id = $1", conversation).execute(conn).await?;
    }
    Ok(kept.is_some())
}

/// A conversation as staff list it.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: i64,
    pub openid: String,
    pub student_id: Option<i64>,
    pub student_no: Option<String>,
    pub name: Option<String>,
    pub class_name: Option<String>,
    pub last_at: DateTime<Utc>,
    pub unread: i64,
    /// The follower's last interaction (`wechat_interactions`); the window is open until it + 48 h.
    pub last_interaction: Option<DateTime<Utc>>,
    pub last_kind: Option<DeskKind>,
    pub last_body: Option<Value>,
    pub last_inbound: Option<bool>,
}

impl Conversation {
    /// When WeChat's window closes (closed already when in the past; `None`: never opened).
    pub fn window_open_until(&self) -> Option<DateTime<Utc>> {
        self.last_interaction.map(|at| at + WINDOW)
    }
}

/// The conversations `scope` sees, newest first, and how many; `unread_total` with them.
pub async fn list(conn: &mut PgConnection, scope: Scope, limit: i64, offset: i64) -> sqlx::Result<(Vec<Conversation>, i64, i64)> {
    let counselor = scope.counselor_filter();
    let rows = sqlx::query_as!(
        Conversation,
        r#"SELECT c.id, c.openid, s.id AS "student_id?", s.student_no AS "student_no?", s.name AS "name?", k.name AS "class_name?", c.last_at,
                  (SELECT count(*) FROM desk_messages m WHERE m.conversation_id = c.id AND m.inbound AND m.id > c.read_up_to) AS "unread!",
                  i.last_at AS "last_interaction?",
                  l.kind AS "last_kind?: DeskKind", l.body AS "last_body?", l.inbound AS "last_inbound?"
             FROM desk_conversations c
             LEFT JOIN student_bindings b ON b.openid = c.openid
             LEFT JOIN students s ON s.id = b.student_id
             LEFT JOIN school_classes k ON k.id = s.class_id
             LEFT JOIN wechat_interactions i ON i.openid = c.openid
             LEFT JOIN LATERAL (SELECT kind, body, inbound FROM desk_messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) l ON true
            WHERE $1::bigint IS NULL OR k.counselor_id = $1
            ORDER BY c.last_at DESC, c.id DESC LIMIT $2 OFFSET $3"#,
        counselor,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let totals = sqlx::query!(
        r#"SELECT count(*) AS "count!",
                  coalesce(sum((SELECT count(*) FROM desk_messages m WHERE m.conversation_id = c.id AND m.inbound AND m.id > c.read_up_to)), 0)::bigint AS "unread!"
             FROM desk_conversations c
             LEFT JOIN student_bindings b ON b.openid = c.openid
             LEFT JOIN students s ON s.id = b.student_id
             LEFT JOIN school_classes k ON k.id = s.class_id
            WHERE $1::bigint IS NULL OR k.counselor_id = $1"#,
        counselor
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, totals.count, totals.unread))
}

/// Conversation `id` if `scope` sees it.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Conversation>> {
    sqlx::query_as!(
        Conversation,
        r#"SELECT c.id, c.openid, s.id AS "student_id?", s.student_no AS "student_no?", s.name AS "name?", k.name AS "class_name?", c.last_at,
                  (SELECT count(*) FROM desk_messages m WHERE m.conversation_id = c.id AND m.inbound AND m.id > c.read_up_to) AS "unread!",
                  i.last_at AS "last_interaction?",
                  NULL::text AS "last_kind?: DeskKind", NULL::jsonb AS "last_body?", NULL::bool AS "last_inbound?"
             FROM desk_conversations c
             LEFT JOIN student_bindings b ON b.openid = c.openid
             LEFT JOIN students s ON s.id = b.student_id
             LEFT JOIN school_classes k ON k.id = s.class_id
             LEFT JOIN wechat_interactions i ON i.openid = c.openid
            WHERE c.id = $1 AND ($2::bigint IS NULL OR k.counselor_id = $2)"#,
        id,
        scope.counselor_filter()
    )
    .fetch_optional(conn)
    .await
}

/// One message of a conversation.
#[derive(Debug, Clone)]
pub struct DeskMessage {
    pub id: i64,
    pub inbound: bool,
    pub kind: DeskKind,
    pub body: Value,
    pub file_id: Option<String>,
    pub thumb_file_id: Option<String>,
    pub author_name: String,
    pub status: DeskStatus,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The messages of conversation `id`, newest first, and how many.
pub async fn messages(conn: &mut PgConnection, id: i64, limit: i64, offset: i64) -> sqlx::Result<(Vec<DeskMessage>, i64)> {
    let rows = sqlx::query_as!(
        DeskMessage,
        r#"SELECT id, inbound, kind AS "kind: DeskKind", body, file_id, thumb_file_id, author_name, status AS "status: DeskStatus", error, created_at, sent_at
             FROM desk_messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"#,
        id,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM desk_messages WHERE conversation_id = $1"#, id).fetch_one(conn).await?;
    Ok((rows, count))
}

/// One message by id.
pub async fn message(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<DeskMessage>> {
    sqlx::query_as!(
        DeskMessage,
        r#"SELECT id, inbound, kind AS "kind: DeskKind", body, file_id, thumb_file_id, author_name, status AS "status: DeskStatus", error, created_at, sent_at
             FROM desk_messages WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Staff read conversation `id` up to its newest message.
pub async fn mark_read(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_conversations c SET read_up_to = greatest(read_up_to, coalesce((SELECT max(m.id) FROM desk_messages m WHERE m.conversation_id = c.id AND m.inbound), 0))
          WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A short line saying what a message is: a text's first 60 characters, else `[图片]`, `[语音]`…
pub fn preview(kind: DeskKind, body: &Value) -> String {
    let s = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    match kind {
        DeskKind::Text => s("content").chars().take(60).collect(),
        DeskKind::Image => "[图片]".into(),
        DeskKind::Voice => match body["recognition"].as_str().filter(|r| !r.is_empty()) {
            Some(r) => format!("[语音] {r}"),
            None => "[语音]".into(),
        },
        DeskKind::Video => "[视频]".into(),
        DeskKind::Location => format!("[位置] {}", s("label")),
        DeskKind::Link => format!("[链接] {}", s("title")),
        DeskKind::Music => format!("[音乐] {}", s("title")),
        DeskKind::News => format!("[图文] {}", s("title")),
    }
}
