//! The student's side, for the H5 pages behind web OAuth (the caller is the student their openid
//! is bound to): `GET /school/notices/{id}/page` shows a notice and marks it read (read receipt),
//! `POST /school/notices/{id}/confirm` confirms it (确认), `GET|PUT /school/notice-settings` the
//! categories they follow. Someone who is not a recipient gets 404.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::notices::receipts::{self, Receipt};
use yizhan_common::notices::{bindings, categories, settings, votes, Scope};
use yizhan_common::time::serialize_local_opt;

use super::binding::caller_openid;
use super::content::{attachment_views, AttachmentView, VoteView};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// The student the caller is bound to; 409 `not_bound` otherwise.
pub(super) async fn my_student(state: &AppState, auth: &AuthUser) -> ApiResult<i64> {
    let (_, openid) = caller_openid(state, auth.user.id).await?;
    let mut conn = state.db.acquire().await?;
    let binding = bindings::of_openid(&mut conn, &openid).await?;
    binding.map(|b| b.student_id).ok_or_else(|| ApiError::conflict("not_bound", "bind your student number first (POST /school/binding)"))
}

/// The student the caller is bound to, if any (no Official Account, no openid: none).
pub(super) async fn bound_student(state: &AppState, auth: &AuthUser) -> ApiResult<Option<i64>> {
    match my_student(state, auth).await {
        Ok(id) => Ok(Some(id)),
        Err(e) if matches!(e.code(), "not_bound" | "no_openid" | "unavailable") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A notice as its recipient sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticePage {
    id: i64,
    title: String,
    body: String,
    category: String,
    urgency: String,
    require_confirm: bool,
    #[serde(serialize_with = "serialize_local_opt")]
    read_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "serialize_local_opt")]
    confirmed_at: Option<DateTime<Utc>>,
    /// The vote with the caller's ballot, when the notice carries one.
    vote: Option<VoteView>,
    attachments: Vec<AttachmentView>,
}

pub(crate) async fn page_of(state: &AppState, id: i64, student: i64, receipt: Option<Receipt>) -> ApiResult<NoticePage> {
    let receipt = receipt.ok_or_else(|| ApiError::not_found("notice"))?;
    let mut conn = state.db.acquire().await?;
    let n = receipts::find(&mut conn, Scope::All, id).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    let vote = match votes::of_notice(&mut conn, id).await? {
        Some(v) => Some(VoteView::of(v, votes::ballot_of(&mut conn, id, student).await?)),
        None => None,
    };
    let attachments = attachment_views(&mut conn, id).await?;
    Ok(NoticePage {
        id: n.id,
        title: n.title,
        body: n.body,
        category: n.category,
        urgency: n.urgency.as_str().to_owned(),
        require_confirm: n.require_confirm,
        read_at: receipt.read_at,
        confirmed_at: receipt.confirmed_at,
        vote,
        attachments,
    })
}

#[utoipa::path(get, path = "/school/notices/{id}/page", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The notice, now marked read for the caller", body = NoticePage),
        (status = 404, description = "Not a notice the caller received", body = ErrorEnvelope),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Opens a notice (its read receipt).
pub async fn page(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<NoticePage>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    let receipt = receipts::read(&mut conn, id, student).await?;
    drop(conn);
    Ok(Json(page_of(&state, id, student, receipt).await?))
}

#[utoipa::path(post, path = "/school/notices/{id}/confirm", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "Confirmed (again: the first confirmation is kept)", body = NoticePage),
        (status = 404, description = "Not a notice the caller received", body = ErrorEnvelope),
        (status = 409, description = "`no_confirmation_asked`, `not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Confirms a notice that asks for it.
pub async fn confirm(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<NoticePage>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    let asks = sqlx::query_scalar!("SELECT require_confirm FROM notices WHERE id = $1", id).fetch_optional(&mut *conn).await?;
    if asks == Some(false) {
        return Err(ApiError::conflict("no_confirmation_asked", "this notice does not ask for a confirmation"));
    }
    let receipt = receipts::confirm(&mut conn, id, student).await?;
    drop(conn);
    Ok(Json(page_of(&state, id, student, receipt).await?))
}

/// The categories a student follows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"categoryIds": [1, 3]}))]
pub struct SettingsBody {
    /// Followed categories; urgent notices come whatever they are. Never set: every category.
    category_ids: Vec<i64>,
}

#[utoipa::path(get, path = "/school/notice-settings", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "The categories the caller follows (all of them until they choose)", body = SettingsBody),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// The caller's followed categories (the settings page shows them ticked).
pub async fn show_settings(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<SettingsBody>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    let chosen = match settings::of_student(&mut conn, student).await? {
        Some(ids) => ids,
        None => categories::list(&mut conn).await?.into_iter().map(|c| c.id).collect(),
    };
    Ok(Json(SettingsBody { category_ids: chosen }))
}

#[utoipa::path(put, path = "/school/notice-settings", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = SettingsBody,
    responses((status = 200, description = "The categories the caller now follows", body = SettingsBody),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Chooses the categories to follow.
pub async fn set_settings(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<SettingsBody>) -> ApiResult<Json<SettingsBody>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    let mut errors = FieldErrors::new();
    errors.check(b.category_ids.len() > 100 || !categories::unknown(&mut conn, &b.category_ids).await?.is_empty(), "categoryIds", "must be known categories");
    errors.finish()?;
    settings::set(&mut conn, student, &b.category_ids).await?;
    let chosen = settings::of_student(&mut conn, student).await?.unwrap_or_default();
    Ok(Json(SettingsBody { category_ids: chosen }))
}
