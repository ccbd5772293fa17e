//! `send_desk_answer`: sends one answer of the reply desk (`desk_messages` row) as a
//! customer-service message. The run claims its row before anything else, so a duplicate
//! delivery finds it claimed or sent and never sends twice; an image, voice or video answer (and
//! a video's or music's thumbnail) is first uploaded as temporary material from its stored file,
//! and the media id kept on the row so a retry does not upload again. WeChat's 45015/45047 (the
//! window closed, its count spent) end the answer `failed` with `window_closed`; other failures
//! map through `wechat::outcome::outcome_of`.

use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::mask;
use crate::notices::desk::answers::{self, ClaimedAnswer};
use crate::notices::desk::{DeskKind, DeskStatus};
use crate::storage::FileKind;
use crate::wechat::client::{CustomMessage, MediaType, WechatClient, WechatError};
use crate::wechat::custom_log::FALLBACK_ERRCODES;
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendDeskAnswer {
    pub message_id: i64,
}

#[async_trait::async_trait]
impl Job for SendDeskAnswer {
    const KIND: &'static str = "send_desk_answer";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(60);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

/// The error an answer ends with when WeChat's window has closed.
pub const WINDOW_CLOSED: &str = "window_closed";

impl SendDeskAnswer {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let row = match answers::claim(&mut conn, self.message_id, Self::TIMEOUT).await? {
            Claim::Mine(row) => row,
            Claim::Finished => return Ok(Outcome::Done),
            Claim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(client) = ctx.wechat.as_ref() else {
            answers::unclaim(&mut conn, row.id, DeskStatus::Failed, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        if let Some(until) = ctx.rate_limit("wechat.custom_send").await? {
            answers::unclaim(&mut conn, row.id, DeskStatus::Pending, "rate limited here").await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let openid = mask::openid(&row.openid);
        let result = match self.message(ctx, client, &row).await {
            Ok(message) => client.send_custom_message(&row.openid, &message).await.map_err(anyhow::Error::from),
            Err(err) => Err(err),
        };
        let mut conn = ctx.db.acquire().await?;
        let Err(err) = result else {
            answers::sent(&mut conn, row.id).await?;
            tracing::info!(desk.message = row.id, wechat.openid = %openid, "desk answer sent");
            return Ok(Outcome::Done);
        };
        let Some(wechat) = err.downcast_ref::<WechatError>() else {
            answers::unclaim(&mut conn, row.id, DeskStatus::Pending, &format!("{err:#}")).await?;
            return Ok(Outcome::transient(err));
        };
        if wechat.errcode().is_some_and(|c| FALLBACK_ERRCODES.contains(&c)) {
            answers::unclaim(&mut conn, row.id, DeskStatus::Failed, &format!("{WINDOW_CLOSED}: {wechat}")).await?;
            tracing::info!(desk.message = row.id, wechat.openid = %openid, error = %wechat, "desk answer refused: the window closed");
            return Ok(Outcome::permanent("the customer-service window closed"));
        }
        let outcome = outcome_of(wechat);
        let last = matches!(outcome, Outcome::Permanent { .. })
            || (matches!(outcome, Outcome::Transient { .. } | Outcome::TokenInvalid) && Self::RETRY.exhausted(ctx.job.attempt));
        let status = if last { DeskStatus::Failed } else { DeskStatus::Pending };
        answers::unclaim(&mut conn, row.id, status, &wechat.to_string()).await?;
        tracing::warn!(desk.message = row.id, wechat.openid = %openid, error = %wechat, "desk answer not sent");
        Ok(outcome)
    }

    /// The customer-service message, its media uploaded first when not uploaded before.
    async fn message(&self, ctx: &JobContext, client: &WechatClient, row: &ClaimedAnswer) -> anyhow::Result<CustomMessage> {
        let s = |k: &str| row.body[k].as_str().unwrap_or_default().to_owned();
        let media = |kind: MediaType| self.media(ctx, client, row, kind, false);
        Ok(match row.kind {
            DeskKind::Text => CustomMessage::Text { content: s("content") },
            DeskKind::Image => CustomMessage::Image { media_id: media(MediaType::Image).await? },
            DeskKind::Voice => CustomMessage::Voice { media_id: media(MediaType::Voice).await? },
            DeskKind::Video => {
                let media_id = media(MediaType::Video).await?;
                let thumb_media_id = if row.thumb_file_id.is_some() { self.media(ctx, client, row, MediaType::Thumb, true).await? } else { String::new() };
                CustomMessage::Video { media_id, thumb_media_id, title: s("title"), description: s("description") }
            }
            DeskKind::Music => CustomMessage::Music {
                title: s("title"),
                description: s("description"),
                music_url: s("musicUrl"),
                hq_music_url: s("hqMusicUrl"),
                thumb_media_id: self.media(ctx, client, row, MediaType::Thumb, true).await?,
            },
            DeskKind::News => CustomMessage::News { title: s("title"), description: s("description"), url: s("url"), pic_url: s("picUrl") },
            DeskKind::Location | DeskKind::Link => anyhow::bail!(WechatError::Invalid(format!("{} is not an answer", row.kind))),
        })
    }

    /// The media id of the answer's file (`thumb`: its thumbnail), uploading it now unless kept.
    async fn media(&self, ctx: &JobContext, client: &WechatClient, row: &ClaimedAnswer, kind: MediaType, thumb: bool) -> anyhow::Result<String> {
        let (kept, file) = if thumb { (&row.thumb_media_id, &row.thumb_file_id) } else { (&row.media_id, &row.file_id) };
        if let Some(id) = kept {
            return Ok(id.clone());
        }
        let file = file.as_deref().ok_or_else(|| WechatError::Invalid("the answer has no file".into()))?;
        let storage = ctx.storage.as_ref().ok_or_else(|| WechatError::Invalid("object storage is not configured".into()))?;
        let mut conn = ctx.db.acquire().await?;
        let (key, content_type) = answers::file_key(&mut conn, file).await?.ok_or_else(|| WechatError::Invalid("the answer's file is gone".into()))?;
        drop(conn);
        let bytes = storage.read(&key).await.context("reading the answer's file")?;
        let name = format!("answer.{}", FileKind::from_mime(&content_type).map_or("bin", FileKind::extension));
        let uploaded = client.upload_temp_media(kind, &name, &bytes).await?;
        let mut conn = ctx.db.acquire().await?;
        answers::keep_media(&mut conn, row.id, thumb, &uploaded.media_id).await?;
        Ok(uploaded.media_id)
    }
}
