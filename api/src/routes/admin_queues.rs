//! Operator views of the job queues (admin only): `GET /admin/queues`,
//! `GET /admin/queues/{queue}/dead` and `POST /admin/queues/{queue}/dead/{id}/retry`.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{DeadJob, QueueError, QueueSettings, QueueStats, RedisQueue};

use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, Authorized, Page, Pagination};
use crate::state::AppState;

#[derive(Serialize)]
pub struct QueuesView {
    queues: Vec<QueueStats>,
}

/// Per queue: pending, scheduled, running, done and dead counts, and the oldest pending job's age.
pub async fn list(State(state): State<AppState>, _admin: Authorized<AdminOnly>) -> ApiResult<Json<QueuesView>> {
    let queues = queue(&state).await?.stats_all().await.map_err(unavailable)?;
    Ok(Json(QueuesView { queues }))
}

/// Dead jobs of one queue, newest first, with their last error.
pub async fn dead(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    Path(name): Path<String>,
    page: Pagination,
) -> ApiResult<Json<Page<DeadJob>>> {
    let name = queue_name(&name)?;
    let offset = u64::try_from(page.offset()).unwrap_or(0);
    let (jobs, total) =
        queue(&state).await?.list_dead(name, offset, u64::from(page.page_size)).await.map_err(unavailable)?;
    Ok(Json(Page::new(jobs, i64::try_from(total).unwrap_or(i64::MAX), page)))
}

#[derive(Serialize)]
pub struct RetriedView {
    id: String,
    queue: QueueName,
    status: &'static str,
}

/// Puts a dead job back in line with fresh attempts.
pub async fn retry(
    State(state): State<AppState>,
    admin: Authorized<AdminOnly>,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Json<RetriedView>> {
    let name = queue_name(&name)?;
    if !queue(&state).await?.retry_dead(name, &id).await.map_err(unavailable)? {
        return Err(ApiError::not_found("dead job"));
    }
    tracing::info!(queue.name = %name, job.id = %id, user.id = admin.user().id, "dead job retried");
    Ok(Json(RetriedView { id, queue: name, status: "pending" }))
}

fn queue_name(raw: &str) -> ApiResult<QueueName> {
    raw.parse().map_err(|_| ApiError::not_found("queue"))
}

async fn queue(state: &AppState) -> ApiResult<RedisQueue> {
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
