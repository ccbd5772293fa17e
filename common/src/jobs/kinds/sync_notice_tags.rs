//! `sync_notice_tags`: brings the Official Account's tags in line with classes and groups
//! (`notices::tags`): renames the tags whose class or group was renamed (`tags/update`; 45157 when
//! WeChat has the name: done already if it is this tag's, else left with a warning; 45159, the tag
//! gone: created again under the new name), creates the tags WeChat lacks (a name WeChat already
//! has, 45157, is looked up and adopted, so a lost answer creates nothing twice), then tags and
//! untags the difference in batches of at most 50, each call under the `wechat.tags` rate limit
//! and recorded as it lands.
//! Idempotent: a run after an interruption does only what is left. One run handles up to
//! [`CHANGES_PER_RUN`] changes and enqueues the next run when there were more.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::notices::tags;
use crate::wechat::client::{WechatError, MAX_TAGGING};
use crate::wechat::outcome::outcome_of;

/// Tag changes one run works through.
pub const CHANGES_PER_RUN: i64 = 5_000;

/// WeChat: a tag of that name exists already.
const TAG_NAME_TAKEN: i64 = 45157;
/// WeChat: no such tag (deleted on WeChat's side).
const NO_SUCH_TAG: i64 = 45159;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncNoticeTags {}

#[async_trait::async_trait]
impl Job for SyncNoticeTags {
    const KIND: &'static str = "sync_notice_tags";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(300);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.sync(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SyncNoticeTags {
    async fn sync(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let Some(client) = ctx.wechat.as_ref() else {
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        let mut conn = ctx.db.acquire().await?;
        tags::ensure_rows(&mut conn).await?;
        let mut skipped = 0;
        for tag in tags::renames(&mut conn).await? {
            if let Some(until) = ctx.rate_limit("wechat.tags").await? {
                return Ok(Outcome::RateLimited { until });
            }
            // The row is held until the rename is recorded: a run at the same time waits, then
            // finds it renamed and calls nothing.
            let mut tx = ctx.db.begin().await?;
            if !tags::take_rename(&mut tx, &tag).await? {
                continue;
            }
            let wechat_tag = u64::try_from(tag.wechat_tag_id).unwrap_or_default();
            match client.update_tag(wechat_tag, &tag.name).await {
                Ok(()) => tags::renamed(&mut tx, tag.id, &tag.name).await?,
                Err(err) if err.errcode() == Some(TAG_NAME_TAKEN) => {
                    if client.list_tags().await?.iter().any(|t| t.id == wechat_tag && t.name == tag.name) {
                        tags::renamed(&mut tx, tag.id, &tag.name).await?;
                    } else {
                        tracing::warn!(notice.tag = tag.id, "another WeChat tag has the new name: the tag keeps its old one");
                        skipped += 1;
                    }
                }
                Err(err) if err.errcode() == Some(NO_SUCH_TAG) => {
                    tags::forget(&mut tx, tag.id).await?;
                    tags::renamed(&mut tx, tag.id, &tag.name).await?;
                }
                Err(err) if matches!(outcome_of(&err), Outcome::Permanent { .. }) => {
                    tracing::warn!(notice.tag = tag.id, error = %err, "tag rename refused; left for the next run");
                    skipped += 1;
                }
                Err(err) => return Ok(failed(&err)),
            }
            tx.commit().await?;
        }
        for tag in tags::uncreated(&mut conn).await? {
            if let Some(until) = ctx.rate_limit("wechat.tags").await? {
                return Ok(Outcome::RateLimited { until });
            }
            let id = match client.create_tag(&tag.name).await {
                Ok(created) => created.id,
                Err(err) if err.errcode() == Some(TAG_NAME_TAKEN) => match client.list_tags().await?.into_iter().find(|t| t.name == tag.name) {
                    Some(found) => found.id,
                    None => return Ok(Outcome::transient(format!("tag {} exists on WeChat but is not listed", tag.name))),
                },
                Err(err) => return Ok(failed(&err)),
            };
            tags::created(&mut conn, tag.id, id).await?;
        }
        let changes = tags::changes(&mut conn, CHANGES_PER_RUN).await?;
        for batch in tags::batches(&changes, MAX_TAGGING) {
            if let Some(until) = ctx.rate_limit("wechat.tags").await? {
                return Ok(Outcome::RateLimited { until });
            }
            let (tag_id, add) = (batch[0].tag_id, batch[0].add);
            let openids: Vec<String> = batch.iter().map(|c| c.openid.clone()).collect();
            let wechat_tag = u64::try_from(batch[0].wechat_tag_id).unwrap_or_default();
            match client.tag_users(wechat_tag, &openids, !add).await {
                Ok(()) => tags::applied(&mut conn, tag_id, &openids, add).await?,
                Err(err) if err.errcode() == Some(NO_SUCH_TAG) => {
                    tracing::warn!(notice.tag = tag_id, "WeChat no longer knows the tag: created again next run");
                    tags::forget(&mut conn, tag_id).await?;
                }
                Err(err) if matches!(outcome_of(&err), Outcome::Permanent { .. }) => {
                    // E.g. an openid that unfollowed in the meantime (40003): the batch waits for the next run.
                    tracing::warn!(notice.tag = tag_id, error = %err, "tag batch refused; left for the next run");
                    skipped += 1;
                }
                Err(err) => return Ok(failed(&err)),
            }
        }
        if i64::try_from(changes.len()).unwrap_or(i64::MAX) >= CHANGES_PER_RUN && skipped == 0 {
            let mut tx = ctx.db.begin().await?;
            let next = tags::request_sync(&mut tx).await?;
            ctx.commit_and_push(tx, &next.into_iter().collect::<Vec<_>>()).await?;
        }
        tracing::info!(changes = changes.len(), skipped, "notice tags synced");
        Ok(Outcome::Done)
    }
}

fn failed(err: &WechatError) -> Outcome {
    tracing::warn!(error = %err, "notice tag sync stopped");
    outcome_of(err)
}
