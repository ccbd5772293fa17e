//! `GET /school/notices/{id}/attachments/{file_id}`: a notice's attachment, downloaded under its
//! name by the notice's recipients (their bound student) and its author (admins, the counselor
//! who sent it); anyone else 404.

use axum::extract::State;
use axum::response::Response;
use yizhan_common::notices::{attachments, receipts, Scope};

use super::reading::bound_student;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::routes::attachment_download;
use crate::state::AppState;

#[utoipa::path(get, path = "/school/notices/{id}/attachments/{file_id}", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id"), ("file_id" = String, Path, description = "The attached file's id")),
    responses((status = 200, description = "The file, as an attachment under its name", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such attachment on a notice the caller received or sent", body = ErrorEnvelope)))]
/// Downloads a notice's attachment.
pub async fn download(State(state): State<AppState>, auth: AuthUser, ApiPath((id, file_id)): ApiPath<(i64, String)>) -> ApiResult<Response> {
    let mut conn = state.db.acquire().await?;
    let scope = Scope::of(&mut conn, &auth.user).await?;
    let author = receipts::find(&mut conn, scope, id).await?.is_some();
    drop(conn);
    let allowed = author || is_recipient(&state, &auth, id).await?;
    let mut conn = state.db.acquire().await?;
    let file = attachments::of_notice(&mut conn, id).await?.into_iter().find(|a| a.file_id == file_id);
    drop(conn);
    let file = file.filter(|_| allowed).ok_or_else(|| ApiError::not_found("attachment"))?;
    attachment_download(&state, &file.key, &file.content_type, &file.name).await
}

async fn is_recipient(state: &AppState, auth: &AuthUser, id: i64) -> ApiResult<bool> {
    let Some(student) = bound_student(state, auth).await? else { return Ok(false) };
    let mut conn = state.db.acquire().await?;
    Ok(receipts::is_recipient(&mut conn, id, student).await?)
}
