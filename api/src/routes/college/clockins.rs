//! Seed 002's `POST|GET /activities/clockins/{activityId}`: check in by scanning the activity's
//! rotating QR code (`{token}`), and my check-ins to the activity.
//!
//! A scan is checked in this order: the code (400 with [`TokenError::code`]: `malformed`,
//! `unknown_key`, `forged`, `expired`, `wrong_activity`), the item it names (400 `unknown_item`),
//! my live enrollment (403 `not_enrolled`), the item's window (400 `item_not_open` before it,
//! `item_closed` after). A first check-in answers 201; scanning again answers 200 with the
//! check-in already recorded and `already: true` (one check-in per user and item, never two).
//!
//! [`TokenError::code`]: yizhan_common::college::activities::checkin_token::TokenError::code

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::college::activities::clockins::{self, Clockin, Recorded};
use yizhan_common::college::activities::items;

use super::{find_visible, ActivityMembers};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_COLLEGE;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockinView {
    id: i64,
    activity_id: i64,
    item_id: i64,
    label: String,
    #[serde(serialize_with = "yizhan_common::time::serialize_local")]
    created_at: DateTime<Utc>,
    /// Whether this scan found an earlier check-in (then nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    already: Option<bool>,
}

impl ClockinView {
    fn new(c: Clockin, already: Option<bool>) -> Self {
        Self { id: c.id, activity_id: c.activity_id, item_id: c.item_id, label: c.label, created_at: c.created_at, already }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanBody {
    /// What the QR code on the display holds.
    token: Option<String>,
}

#[utoipa::path(post, path = "/activities/clockins/{activity_id}", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(("activity_id" = i64, Path, description = "The activity's id")), request_body = ScanBody,
    responses((status = 201, description = "Checked in", body = ClockinView),
        (status = 200, description = "Checked in before (`already: true`); nothing changed", body = ClockinView),
        (status = 400, description = "The code is `expired`, `malformed`, `forged`, `unknown_key`, for another activity (`wrong_activity`), or its item is `unknown_item`, `item_not_open` or `item_closed`", body = ErrorEnvelope),
        (status = 403, description = "`not_enrolled`", body = ErrorEnvelope),
        (status = 503, description = "`checkin_not_configured`: no check-in keys", body = ErrorEnvelope)))]
/// `POST /activities/clockins/{activityId} {token}`: 201 checked in, 200 `already: true`.
pub async fn check_in(
    State(state): State<AppState>,
    me: Authorized<ActivityMembers>,
    ApiPath(activity_id): ApiPath<i64>,
    ApiJson(b): ApiJson<ScanBody>,
) -> ApiResult<(StatusCode, Json<ClockinView>)> {
    let token = b.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| ApiError::field("token", "is required"))?;
    if token.len() > 512 {
        return Err(ApiError::bad_request("malformed", "not a check-in code"));
    }
    let keys = state.checkin_keys()?;
    let mut conn = state.db.acquire().await?;
    find_visible(&mut conn, me.user(), activity_id).await?;
    let now = state.now();
    let scanned = keys.verify(&token, activity_id, None, now).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let item = items::find(&mut conn, activity_id, scanned.item_id)
        .await?
        .ok_or_else(|| ApiError::bad_request("unknown_item", "the code's check-in item no longer exists"))?;
    if !clockins::is_enrolled(&mut conn, activity_id, me.user().id).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "not_enrolled", "you are not enrolled in this activity"));
    }
    if now < item.opens_at {
        return Err(ApiError::bad_request("item_not_open", format!("check-in to {} has not opened yet", item.label)));
    }
    if now >= item.closes_at {
        return Err(ApiError::bad_request("item_closed", format!("check-in to {} has closed", item.label)));
    }
    Ok(match clockins::record(&mut conn, activity_id, item.id, me.user().id, now).await? {
        Recorded::New(c) => (StatusCode::CREATED, Json(ClockinView::new(c, Some(false)))),
        Recorded::Already(c) => (StatusCode::OK, Json(ClockinView::new(c, Some(true)))),
    })
}

#[utoipa::path(get, path = "/activities/clockins/{activity_id}", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor", "student"]), ("bearer" = ["staff", "admin", "counselor", "student"])), params(("activity_id" = i64, Path, description = "The activity's id")),
    responses((status = 200, description = "My check-ins to the activity, oldest first", body = Vec<ClockinView>),
        (status = 404, description = "No such activity", body = ErrorEnvelope)))]
/// `GET /activities/clockins/{activityId}`: my check-ins to the activity, oldest first.
pub async fn mine(State(state): State<AppState>, me: Authorized<ActivityMembers>, ApiPath(activity_id): ApiPath<i64>) -> ApiResult<Json<Vec<ClockinView>>> {
    let mut conn = state.db.acquire().await?;
    find_visible(&mut conn, me.user(), activity_id).await?;
    let rows = clockins::of_user(&mut conn, activity_id, me.user().id).await?;
    Ok(Json(rows.into_iter().map(|c| ClockinView::new(c, None)).collect()))
}
