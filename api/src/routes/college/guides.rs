//! 服务指南 for staff (seed 002 六): the guides by category or title, a guide's file streamed with
//! its type and name, and a guide mailed to oneself (answered once queued: the seed's "success
//! means queued, not sent").

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::guides::{self, CategoryCount, Guide, GuideFilter, MAX_CATEGORY};
use yizhan_common::mail::PlanMailError;
use yizhan_common::time::serialize_local;

use super::page::DrfPage;
use super::BookRole;
use crate::college_admin::guides as guides_shared;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiPath, ApiQuery, Authorized, CampusMembers, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

/// A guide as the list and the admin routes show it; `url` downloads its file.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuideView {
    category: String,
    content_type: String,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    filename: String,
    id: i64,
    size: i64,
    title: String,
    /// The uploader's user id.
    uploader: Option<i64>,
    uploader_name: Option<String>,
    /// Downloads the file.
    #[schema(example = "/guides/7")]
    url: String,
}

impl From<Guide> for GuideView {
    fn from(g: Guide) -> Self {
        Self {
            category: g.category,
            content_type: g.content_type,
            created_at: g.created_at,
            filename: g.filename,
            size: g.size,
            title: g.title,
            uploader: g.uploader_id,
            uploader_name: g.uploader_name,
            url: format!("/guides/{}", g.id),
            id: g.id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuideQuery {
    /// Searches titles.
    search: Option<String>,
    /// Only this category.
    category: Option<String>,
}

/// One page of guides, newest first, for `GET /guides/` and `GET /admin/guides/`.
pub(super) async fn page(state: &AppState, q: &GuideQuery, page: Pagination, uri: &axum::http::Uri) -> ApiResult<DrfPage<GuideView>> {
    let mut errors = FieldErrors::new();
    errors.optional_text("search", q.search.as_deref(), 100);
    errors.optional_text("category", q.category.as_deref(), MAX_CATEGORY);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let filter = GuideFilter { search: q.search.as_deref(), category: q.category.as_deref() };
    let (rows, total) = guides::list(&mut conn, filter, page.limit(), page.offset()).await?;
    Ok(DrfPage::new(rows.into_iter().map(GuideView::from).collect(), total, page, uri))
}

#[utoipa::path(get, path = "/guides/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(GuideQuery, DrfPageQuery),
    responses((status = 200, description = "One page of guides, newest first", body = DrfPage<GuideView>)))]
/// `GET /guides/?search=&category=`: 20 per page, newest first.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<CampusMembers>,
    ApiQuery(q): ApiQuery<GuideQuery>,
    pagination: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<GuideView>>> {
    Ok(Json(page(&state, &q, pagination, &uri).await?))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = GuideCategoryView)]
pub struct CategoryView {
    count: i64,
    name: String,
}

#[utoipa::path(get, path = "/guides/categories/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])),
    responses((status = 200, description = "The categories in use, with their number of guides", body = Vec<CategoryView>)))]
/// `GET /guides/categories/`: the categories in use, by name, with their number of guides.
pub async fn categories(State(state): State<AppState>, _: Authorized<CampusMembers>) -> ApiResult<Json<Vec<CategoryView>>> {
    let mut conn = state.db.acquire().await?;
    let rows = guides::categories(&mut conn).await?;
    Ok(Json(rows.into_iter().map(|CategoryCount { name, count }| CategoryView { count, name }).collect()))
}

#[utoipa::path(get, path = "/guides/{id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])),
    params(("id" = i64, Path, description = "The guide's id")),
    responses((status = 200, description = "The file, as an attachment under its uploaded name", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such guide", body = ErrorEnvelope)))]
/// `GET /guides/{id}` (and `/guides/{id}/`): the file, streamed through the API (also on S3, so the
/// name and type are ours), as an attachment under the name it was uploaded with.
pub async fn download(State(state): State<AppState>, _: Authorized<CampusMembers>, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    guides_shared::download(&state, id).await
}

/// `202` answer of `/guides/{id}/email`: the e-mail is queued (not yet sent) to `email`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedView {
    email: String,
    #[schema(value_type = String, example = "queued")]
    status: &'static str,
}

#[utoipa::path(method(get, post), path = "/guides/{id}/email/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The guide's id")),
    responses((status = 202, description = "The e-mail is queued (not yet sent)", body = QueuedView, example = json!({"email": "li@example.edu", "status": "queued"})),
        (status = 404, description = "No such guide", body = ErrorEnvelope),
        (status = 422, description = "`no_email`: no usable address on the contact card", body = ErrorEnvelope)))]
/// `GET|POST /guides/{id}/email`: plans one e-mail with the file attached to my address (the
/// contact card's e-mail) and answers 202 at once; 422 `no_email` without a usable address.
pub async fn email(State(state): State<AppState>, auth: Authorized<BookRole>, ApiPath(id): ApiPath<i64>) -> ApiResult<(StatusCode, Json<QueuedView>)> {
    let guide = guides_shared::find(&state, id).await?;
    let user = auth.user();
    let Some(to) = user.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
        return Err(no_email("you have no e-mail address: add one to your contact card (PATCH /current-user/meta/)"));
    };
    let mut tx = state.db.begin().await?;
    let planned = match guides::plan_mail(&mut tx, &guide, user.id, to, state.now()).await {
        Ok(planned) => planned,
        Err(PlanMailError::InvalidRecipient(_)) => return Err(no_email("your e-mail address cannot be mailed: correct it on your contact card")),
        Err(PlanMailError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let mut jobs = Enqueued::default();
    jobs.add(planned.outbox_id);
    jobs.commit(tx, &state).await?;
    tracing::info!(guide.id = guide.id, mail.id = planned.send_id, "guide e-mail queued");
    Ok((StatusCode::ACCEPTED, Json(QueuedView { email: to.to_owned(), status: "queued" })))
}

fn no_email(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_email", message)
}
