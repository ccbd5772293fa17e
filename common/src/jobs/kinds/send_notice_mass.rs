//! `send_notice_mass`: one mass send by tag of a large notice (`notice_mass_sends` row). The run
//! claims its row before calling WeChat. A news send first uploads the cover image (the file
//! `NOTICE_MASS_COVER`, or the image the author chose, from object storage) as permanent material
//! (`material/add_material`), then the article (`material/add_news`), keeping each
//! media id so a retry does not upload again; then `mass/sendall` to the tag with `clientmsgid` =
//! `notice-mass-<id>`, which WeChat de-duplicates for 24 hours (45065, already sent, is success and
//! names the earlier send's `msg_id`, recorded). The row's `called_at` is committed before the
//! call: a run after one that died between WeChat's answer and the record repeats the call only
//! under the same `clientmsgid` within that window (WeChat refuses it as 45065), and past it does
//! not call at all (the row fails), so a mass send is never made twice.
//! `MASSSENDJOBFINISH` later records the counts (`notices::mass::finished`).

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::notices::mass::{self, ClaimedMass, MassFormat, MassStatus};
use crate::wechat::client::{MassContent, MassSendResult, NewsArticle, WechatClient, WechatError};
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendNoticeMass {
    pub mass_id: i64,
}

#[async_trait::async_trait]
impl Job for SendNoticeMass {
    const KIND: &'static str = "send_notice_mass";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(120);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SendNoticeMass {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let row = match mass::claim(&mut conn, self.mass_id, Self::TIMEOUT).await? {
            Claim::Mine(row) => row,
            Claim::Finished => return Ok(Outcome::Done),
            Claim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(client) = ctx.wechat.as_ref() else {
            mass::unclaim(&mut conn, row.id, MassStatus::Failed, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        if row.called_at.is_some_and(|at| Utc::now() - at > chrono::Duration::from_std(mass::DEDUP_WINDOW).unwrap_or_default()) {
            let why = "an earlier run may have sent it and WeChat's 24-hour de-duplication has passed: not sent again";
            mass::unclaim(&mut conn, row.id, MassStatus::Failed, why).await?;
            tracing::warn!(notice.mass = row.id, "{why}");
            return Ok(Outcome::permanent(why));
        }
        if let Some(until) = ctx.rate_limit("wechat.mass_send").await? {
            mass::unclaim(&mut conn, row.id, MassStatus::Pending, "rate limited here").await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let result = match content(ctx, client, &row).await {
            Ok(content) => match called(ctx, row.id).await {
                Ok(()) => client.mass_send_to_tag(u64::try_from(row.wechat_tag_id).unwrap_or_default(), &content, &format!("notice-mass-{}", row.id)).await,
                Err(err) => Err(err),
            },
            Err(err) => Err(err),
        };
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(MassSendResult::Sent { msg_id, msg_data_id }) => {
                mass::sent(&mut conn, row.id, Some(msg_id), msg_data_id).await?;
                tracing::info!(notice.mass = row.id, wechat.msg_id = msg_id, "notice mass send accepted");
                Ok(Outcome::Done)
            }
            Ok(MassSendResult::AlreadySent { msg_id }) => {
                mass::sent(&mut conn, row.id, msg_id, None).await?;
                tracing::info!(notice.mass = row.id, wechat.msg_id = msg_id, "notice mass send was accepted before (45065)");
                Ok(Outcome::Done)
            }
            Err(err) => {
                let outcome = outcome_of(&err);
                let last = matches!(outcome, Outcome::Permanent { .. })
                    || (matches!(outcome, Outcome::Transient { .. } | Outcome::TokenInvalid) && Self::RETRY.exhausted(ctx.job.attempt));
                let status = if last { MassStatus::Failed } else { MassStatus::Pending };
                mass::unclaim(&mut conn, row.id, status, &err.to_string()).await?;
                tracing::warn!(notice.mass = row.id, error = %err, "notice mass send not accepted");
                Ok(outcome)
            }
        }
    }
}

/// What the mass send carries: the text, or the news article (cover and article uploaded first,
/// unless an earlier run did).
async fn content(ctx: &JobContext, client: &WechatClient, row: &ClaimedMass) -> Result<MassContent, WechatError> {
    if row.format == MassFormat::Text {
        return Ok(MassContent::Text { content: row.content.clone() });
    }
    if let Some(media_id) = &row.news_media_id {
        return Ok(MassContent::MpNews { media_id: media_id.clone() });
    }
    let article = row.article.clone().unwrap_or_default();
    let text = |k: &str| article[k].as_str().unwrap_or_default().to_owned();
    let thumb = match &row.thumb_media_id {
        Some(t) => t.clone(),
        None => {
            let (name, bytes) = cover(ctx, &article).await?;
            let material = client.add_image_material(&name, &bytes).await?;
            record(ctx, row.id, Some(&material.media_id), None).await?;
            material.media_id
        }
    };
    let news = NewsArticle {
        title: text("title"),
        thumb_media_id: thumb,
        author: String::new(),
        digest: text("digest"),
        content: row.content.clone(),
        content_source_url: text("url"),
    };
    let media_id = client.add_news(std::slice::from_ref(&news)).await?;
    record(ctx, row.id, None, Some(&media_id)).await?;
    Ok(MassContent::MpNews { media_id })
}

/// The cover image's file name and bytes: the author's upload from object storage (`coverKey`),
/// else the configured file (`cover`).
async fn cover(ctx: &JobContext, article: &serde_json::Value) -> Result<(String, Vec<u8>), WechatError> {
    if let Some(key) = article["coverKey"].as_str() {
        let storage = ctx.storage.as_ref().ok_or_else(|| WechatError::Invalid("cover: object storage is not configured".into()))?;
        // A storage failure may pass: the run is retried (`Cache` is transient).
        let bytes = storage.read(key).await.map_err(|e| WechatError::Cache(format!("cover: object {key} cannot be read: {e}")))?;
        return Ok((article["coverName"].as_str().unwrap_or("cover.jpg").to_owned(), bytes.to_vec()));
    }
    let path = article["cover"].as_str().unwrap_or_default();
    let bytes = tokio::fs::read(path).await.map_err(|e| WechatError::Invalid(format!("cover: {path} cannot be read: {e}")))?;
    let name = std::path::Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("cover.jpg").to_owned();
    Ok((name, bytes))
}

async fn record(ctx: &JobContext, id: i64, thumb: Option<&str>, news: Option<&str>) -> Result<(), WechatError> {
    let mut conn = ctx.db.acquire().await.map_err(db_error)?;
    mass::uploaded(&mut conn, id, thumb, news).await.map_err(db_error)
}

/// Commits that the call is about to go out (`notices::mass::calling`).
async fn called(ctx: &JobContext, id: i64) -> Result<(), WechatError> {
    let mut conn = ctx.db.acquire().await.map_err(db_error)?;
    mass::calling(&mut conn, id).await.map_err(db_error)
}

/// A database failure, as a failure that may pass.
fn db_error(e: sqlx::Error) -> WechatError {
    WechatError::Cache(format!("database: {e}"))
}
