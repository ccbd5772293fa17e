//! The author's statistics of a notice (消息统计报表 / 送达情况): `GET /school/notices/{id}/stats`,
//! the non-readers `GET …/non-readers`, every recipient as CSV `GET …/recipients.csv`, and
//! `POST …/remind` (the non-readers get a reminder, once per notice per day). Admins see every
//! notice, a counselor their own (others 404).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::notices::receipts::{self, Notice};
use yizhan_common::notices::stats::{self, ClassTotals, GroupTotals, MassTotals, RecipientRow};
use yizhan_common::notices::{reminders, votes};
use yizhan_common::time::serialize_local_opt;

use super::notices::template;
use super::{scope_of, SchoolStaff};
use crate::console::csv::Csv;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

async fn notice(state: &AppState, who: &Authorized<SchoolStaff>, id: i64) -> ApiResult<Notice> {
    let scope = scope_of(state, who).await?;
    let mut conn = state.db.acquire().await?;
    receipts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("notice"))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClassStats {
    class_name: String,
    recipients: i64,
    read: i64,
    confirmed: i64,
}

impl From<ClassTotals> for ClassStats {
    fn from(c: ClassTotals) -> Self {
        Self { class_name: c.class_name, recipients: c.recipients, read: c.read, confirmed: c.confirmed }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupStats {
    group_name: String,
    recipients: i64,
    read: i64,
    confirmed: i64,
}

impl From<GroupTotals> for GroupStats {
    fn from(g: GroupTotals) -> Self {
        Self { group_name: g.group_name, recipients: g.recipients, read: g.read, confirmed: g.confirmed }
    }
}

/// One mass send by tag; WeChat's counts (`MASSSENDJOBFINISH`) once it finished.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MassStats {
    tag: String,
    /// `text` or `news`.
    format: String,
    /// `pending`, `sending`, `sent` (accepted by WeChat) or `failed`.
    status: String,
    /// Recipients it reaches.
    recipients: i64,
    total_count: Option<i32>,
    filter_count: Option<i32>,
    sent_count: Option<i32>,
    error_count: Option<i32>,
    #[serde(serialize_with = "serialize_local_opt")]
    finished_at: Option<DateTime<Utc>>,
}

impl From<MassTotals> for MassStats {
    fn from(m: MassTotals) -> Self {
        Self {
            tag: m.tag_name,
            format: m.format,
            status: m.status,
            recipients: m.recipients,
            total_count: m.total_count,
            filter_count: m.filter_count,
            sent_count: m.sent_count,
            error_count: m.error_count,
            finished_at: m.finished_at,
        }
    }
}

/// How the recipients WeChat reaches are reached.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Channels {
    /// Template messages (customer-service messages WeChat refused and replaced included).
    template: i64,
    /// Customer-service messages (their 48-hour window was open).
    custom: i64,
    /// Mass sends by tag.
    mass: i64,
}

