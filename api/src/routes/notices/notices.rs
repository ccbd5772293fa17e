//! `POST /school/notices` (admins and counselors): a notice sent at once to its audience — frozen
//! into its recipients, one template message per recipient WeChat can reach, planned in one
//! transaction; `GET /school/notices` and `GET /school/notices/{id}` (the author's side: admins
//! every notice, a counselor their own). Categories: `GET|POST /school/notice-categories`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::notices::audience::Audience;
use yizhan_common::notices::categories::{self, Category};
use yizhan_common::notices::receipts::{self, Notice};
use yizhan_common::notices::send::{self, MassSettings, NewNotice, Template, Urgency};
use yizhan_common::notices::{classes, groups, rich_text, students, Scope};
use yizhan_common::time::serialize_local;

use super::content::{self, AttachmentBody, AttachmentView, Content, VoteBody};
use super::mass_format::{self, MassBody};
use super::{scope_of, SchoolStaff};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, AuthUser, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryView {
    id: i64,
    name: String,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        Self { id: c.id, name: c.name }
    }
}

#[utoipa::path(get, path = "/school/notice-categories", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "Every category", body = Vec<CategoryView>)))]
/// The notice categories (for the settings page and the compose form).
pub async fn categories(State(state): State<AppState>, _: AuthUser) -> ApiResult<Json<Vec<CategoryView>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(categories::list(&mut conn).await?.into_iter().map(CategoryView::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "就业信息"}))]
pub struct CategoryBody {
    name: String,
}

#[utoipa::path(post, path = "/school/notice-categories", tag = TAG_NOTICES, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = CategoryBody,
    responses((status = 201, description = "The category", body = CategoryView), (status = 409, description = "`category_taken`", body = ErrorEnvelope)))]
/// Adds a category.
pub async fn create_category(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<CategoryBody>) -> ApiResult<(StatusCode, Json<CategoryView>)> {
    let mut errors = FieldErrors::new();
    errors.text("name", &b.name, 30);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    Ok((StatusCode::CREATED, Json(categories::create(&mut conn, b.name.trim()).await?.into())))
}

/// A notice as its author sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeView {
    id: i64,
    title: String,
    body: String,
    category: String,
    /// `urgent` (紧急), `important` (重要) or `normal` (一般).
    urgency: String,
    require_confirm: bool,
    /// As sent: `{"kind": "everyone" | "classes" | "groups" | "filter" | "students", …}`.
    #[schema(value_type = Object)]
    audience: serde_json::Value,
    recipients: i64,
    #[serde(serialize_with = "serialize_local")]
    sent_at: DateTime<Utc>,
    /// The attached files (one notice's answers; lists leave them out).
    #[serde(skip_serializing_if = "Option::is_none")]
    attachments: Option<Vec<AttachmentView>>,
    /// Whether the notice carries a vote (its results: `GET /school/notices/{id}/vote-results`).
    has_vote: bool,
}

impl From<Notice> for NoticeView {
    fn from(n: Notice) -> Self {
        Self {
            id: n.id,
            title: n.title,
            body: n.body,
            category: n.category,
            urgency: n.urgency.as_str().to_owned(),
            require_confirm: n.require_confirm,
            audience: n.audience,
            recipients: n.recipients,
            sent_at: n.sent_at,
            attachments: None,
            has_vote: n.has_vote,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"title": "奖学金申请通知", "body": "<p>请于<b>周五</b>前提交材料。</p>", "categoryId": 2, "urgency": "important",
    "requireConfirm": true, "audience": {"kind": "classes", "classIds": [1]},
    "vote": {"options": ["参加", "不参加"], "deadline": "2026-12-12T18:00:00+08:00"},
    "attachments": [{"fileId": "0123456789abcdef0123456789abcdef", "name": "申请表.pdf"}],
    "mass": {"format": "news", "coverFileId": "fedcba9876543210fedcba9876543210"}}))]
pub struct NoticeBody {
    title: String,
    /// Rich text: HTML sanitized on save with an allowlist (`p`, `br`, `b`/`strong`, `i`/`em`, `u`,
    /// `a[href]`, `ul`/`ol`/`li`, `h3`/`h4`, `img[src]`, `blockquote`; http(s) URLs only); plain
    /// text is kept as text.
    body: String,
    category_id: i64,
    /// `urgent` reaches everyone in the audience, whatever categories they follow.
    urgency: Option<String>,
    require_confirm: Option<bool>,
    /// `{"kind": "everyone"}`, `{"kind": "classes", "classIds": […]}`, `{"kind": "groups", "groupIds": […]}`,
    /// `{"kind": "filter", "grade"?, "major"?, "classId"?}`, `{"kind": "students", "studentIds": […]}`.
    #[schema(value_type = Object)]
    audience: serde_json::Value,
    /// An optional vote (投票).
    vote: Option<VoteBody>,
    /// Files the author uploaded (`POST /api/files`), at most 10 and 50 MiB together.
    attachments: Option<Vec<AttachmentBody>>,
    /// How its mass sends go out when it is large enough to have any: `{"format": "text"}` or
    /// `{"format": "news", "coverFileId"?}` (an image the author uploaded; default
    /// `NOTICE_MASS_COVER`). Unset: as `NOTICE_MASS_FORMAT` says.
    mass: Option<MassBody>,
}

