//! The topic board (话题讨论, seed 004): topics and their posts for any signed-in reader (the
//! H5 page), newest first; counselors and admins hide a post. Posts arrive as `#话题 内容`
//! messages to the Official Account (see `crate::routes::wechat_callback`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use yizhan_common::follow::topics::{self, MAX_TOPIC_CHARS};

use super::views::{TopicPostView, TopicView};
use super::Moderators;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, AuthUser, Authorized, Page, Pagination};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_FOLLOW;
use crate::state::AppState;

#[utoipa::path(get, path = "/school/topics", tag = TAG_FOLLOW, security(("token" = []), ("bearer" = [])),
    params(crate::openapi::schemas::PageQuery),
    responses((status = 200, description = "Topics with visible posts, latest activity first", body = Page<TopicView>)))]
/// The topics of the board.
pub async fn list(State(state): State<AppState>, _: AuthUser, page: Pagination) -> ApiResult<Json<Page<TopicView>>> {
    let mut conn = state.db.acquire().await?;
    let (rows, count) = topics::topics(&mut conn, page.limit(), page.offset()).await?;
    let results = rows.into_iter().map(|t| TopicView { topic: t.topic, posts: t.posts, last_post_at: t.last_post_at }).collect();
    Ok(Json(Page::new(results, count, page)))
}

#[utoipa::path(get, path = "/school/topics/{topic}/posts", tag = TAG_FOLLOW, security(("token" = []), ("bearer" = [])),
    params(("topic" = String, Path, description = "The topic, as written after `#` (1–20 characters)"), crate::openapi::schemas::PageQuery),
    responses((status = 200, description = "The topic's visible posts, newest first", body = Page<TopicPostView>),
        (status = 422, description = "Not a topic name", body = ErrorEnvelope)))]
/// One topic's posts.
pub async fn posts(State(state): State<AppState>, _: AuthUser, ApiPath(topic): ApiPath<String>, page: Pagination) -> ApiResult<Json<Page<TopicPostView>>> {
    let chars = topic.chars().count();
    if chars == 0 || chars > MAX_TOPIC_CHARS {
        return Err(ApiError::field("topic", format!("must be 1 to {MAX_TOPIC_CHARS} characters")));
    }
    let mut conn = state.db.acquire().await?;
    let (rows, count) = topics::posts(&mut conn, &topic, page.limit(), page.offset()).await?;
    let results = rows.into_iter().map(|p| TopicPostView { id: p.id, topic: p.topic, content: p.content, created_at: p.created_at }).collect();
    Ok(Json(Page::new(results, count, page)))
}

#[utoipa::path(delete, path = "/school/topic-posts/{id}", tag = TAG_FOLLOW, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The post's id")),
    responses((status = 204, description = "Hidden from readers (kept, with who hid it and when); hiding again changes nothing"),
        (status = 404, description = "No such post", body = ErrorEnvelope)))]
/// Hides a post.
pub async fn hide(State(state): State<AppState>, who: Authorized<Moderators>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    if topics::hide(&mut conn, id, who.user().id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("topic post"))
    }
}
