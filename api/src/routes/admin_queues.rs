//! Operator views of the job queues (admin only): `GET /admin/queues`,
//! `GET /admin/queues/{queue}/dead` and `POST /admin/queues/{queue}/dead/{id}/retry`.
//! The reads and moves are `crate::queue_admin`'s, shared with the console.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{DeadJob, QueueStats};

use crate::error::ApiResult;
use crate::extract::{AdminOnly, Authorized, Page, Pagination};
use crate::openapi::schemas::{DeadJobDoc, ErrorEnvelope, PageQuery, QueueStatsDoc};
use crate::openapi::TAG_QUEUES;
use crate::queue_admin::{self, queue_name};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct QueuesView {
    #[schema(value_type = Vec<QueueStatsDoc>)]
    queues: Vec<QueueStats>,
}

#[utoipa::path(get, path = "/admin/queues", tag = TAG_QUEUES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    responses((status = 200, description = "Every queue's counts", body = QueuesView)))]
/// Per queue: pending, scheduled, running, done and dead counts, and the oldest pending job's age.
pub async fn list(State(state): State<AppState>, _admin: Authorized<AdminOnly>) -> ApiResult<Json<QueuesView>> {
    Ok(Json(QueuesView { queues: queue_admin::stats(&state).await? }))
}

#[utoipa::path(get, path = "/admin/queues/{queue}/dead", tag = TAG_QUEUES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("queue" = String, Path, description = "The queue's name (`wechat`, `email`, …)"), PageQuery),
    responses((status = 200, description = "One page of dead jobs", body = Page<DeadJobDoc>),
        (status = 404, description = "No such queue", body = ErrorEnvelope)))]
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

#[derive(Serialize, ToSchema)]
pub struct RetriedView {
    id: String,
    #[schema(schema_with = crate::openapi::schemas::queue_name)]
    queue: QueueName,
    status: &'static str,
}

#[utoipa::path(post, path = "/admin/queues/{queue}/dead/{id}/retry", tag = TAG_QUEUES, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("queue" = String, Path, description = "The queue's name"), ("id" = String, Path, description = "The dead job's id")),
    responses((status = 200, description = "The job is pending again", body = RetriedView,
            example = json!({"id": "9f1c…", "queue": "wechat", "status": "pending"})),
        (status = 404, description = "No such queue or dead job", body = ErrorEnvelope)))]
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
