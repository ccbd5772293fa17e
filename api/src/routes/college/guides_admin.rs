//! Seed 002's admin JSON routes for 服务指南: upload (a multipart form: `file`, `title`,
//! `category`), list, delete. The checks, the storage and the cleanup of a refused form are
//! `crate::college_admin::guides`'s, shared with the console's guide pages.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, OriginalUri, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use utoipa::ToSchema;

use super::guides::{page, GuideQuery, GuideView};
use super::page::DrfPage;
use crate::college_admin::guides::{self as shared, Upload};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

pub use shared::body_limit;

/// The multipart form of `POST /admin/guides/`.
#[derive(ToSchema)]
#[allow(dead_code)] // Documentation only: the form is read field by field.
pub struct GuideUpload {
    /// The file: PDF, Word, Excel, PowerPoint, text, image or archive, at most `STORAGE_MAX_BYTES`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: String,
    category: String,
}

#[utoipa::path(post, path = "/admin/guides/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    request_body(content = GuideUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "The guide", body = GuideView),
        (status = 415, description = "`unsupported_media_type`: not a multipart form", body = ErrorEnvelope)))]
/// `POST /admin/guides/` (multipart `file`, `title`, `category`) → 201 the guide. 422 names each
/// bad field (a type not taken, a file over `STORAGE_MAX_BYTES`, a missing field) and stores nothing.
pub async fn create(
    State(state): State<AppState>,
    auth: Authorized<AdminOnly>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<GuideView>)> {
    let mut form = form.map_err(|_| {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send a multipart/form-data form with file, title and category")
    })?;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let guide = shared::upload(&state, &mut form, declared, auth.user().id, &mut Upload::default()).await?;
    Ok((StatusCode::CREATED, Json(guide.into())))
}

#[utoipa::path(get, path = "/admin/guides/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(GuideQuery, DrfPageQuery),
    responses((status = 200, description = "One page of guides, newest first", body = DrfPage<GuideView>)))]
/// `GET /admin/guides/?search=&category=`: as `GET /guides/`.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<GuideQuery>,
    pagination: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<GuideView>>> {
    Ok(Json(page(&state, &q, pagination, &uri).await?))
}

#[utoipa::path(delete, path = "/admin/guides/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The guide's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such guide", body = ErrorEnvelope)))]
/// `DELETE /admin/guides/{id}/` → 204: the guide, its file row, then its object (e-mails of it
/// still queued fail: their attachment is gone).
pub async fn remove(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    shared::remove(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
