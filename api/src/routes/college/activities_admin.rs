//! Seed 002's admin JSON routes for activities: `POST|GET /admin/activities/`,
//! `GET|PATCH /admin/activities/{id}/` (the checks are `crate::college_admin::activities`'s).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::activities::activity::{self, Activity, ActivityFilter};
use yizhan_common::college::activities::form::FormField;
use yizhan_common::time::serialize_local;

use super::activities::ActivitySummary;
use super::page::DrfPage;
use crate::college_admin::activities::{self as shared, ActivityBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope, FormFieldDoc};
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

/// An activity as the admin sees it: everything, with the form.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminActivityView {
    #[serde(flatten)]
    summary: ActivitySummary,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    #[schema(value_type = Vec<FormFieldDoc>)]
    form: Vec<FormField>,
    #[serde(serialize_with = "serialize_local")]
    updated_at: DateTime<Utc>,
    /// Students see it too (seed 004's 讲座报名).
    open_to_students: bool,
}

impl AdminActivityView {
    fn new(a: Activity, now: DateTime<Utc>) -> Self {
        Self { summary: ActivitySummary::new(&a, now), created_at: a.created_at, form: a.form.0, updated_at: a.updated_at, open_to_students: a.open_to_students }
    }
}

#[utoipa::path(post, path = "/admin/activities/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = ActivityBody,
    responses((status = 201, description = "The activity", body = AdminActivityView)))]
/// `POST /admin/activities/` → 201 the activity.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<ActivityBody>) -> ApiResult<(StatusCode, Json<AdminActivityView>)> {
    let a = shared::create_activity(&state, b).await?;
    Ok((StatusCode::CREATED, Json(AdminActivityView::new(a, state.now()))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of the title.
    search: Option<String>,
}

#[utoipa::path(get, path = "/admin/activities/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(ListQuery, DrfPageQuery),
    responses((status = 200, description = "One page of activities, the latest start first", body = DrfPage<AdminActivityView>)))]
/// `GET /admin/activities/?search=`: the latest start first, 20 per page.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<ListQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<AdminActivityView>>> {
    let mut conn = state.db.acquire().await?;
    let filter = ActivityFilter { enrolled_by: None, search: q.search.as_deref(), students_only: false };
    let (rows, total) = activity::list(&mut conn, filter, page.limit(), page.offset()).await?;
    let now = state.now();
    Ok(Json(DrfPage::new(rows.into_iter().map(|a| AdminActivityView::new(a, now)).collect(), total, page, &uri)))
}

#[utoipa::path(get, path = "/admin/activities/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "The activity", body = AdminActivityView),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `GET /admin/activities/{id}/`.
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<AdminActivityView>> {
    let mut conn = state.db.acquire().await?;
    let a = activity::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("activity"))?;
    Ok(Json(AdminActivityView::new(a, state.now())))
}

#[utoipa::path(patch, path = "/admin/activities/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")), request_body = ActivityBody,
    responses((status = 200, description = "The changed activity", body = AdminActivityView),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `PATCH /admin/activities/{id}/`: the fields sent (`form` replaces the whole form).
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<ActivityBody>) -> ApiResult<Json<AdminActivityView>> {
    let a = shared::update_activity(&state, id, b).await?;
    Ok(Json(AdminActivityView::new(a, state.now())))
}
