//! The student's H5 pages: bind (学号 + the counselor's one-time code), the categories followed
//! (设置) with the daily broadcast and location opt-ins, and a notice (read on opening; confirm, vote, attachments). Each goes through the JSON
//! route's own handler with the signed-in user.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::list::ListQuery;
use super::paging::Pager;
use super::talk::{talk_of, Talk};
use super::{check_csrf, render, see_other, H5Error, H5Result, H5User};
use crate::console::form::Fields;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::notice_shapes;
use crate::routes::notices::for_pages as api;
use crate::state::AppState;

/// A JSON answer read as a page's own shape (the pages show exactly what the JSON API answers).
pub(super) fn as_page<T: Serialize, U: DeserializeOwned>(v: &T) -> H5Result<U> {
    Ok(notice_shapes::read(v)?)
}

/// A request body for a JSON handler, from the form's fields.
pub(super) fn body<T: DeserializeOwned>(v: serde_json::Value) -> H5Result<T> {
    serde_json::from_value(v).map_err(|e| H5Error::from(ApiError::field("form", e.to_string())))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Binding {
    bound: bool,
    active: Option<bool>,
    student_no: Option<String>,
    name: Option<String>,
    class_name: Option<String>,
}

#[derive(Template)]
#[template(path = "h5/bind.html")]
struct BindPage {
    b: Binding,
    csrf: String,
    error: Option<String>,
    student_no: String,
}

/// `GET /h5/school/bind`.
pub async fn bind_page(State(state): State<AppState>, user: H5User) -> H5Result<Response> {
    let b = as_page(&api::binding(State(state), user.auth.clone()).await?.0)?;
    Ok(render(&BindPage { b, csrf: user.csrf, error: None, student_no: String::new() }))
}

/// `POST /h5/school/bind` (`studentNo`, `code`): binds, or shows the form again with the reason.
pub async fn bind(State(state): State<AppState>, user: H5User, form: axum::body::Bytes) -> H5Result<Response> {
    let form = Fields::parse(&form);
    check_csrf(&user, &form)?;
    let student_no = form.text("studentNo");
    let req = body(json!({"studentNo": student_no, "code": form.text("code"), "method": "counselor"}))?;
    match api::bind(State(state.clone()), user.auth.clone(), ApiJson(req)).await {
        Ok(b) => Ok(render(&BindPage { b: as_page(&b.0)?, csrf: user.csrf, error: None, student_no })),
        Err(err) if err.status().is_client_error() && err.status().as_u16() != 403 => {
            let b = as_page(&api::binding(State(state), user.auth.clone()).await?.0)?;
            Ok(render(&BindPage { b, csrf: user.csrf, error: Some(bind_error(&err)), student_no }))
        }
        Err(err) => Err(err.into()),
    }
}

pub(super) fn bind_error(err: &ApiError) -> String {
    match err.code() {
        "invalid_code" => {
            let left = err.message().rsplit_once("; ").and_then(|(_, l)| l.split(' ').next()).and_then(|n| n.parse::<u32>().ok());
            left.map_or_else(|| "学号或验证码不对。".to_owned(), |n| format!("学号或验证码不对，还可尝试 {n} 次。"))
        }
        "code_expired" => "验证码已失效，请向辅导员重新索取。".into(),
        "rate_limited" => "尝试次数太多，请稍后再试。".into(),
        "validation_failed" => "请填写学号和 6 位验证码。".into(),
        _ => err.message().to_owned(),
    }
}

#[derive(Debug, Deserialize)]
struct Category {
    id: i64,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chosen {
    category_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
struct Subscription {
    subscribed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sharing {
    share: bool,
    retention_hours: i64,
}

#[derive(Template)]
#[template(path = "h5/settings.html")]
struct SettingsPage {
    categories: Vec<(Category, bool)>,
    broadcast: bool,
    location: Sharing,
    csrf: String,
    saved: bool,
}

async fn settings(state: &AppState, user: H5User, saved: bool) -> H5Result<Response> {
    let chosen: Chosen = as_page(&api::show_settings(State(state.clone()), user.auth.clone()).await.map_err(not_bound)?.0)?;
    let all: Vec<Category> = as_page(&api::categories(State(state.clone()), user.auth.clone()).await?.0)?;
    let broadcast: Subscription = as_page(&api::show_subscription(State(state.clone()), user.auth.clone()).await?.0)?;
    let location: Sharing = as_page(&api::show_sharing(State(state.clone()), user.auth.clone()).await?.0)?;
    let categories = all.into_iter().map(|c| {
        let on = chosen.category_ids.contains(&c.id);
        (c, on)
    });
    Ok(render(&SettingsPage { categories: categories.collect(), broadcast: broadcast.subscribed, location, csrf: user.csrf, saved }))
}

/// `GET /h5/school/settings`: the categories (the followed ones ticked), the daily broadcast and
/// location sharing opt-ins.
pub async fn settings_page(State(state): State<AppState>, user: H5User) -> H5Result<Response> {
    settings(&state, user, false).await
}

/// `POST /h5/school/settings` (`category` repeated; `broadcast`, `location` when ticked).
pub async fn save_settings(State(state): State<AppState>, user: H5User, form: axum::body::Bytes) -> H5Result<Response> {
    let form = Fields::parse(&form);
    check_csrf(&user, &form)?;
    let ids: Vec<i64> = form.all("category").iter().filter_map(|v| v.trim().parse().ok()).collect();
    let _saved = api::set_settings(State(state.clone()), user.auth.clone(), ApiJson(body(json!({"categoryIds": ids}))?)).await.map_err(not_bound)?;
    let on = |name: &str| !form.text(name).is_empty();
    let _saved = api::set_subscription(State(state.clone()), user.auth.clone(), ApiJson(body(json!({"subscribed": on("broadcast")}))?)).await?;
    let _saved = api::set_sharing(State(state.clone()), user.auth.clone(), ApiJson(body(json!({"share": on("location")}))?)).await?;
    settings(&state, user, true).await
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vote {
    options: Vec<String>,
    max_choices: i32,
    deadline: String,
    closed: bool,
    my_choices: Vec<i16>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    file_id: String,
    name: String,
    size: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notice {
    id: i64,
    title: String,
    /// Sanitized on save (`notices::rich_text`): shown as HTML.
    body: String,
    category: String,
    urgency: String,
    require_confirm: bool,
    confirmed_at: Option<String>,
    vote: Option<Vote>,
    attachments: Vec<Attachment>,
}

impl Vote {
    /// `2026-12-12 18:00` (the service zone's wall clock, as the API gives it).
    fn deadline_label(&self) -> String {
        notice_shapes::short_time(&self.deadline)
    }
}

impl Notice {
    fn urgency_label(&self) -> &'static str {
        notice_shapes::urgency_label(&self.urgency)
    }
}

impl Attachment {
    fn size_label(&self) -> String {
        match self.size {
            n if n >= 1024 * 1024 => format!("{} MB", n / 1024 / 1024),
            n if n >= 1024 => format!("{} KB", n / 1024),
            n => format!("{n} B"),
        }
    }
}

#[derive(Template)]
#[template(path = "h5/notice.html")]
struct NoticePage {
    n: Notice,
    talk: Talk,
    /// The comments' pages.
    pager: Pager,
    csrf: String,
    shown: Shown,
}

/// What the notice page says after a form: a confirmation, or a refusal with the text kept.
#[derive(Debug, Default)]
pub(super) struct Shown {
    pub flash: Option<String>,
    pub problem: Option<String>,
    pub comment: String,
    pub question: String,
    /// The comments' page.
    pub page: Option<String>,
}

impl Shown {
    pub fn flash(text: &str) -> Self {
        Self { flash: Some(text.to_owned()), ..Self::default() }
    }

    pub fn problem(text: String) -> Self {
        Self { problem: Some(text), ..Self::default() }
    }

    pub fn with_comment(self, comment: String) -> Self {
        Self { comment, ..self }
    }

    pub fn with_question(self, question: String) -> Self {
        Self { question, ..self }
    }
}

/// `GET /h5/school/notices/{id}?page=`: the notice, marked read for the caller, its comments
/// (`page`) and the caller's thread.
pub async fn notice_page(State(state): State<AppState>, user: H5User, Path(id): Path<i64>, Query(q): Query<ListQuery>) -> H5Result<Response> {
    show_notice(&state, user, id, Shown { page: q.page, ..Shown::default() }).await
}

pub(super) async fn show_notice(state: &AppState, user: H5User, id: i64, shown: Shown) -> H5Result<Response> {
    let n = as_page(&api::notice_page(State(state.clone()), user.auth.clone(), ApiPath(id)).await.map_err(not_bound)?.0)?;
    let mut talk = talk_of(state, &user, id, shown.page.as_deref()).await?;
    let pager = std::mem::take(&mut talk.pager);
    Ok(render(&NoticePage { n, talk, pager, csrf: user.csrf, shown }))
}

/// Someone not bound yet is sent to the bind page.
pub(super) fn not_bound(err: ApiError) -> H5Error {
    if err.code() == "not_bound" {
        H5Error::Redirect(see_other("/h5/school/bind"))
    } else {
        err.into()
    }
}

/// `POST /h5/school/notices/{id}/confirm`.
pub async fn confirm(State(state): State<AppState>, user: H5User, Path(id): Path<i64>, form: axum::body::Bytes) -> H5Result<Response> {
    check_csrf(&user, &Fields::parse(&form))?;
    let _confirmed = api::confirm(State(state.clone()), user.auth.clone(), ApiPath(id)).await.map_err(not_bound)?;
    show_notice(&state, user, id, Shown::flash("已确认")).await
}

/// `POST /h5/school/notices/{id}/vote` (`choice` repeated: option positions).
pub async fn vote(State(state): State<AppState>, user: H5User, Path(id): Path<i64>, form: axum::body::Bytes) -> H5Result<Response> {
    let form = Fields::parse(&form);
    check_csrf(&user, &form)?;
    let choices: Vec<i64> = form.all("choice").iter().filter_map(|v| v.trim().parse().ok()).collect();
    let flash = match api::vote(State(state.clone()), user.auth.clone(), ApiPath(id), ApiJson(body(json!({"choices": choices}))?)).await {
        Ok(_) => "投票已记录".to_owned(),
        Err(err) if err.code() == "vote_closed" => "投票已截止，未记录".to_owned(),
        Err(err) if err.code() == "validation_failed" => format!("未记录：{}", err.fields().values().cloned().collect::<Vec<_>>().join("; ")),
        Err(err) => return Err(not_bound(err)),
    };
    show_notice(&state, user, id, Shown::flash(&flash)).await
}

/// `GET /h5/school/notices/{id}/files/{file_id}`: an attachment, to its recipients and author.
pub async fn file(State(state): State<AppState>, user: H5User, Path((id, file_id)): Path<(i64, String)>) -> H5Result<Response> {
    Ok(api::attachment(State(state), user.auth, ApiPath((id, file_id))).await?)
}
