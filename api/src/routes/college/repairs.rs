//! 故障报修 for staff (seed 002 五): categories, filing a report (its recipients are mailed), my
//! reports and one report (its reporter or an admin).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::college::repairs::routing::{self, Category};
use yizhan_common::college::repairs::{self, Repair, RepairFilter, RepairStatus};
use yizhan_common::time::serialize_local;
use yizhan_common::users::Role;

use super::page::DrfPage;
use super::BookRole;
use crate::college_admin::repairs::report_error;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

/// A report as seed 002's front end and the admin routes show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RepairView {
    /// The category's id.
    category: i64,
    category_name: String,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    description: String,
    id: i64,
    location: String,
    /// The reporter's user id.
    reporter: i64,
    reporter_name: String,
    #[schema(schema_with = crate::openapi::schemas::repair_status)]
    status: RepairStatus,
    /// The status in Chinese: `待处理`, `处理中`, `已解决`.
    #[schema(value_type = String, example = "待处理")]
    status_label: &'static str,
    #[serde(serialize_with = "serialize_local")]
    updated_at: DateTime<Utc>,
}

impl From<Repair> for RepairView {
    fn from(r: Repair) -> Self {
        Self {
            category: r.category_id,
            category_name: r.category_name,
            created_at: r.created_at,
            description: r.description,
            id: r.id,
            location: r.location,
            reporter: r.reporter_id,
            reporter_name: r.reporter_name,
            status_label: r.status.label(),
            status: r.status,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RepairCategoryView)]
pub struct CategoryView {
    id: i64,
    name: String,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        Self { id: c.id, name: c.name }
    }
}

#[utoipa::path(get, path = "/repairs/categories/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    responses((status = 200, description = "Every category, by name", body = Vec<CategoryView>)))]
/// `GET /repairs/categories/`: every category, by name.
pub async fn categories(State(state): State<AppState>, _: Authorized<BookRole>) -> ApiResult<Json<Vec<CategoryView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::categories(&mut conn).await?.into_iter().map(CategoryView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"location": "行政楼 301", "category": 2, "description": "投影仪无法开机"}))]
pub struct NewReport {
    location: String,
    /// The category's id.
    category: i64,
    description: String,
}

#[utoipa::path(post, path = "/repairs/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), request_body = NewReport,
    responses((status = 201, description = "The report", body = RepairView)))]
/// `POST /repairs/ {location, category, description}` → 201 the report; its category's
/// recipients are mailed (planned in the same transaction).
pub async fn create(State(state): State<AppState>, auth: Authorized<BookRole>, ApiJson(b): ApiJson<NewReport>) -> ApiResult<(StatusCode, Json<RepairView>)> {
    let mut errors = FieldErrors::new();
    errors.text("location", &b.location, 200);
    errors.text("description", &b.description, 2000);
    errors.finish()?;
    let mut tx = state.db.begin().await?;
    let (repair, outbox) = repairs::report(&mut tx, auth.user().id, b.category, b.location.trim(), b.description.trim()).await.map_err(report_error)?;
    let mut jobs = Enqueued::default();
    jobs.add(outbox);
    jobs.commit(tx, &state).await?;
    tracing::info!(repair.id = repair.id, repair.category = repair.category_id, "repair reported");
    Ok((StatusCode::CREATED, Json(repair.into())))
}

#[utoipa::path(get, path = "/repairs/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), params(DrfPageQuery),
    responses((status = 200, description = "One page of my reports, newest first", body = DrfPage<RepairView>)))]
/// `GET /repairs/`: my reports, newest first, 20 per page.
pub async fn mine(State(state): State<AppState>, auth: Authorized<BookRole>, page: Pagination, OriginalUri(uri): OriginalUri) -> ApiResult<Json<DrfPage<RepairView>>> {
    let mut conn = state.db.acquire().await?;
    let filter = RepairFilter { reporter: Some(auth.user().id), ..RepairFilter::default() };
    let (rows, total) = repairs::list(&mut conn, filter, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(RepairView::from).collect(), total, page, &uri)))
}

#[utoipa::path(get, path = "/repairs/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The report's id")),
    responses((status = 200, description = "The report", body = RepairView),
        (status = 404, description = "No such report, or someone else's (to a non-admin)", body = ErrorEnvelope)))]
/// `GET /repairs/{id}/`: one report, to its reporter or an admin (404 to anyone else).
pub async fn show(State(state): State<AppState>, auth: Authorized<BookRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RepairView>> {
    let mut conn = state.db.acquire().await?;
    let repair = repairs::find(&mut conn, id).await?.filter(|r| r.reporter_id == auth.user().id || auth.user().has_role(Role::Admin));
    Ok(Json(repair.ok_or_else(|| ApiError::not_found("repair"))?.into()))
}
