//! The manual reply desk (客服, seed 004): `GET /school/desk/conversations` (the inbox: the
//! conversations of the students of the caller's classes, admins all; newest first, paged, with
//! the unread count and until when WeChat's 48-hour window is open), `GET …/{id}` (one, with its
//! messages newest first; reading it marks it read) and `POST …/{id}/answers` (text, image,
//! voice, video, music or news through the customer-service API, sent by a job; 409
//! `window_closed` outside the window, nothing written). Anyone else: 403 (not staff) or 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::notices::desk::inbox::{self, Conversation, DeskMessage};
use yizhan_common::notices::desk::{answers, DeskStatus};
use yizhan_common::time::{serialize_local, serialize_local_opt};
use yizhan_common::jobs::kinds::WINDOW_CLOSED;

use super::desk_answer::{checked, AnswerBody};
use super::{scope_of, SchoolStaff};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// A conversation in the inbox.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 4, "studentId": 12, "studentNo": "2024001", "name": "张三", "className": "计科2401", "unread": 2,
    "lastMessage": "[图片]", "lastFromStudent": true, "lastAt": "2026-12-05T10:02:00+08:00", "windowOpen": true, "windowOpenUntil": "2026-12-07T10:02:00+08:00"}))]
pub struct ConversationView {
    id: i64,
    /// The student the follower is bound to (none: a follower not bound, seen by admins only).
    student_id: Option<i64>,
    student_no: Option<String>,
    name: Option<String>,
    class_name: Option<String>,
    /// Messages from the follower staff have not read.
    unread: i64,
    /// What the newest message says (`[图片]`, `[语音]`, a text's first 60 characters…).
    last_message: String,
    last_from_student: bool,
    #[serde(serialize_with = "serialize_local")]
    last_at: DateTime<Utc>,
    /// Whether an answer can be sent now.
    window_open: bool,
    /// 48 hours after the follower's last message or click (past: closed).
    #[serde(serialize_with = "serialize_local_opt")]
    window_open_until: Option<DateTime<Utc>>,
}

impl From<Conversation> for ConversationView {
    fn from(c: Conversation) -> Self {
        let until = c.window_open_until();
        let last_message = match (c.last_kind, &c.last_body) {
            (Some(kind), Some(body)) => inbox::preview(kind, body),
            _ => String::new(),
        };
        Self {
            id: c.id,
            student_id: c.student_id,
            student_no: c.student_no,
            name: c.name,
            class_name: c.class_name,
            unread: c.unread,
            last_message,
            last_from_student: c.last_inbound.unwrap_or(true),
            last_at: c.last_at,
            window_open: until.is_some_and(|u| u > Utc::now()),
            window_open_until: until,
        }
    }
}

/// The inbox: a page of conversations and the unread messages in all of them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    count: i64,
    page: u32,
    page_size: u32,
    /// Unread messages across every conversation the caller sees.
    unread: i64,
    results: Vec<ConversationView>,
}

/// One message of a conversation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 31, "fromStudent": false, "type": "image", "preview": "[图片]", "body": {}, "fileId": "0123456789abcdef0123456789abcdef",
    "authorName": "王老师", "status": "sent", "failure": null, "createdAt": "2026-12-05T10:05:00+08:00", "sentAt": "2026-12-05T10:05:01+08:00"}))]
pub struct DeskMessageView {
    id: i64,
    /// true: the follower wrote it; false: an answer.
    from_student: bool,
    /// `text`, `image`, `voice`, `video`, `location`, `link` (from the follower), `music`, `news`.
    #[serde(rename = "type")]
    kind: String,
    preview: String,
    /// The message's fields: `content`; `mediaId`, `picUrl`; `format`, `recognition`; `latitude`,
    /// `longitude`, `label`; `title`, `description`, `url`, `musicUrl`…
    #[schema(value_type = Object)]
    body: serde_json::Value,
    file_id: Option<String>,
    thumb_file_id: Option<String>,
    author_name: String,
    /// `received` (the follower's), or an answer's `pending`, `sending`, `sent`, `failed`.
    status: String,
    /// A failed answer's reason: `window_closed` or `send_failed`.
    failure: Option<&'static str>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "serialize_local_opt")]
    sent_at: Option<DateTime<Utc>>,
}

