//! Seed 002's admin JSON routes for 故障报修: categories, the e-mail routing of each category,
//! every report with filters, and status changes (the reporter is mailed).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use yizhan_common::college::repairs::routing::{self, Recipient};
use yizhan_common::college::repairs::{self, RepairFilter, RepairStatus};

use super::page::DrfPage;
use super::repairs::{CategoryView, RepairView};
use crate::college_admin::repairs as shared;
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    name: String,
}

/// `POST /admin/repairs/categories/ {name}` → 201; 409 `category_exists`.
pub async fn add_category(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewCategory>) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    Ok((StatusCode::CREATED, Json(shared::add_category(&state, &b.name).await?.into())))
}

/// `GET /admin/repairs/categories/`.
pub async fn categories(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<Vec<CategoryView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::categories(&mut conn).await?.into_iter().map(CategoryView::from).collect()))
}

#[derive(Debug, Serialize)]
pub struct RecipientView {
    categories: Vec<i64>,
    email: String,
    id: i64,
}

impl From<Recipient> for RecipientView {
    fn from(r: Recipient) -> Self {
        Self { categories: r.categories, email: r.email, id: r.id }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRecipient {
    email: String,
    #[serde(default)]
    categories: Vec<i64>,
}

/// `POST /admin/repairs/recipients/ {email, categories:[ids]}` (empty: every category) → 201.
pub async fn add_recipient(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewRecipient>) -> ApiResult<(StatusCode, Json<RecipientView>)> {
    Ok((StatusCode::CREATED, Json(shared::add_recipient(&state, &b.email, &b.categories).await?.into())))
}

/// `GET /admin/repairs/recipients/`.
pub async fn recipients(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<Vec<RecipientView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::recipients(&mut conn).await?.into_iter().map(RecipientView::from).collect()))
}

/// `DELETE /admin/repairs/recipients/{id}/` → 204.
pub async fn remove_recipient(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    shared::remove_recipient(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct RepairQuery {
    status: Option<String>,
    category: Option<i64>,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: RepairStatus,
}

/// `PATCH /admin/repairs/{id}/ {status}` → the report; a real change mails its reporter.
pub async fn set_status(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StatusChange>,
) -> ApiResult<Json<RepairView>> {
    Ok(Json(shared::set_status(&state, id, b.status).await?.into()))
}
