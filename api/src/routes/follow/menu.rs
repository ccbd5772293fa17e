//! The Official Account's custom menu (seed 004's 自定义菜单: 绑定, 通知, 设置, …): admins read
//! and save it (every WeChat rule checked before anything is written) and publish it through the
//! `publish_menu` job; the answer says which version WeChat has.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::follow::menu::{self, Menu, MenuButton};
use yizhan_common::jobs::kinds::PublishMenu;
use yizhan_common::outbox::Enqueue;
use yizhan_common::time::{serialize_local, serialize_local_opt};

use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiJson, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_FOLLOW;
use crate::state::AppState;

/// The menu to save.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"buttons": [
    {"name": "绑定", "type": "click", "key": "BIND", "reply": "点击链接绑定学号：https://h.example/bind"},
    {"name": "通知", "subButtons": [{"name": "最新通知", "type": "view", "url": "https://h.example/notices"}, {"name": "设置", "type": "click", "key": "SETTINGS", "reply": "在这里选择关注的通知分类"}]}
]}))]
pub struct MenuBody {
    #[schema(value_type = Vec<Object>)]
    pub buttons: Vec<MenuButton>,
}

/// The saved menu and where its publishing stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"buttons": [{"name": "绑定", "type": "click", "key": "BIND", "reply": "点击链接绑定"}], "version": 3, "publishedVersion": 2, "status": "draft", "error": null, "updatedAt": "2026-12-05T11:40:00+08:00", "publishedAt": "2026-12-04T17:00:00+08:00"}))]
pub struct MenuView {
    #[schema(value_type = Vec<Object>)]
    pub buttons: Vec<MenuButton>,
    /// Bumped by every save.
    pub version: i32,
    /// The version WeChat has (null: never published).
    pub published_version: Option<i32>,
    /// `draft` (saved, not published), `publishing`, `published`, `failed` (see `error`).
    pub status: String,
    pub error: Option<String>,
    #[serde(serialize_with = "serialize_local")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "serialize_local_opt")]
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Menu> for MenuView {
    fn from(m: Menu) -> Self {
        Self {
            buttons: m.buttons,
            version: m.version,
            published_version: m.published_version,
            status: m.status.as_str().to_owned(),
            error: m.error,
            updated_at: m.updated_at,
            published_at: m.published_at,
        }
    }
}

async fn current(state: &AppState) -> ApiResult<MenuView> {
    let mut conn = state.db.acquire().await?;
    menu::load(&mut conn).await?.map(MenuView::from).ok_or_else(|| ApiError::not_found("menu"))
}

#[utoipa::path(get, path = "/school/menu", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    responses((status = 200, description = "The saved menu", body = MenuView), (status = 404, description = "No menu saved yet", body = ErrorEnvelope)))]
/// The saved custom menu.
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<Json<MenuView>> {
    Ok(Json(current(&state).await?))
}

#[utoipa::path(put, path = "/school/menu", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = MenuBody,
    responses((status = 200, description = "Saved as the next version (a draft until published)", body = MenuView),
        (status = 422, description = "A WeChat rule is broken (each field named, e.g. `buttons[1].subButtons[0].name`); nothing saved", body = ErrorEnvelope)))]
/// Saves the custom menu.
pub async fn save(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<MenuBody>) -> ApiResult<Json<MenuView>> {
    let errors = menu::check(&b.buttons);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors.into_iter().collect()));
    }
    let mut conn = state.db.acquire().await?;
    menu::save(&mut conn, &b.buttons).await?;
    drop(conn);
    Ok(Json(current(&state).await?))
}

#[utoipa::path(post, path = "/school/menu/publish", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    responses((status = 202, description = "Publishing (`status: publishing`); `GET /school/menu` tells when WeChat has it", body = MenuView),
        (status = 404, description = "No menu saved yet", body = ErrorEnvelope)))]
/// Publishes the saved menu to WeChat.
pub async fn publish(State(state): State<AppState>, _: Authorized<AdminOnly>) -> ApiResult<(StatusCode, Json<MenuView>)> {
    let mut tx = state.db.begin().await?;
    if !menu::start_publishing(&mut tx).await? {
        return Err(ApiError::not_found("menu"));
    }
    let mut jobs = Enqueued::default();
    jobs.add(PublishMenu {}.enqueue(&mut tx).await?);
    jobs.commit(tx, &state).await?;
    Ok((StatusCode::ACCEPTED, Json(current(&state).await?)))
}
