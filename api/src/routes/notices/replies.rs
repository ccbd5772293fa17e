//! Replies on a notice (可回复, 提问咨询): a private thread per student per notice.
//! `GET|POST /school/notices/{id}/thread`: the student's own thread (H5, a recipient);
//! `GET /school/notices/{id}/threads`: the threads, those awaiting an answer first, and
//! `GET|POST /school/notices/{id}/threads/{student_id}`: one thread and the answer, for the staff
//! who see the notice. No one else sees a thread.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::notices::comments::Posted;
use yizhan_common::notices::{notify, receipts};
use yizhan_common::notices::replies::{self, Reply, ThreadSummary, MAX_REPLY_CHARS, REPLIES_PER_HOUR};
use yizhan_common::time::serialize_local;

use super::comments::{checked_body, CommentBody};
use super::notices::template;
use super::party::{self, Party};
use crate::enqueued::Enqueued;
use super::SchoolStaff;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, AuthUser, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// The newest messages a thread shows.
const THREAD_LIMIT: i64 = 200;

/// One message of a thread.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 3, "fromStudent": true, "authorName": "张同学", "body": "材料交到哪里？", "createdAt": "2026-12-05T10:00:00+08:00"}))]
pub struct ReplyView {
    id: i64,
    /// true: the student asks; false: an answer.
    from_student: bool,
    author_name: String,
    body: String,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl From<Reply> for ReplyView {
    fn from(r: Reply) -> Self {
        Self { id: r.id, from_student: r.from_student, author_name: r.author_name, body: r.body, created_at: r.created_at }
    }
}

/// A thread, oldest first (the newest 200).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadView {
    notice_id: i64,
    student_id: i64,
    messages: Vec<ReplyView>,
}

async fn thread_view(state: &AppState, notice_id: i64, student_id: i64) -> ApiResult<ThreadView> {
    let mut conn = state.db.acquire().await?;
    let messages = replies::thread(&mut conn, notice_id, student_id, THREAD_LIMIT).await?;
    Ok(ThreadView { notice_id, student_id, messages: messages.into_iter().map(ReplyView::from).collect() })
}

/// Writes one message to the thread of `student_id`, and in the same transaction the WeChat
/// message that tells the other side (the student, or the counselor who sent the notice when
/// their WeChat account is known); nothing is told when no notice template is configured.
async fn write(state: &AppState, party: &Party, notice_id: i64, student_id: i64, body: &str) -> ApiResult<ThreadView> {
    let body = checked_body(body, MAX_REPLY_CHARS)?;
    let mut tx = state.db.begin().await?;
    let Posted::Yes(reply) = replies::add(&mut tx, notice_id, student_id, party.author(), &body).await? else {
        return Err(ApiError::too_many_requests(format!("at most {REPLIES_PER_HOUR} replies an hour"), 3600));
    };
    let mut jobs = Enqueued::default();
    if let Ok(template) = template(state) {
        let (to, headline) = if party.is_staff() {
            (replies::student_openid(&mut tx, student_id).await?, format!("{}回复了你的提问", party.author().name))
        } else {
            let appid = state.config.wechat.as_ref().and_then(|w| w.mp.as_ref()).map(|m| m.appid.as_str()).unwrap_or_default();
            (replies::counselor_openid(&mut tx, notice_id, appid).await?, format!("{}对通知提问", party.author().name))
        };
        if let Some(openid) = to {
            let remark: String = body.chars().take(60).collect();
            jobs.add(notify::plan_about_notice(&mut tx, &template, &format!("notice-reply:{reply}"), &openid, notice_id, &headline, &remark).await?);
        }
    }
    jobs.commit(tx, state).await?;
    thread_view(state, notice_id, student_id).await
}

/// The caller as a recipient of the notice (staff use the `threads` routes).
async fn student_on(state: &AppState, auth: &AuthUser, notice_id: i64) -> ApiResult<(Party, i64)> {
    let party = party::of(state, auth, notice_id).await?;
    match party.author().student_id {
        Some(student) if !party.is_staff() => Ok((party, student)),
        _ => Err(ApiError::not_found("thread")),
    }
}

#[utoipa::path(get, path = "/school/notices/{id}/thread", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The caller's thread on the notice", body = ThreadView),
        (status = 404, description = "Not a notice the caller received", body = ErrorEnvelope),
        (status = 409, description = "`not_bound`", body = ErrorEnvelope)))]
