//! A counselor's H5 pages (老师可以使用微信进行简单的通知推送和管理): binding their WeChat account
//! with the phone on file and an admin's one-time code (`POST /school/counselor-binding`'s code),
//! then composing a simple notice to some of their classes and sending it (`POST /school/notices`'s
//! code), and its statistics (`GET /school/notices/{id}/stats`'s), from WeChat. Others get 403.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use yizhan_common::notices::{categories, classes, Scope};

use super::student::{as_page, bind_error, body};
use super::{check_csrf, render, see_other, H5Error, H5Result, H5User};
use crate::console::form::{chinese, Fields};
use crate::error::ApiError;
use crate::notice_shapes::{SentNotice, Stats};
use crate::extract::{ApiJson, ApiPath, Authorized};
use crate::routes::notices::for_pages::{self as api, SchoolStaff};
use crate::state::AppState;

type Staff = Result<Authorized<SchoolStaff>, ApiError>;

fn staff(who: Staff) -> H5Result<Authorized<SchoolStaff>> {
    who.map_err(|_| H5Error::Page(StatusCode::FORBIDDEN, "只有辅导员和管理员可以发通知。".into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CounselorBinding {
    bound: bool,
    name: Option<String>,
}

#[derive(Template)]
#[template(path = "h5/counselor_bind.html")]
struct BindPage {
    b: CounselorBinding,
    csrf: String,
    phone: String,
    error: Option<String>,
}

/// `GET /h5/school/counselor-bind`.
pub async fn bind_page(State(state): State<AppState>, user: H5User) -> H5Result<Response> {
    let b = as_page(&api::counselor_binding(State(state), user.auth.clone()).await?.0)?;
    Ok(render(&BindPage { b, csrf: user.csrf, phone: String::new(), error: None }))
}

/// `POST /h5/school/counselor-bind` (`phone`, `code`): binds, or shows the form again with the reason.
pub async fn bind(State(state): State<AppState>, user: H5User, form: axum::body::Bytes) -> H5Result<Response> {
    let form = Fields::parse(&form);
    check_csrf(&user, &form)?;
    let phone = form.text("phone");
    let req = body(json!({"phone": phone, "code": form.text("code")}))?;
    match api::bind_counselor(State(state.clone()), user.auth.clone(), ApiJson(req)).await {
        Ok(b) => Ok(render(&BindPage { b: as_page(&b.0)?, csrf: user.csrf, phone, error: None })),
        Err(err) if err.status().is_client_error() && err.status().as_u16() != 403 => {
            let b = as_page(&api::counselor_binding(State(state), user.auth.clone()).await?.0)?;
            let error = match err.code() {
                "validation_failed" => "请填写手机号和 6 位绑定码。".to_owned(),
                _ => bind_error(&err).replace("学号", "手机号").replace("向辅导员", "向管理员"),
            };
            Ok(render(&BindPage { b, csrf: user.csrf, phone, error: Some(error) }))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "h5/compose.html")]
struct ComposePage {
    classes: Vec<(i64, String, bool)>,
    categories: Vec<(i64, String)>,
    csrf: String,
    title: String,
    text: String,
    errors: Vec<String>,
}

async fn compose(state: &AppState, user: &H5User, who: &Authorized<SchoolStaff>, form: Option<&Fields>, errors: Vec<String>) -> H5Result<Response> {
    let mut conn = state.db.acquire().await?;
    let scope = Scope::of(&mut conn, who.user()).await?;
    let (mine, _) = classes::list(&mut conn, scope, None, 100, 0).await?;
    let ticked: Vec<String> = form.map(|f| f.all("class")).unwrap_or_default();
    let classes = mine.into_iter().map(|c| (c.id, c.name, ticked.contains(&c.id.to_string()))).collect();
    let categories = categories::list(&mut conn).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(render(&ComposePage {
        classes,
        categories,
        csrf: user.csrf.clone(),
        title: form.map(|f| f.text("title")).unwrap_or_default(),
        text: form.map(|f| f.raw("body")).unwrap_or_default(),
        errors,
    }))
}

/// `GET /h5/school/compose`.
pub async fn compose_page(State(state): State<AppState>, user: H5User, who: Staff) -> H5Result<Response> {
    let who = staff(who)?;
    compose(&state, &user, &who, None, Vec::new()).await
}

/// The form's plain text as the notice's body: each line a paragraph (escaped; the API's
/// sanitizer keeps it as text).
fn paragraphs(text: &str) -> String {
    let esc = |l: &str| l.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| format!("<p>{}</p>", esc(l))).collect()
}

/// `POST /h5/school/compose` (`title`, `body`, `categoryId`, `urgency`, `requireConfirm`, `class`
/// repeated): sends, then shows its statistics; refused fields are listed above the form.
pub async fn send(State(state): State<AppState>, user: H5User, who: Staff, form: axum::body::Bytes) -> H5Result<Response> {
    let who = staff(who)?;
    let form = Fields::parse(&form);
    check_csrf(&user, &form)?;
    let class_ids: Vec<i64> = form.all("class").iter().filter_map(|v| v.parse().ok()).collect();
    let category: i64 = form.text("categoryId").parse().unwrap_or(0);
    let req = body(json!({
        "title": form.text("title"),
        "body": paragraphs(&form.raw("body")),
        "categoryId": category,
        "urgency": form.optional("urgency").unwrap_or_else(|| "normal".into()),
        "requireConfirm": form.has("requireConfirm"),
        "audience": {"kind": "classes", "classIds": class_ids},
    }))?;
    match api::send_notice(State(state.clone()), who.clone(), ApiJson(req)).await {
        Ok((_, sent)) => {
            let sent: SentNotice = as_page(&sent.0)?;
            Ok(see_other(&format!("/h5/school/sent/{}", sent.id)))
        }
        Err(err) if err.code() == "validation_failed" => {
            let errors = err.fields().iter().map(|(k, v)| format!("{}：{}", label(k), chinese(v))).collect();
            compose(&state, &user, &who, Some(&form), errors).await
        }
        Err(err) => Err(err.into()),
    }
}

fn label(field: &str) -> &str {
    match field {
        "title" => "标题",
        "body" => "正文",
        "categoryId" => "分类",
        "urgency" => "紧急程度",
        f if f.starts_with("audience") => "班级",
        f => f,
    }
}

#[derive(Template)]
#[template(path = "h5/sent.html")]
struct SentPage {
    n: SentNotice,
    s: Stats,
}

/// `GET /h5/school/sent/{id}`: a sent notice's statistics (the author's: admins any, a counselor
/// their own).
pub async fn sent_page(State(state): State<AppState>, _user: H5User, who: Staff, Path(id): Path<i64>) -> H5Result<Response> {
    let who = staff(who)?;
    let n: SentNotice = as_page(&api::notice(State(state.clone()), who.clone(), ApiPath(id)).await?.0)?;
    let s: Stats = as_page(&api::stats(State(state), who, ApiPath(id)).await?.0)?;
    Ok(render(&SentPage { n, s }))
}