impl From<DeskMessage> for DeskMessageView {
    fn from(m: DeskMessage) -> Self {
        let failure = (m.status == DeskStatus::Failed)
            .then(|| if m.error.as_deref().is_some_and(|e| e.starts_with(WINDOW_CLOSED)) { WINDOW_CLOSED } else { "send_failed" });
        Self {
            id: m.id,
            from_student: m.inbound,
            kind: m.kind.to_string(),
            preview: inbox::preview(m.kind, &m.body),
            body: m.body,
            file_id: m.file_id,
            thumb_file_id: m.thumb_file_id,
            author_name: m.author_name,
            status: m.status.to_string(),
            failure,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

/// A conversation with a page of its messages (newest first).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    #[serde(flatten)]
    conversation: ConversationView,
    messages: Page<DeskMessageView>,
}

#[utoipa::path(get, path = "/school/desk/conversations", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(PageQuery),
    responses((status = 200, description = "The conversations the caller sees, newest first", body = Inbox),
        (status = 403, description = "Not staff", body = ErrorEnvelope)))]
/// The reply desk's inbox.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, page: Pagination) -> ApiResult<Json<Inbox>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count, unread) = inbox::list(&mut conn, scope, page.limit(), page.offset()).await?;
    let results = rows.into_iter().map(ConversationView::from).collect();
    Ok(Json(Inbox { count, page: page.page, page_size: page.page_size, unread, results }))
}

/// Conversation `id` if the caller sees it (404 otherwise).
async fn seen(state: &AppState, who: &Authorized<SchoolStaff>, id: i64) -> ApiResult<Conversation> {
    let scope = scope_of(state, who).await?;
    let mut conn = state.db.acquire().await?;
    inbox::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("conversation"))
}

#[utoipa::path(get, path = "/school/desk/conversations/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The conversation's id"), PageQuery),
    responses((status = 200, description = "The conversation (`unread` as it was before this reading) and its messages, newest first; now read", body = ConversationDetail),
        (status = 404, description = "Not a conversation the caller sees", body = ErrorEnvelope)))]
/// One conversation; reading it marks it read.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, page: Pagination) -> ApiResult<Json<ConversationDetail>> {
    let conversation = seen(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = inbox::messages(&mut conn, id, page.limit(), page.offset()).await?;
    inbox::mark_read(&mut conn, id).await?;
    let messages = Page::new(rows.into_iter().map(DeskMessageView::from).collect(), count, page);
    Ok(Json(ConversationDetail { conversation: conversation.into(), messages }))
}

#[utoipa::path(post, path = "/school/desk/conversations/{id}/answers", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The conversation's id")), request_body = AnswerBody,
    responses((status = 202, description = "The answer, `pending` until the job sends it", body = DeskMessageView),
        (status = 404, description = "Not a conversation the caller sees", body = ErrorEnvelope),
        (status = 409, description = "`window_closed`: more than 48 hours since the follower last wrote or clicked", body = ErrorEnvelope),
        (status = 422, description = "A field that does not fit the type (named)", body = ErrorEnvelope)))]
/// Answers a follower through the customer-service API.
pub async fn answer(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<AnswerBody>) -> ApiResult<(StatusCode, Json<DeskMessageView>)> {
    let conversation = seen(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    let answer = checked(&mut conn, who.user().id, &b).await?;
    drop(conn);
    let until = conversation.window_open_until();
    if until.is_none_or(|u| u <= Utc::now()) {
        let when = until.map_or_else(|| "it never opened".to_owned(), |u| format!("it closed at {}", yizhan_common::time::format_local(u)));
        return Err(ApiError::conflict(
            WINDOW_CLOSED,
            format!("WeChat takes customer-service messages only within 48 hours of the student's last message or click, and {when}: wait until they write again"),
        ));
    }
    let mut tx = state.db.begin().await?;
    let author = author_name(&mut tx, who.user()).await?;
    let (message, outbox) = answers::plan(&mut tx, id, who.user().id, &author, &answer).await?;
    let mut jobs = Enqueued::default();
    jobs.add(outbox);
    jobs.commit(tx, &state).await?;
    let mut conn = state.db.acquire().await?;
    let row = inbox::message(&mut conn, message).await?.ok_or_else(|| ApiError::internal("the answer just written is gone"))?;
    Ok((StatusCode::ACCEPTED, Json(row.into())))
}

/// How an answer is signed: the counselor's name, else the user's name or username.
async fn author_name(conn: &mut sqlx::PgConnection, user: &yizhan_common::users::User) -> sqlx::Result<String> {
    let counselor = sqlx::query_scalar!("SELECT name FROM counselors WHERE user_id = $1 OR wechat_user_id = $1 ORDER BY id LIMIT 1", user.id).fetch_optional(conn).await?;
    Ok(counselor.unwrap_or_else(|| if user.name.is_empty() { user.username.clone() } else { user.name.clone() }))
}
