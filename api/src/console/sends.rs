//! The subscribe-send log: every planned message with its status and WeChat's `errcode` and
//! error, newest first; filters by status, template (the configured templates) and the day it
//! was planned (the service time zone); pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use yizhan_common::subscribe::log::{self, SendFilter};
use yizhan_common::subscribe::{MessageKind, SendStatus};
use yizhan_common::{mask, time};

use super::layout::{html, local_time, Layout};
use super::list::{pagination, Pager};
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::state::AppState;

const LIST: &str = "/admin/console/sends";

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    template: Option<String>,
    date: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

pub fn status_label(s: SendStatus) -> &'static str {
    match s {
        SendStatus::Pending => "待发送",
        SendStatus::Sending => "发送中",
        SendStatus::Sent => "已发送",
        SendStatus::Failed => "失败",
        SendStatus::Skipped => "已跳过",
    }
}

/// The moments a service-zone day starts and ends.
pub(super) fn day_range(day: NaiveDate) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let tz = time::service_tz();
    let start = tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest()?;
    let end = tz.from_local_datetime(&day.succ_opt()?.and_hms_opt(0, 0, 0)?).earliest()?;
    Some((start.to_utc(), end.to_utc()))
}

struct SendRow {
    id: i64,
    kind: String,
    username: String,
    template_id: String,
    subject: String,
    openid: String,
    status: SendStatus,
    status_label: &'static str,
    errcode: String,
    error: String,
    attempts: i32,
    created: String,
    sent: String,
}

struct TemplateOption {
    id: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "console/sends.html")]
struct SendsPage {
    layout: Layout,
    rows: Vec<SendRow>,
    statuses: Vec<(&'static str, &'static str)>,
    templates: Vec<TemplateOption>,
    status: String,
    template: String,
    date: String,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let status: Option<SendStatus> = q.status.as_deref().and_then(|s| s.parse().ok());
    let template = q.template.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let day = q.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let filter = SendFilter { status, template_id: template.clone(), created: day.and_then(day_range) };
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = log::list(&mut conn, &filter, page.limit(), page.offset()).await?;
    drop(conn);
    let rows = rows
        .into_iter()
        .map(|s| SendRow {
            id: s.id,
            kind: s.kind,
            username: s.username,
            template_id: s.template_id,
            subject: match (s.appointment_id, s.waitlist_entry_id) {
                (Some(a), _) => format!("预约 #{a}"),
                (None, Some(w)) => format!("候补 #{w}"),
                (None, None) => String::new(),
            },
            openid: s.openid.as_deref().map(mask::openid).unwrap_or_default(),
            status: s.status,
            status_label: status_label(s.status),
            errcode: s.errcode.map(|c| c.to_string()).unwrap_or_default(),
            error: s.error.unwrap_or_default(),
            attempts: s.attempts,
            created: local_time(s.created_at),
            sent: s.sent_at.map(local_time).unwrap_or_default(),
        })
        .collect();
    let templates = MessageKind::ALL.iter().map(|k| TemplateOption { id: state.config.templates.template(*k).to_owned(), kind: k.as_str() }).collect();
    let (status, template, date) = (status.map_or("", SendStatus::as_str).to_owned(), template.unwrap_or_default(), day.map(|d| d.to_string()).unwrap_or_default());
    let pager = Pager::new(LIST, &[("status", &status), ("template", &template), ("date", &date)], page, u64::try_from(total).unwrap_or(0));
    let statuses = SendStatus::ALL.iter().map(|s| (s.as_str(), status_label(*s))).collect();
    let layout = Layout::new(&state, &me.session, "sends", "订阅消息发送记录").await?;
    Ok(html(&SendsPage { layout, rows, statuses, templates, status, template, date, pager }))
}
