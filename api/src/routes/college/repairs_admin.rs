//! Seed 002's admin JSON routes for 故障报修: categories, the e-mail routing of each category,
//! every report with filters, and status changes (the reporter is mailed).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::repairs::routing::{self, Recipient};
use yizhan_common::college::repairs::{self, RepairFilter, RepairStatus};

use super::page::DrfPage;
use super::repairs::{CategoryView, RepairView};
use crate::college_admin::repairs as shared;
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    name: String,
}

#[utoipa::path(post, path = "/admin/repairs/categories/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = NewCategory,
    responses((status = 201, description = "The category", body = CategoryView),
        (status = 409, description = "`category_exists`", body = ErrorEnvelope)))]
/// `POST /admin/repairs/categories/ {name}` → 201; 409 `category_exists`.
pub async fn add_category(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewCategory>) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    Ok((StatusCode::CREATED, Json(shared::add_category(&state, &b.name).await?.into())))
}

#[utoipa::path(get, path = "/admin/repairs/categories/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    responses((status = 200, description = "Every category", body = Vec<CategoryView>)))]
/// `GET /admin/repairs/categories/`.
pub async fn categories(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<Vec<CategoryView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::categories(&mut conn).await?.into_iter().map(CategoryView::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RepairRecipientView {
    /// The categories' ids (empty: every category).
    categories: Vec<i64>,
    email: String,
    id: i64,
}

impl From<Recipient> for RepairRecipientView {
    fn from(r: Recipient) -> Self {
        Self { categories: r.categories, email: r.email, id: r.id }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "repairs@example.edu", "categories": [1, 2]}))]
pub struct NewRecipient {
    email: String,
    /// The categories' ids; empty or absent: every category.
    #[serde(default)]
    categories: Vec<i64>,
}

#[utoipa::path(post, path = "/admin/repairs/recipients/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = NewRecipient,
    responses((status = 201, description = "The recipient", body = RepairRecipientView)))]
/// `POST /admin/repairs/recipients/ {email, categories:[ids]}` (empty: every category) → 201.
pub async fn add_recipient(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewRecipient>) -> ApiResult<(StatusCode, Json<RepairRecipientView>)> {
    Ok((StatusCode::CREATED, Json(shared::add_recipient(&state, &b.email, &b.categories).await?.into())))
}

#[utoipa::path(get, path = "/admin/repairs/recipients/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    responses((status = 200, description = "Who is mailed for which categories", body = Vec<RepairRecipientView>)))]
/// `GET /admin/repairs/recipients/`.
pub async fn recipients(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<Vec<RepairRecipientView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::recipients(&mut conn).await?.into_iter().map(RepairRecipientView::from).collect()))
}

#[utoipa::path(delete, path = "/admin/repairs/recipients/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The recipient's id")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such recipient", body = ErrorEnvelope)))]
/// `DELETE /admin/repairs/recipients/{id}/` → 204.
pub async fn remove_recipient(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    shared::remove_recipient(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepairQuery {
    /// `pending`, `in_progress` or `resolved`.
    status: Option<String>,
    /// A category's id.
    category: Option<i64>,
}

#[utoipa::path(get, path = "/admin/repairs/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(RepairQuery, DrfPageQuery),
    responses((status = 200, description = "One page of reports, newest first", body = DrfPage<RepairView>)))]
/// `GET /admin/repairs/?status&category`: every report, newest first, 20 per page.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<RepairQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<RepairView>>> {
    let status = q.status.as_deref().filter(|s| !s.is_empty()).map(shared::parse_status).transpose()?;
    let mut conn = state.db.acquire().await?;
    let filter = RepairFilter { status, category: q.category, ..RepairFilter::default() };
    let (rows, total) = repairs::list(&mut conn, filter, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(RepairView::from).collect(), total, page, &uri)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[schema(schema_with = crate::openapi::schemas::repair_status)]
    status: RepairStatus,
}

#[utoipa::path(patch, path = "/admin/repairs/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The report's id")), request_body = StatusChange,
    responses((status = 200, description = "The report after the change", body = RepairView),
        (status = 404, description = "No such report", body = ErrorEnvelope)))]
/// `PATCH /admin/repairs/{id}/ {status}` → the report; a real change mails its reporter.
pub async fn set_status(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StatusChange>,
) -> ApiResult<Json<RepairView>> {
    Ok(Json(shared::set_status(&state, id, b.status).await?.into()))
}
