//! Staff's answers on the desk: checked (media files of the caller's that fit WeChat's rules for
//! temporary material), written as a `pending` row with its `send_desk_answer` job in the same
//! transaction, then claimed by the job (`pending → sending`) before it uploads and sends, so a
//! job delivered twice sends once.

use std::time::Duration;

use serde_json::Value;
use sqlx::PgConnection;

use super::{DeskKind, DeskStatus};
use crate::claim::{Claim, ClaimTable};
use crate::jobs::kinds::SendDeskAnswer;
use crate::outbox::Enqueue;
use crate::wechat::client::MediaType;

/// An answer to write.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub kind: DeskKind,
    /// The fields the message carries (`content`; `title`, `description`, `musicUrl`, `hqMusicUrl`, `url`, `picUrl`).
    pub body: Value,
    /// The file sent as image, voice or video.
    pub file_id: Option<String>,
    /// The thumbnail of a video or music.
    pub thumb_file_id: Option<String>,
}

/// Whether stored file `file_id` is `owner`'s and fits `media` (type and size): `Err` says why not.
pub async fn file_fits(conn: &mut PgConnection, owner: i64, file_id: &str, media: MediaType) -> sqlx::Result<Result<(), String>> {
    let file = sqlx::query!("SELECT content_type, size FROM stored_files WHERE id = $1 AND owner_id = $2", file_id, owner)
        .fetch_optional(conn)
        .await?;
    Ok(match file {
        None => Err("is not a file you uploaded (POST /api/files)".into()),
        Some(f) if !media.content_types().contains(&f.content_type.as_str()) || f.size > media.max_bytes() as i64 => Err(format!("does not fit: {}", media.rule())),
        Some(_) => Ok(()),
    })
}

/// Writes the answer in conversation `conversation_id` and its job → (the message id, its outbox row).
pub async fn plan(conn: &mut PgConnection, conversation_id: i64, user_id: i64, author_name: &str, answer: &NewAnswer) -> sqlx::Result<(i64, Option<i64>)> {
    let id = sqlx::query_scalar!(
        "INSERT INTO desk_messages (conversation_id, inbound, kind, body, file_id, thumb_file_id, user_id, author_name, status)
         VALUES ($1, false, $2, $3, $4, $5, $6, $7, 'pending') RETURNING id",
        conversation_id,
        answer.kind.as_str(),
        answer.body,
        answer.file_id,
        answer.thumb_file_id,
        user_id,
        author_name
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!("UPDATE desk_conversations SET last_at = now() WHERE id = $1", conversation_id).execute(&mut *conn).await?;
    let outbox = SendDeskAnswer { message_id: id }.enqueue_keyed(conn, format!("desk_answer:{id}")).await?;
    Ok((id, outbox))
}

/// A claimed answer: what to send, to whom, and the media uploaded before (if any).
#[derive(Debug, Clone)]
pub struct ClaimedAnswer {
    pub id: i64,
    pub openid: String,
    pub kind: DeskKind,
    pub body: Value,
    pub file_id: Option<String>,
    pub thumb_file_id: Option<String>,
    pub media_id: Option<String>,
    pub thumb_media_id: Option<String>,
}

/// Takes answer `id` for this run (or one whose claim is older than `timeout`: its run died).
pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<Claim<ClaimedAnswer>> {
    let claimed = sqlx::query_as!(
        ClaimedAnswer,
        r#"UPDATE desk_messages m SET status = 'sending', claimed_at = clock_timestamp()
             FROM desk_conversations c
            WHERE m.id = $1 AND c.id = m.conversation_id AND NOT m.inbound
              AND (m.status = 'pending' OR (m.status = 'sending' AND m.claimed_at < now() - make_interval(secs => $2)))
        RETURNING m.id, c.openid, m.kind AS "kind: DeskKind", m.body, m.file_id, m.thumb_file_id, m.media_id, m.thumb_media_id"#,
        id,
        timeout.as_secs_f64()
    )
    .fetch_optional(&mut *conn)
    .await?;
    match claimed {
        Some(row) => Ok(Claim::Mine(row)),
        None => crate::claim::not_claimed(conn, ClaimTable::DeskMessages, id, timeout).await,
    }
}

/// Keeps the temporary material uploaded for answer `id` (`thumb`: its thumbnail's).
pub async fn keep_media(conn: &mut PgConnection, id: i64, thumb: bool, media_id: &str) -> sqlx::Result<()> {
    if thumb {
        sqlx::query!("UPDATE desk_messages SET thumb_media_id = $2 WHERE id = $1", id, media_id).execute(conn).await?;
    } else {
        sqlx::query!("UPDATE desk_messages SET media_id = $2 WHERE id = $1", id, media_id).execute(conn).await?;
    }
    Ok(())
}

pub async fn sent(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_messages SET status = 'sent', attempts = attempts + 1, claimed_at = NULL, error = NULL, sent_at = now() WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Back to `pending` (a failure that may pass) or `failed`, with the error.
pub async fn unclaim(conn: &mut PgConnection, id: i64, status: DeskStatus, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE desk_messages SET status = $2, attempts = attempts + 1, claimed_at = NULL, error = left($3, 500) WHERE id = $1",
        id,
        status.as_str(),
        error
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored file `id`: its storage key and type.
pub async fn file_key(conn: &mut PgConnection, id: &str) -> sqlx::Result<Option<(String, String)>> {
    Ok(sqlx::query!("SELECT key, content_type FROM stored_files WHERE id = $1", id).fetch_optional(conn).await?.map(|f| (f.key, f.content_type)))
}
