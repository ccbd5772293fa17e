//! Files in object storage: `POST /api/files` stores the request body (the file itself, with its
//! `Content-Type`; the type we keep is sniffed from its first bytes: JPEG, PNG, GIF, WebP or PDF)
//! and `GET /api/files/{id}` hands it back, streamed through the API or, on S3, as a redirect to a
//! short-lived presigned URL. Public files (stored avatars) are served to anyone; the others to
//! their owner and to staff and admins only (404 to anyone else: an id reveals nothing).

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::storage::files::StoredFile;
use yizhan_common::storage::{Accept, StorageError};
use yizhan_common::users::Role;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_FILES;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The store counts the bytes itself (STORAGE_MAX_BYTES), while they stream in.
        .route("/api/files", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/api/files/{id}", get(download))
}

/// `201` answer of `POST /api/files`: where the stored file is served, its sniffed type and size.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"contentType": "image/png", "id": "0123456789abcdef0123456789abcdef", "size": 48213, "url": "/api/files/0123456789abcdef0123456789abcdef"}))]
pub struct FileView {
    content_type: String,
    id: String,
    size: i64,
    url: String,
}

#[utoipa::path(post, path = "/api/files", tag = TAG_FILES, security(("token" = []), ("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "The file itself as the body, with its own `Content-Type` (not a form); the type kept is sniffed: JPEG, PNG, GIF, WebP or PDF, at most `STORAGE_MAX_BYTES`"),
    responses((status = 201, description = "Stored", body = FileView),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_media_type`: a form, or a type not taken", body = ErrorEnvelope)))]
/// Stores the request body as a file of the signed-in user.
pub async fn upload(State(state): State<AppState>, auth: AuthUser, headers: HeaderMap, body: Body) -> ApiResult<(StatusCode, Json<FileView>)> {
    let storage = state.storage().await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.starts_with("multipart/") || content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(unsupported("send the file itself as the request body (with its Content-Type), not a form"));
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > storage.max_bytes()) {
        return Err(storage_error(StorageError::TooLarge { limit: storage.max_bytes() }));
    }
    let object = storage.put_stream("uploads", body.into_data_stream(), Accept::Documents, None).await.map_err(storage_error)?;
    let mut conn = state.db.acquire().await?;
    let file = match StoredFile::record(&mut conn, &object, Some(auth.user.id), false).await {
        Ok(file) => file,
        Err(err) => {
            let _ = storage.delete(&object.key).await;
            return Err(err.into());
        }
    };
    let body = FileView { content_type: file.content_type.clone(), id: file.id.clone(), size: file.size, url: file.api_path() };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(get, path = "/api/files/{id}", tag = TAG_FILES,
    security((), ("token" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "32 hex digits")),
    responses((status = 200, description = "The file, streamed, with its type", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 307, description = "On S3: a redirect to a short-lived presigned URL"),
        (status = 401, description = "A private file without a token", body = ErrorEnvelope),
        (status = 404, description = "No such file, or not the caller's (public files are anyone's; the others their owner's, staff's and admins')", body = ErrorEnvelope)))]
/// A stored file.
pub async fn download(State(state): State<AppState>, ApiPath(id): ApiPath<String>, auth: Option<AuthUser>) -> ApiResult<Response> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ApiError::not_found("file"));
    }
    let mut conn = state.db.acquire().await?;
    let file = StoredFile::find(&mut conn, &id).await?.ok_or_else(|| ApiError::not_found("file"))?;
    drop(conn);
    if !file.public {
        let auth = auth.ok_or_else(|| ApiError::unauthorized("not_authenticated", "authentication credentials were not provided"))?;
        let user = &auth.user;
        if file.owner_id != Some(user.id) && !user.has_role(Role::Staff) && !user.has_role(Role::Admin) {
            return Err(ApiError::not_found("file"));
        }
    }
    let storage = state.storage().await?;
    if let Some(url) = storage.presigned_get(&file.key).await.map_err(storage_error)? {
        let location = HeaderValue::try_from(url).map_err(ApiError::internal)?;
        return Ok((StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))])
            .into_response());
    }
    let download = storage.get(&file.key).await.map_err(|err| match err {
        StorageError::NotFound => {
            tracing::error!(file.id = %file.id, "a recorded file is missing from storage");
            ApiError::not_found("file")
        }
        other => storage_error(other),
    })?;
    let cache = if file.public { "public, max-age=86400" } else { "private, no-store" };
    let content_type = HeaderValue::try_from(file.content_type).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_LENGTH, HeaderValue::from(download.size)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline")),
        ],
        Body::from_stream(download.body),
    )
        .into_response())
}

/// A stored object streamed through the API (also on S3, so the name and type are ours) as an
/// attachment under `filename` (a guide, a notice's attachment).
pub(crate) async fn attachment_download(state: &AppState, key: &str, content_type: &str, filename: &str) -> ApiResult<Response> {
    let storage = state.storage().await?;
    let download = storage.get(key).await.map_err(|err| match err {
        StorageError::NotFound => {
            tracing::error!(key = %key, "an attached file is missing from storage");
            ApiError::not_found("file")
        }
        other => storage_error(other),
    })?;
    let content_type = HeaderValue::try_from(content_type).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_LENGTH, HeaderValue::from(download.size)),
            (header::CONTENT_DISPOSITION, crate::disposition::attachment(filename)),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        Body::from_stream(download.body),
    )
        .into_response())
}

fn unsupported(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
}

pub(crate) fn storage_error(err: StorageError) -> ApiError {
    match err {
        StorageError::TooLarge { limit } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the file is larger than {limit} bytes"))
        }
        StorageError::UnknownType => unsupported("only JPEG, PNG, GIF, WebP and PDF files are accepted"),
        StorageError::NotFound => ApiError::not_found("file"),
        StorageError::Body(why) => ApiError::bad_request("body_incomplete", format!("the request body broke off: {why}")),
        StorageError::Backend(err) => {
            tracing::error!(error = %err, "object storage failed");
            ApiError::unavailable("object storage is unavailable; try again shortly")
        }
    }
}
