//! Operator actions on the job queues, behind both the JSON routes (`/admin/queues…`) and the
//! console's queue pages: the counts, the dead jobs, and putting dead jobs back in line.

use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{DeadJob, QueueError, QueueSettings, QueueStats, RedisQueue};
use yizhan_common::users::User;

use crate::error::{ApiError, ApiResult};
use crate::extract::Pagination;
use crate::state::AppState;

/// Per queue: pending, scheduled, running, done and dead counts, and the oldest pending job's age.
pub async fn stats(state: &AppState) -> ApiResult<Vec<QueueStats>> {
    store(state).await?.stats_all().await.map_err(unavailable)
}

/// One page of a queue's dead jobs, newest first, and how many are dead in all.
pub async fn dead(state: &AppState, queue: QueueName, page: Pagination) -> ApiResult<(Vec<DeadJob>, u64)> {
    let offset = u64::try_from(page.offset()).unwrap_or(0);
    store(state).await?.list_dead(queue, offset, u64::from(page.page_size)).await.map_err(unavailable)
}

/// Puts one dead job back in line with fresh attempts; 404 when it is not dead (any more).
pub async fn retry(state: &AppState, by: &User, queue: QueueName, id: &str) -> ApiResult<()> {
    if !store(state).await?.retry_dead(queue, id).await.map_err(unavailable)? {
        return Err(ApiError::not_found("dead job"));
    }
    tracing::info!(queue.name = %queue, job.id = %id, user.id = by.id, "dead job retried");
    Ok(())
}

/// Puts every job dead now back in line; returns how many.
pub async fn retry_all(state: &AppState, by: &User, queue: QueueName) -> ApiResult<u64> {
    let moved = store(state).await?.retry_all_dead(queue).await.map_err(unavailable)?;
    tracing::info!(queue.name = %queue, jobs = moved, user.id = by.id, "all dead jobs retried");
    Ok(moved)
}

/// A queue named in a path: an unknown name is a 404.
pub fn queue_name(raw: &str) -> ApiResult<QueueName> {
    raw.parse().map_err(|_| ApiError::not_found("queue"))
}

async fn store(state: &AppState) -> ApiResult<RedisQueue> {
    let conn = state.redis.get().await.map_err(|err| {
        tracing::warn!(error = %err, "redis unreachable");
        ApiError::unavailable("the queue store is unavailable")
    })?;
    // These views read and move jobs only; the push settings do not apply.
    Ok(RedisQueue::new(conn, state.config.core.redis_prefix.clone(), QueueSettings::default()))
}

fn unavailable(err: QueueError) -> ApiError {
    tracing::warn!(error = %err, "queue store error");
    ApiError::unavailable("the queue store is unavailable")
}
