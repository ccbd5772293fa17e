//! The reply desk's part of the callback: every message a follower sends (text, image, voice,
//! video, location, link) is kept in their conversation, once per MsgId (a redelivery changes
//! nothing), media by their MediaId.

use sqlx::PgConnection;
use yizhan_common::notices::desk::inbox;
use yizhan_common::wechat::callback::Message;

/// Keeps `message` from `openid` for the desk.
pub async fn keep(conn: &mut PgConnection, openid: &str, message: &Message) -> anyhow::Result<()> {
    let (Some(msg_id), Some((kind, body))) = (message.msg_id(), inbox::kept(message)) else { return Ok(()) };
    let msg_id = i64::try_from(msg_id).unwrap_or(i64::MAX);
    if inbox::receive(conn, openid, msg_id, kind, &body).await? {
        tracing::info!(desk.kind = kind.as_str(), "message kept for the reply desk");
    }
    Ok(())
}
