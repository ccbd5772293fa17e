//! Seed 002's admin JSON routes for 故障报修: categories, the e-mail routing of each category,
//! every report with filters, and status changes (the reporter is mailed).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use yizhan_common::college::repairs::routing::{self, AddRecipient, Recipient, MAX_CATEGORIES, MAX_RECIPIENTS};
use yizhan_common::college::repairs::{self, RepairFilter, RepairStatus};

use super::page::DrfPage;
use super::repairs::{report_error, CategoryView, RepairView};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    name: String,
}

/// `POST /admin/repairs/categories/ {name}` → 201; 409 `category_exists`.
pub async fn add_category(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<NewCategory>) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 50);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let added = routing::add_category(&mut conn, b.name.trim()).await?;
    let added = added.ok_or_else(|| ApiError::conflict("category_exists", format!("the name is taken, or there are {MAX_CATEGORIES} categories already")))?;
    Ok((StatusCode::CREATED, Json(added.into())))
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
    let email = b.email.trim();
    let mut errors = FieldErrors::new();
    errors.check(email.is_empty(), "email", "is required");
    errors.optional_email("email", Some(email));
    errors.check(b.categories.len() > 200, "categories", "at most 200 categories");
    errors.finish()?;
    let mut tx = state.db.begin().await?;
    let added = match routing::add_recipient(&mut tx, email, &b.categories).await? {
        AddRecipient::Added(recipient) => recipient,
        AddRecipient::EmailTaken => return Err(ApiError::conflict("recipient_exists", "that address is a recipient already")),
        AddRecipient::UnknownCategory => return Err(ApiError::field("categories", "names a category that does not exist")),
        AddRecipient::Full => return Err(ApiError::conflict("too_many_recipients", format!("at most {MAX_RECIPIENTS} recipients"))),
    };
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// `GET /admin/repairs/recipients/`.
pub async fn recipients(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<Vec<RecipientView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(routing::recipients(&mut conn).await?.into_iter().map(RecipientView::from).collect()))
}

/// `DELETE /admin/repairs/recipients/{id}/` → 204.
pub async fn remove_recipient(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    if routing::remove_recipient(&mut conn, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("recipient"))
    }
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
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<RepairStatus>().map_err(|_| ApiError::field("status", "must be pending, in_progress or resolved"))?),
        None => None,
    };
    let mut conn = state.db.acquire().await?;
    let filter = RepairFilter { reporter: None, status, category: q.category };
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
    let mut tx = state.db.begin().await?;
    let (repair, outbox) = repairs::set_status(&mut tx, id, b.status).await.map_err(report_error)?.ok_or_else(|| ApiError::not_found("repair"))?;
    let mut jobs = Enqueued::default();
    jobs.add(outbox);
    jobs.commit(tx, &state).await?;
    Ok(Json(repair.into()))
}
