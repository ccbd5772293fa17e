//! `store_avatar`: fetches one planned avatar (`avatar_fetches` row) and stores it. The run claims
//! the row before fetching, so a duplicate delivery fetches nothing; once `stored`, a redelivery
//! finds nothing to do. Network errors, timeouts, 5xx/429 and a failing store give the claim back
//! and retry with backoff; a private address, another 4xx, an image too large or not an image end
//! the row `failed` for good.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::avatar::{AvatarClaim, AvatarLog, ClaimedAvatar, FetchError, FetchFailure};
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::storage::files::StoredFile;
use crate::storage::StoredObject;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreAvatar {
    pub fetch_id: i64,
}

#[async_trait::async_trait]
impl Job for StoreAvatar {
    const KIND: &'static str = "store_avatar";
    const QUEUE: QueueName = QueueName::Storage;
    type Context = JobContext;
    /// Longer than the fetch timeout, so a run always records what it saw.
    const TIMEOUT: Duration = Duration::from_secs(60);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl StoreAvatar {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let avatar = match AvatarLog::claim(&mut conn, self.fetch_id, Self::TIMEOUT).await? {
            AvatarClaim::Mine(avatar) => avatar,
            AvatarClaim::Finished => return Ok(Outcome::Done),
            AvatarClaim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let (Some(storage), Some(fetcher)) = (ctx.storage.as_ref(), ctx.avatars.as_ref()) else {
            AvatarLog::fail(&mut conn, &avatar, "object storage is not configured (STORAGE_URL)").await?;
            return Ok(Outcome::permanent("object storage is not configured (STORAGE_URL)"));
        };
        drop(conn);
        let result = fetcher.fetch_into(&avatar.source_url, storage).await;
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(object) => self.stored(ctx, &mut conn, &avatar, object).await,
            Err(err) => self.failed(ctx, &mut conn, &avatar, &err).await,
        }
    }

    async fn stored(&self, ctx: &JobContext, conn: &mut sqlx::PgConnection, avatar: &ClaimedAvatar, object: StoredObject) -> anyhow::Result<Outcome> {
        let storage = ctx.storage.as_ref().expect("checked before fetching");
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let file = StoredFile::record(&mut tx, &object, None, true).await?;
        let url = storage.public_url(&object.key).unwrap_or_else(|| file.api_path());
        if AvatarLog::stored(&mut tx, avatar, &file.id, &url).await? {
            tx.commit().await?;
            tracing::info!(avatar.id = avatar.id, file.id = %file.id, size = object.size, "avatar stored");
        } else {
            drop(tx);
            storage.delete(&object.key).await?; // another run took the claim over: its copy stands
        }
        Ok(Outcome::Done)
    }

    async fn failed(&self, ctx: &JobContext, conn: &mut sqlx::PgConnection, avatar: &ClaimedAvatar, err: &FetchError) -> anyhow::Result<Outcome> {
        let text = err.to_string();
        let failure = err.failure();
        tracing::warn!(avatar.id = avatar.id, failure = ?failure, error = %text, "avatar fetch failed");
        Ok(match failure {
            FetchFailure::Transient if !Self::RETRY.exhausted(ctx.job.attempt) => {
                AvatarLog::release(conn, avatar, &text).await?;
                Outcome::transient(text)
            }
            FetchFailure::Transient | FetchFailure::Permanent => {
                AvatarLog::fail(conn, avatar, &text).await?;
                Outcome::permanent(text)
            }
        })
    }
}