/// How far delivery has come (the author's progress figure): messages planned, and of them sent,
/// failed and still pending.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"planned": 7000, "sent": 6400, "failed": 12, "pending": 588}))]
pub struct Progress {
    planned: i64,
    sent: i64,
    failed: i64,
    pending: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeStats {
    notice_id: i64,
    /// Everyone in the audience when it was sent.
    recipients: i64,
    /// Recipients to be reached by WeChat; the rest are `unbound` (no active binding) or `muted`
    /// (not following the category, not urgent).
    wechat: i64,
    unbound: i64,
    muted: i64,
    delivered: i64,
    /// Messages not sent yet (progress: `delivered + failed` of `wechat`).
    pending: i64,
    failed: i64,
    /// Failed messages by WeChat's errcode.
    failed_by_errcode: BTreeMap<String, i64>,
    read: i64,
    confirmed: i64,
    /// Recipients who voted (0 when the notice has no vote).
    voted: i64,
    classes: Vec<ClassStats>,
    /// By the groups recipients belonged to when it was sent.
    groups: Vec<GroupStats>,
    progress: Progress,
    channels: Channels,
    mass_sends: Vec<MassStats>,
}

#[utoipa::path(get, path = "/school/notices/{id}/stats", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The notice's statistics", body = NoticeStats), (status = 404, description = "No such notice among the caller's", body = ErrorEnvelope)))]
/// A notice's delivery and read statistics.
pub async fn show(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<NoticeStats>> {
    let n = notice(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    let s = stats::of_notice(&mut conn, n.id).await?;
    let t = s.totals;
    Ok(Json(NoticeStats {
        notice_id: n.id,
        recipients: t.recipients,
        wechat: t.wechat,
        unbound: t.unbound,
        muted: t.muted,
        delivered: t.delivered,
        pending: t.pending,
        failed: t.failed,
        failed_by_errcode: s.failed_by_errcode,
        read: t.read,
        confirmed: t.confirmed,
        voted: votes::voters(&mut conn, n.id).await?,
        classes: s.classes.into_iter().map(ClassStats::from).collect(),
        groups: s.groups.into_iter().map(GroupStats::from).collect(),
        progress: Progress { planned: t.planned, sent: t.delivered, failed: t.failed, pending: t.pending },
        channels: Channels { template: t.by_template, custom: t.by_custom, mass: t.by_mass },
        mass_sends: s.mass.into_iter().map(MassStats::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRecipientView {
    student_no: String,
    name: String,
    class_name: String,
    /// `wechat`, `unbound` or `muted`.
    delivery: String,
    /// The message's status when one was planned: `pending`, `sending`, `sent`, `failed`.
    send_status: Option<String>,
    #[serde(serialize_with = "serialize_local_opt")]
    read_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "serialize_local_opt")]
    confirmed_at: Option<DateTime<Utc>>,
}

impl From<RecipientRow> for NoticeRecipientView {
    fn from(r: RecipientRow) -> Self {
        Self {
            student_no: r.student_no,
            name: r.name,
            class_name: r.class_name,
            delivery: r.delivery.as_str().to_owned(),
            send_status: r.send_status,
            read_at: r.read_at,
            confirmed_at: r.confirmed_at,
        }
    }
}

#[utoipa::path(get, path = "/school/notices/{id}/non-readers", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id"), PageQuery),
    responses((status = 200, description = "Recipients who have not read it, by class and number", body = Page<NoticeRecipientView>),
        (status = 404, description = "No such notice among the caller's", body = ErrorEnvelope)))]
/// Who has not read a notice.
pub async fn non_readers(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, page: Pagination) -> ApiResult<Json<Page<NoticeRecipientView>>> {
    let n = notice(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, count) = stats::recipients(&mut conn, n.id, true, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(NoticeRecipientView::from).collect(), count, page)))
}

#[utoipa::path(get, path = "/school/notices/{id}/recipients.csv", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "Every recipient (学号, 姓名, 班级, 送达方式, 消息状态, 已读, 确认) as a CSV download", content_type = "text/csv", body = String),
        (status = 404, description = "No such notice among the caller's", body = ErrorEnvelope)))]
/// Every recipient of a notice as CSV.
pub async fn csv(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    let n = notice(&state, &who, id).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, _) = stats::recipients(&mut conn, n.id, false, i64::MAX, 0).await?;
    let mut csv = Csv::new(&["学号", "姓名", "班级", "送达方式", "消息状态", "已读", "确认"]);
    let tz = state.config.core.service_tz;
    let at = |t: Option<DateTime<Utc>>| t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
    for r in rows {
        let (read, confirmed) = (at(r.read_at), at(r.confirmed_at));
        csv.row([r.student_no.as_str(), &r.name, &r.class_name, r.delivery.as_str(), r.send_status.as_deref().unwrap_or(""), &read, &confirmed]);
    }
    Ok(csv.into_response(&format!("notice-{}-recipients.csv", n.id)))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"noticeId": 3, "reminded": 12}))]
pub struct RemindView {
    notice_id: i64,
    /// Reminders planned: non-readers still reachable by WeChat.
    reminded: i64,
}

#[utoipa::path(post, path = "/school/notices/{id}/remind", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "Reminders planned for the non-readers", body = RemindView),
        (status = 404, description = "No such notice among the caller's", body = ErrorEnvelope),
        (status = 409, description = "`already_reminded`: once per notice per day", body = ErrorEnvelope)))]
/// Reminds the non-readers of a notice (once per notice per day).
pub async fn remind(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RemindView>> {
    let n = notice(&state, &who, id).await?;
    let template = template(&state)?;
    let day = Utc::now().with_timezone(&state.config.core.service_tz).date_naive();
    let mut tx = state.db.begin().await?;
    let done = reminders::remind(&mut tx, n.id, &n.title, day, who.user().id, template).await?;
    let done = done.ok_or_else(|| ApiError::conflict("already_reminded", "the non-readers of this notice were reminded today"))?;
    let mut jobs = Enqueued::default();
    jobs.add(done.outbox.iter().copied());
    jobs.commit(tx, &state).await?;
    tracing::info!(user.id = who.user().id, notice.id = n.id, reminded = done.reminded, "non-readers reminded");
    Ok(Json(RemindView { notice_id: n.id, reminded: done.reminded }))
}
