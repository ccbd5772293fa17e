//! Job queues: counts and the oldest pending job's age per queue, each queue's dead jobs with
//! their last error, and retrying one or all of them (all after a confirmation). The reads and
//! moves are `crate::queue_admin`'s, the same as the JSON `/admin/queues…` routes.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::QueueStats;

use super::form::CsrfForm;
use super::layout::{age, flash, html, local_time, Layout};
use super::list::{pagination, Pager};
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::queue_admin::{self, queue_name};
use crate::state::AppState;

const LIST: &str = "/admin/console/queues";

#[derive(Template)]
#[template(path = "console/queues.html")]
struct QueuesPage {
    layout: Layout,
    queues: Vec<QueueRow>,
    refresh: Option<u32>,
}

struct QueueRow {
    name: QueueName,
    stats: QueueStats,
    oldest: String,
}

#[derive(Deserialize)]
pub struct RefreshQuery {
    refresh: Option<String>,
}

/// `?refresh=10` reloads the page every 10 s (2–300), a live view without script.
pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<RefreshQuery>) -> Result<Response, PageError> {
    let stats = queue_admin::stats(&state).await?;
    let queues = stats.into_iter().map(|s| QueueRow { name: s.queue, oldest: age(s.oldest_pending_age_ms), stats: s }).collect();
    let refresh = q.refresh.and_then(|r| r.parse().ok()).map(|r: u32| r.clamp(2, 300));
    let layout = Layout::new(&state, &me.session, "queues", "任务队列").await?;
    Ok(html(&QueuesPage { layout, queues, refresh }))
}

#[derive(Template)]
#[template(path = "console/dead_jobs.html")]
struct DeadPage {
    layout: Layout,
    queue: QueueName,
    jobs: Vec<DeadRow>,
    pager: Pager,
}

struct DeadRow {
    id: String,
    kind: String,
    attempts: u32,
    died: String,
    last_error: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

pub async fn dead(State(state): State<AppState>, me: Signed<AdminOnly>, Path(name): Path<String>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let queue = queue_name(&name)?;
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let (jobs, total) = queue_admin::dead(&state, queue, page).await?;
    let jobs = jobs
        .into_iter()
        .map(|j| DeadRow { id: j.id, kind: j.kind, attempts: j.attempts, died: j.died_at.map(local_time).unwrap_or_default(), last_error: j.last_error })
        .collect();
    let layout = Layout::new(&state, &me.session, "queues", format!("{queue} 队列的死信任务")).await?;
    let pager = Pager::new(&format!("{LIST}/{queue}"), &[], page, total);
    Ok(html(&DeadPage { layout, queue, jobs, pager }))
}

pub async fn retry(State(state): State<AppState>, me: Signed<AdminOnly>, Path((name, id)): Path<(String, String)>, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let queue = queue_name(&name)?;
    let message = match queue_admin::retry(&state, me.user(), queue, &id).await {
        Ok(()) => format!("任务 {id} 已重新排队。"),
        Err(err) if err.status() == axum::http::StatusCode::NOT_FOUND => format!("任务 {id} 已不在死信列表中。"),
        Err(err) => return Err(err.into()),
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(&format!("{LIST}/{queue}")).into_response())
}

/// The confirmation step of a destructive action (without script; with it, `console.js` asks).
#[derive(Template)]
#[template(path = "console/confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub question: String,
    pub action: String,
    pub cancel: String,
}

/// Without `confirmed=1` it only asks; with it, every dead job of the queue is put back in line.
pub async fn retry_all(State(state): State<AppState>, me: Signed<AdminOnly>, Path(name): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let queue = queue_name(&name)?;
    if !f.confirmed() {
        let layout = Layout::new(&state, &me.session, "queues", "请确认").await?;
        let question = format!("确定要重试 {queue} 队列中的全部死信任务吗？");
        return Ok(html(&ConfirmPage { layout, question, action: format!("{LIST}/{queue}/retry-all"), cancel: format!("{LIST}/{queue}") }));
    }
    let moved = queue_admin::retry_all(&state, me.user(), queue).await?;
    flash(&state, &me.session, &format!("已重新排队 {moved} 个任务。")).await?;
    Ok(Redirect::to(&format!("{LIST}/{queue}")).into_response())
}
