//! The reply desk (客服) in the console: the inbox (the conversations the caller sees, newest
//! first, unread and window shown), one conversation with its messages and the answer form (text,
//! or an uploaded file's id as image, voice or video, music, news). Each goes through its JSON
//! route's handler (`GET /school/desk/conversations`, `…/{id}`, `POST …/{id}/answers`), so the
//! rules, the 404s and the 409 `window_closed` are the same; a refusal is shown in Chinese.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::form::{chinese, CsrfForm};
use super::layout::{flash, html, Layout};
use super::list::{pagination, Pager};
use super::notices::PageQuery;
use super::session::Signed;
use super::PageError;
use crate::extract::{ApiJson, ApiPath, Authorized};
use crate::notice_shapes::{read, short_time};
use crate::routes::notices::desk as api;
use crate::routes::notices::desk_answer::AnswerBody;
use crate::routes::notices::for_pages::SchoolStaff;
use crate::state::AppState;

const INBOX: &str = "/admin/console/desk";

fn staff(me: &Signed<SchoolStaff>) -> Result<Authorized<SchoolStaff>, PageError> {
    Authorized::of_user(me.session.user.clone()).ok_or_else(PageError::forbidden)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Conversation {
    id: i64,
    student_no: Option<String>,
    name: Option<String>,
    class_name: Option<String>,
    unread: i64,
    last_message: String,
    last_at: String,
    window_open: bool,
    window_open_until: Option<String>,
}

impl Conversation {
    fn who(&self) -> String {
        match (&self.name, &self.student_no) {
            (Some(name), Some(no)) => format!("{name}（{no}）"),
            _ => "未绑定的关注者".into(),
        }
    }

    fn class_label(&self) -> &str {
        self.class_name.as_deref().unwrap_or("")
    }

    fn last_label(&self) -> String {
        short_time(&self.last_at)
    }

    fn window_label(&self) -> String {
        match (&self.window_open_until, self.window_open) {
            (Some(until), true) => format!("可回复至 {}", short_time(until)),
            (Some(until), false) => format!("已于 {} 关闭", short_time(until)),
            (None, _) => "未开启".into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Inbox {
    count: u64,
    unread: i64,
    results: Vec<Conversation>,
}

#[derive(Template)]
#[template(path = "console/desk.html")]
struct InboxPage {
    layout: Layout,
    unread: i64,
    rows: Vec<Conversation>,
    pager: Pager,
}

/// `GET /admin/console/desk`: the inbox.
pub async fn inbox(State(state): State<AppState>, me: Signed<SchoolStaff>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let found: Inbox = read(&api::list(State(state.clone()), staff(&me)?, page).await?.0)?;
    let pager = Pager::new(INBOX, &[], page, found.count);
    let layout = Layout::new(&state, &me.session, "desk", "客服消息").await?;
    Ok(html(&InboxPage { layout, unread: found.unread, rows: found.results, pager }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    from_student: bool,
    preview: String,
    author_name: String,
    status: String,
    failure: Option<String>,
    created_at: String,
}

impl Message {
    fn at(&self) -> String {
        short_time(&self.created_at)
    }

    fn state(&self) -> &'static str {
        match (self.status.as_str(), self.failure.as_deref()) {
            ("received", _) => "",
            ("sent", _) => "已发送",
            ("failed", Some("window_closed")) => "未发送：48 小时回复窗口已关闭",
            ("failed", _) => "发送失败",
            _ => "发送中",
        }
    }
}

#[derive(Debug, Deserialize)]
struct Messages {
    count: u64,
    results: Vec<Message>,
}

#[derive(Debug, Deserialize)]
struct Detail {
    #[serde(flatten)]
    c: Conversation,
    messages: Messages,
}

#[derive(Template)]
#[template(path = "console/desk_conversation.html")]
struct ConversationPage {
    layout: Layout,
    c: Conversation,
    messages: Vec<Message>,
    pager: Pager,
}

/// `GET /admin/console/desk/{id}`: the conversation (now read) and the answer form.
pub async fn conversation(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let d: Detail = read(&api::show(State(state.clone()), staff(&me)?, ApiPath(id), page).await?.0)?;
    let pager = Pager::new(&format!("{INBOX}/{id}"), &[], page, d.messages.count);
    let layout = Layout::new(&state, &me.session, "desk", d.c.who()).await?;
    Ok(html(&ConversationPage { layout, c: d.c, messages: d.messages.results, pager }))
}

/// `POST /admin/console/desk/{id}/answer`: sends the answer; a refusal is flashed.
pub async fn answer(State(state): State<AppState>, me: Signed<SchoolStaff>, Path(id): Path<i64>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let body = AnswerBody {
        kind: f.text("type"),
        content: f.optional("content"),
        file_id: f.optional("fileId"),
        thumb_file_id: f.optional("thumbFileId"),
        title: f.optional("title"),
        description: f.optional("description"),
        music_url: f.optional("musicUrl"),
        hq_music_url: f.optional("hqMusicUrl"),
        url: f.optional("url"),
        pic_url: f.optional("picUrl"),
    };
    let message = match api::answer(State(state.clone()), staff(&me)?, ApiPath(id), ApiJson(body)).await {
        Ok(_) => "已提交，正在通过客服消息发送。".to_owned(),
        Err(err) if err.code() == "window_closed" => "学生最后一次发消息已超过 48 小时，微信不允许再发客服消息；请等学生再次发消息。".to_owned(),
        Err(err) if !err.fields().is_empty() => {
            let fields: Vec<String> = err.fields().iter().map(|(k, v)| format!("{k}：{}", chinese(v))).collect();
            format!("未发送：{}", fields.join("；"))
        }
        Err(err) => return Err(err.into()),
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(&format!("{INBOX}/{id}")).into_response())
}