/// The student's own thread.
pub async fn mine(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ThreadView>> {
    let (_, student) = student_on(&state, &auth, id).await?;
    Ok(Json(thread_view(&state, id, student).await?))
}

#[utoipa::path(post, path = "/school/notices/{id}/thread", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The notice's id")), request_body = CommentBody,
    responses((status = 201, description = "The thread with the question", body = ThreadView),
        (status = 404, description = "Not a notice the caller received", body = ErrorEnvelope),
        (status = 422, description = "`body` blank or over 1,000 characters", body = ErrorEnvelope),
        (status = 429, description = "More than 30 replies in the last hour", body = ErrorEnvelope)))]
/// A student asks about a notice.
pub async fn ask(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<CommentBody>) -> ApiResult<(StatusCode, Json<ThreadView>)> {
    let (party, student) = student_on(&state, &auth, id).await?;
    Ok((StatusCode::CREATED, Json(write(&state, &party, id, student, b.body()).await?)))
}

/// A thread as staff list them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSummaryView {
    student_id: i64,
    student_no: String,
    name: String,
    class_name: String,
    messages: i64,
    /// The student wrote last.
    awaiting_answer: bool,
    #[serde(serialize_with = "serialize_local")]
    last_at: DateTime<Utc>,
}

impl From<ThreadSummary> for ThreadSummaryView {
    fn from(t: ThreadSummary) -> Self {
        Self {
            student_id: t.student_id,
            student_no: t.student_no,
            name: t.name,
            class_name: t.class_name,
            messages: t.messages,
            awaiting_answer: t.awaiting_answer,
            last_at: t.last_at,
        }
    }
}

#[utoipa::path(get, path = "/school/notices/{id}/threads", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id"), PageQuery),
    responses((status = 200, description = "The notice's threads, awaiting an answer first", body = Page<ThreadSummaryView>),
        (status = 404, description = "Not a notice the caller sees", body = ErrorEnvelope)))]
/// The questions asked about a notice.
pub async fn threads(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, page: Pagination) -> ApiResult<Json<Page<ThreadSummaryView>>> {
    party::staff_on(&state, who.user(), id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = replies::threads(&mut conn, id, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(ThreadSummaryView::from).collect(), count, page)))
}

/// Staff who see the notice, and a student among its recipients (404 otherwise).
async fn staff_thread(state: &AppState, who: &Authorized<SchoolStaff>, notice_id: i64, student_id: i64) -> ApiResult<Party> {
    let author = party::staff_on(state, who.user(), notice_id).await?;
    let mut conn = state.db.acquire().await?;
    if !receipts::is_recipient(&mut conn, notice_id, student_id).await? {
        return Err(ApiError::not_found("thread"));
    }
    Ok(Party::Staff(author))
}

#[utoipa::path(get, path = "/school/notices/{id}/threads/{student_id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id"), ("student_id" = i64, Path, description = "The student's id")),
    responses((status = 200, description = "The student's thread", body = ThreadView),
        (status = 404, description = "Not a notice the caller sees, or not one of its recipients", body = ErrorEnvelope)))]
/// One student's thread.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath((id, student)): ApiPath<(i64, i64)>) -> ApiResult<Json<ThreadView>> {
    staff_thread(&state, &who, id, student).await?;
    Ok(Json(thread_view(&state, id, student).await?))
}

#[utoipa::path(post, path = "/school/notices/{id}/threads/{student_id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id"), ("student_id" = i64, Path, description = "The student's id")), request_body = CommentBody,
    responses((status = 201, description = "The thread with the answer", body = ThreadView),
        (status = 404, description = "Not a notice the caller sees, or not one of its recipients", body = ErrorEnvelope),
        (status = 422, description = "`body` blank or over 1,000 characters", body = ErrorEnvelope),
        (status = 429, description = "More than 30 replies in the last hour", body = ErrorEnvelope)))]
/// Answers a student.
pub async fn answer(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath((id, student)): ApiPath<(i64, i64)>, ApiJson(b): ApiJson<CommentBody>) -> ApiResult<(StatusCode, Json<ThreadView>)> {
    let party = staff_thread(&state, &who, id, student).await?;
    Ok((StatusCode::CREATED, Json(write(&state, &party, id, student, b.body()).await?)))
}