/// Checks a notice: every field, and that the audience names only what the author sees.
async fn check(state: &AppState, scope: Scope, b: NoticeBody, author_id: i64) -> ApiResult<(NewNotice, Content)> {
    let mut errors = FieldErrors::new();
    errors.text("title", &b.title, 100);
    errors.text("body", &b.body, 20_000);
    let urgency = match b.urgency.as_deref().unwrap_or("normal").parse::<Urgency>() {
        Ok(u) => Some(u),
        Err(_) => {
            errors.add("urgency", "must be urgent, important or normal");
            None
        }
    };
    let mut conn = state.db.acquire().await?;
    errors.check(!categories::unknown(&mut conn, &[b.category_id]).await?.is_empty(), "categoryId", "no such category");
    let audience = match serde_json::from_value::<Audience>(b.audience) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.add("audience", format!("must be one of the audience shapes: {e}"));
            None
        }
    };
    if let Some(a) = &audience {
        let field = match a {
            Audience::Classes { .. } => "audience.classIds",
            Audience::Groups { .. } => "audience.groupIds",
            Audience::Students { .. } => "audience.studentIds",
            Audience::Everyone | Audience::Filter { .. } => "audience",
        };
        errors.check(!names_only_yours(&mut conn, scope, a).await?, field, "must name at least one, each of them yours");
    }
    let content = content::check(&mut conn, author_id, b.vote, b.attachments, state.clock.now(), &mut errors).await?;
    let mass = mass_format::check(&mut conn, author_id, b.mass, state.config.notices.mass_cover.as_deref(), &mut errors).await?;
    errors.finish()?;
    let (Some(urgency), Some(audience)) = (urgency, audience) else { return Err(ApiError::internal("notice fields")) };
    let notice = NewNotice {
        title: b.title.trim().to_owned(),
        body: rich_text::sanitize(b.body.trim()),
        category_id: b.category_id,
        urgency,
        require_confirm: b.require_confirm.unwrap_or(false),
        audience,
        author_id,
        mass,
    };
    Ok((notice, content))
}

/// Whether the audience names something, and only classes, groups and students `scope` sees
/// (at most 1,000 of them).
async fn names_only_yours(conn: &mut sqlx::PgConnection, scope: Scope, a: &Audience) -> sqlx::Result<bool> {
    let ids = match a {
        Audience::Everyone => return Ok(true),
        Audience::Filter { grade, major, class_id } => {
            if let Some(id) = class_id {
                return Ok(classes::find(conn, scope, *id).await?.is_some());
            }
            return Ok(!grade.as_deref().is_none_or(str::is_empty) || !major.as_deref().is_none_or(str::is_empty));
        }
        Audience::Classes { class_ids: ids } | Audience::Groups { group_ids: ids } | Audience::Students { student_ids: ids } => ids,
    };
    if ids.is_empty() || ids.len() > 1_000 {
        return Ok(false);
    }
    for &id in ids {
        let found = match a {
            Audience::Classes { .. } => classes::find(conn, scope, id).await?.is_some(),
            Audience::Groups { .. } => groups::find(conn, scope, id).await?.is_some(),
            _ => students::find(conn, scope, id).await?.is_some(),
        };
        if !found {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The template notices go out as; 503 when none is configured.
pub(super) fn template(state: &AppState) -> ApiResult<Template<'_>> {
    let cfg = &state.config.notices;
    let template_id = cfg.template.as_deref().ok_or_else(|| ApiError::unavailable("notices are not configured (NOTICE_TEMPLATE)"))?;
    let mass = cfg.mass_min_recipients.map(|min_recipients| MassSettings { min_recipients, news_cover: cfg.mass_cover.as_deref().filter(|_| cfg.mass_news) });
    Ok(Template { template_id, page_url: cfg.page_url.as_deref(), custom_window: cfg.custom_window, mass })
}

#[utoipa::path(post, path = "/school/notices", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = NoticeBody,
    responses((status = 201, description = "Sent: the notice with its frozen recipients counted; the messages go out as jobs", body = NoticeView),
        (status = 503, description = "`unavailable`: no notice template configured", body = ErrorEnvelope)))]
/// Sends a notice to its audience.
pub async fn create(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiJson(b): ApiJson<NoticeBody>) -> ApiResult<(StatusCode, Json<NoticeView>)> {
    let scope = scope_of(&state, &who).await?;
    let (new, content) = check(&state, scope, b, who.user().id).await?;
    let template = template(&state)?;
    let mut tx = state.db.begin().await?;
    let sent = send::send(&mut tx, scope, &new, template).await?;
    content::save(&mut tx, sent.notice_id, &content).await?;
    let mut jobs = Enqueued::default();
    jobs.add(sent.outbox.iter().copied());
    let notice = receipts::find(&mut tx, scope, sent.notice_id).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    let attachments = content::attachment_views(&mut tx, sent.notice_id).await?;
    jobs.commit(tx, &state).await?;
    tracing::info!(user.id = who.user().id, notice.id = sent.notice_id, recipients = sent.recipients, messages = sent.outbox.len(), "notice sent");
    Ok((StatusCode::CREATED, Json(NoticeView { attachments: Some(attachments), ..notice.into() })))
}

#[utoipa::path(get, path = "/school/notices", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), params(PageQuery),
    responses((status = 200, description = "The notices the caller sees, newest first", body = Page<NoticeView>)))]
/// Notices sent (admins every one, a counselor their own).
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>, page: Pagination) -> ApiResult<Json<Page<NoticeView>>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = receipts::list(&mut conn, scope, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(NoticeView::from).collect(), count, page)))
}

#[utoipa::path(get, path = "/school/notices/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The notice", body = NoticeView), (status = 404, description = "No such notice among the caller's", body = ErrorEnvelope)))]
/// One notice.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<NoticeView>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let notice = receipts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("notice"))?;
    let attachments = content::attachment_views(&mut conn, id).await?;
    Ok(Json(NoticeView { attachments: Some(attachments), ..notice.into() }))
}
