//! Seed 004's notices in the console (admins every notice, a counselor their own): the list with
//! pages, and one notice's statistics — totals, per class, the vote's results, the non-readers
//! with pages — with "remind the non-readers" (once per notice per day) and the recipients' CSV.
//! Each goes through its JSON route's handler (`GET /school/notices`, `…/stats`, `…/non-readers`,
//! `…/vote-results`, `POST …/remind`, `…/recipients.csv`), so the rules and 404s are the same.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::CsrfForm;
use super::layout::{flash, html, Layout};
use super::list::{pagination, Pager};
use super::school::{as_page, caller};
use super::session::Signed;
use super::PageError;
use crate::extract::{ApiPath, Authorized};
use crate::notice_shapes::{short_time, urgency_label, SentNotice, Stats};
use crate::routes::notices::for_pages::{self as api, SchoolStaff};
use crate::state::AppState;

const LIST: &str = "/admin/console/notices";

fn staff(me: &Signed<SchoolStaff>) -> Result<Authorized<SchoolStaff>, PageError> {
    caller(me)
}

#[derive(Deserialize)]
pub struct PageQuery {
    pub(super) page: Option<String>,
    #[serde(rename = "pageSize")]
    pub(super) page_size: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: i64,
    title: String,
    category: String,
    urgency: String,
    recipients: i64,
    sent_at: String,
}

#[derive(Debug, Deserialize)]
struct NoticePage {
    count: u64,
    results: Vec<Row>,
}

impl Row {
    fn urgency_label(&self) -> &'static str {
        urgency_label(&self.urgency)
    }

    fn sent_label(&self) -> String {
        short_time(&self.sent_at)
    }
}

#[derive(Template)]
#[template(path = "console/notices.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
}

/// `GET /admin/console/notices`.
pub async fn list(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let found: NoticePage = as_page(&api::notices(State(state.clone()), staff(&me)?, page).await?.0)?;
    let pager = Pager::new(LIST, &[], page, found.count);
    let layout = Layout::new(&state, &me.session, "notices", "通知").await?;
    Ok(html(&ListPage { layout, rows: found.results, pager }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reader {
    student_no: String,
    name: String,
    class_name: String,
    delivery: String,
    send_status: Option<String>,
}

impl Reader {
    fn reach(&self) -> &'static str {
        match (self.delivery.as_str(), self.send_status.as_deref()) {
            ("unbound", _) => "未绑定",
            ("muted", _) => "未订阅该分类",
            (_, Some("sent")) => "已送达",
            (_, Some("failed")) => "发送失败",
            _ => "发送中",
        }
    }
}

#[derive(Debug, Deserialize)]
struct Readers {
    count: u64,
    results: Vec<Reader>,
}

#[derive(Debug, Deserialize)]
struct OptionResult {
    label: String,
    votes: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoteResults {
    options: Vec<OptionResult>,
    voted: i64,
    deadline: String,
    closed: bool,
}

impl VoteResults {
    fn deadline_label(&self) -> String {
        short_time(&self.deadline)
    }
}

#[derive(Template)]
#[template(path = "console/notice.html")]
struct ShowPage {
    layout: Layout,
    n: SentNotice,
    s: Stats,
    vote: Option<VoteResults>,
    readers: Vec<Reader>,
    pager: Pager,
}

/// `GET /admin/console/notices/{id}?page=`: the statistics and the non-readers.
pub async fn show(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let who = staff(&me)?;
    let n: SentNotice = as_page(&api::notice(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?;
    let s: Stats = as_page(&api::stats(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?;
    let vote = match n.has_vote {
        true => Some(as_page(&api::vote_results(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?),
        false => None,
    };
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let readers: Readers = as_page(&api::non_readers(State(state.clone()), who, ApiPath(id), page).await?.0)?;
    let pager = Pager::new(&format!("{LIST}/{id}"), &[], page, readers.count);
    let layout = Layout::new(&state, &me.session, "notices", n.title.clone()).await?;
    Ok(html(&ShowPage { layout, n, s, vote, readers: readers.results, pager }))
}

/// `POST /admin/console/notices/{id}/remind`: the non-readers WeChat can reach get a reminder.
pub async fn remind(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let message = match api::remind(State(state.clone()), staff(&me)?, ApiPath(id)).await {
        Ok(done) => {
            let done: serde_json::Value = as_page(&done.0)?;
            format!("已提醒 {} 位未读的学生。", done["reminded"])
        }
        Err(err) if err.code() == "already_reminded" => "今天已经提醒过，明天再试。".to_owned(),
        Err(err) => return Err(err.into()),
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
}

/// `GET /admin/console/notices/{id}/recipients.csv`.
pub async fn csv(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(api::recipients_csv(State(state), staff(&me)?, ApiPath(id)).await?)
}
