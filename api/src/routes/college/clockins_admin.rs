//! Check-in administration (seed 002 §5 打卡管理): `POST|GET /admin/activities/{id}/clockin-items/`,
//! `PUT /admin/activities/{id}/operators/`, and `GET
//! /admin/activities/{id}/clockin-items/{itemId}/token`, the current rotating code for admins and
//! the activity's operators, with a signed link that opens the QR display in a browser.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use yizhan_common::college::activities::checkin_token::{self, DisplayPass, WINDOW_SECS};
use yizhan_common::college::activities::clockins;
use yizhan_common::college::activities::items::{self, ClockinItem};

use super::BookRole;
use crate::college_admin::clockins::{self as shared, ItemBody, OperatorsBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiJson, ApiPath, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

/// How long a display link opens the display (a day's event at a projector); every load also
/// checks that its user may still show the codes.
pub const DISPLAY_PASS_HOURS: i64 = 8;

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    id: i64,
    activity_id: i64,
    label: String,
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    start: DateTime<Utc>,
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    end: DateTime<Utc>,
}

impl From<ClockinItem> for ItemView {
    fn from(i: ClockinItem) -> Self {
        Self { id: i.id, activity_id: i.activity_id, label: i.label, start: i.opens_at, end: i.closes_at }
    }
}

#[utoipa::path(post, path = "/admin/activities/{id}/clockin-items/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")), request_body = ItemBody,
    responses((status = 201, description = "The item", body = ItemView),
        (status = 404, description = "No such activity", body = ErrorEnvelope),
        (status = 409, description = "`label_exists`", body = ErrorEnvelope)))]
/// `POST /admin/activities/{id}/clockin-items/ {label, start, end}` → 201 the item (422 per
/// field, 404 unknown activity, 409 `label_exists`).
pub async fn add_item(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<ItemBody>) -> ApiResult<(StatusCode, Json<ItemView>)> {
    Ok((StatusCode::CREATED, Json(shared::add_item(&state, id, b).await?.into())))
}

#[utoipa::path(get, path = "/admin/activities/{id}/clockin-items/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "The activity's items by opening time", body = Vec<ItemView>),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `GET /admin/activities/{id}/clockin-items/`: the activity's items by opening time.
pub async fn items(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<ItemView>>> {
    shared::existing_activity(&state, id).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(items::of_activity(&mut conn, id).await?.into_iter().map(ItemView::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorsView {
    activity_id: i64,
    user_ids: Vec<i64>,
}

#[utoipa::path(put, path = "/admin/activities/{id}/operators/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")), request_body = OperatorsBody,
    responses((status = 200, description = "The operators now", body = OperatorsView),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `PUT /admin/activities/{id}/operators/ {user_ids: […]}`: exactly these users become the
/// activity's operators (422 naming unknown users).
pub async fn set_operators(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<OperatorsBody>,
) -> ApiResult<Json<OperatorsView>> {
    let user_ids = shared::set_operators(&state, id, b).await?;
    Ok(Json(OperatorsView { activity_id: id, user_ids }))
}

#[utoipa::path(get, path = "/admin/activities/{id}/operators/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "The activity's operators", body = OperatorsView),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `GET /admin/activities/{id}/operators/`: the activity's operators.
pub async fn operators(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<OperatorsView>> {
    shared::existing_activity(&state, id).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(OperatorsView { activity_id: id, user_ids: clockins::operators(&mut conn, id).await? }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// What the QR code holds.
    pub token: String,
    /// The 25-second window it was made in.
    pub window: i64,
    /// Seconds until the next window (1 to 25): when the display shows a new code.
    pub seconds_left: i64,
    /// When a scan of this code stops counting (the end of the next window).
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    pub expires_at: DateTime<Utc>,
    /// The QR display page for this item, with a signed pass (valid [`DISPLAY_PASS_HOURS`]).
    pub display_url: String,
}

/// The current code of an item and the display link for `user_id`, at the state's clock.
pub fn current_token(state: &AppState, activity_id: i64, item_id: i64, user_id: i64) -> ApiResult<TokenView> {
    let keys = state.checkin_keys()?;
    let now = state.now();
    let window = checkin_token::window_of(now);
    let expires_at = DateTime::from_timestamp((window + 2) * WINDOW_SECS, 0).unwrap_or(now);
    let pass = DisplayPass { activity_id, item_id, user_id, expires: now.timestamp() + DISPLAY_PASS_HOURS * 3600 };
    Ok(TokenView {
        token: keys.sign(activity_id, item_id, now),
        window,
        seconds_left: checkin_token::seconds_left(now),
        expires_at,
        display_url: format!("/admin/activities/{activity_id}/clockin-items/{item_id}/display?pass={}", keys.sign_display(pass)),
    })
}

#[utoipa::path(get, path = "/admin/activities/{id}/clockin-items/{item_id}/token", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("id" = i64, Path, description = "The activity's id"), ("item_id" = i64, Path, description = "The check-in item's id")),
    responses((status = 200, description = "The code to show now (admins and the activity's operators)", body = TokenView,
            example = json!({"token": "ck1.dev.AAAAAAAAAAMAAAAAAAAABwAAAAAEPdWg.3q2-7w", "window": 71161248, "seconds_left": 17,
                "expires_at": "2026-12-04T20:35:25+08:00", "display_url": "/admin/activities/3/clockin-items/7/display?pass=…"})),
        (status = 404, description = "No such activity or item, or not its operator", body = ErrorEnvelope),
        (status = 503, description = "`checkin_not_configured`: no check-in keys", body = ErrorEnvelope)))]
/// `GET /admin/activities/{id}/clockin-items/{itemId}/token`: the code to show now (admins and
/// the activity's operators; 404 unknown activity or item, 503 `checkin_not_configured`).
pub async fn token(State(state): State<AppState>, me: Authorized<BookRole>, ApiPath((id, item_id)): ApiPath<(i64, i64)>) -> ApiResult<Json<TokenView>> {
    state.checkin_keys()?;
    shared::may_operate(&state, id, me.user()).await?;
    let mut conn = state.db.acquire().await?;
    items::find(&mut conn, id, item_id).await?.ok_or_else(|| ApiError::not_found("check-in item"))?;
    Ok(Json(current_token(&state, id, item_id, me.user().id)?))
}
