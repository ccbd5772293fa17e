//! Comments under a notice (可评论): `GET|POST /school/notices/{id}/comments` for its recipients
//! (H5) and the staff who see it; `POST /school/notice-comments/{id}/hide` and
//! `DELETE /school/notice-comments/{id}` for that staff (moderation). Students do not see hidden
//! comments nor who wrote one beyond "张同学"; staff see both.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::notices::comments::{self, Comment, Posted, COMMENTS_PER_HOUR, MAX_COMMENT_CHARS};
use yizhan_common::time::serialize_local;

use super::party::{self, Party};
use super::SchoolStaff;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, AuthUser, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// A comment; `studentNo` and `hidden` only for staff.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 7, "authorName": "张同学", "body": "请问截止时间可以延后吗？", "createdAt": "2026-12-05T10:00:00+08:00"}))]
pub struct CommentView {
    id: i64,
    author_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    student_no: Option<String>,
    body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hidden: Option<bool>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl CommentView {
    fn of(c: Comment, staff: bool) -> Self {
        Self {
            id: c.id,
            author_name: c.author_name,
            student_no: c.student_no.filter(|_| staff),
            body: c.body,
            hidden: staff.then_some(c.hidden_at.is_some()),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"body": "请问截止时间可以延后吗？"}))]
pub struct CommentBody {
    body: String,
}

impl CommentBody {
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// A body of 1 to `max` characters, trimmed.
pub(super) fn checked_body(body: &str, max: usize) -> ApiResult<String> {
    let mut errors = FieldErrors::new();
    errors.text("body", body, max);
    errors.finish()?;
    Ok(body.trim().to_owned())
}

#[utoipa::path(get, path = "/school/notices/{id}/comments", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id"), PageQuery),
    responses((status = 200, description = "One page of the comments, oldest first (hidden ones for staff only)", body = Page<CommentView>),
        (status = 404, description = "Not a notice the caller received or sees", body = ErrorEnvelope),
        (status = 409, description = "`not_bound`: a student who has not bound their number", body = ErrorEnvelope)))]
/// The comments under a notice.
pub async fn list(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, page: Pagination) -> ApiResult<Json<Page<CommentView>>> {
    let staff = party::of(&state, &auth, id).await?.is_staff();
    let mut conn = state.db.acquire().await?;
    let (rows, count) = comments::list(&mut conn, id, staff, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(|c| CommentView::of(c, staff)).collect(), count, page)))
}

#[utoipa::path(post, path = "/school/notices/{id}/comments", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id")), request_body = CommentBody,
    responses((status = 201, description = "The comment", body = CommentView),
        (status = 404, description = "Not a notice the caller received or sees", body = ErrorEnvelope),
        (status = 409, description = "`not_bound`", body = ErrorEnvelope),
        (status = 422, description = "`body` blank or over 500 characters", body = ErrorEnvelope),
        (status = 429, description = "More than 10 comments in the last hour", body = ErrorEnvelope)))]
/// Comments on a notice.
pub async fn create(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<CommentBody>) -> ApiResult<(StatusCode, Json<CommentView>)> {
    let party = party::of(&state, &auth, id).await?;
    let body = checked_body(&b.body, MAX_COMMENT_CHARS)?;
    let mut tx = state.db.begin().await?;
    let Posted::Yes(comment) = comments::post(&mut tx, id, party.author(), &body).await? else {
        return Err(ApiError::too_many_requests(format!("at most {COMMENTS_PER_HOUR} comments an hour"), 3600));
    };
    tx.commit().await?;
    let mut conn = state.db.acquire().await?;
    let c = comments::find(&mut conn, comment).await?.ok_or_else(|| ApiError::not_found("comment"))?;
    Ok((StatusCode::CREATED, Json(CommentView::of(c, matches!(party, Party::Staff(_))))))
}

/// The comment, when the caller is staff who see its notice.
async fn moderated(state: &AppState, who: &Authorized<SchoolStaff>, comment: i64) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    let notice = comments::notice_of(&mut conn, comment).await?.ok_or_else(|| ApiError::not_found("comment"))?;
    drop(conn);
    party::staff_on(state, who.user(), notice).await.map_err(|_| ApiError::not_found("comment"))?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"hidden": true}))]
pub struct HideBody {
    /// false: shown again.
    hidden: bool,
}

#[utoipa::path(post, path = "/school/notice-comments/{id}/hide", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The comment's id")), request_body = HideBody,
    responses((status = 200, description = "The comment as staff now see it", body = CommentView),
        (status = 404, description = "No such comment under a notice the caller sees", body = ErrorEnvelope)))]
/// Hides a comment from students (or shows it again).
pub async fn hide(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<HideBody>) -> ApiResult<Json<CommentView>> {
    moderated(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    comments::set_hidden(&mut conn, id, b.hidden, who.user().id).await?;
    let c = comments::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("comment"))?;
    Ok(Json(CommentView::of(c, true)))
}

#[utoipa::path(delete, path = "/school/notice-comments/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The comment's id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such comment under a notice the caller sees", body = ErrorEnvelope)))]
/// Deletes a comment.
pub async fn delete(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    moderated(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    comments::delete(&mut conn, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
