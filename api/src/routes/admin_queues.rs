//! Operator views of the job queues (admin only): `GET /admin/queues`,
//! `GET /admin/queues/{queue}/dead` and `POST /admin/queues/{queue}/dead/{id}/retry`.
//! The reads and moves are `crate::queue_admin`'s, shared with the console.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{DeadJob, QueueStats};

use crate::error::ApiResult;
use crate::extract::{AdminOnly, Authorized, Page, Pagination};
use crate::queue_admin::{self, queue_name};
use crate::state::AppState;

#[derive(Serialize)]
pub struct QueuesView {
    queues: Vec<QueueStats>,
}

/// Per queue: pending, scheduled, running, done and dead counts, and the oldest pending job's age.
pub async fn list(State(state): State<AppState>, _admin: Authorized<AdminOnly>) -> ApiResult<Json<QueuesView>> {
    Ok(Json(QueuesView { queues: queue_admin::stats(&state).await? }))
}

/// Dead jobs of one queue, newest first, with their last error.
pub async fn dead(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    Path(name): Path<String>,
    page: Pagination,
) -> ApiResult<Json<Page<DeadJob>>> {
    let (jobs, total) = queue_admin::dead(&state, queue_name(&name)?, page).await?;
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
    let queue = queue_name(&name)?;
    queue_admin::retry(&state, admin.user(), queue, &id).await?;
    Ok(Json(RetriedView { id, queue, status: "pending" }))
}
