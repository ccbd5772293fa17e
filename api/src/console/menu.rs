//! The Official Account's custom menu (自定义菜单) in the console: the saved menu as JSON to edit
//! (the same body and checks as `PUT /school/menu`: a refusal is shown under the editor with each
//! field's message, nothing saved), where its publishing stands, and 发布 (`POST /school/menu/publish`'s
//! code: a job sends it to WeChat).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{chinese, CsrfForm};
use super::layout::{flash, html, Layout};
use super::session::Signed;
use super::PageError;
use crate::extract::{AdminOnly, ApiJson, Authorized};
use crate::notice_shapes::short_time;
use crate::routes::follow::{publish_menu, save_menu, show_menu};
use crate::state::AppState;

const PAGE: &str = "/admin/console/menu";
const EXAMPLE: &str = r#"{"buttons": [
  {"name": "绑定", "type": "click", "key": "BIND", "reply": "点击链接绑定学号"},
  {"name": "通知", "subButtons": [
    {"name": "设置", "type": "view", "url": "https://h5.example.edu/h5/school/settings"}]}]}"#;

#[derive(Template)]
#[template(path = "console/menu.html")]
struct MenuPage {
    layout: Layout,
    text: String,
    status: String,
    errors: Vec<String>,
}

fn admin(me: &Signed<AdminOnly>) -> Result<Authorized<AdminOnly>, PageError> {
    Authorized::of_user(me.session.user.clone()).ok_or_else(PageError::forbidden)
}

fn status_line(v: &serde_json::Value) -> String {
    let state = match v["status"].as_str() {
        Some("draft") => "草稿（未发布）",
        Some("publishing") => "发布中",
        Some("published") => "已发布",
        Some("failed") => "发布失败",
        _ => "",
    };
    let mut line = format!("第 {} 版，{state}，保存于 {}", v["version"], short_time(v["updatedAt"].as_str().unwrap_or_default()));
    if let Some(e) = v["error"].as_str() {
        line.push_str(&format!("；微信答复：{e}"));
    }
    line
}

async fn page(state: &AppState, me: &Signed<AdminOnly>, text: Option<String>, errors: Vec<String>, code: StatusCode) -> Result<Response, PageError> {
    let (saved, status) = match show_menu(State(state.clone()), admin(me)?).await {
        Ok(m) => {
            let v = serde_json::to_value(&m.0).map_err(crate::error::ApiError::internal)?;
            let buttons = serde_json::to_string_pretty(&serde_json::json!({"buttons": v["buttons"]})).unwrap_or_default();
            (buttons, status_line(&v))
        }
        Err(e) if e.code() == "not_found" => (EXAMPLE.to_owned(), "还没有保存过菜单（下面是示例）".to_owned()),
        Err(e) => return Err(e.into()),
    };
    let layout = Layout::new(state, &me.session, "menu", "公众号菜单").await?;
    Ok((code, html(&MenuPage { layout, text: text.unwrap_or(saved), status, errors })).into_response())
}

/// `GET /admin/console/menu`.
pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>) -> Result<Response, PageError> {
    page(&state, &me, None, Vec::new(), StatusCode::OK).await
}

/// `POST /admin/console/menu` (`menu`: the JSON): saves a new version (a draft until published).
pub async fn save(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let text = f.raw("menu");
    let body = match serde_json::from_str(&text) {
        Ok(b) => b,
        Err(e) => return page(&state, &me, Some(text), vec![format!("不是有效的菜单 JSON：{e}")], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match save_menu(State(state.clone()), admin(&me)?, ApiJson(body)).await {
        Ok(_) => {
            flash(&state, &me.session, "菜单已保存（草稿），发布后微信里才会看到。").await?;
            Ok(Redirect::to(PAGE).into_response())
        }
        Err(e) if e.code() == "validation_failed" => {
            let errors = e.fields().iter().map(|(k, v)| format!("{k}：{}", chinese(v))).collect();
            page(&state, &me, Some(text), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/console/menu/publish`: sends the latest saved menu to WeChat (a job).
pub async fn publish(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let _planned = publish_menu(State(state.clone()), admin(&me)?).await?;
    flash(&state, &me.session, "已提交发布，稍后刷新查看结果。").await?;
    Ok(Redirect::to(PAGE).into_response())
}
