//! The daily broadcast (每日播报): `GET|POST /school/broadcasts`, `PATCH|DELETE …/{id}` for admins and
//! counselors (a counselor schedules for their own classes and sees their own broadcasts), and
//! `GET|PUT /school/broadcast-subscription`, a student's opt-in (H5). The scheduler's minute
//! firing sends what is due (`notices::broadcasts`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::notices::broadcasts::{self, Broadcast, BroadcastKind, NewBroadcast, MAX_BODY_CHARS};
use yizhan_common::notices::{classes, Scope};
use yizhan_common::time::serialize_local;

use super::reading::my_student;
use super::{scope_of, SchoolStaff};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, AuthUser, Authorized};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_NOTICES;
use crate::state::AppState;

/// A scheduled broadcast.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": 2, "classIds": [1, 3], "sendAt": "07:30", "kind": "notices", "body": "", "lastDay": "2026-12-05", "createdAt": "2026-12-04T20:00:00+08:00"}))]
pub struct BroadcastView {
    id: i64,
    class_ids: Vec<i64>,
    /// The time of day, in the service time zone (`HH:MM`).
    send_at: String,
    /// `text` (the body) or `notices` (the titles of the day's notices each student received).
    kind: String,
    body: String,
    /// The last day it went out.
    last_day: Option<NaiveDate>,
    #[serde(serialize_with = "serialize_local")]
    created_at: DateTime<Utc>,
}

impl From<Broadcast> for BroadcastView {
    fn from(b: Broadcast) -> Self {
        Self {
            id: b.id,
            class_ids: b.class_ids,
            send_at: b.send_at.format("%H:%M").to_string(),
            kind: b.kind.to_string(),
            body: b.body,
            last_day: b.last_day,
            created_at: b.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"classIds": [1], "sendAt": "07:30", "kind": "text", "body": "今天降温，注意添衣。"}))]
pub struct BroadcastBody {
    /// 1–50 classes the caller looks after.
    #[serde(default)]
    class_ids: Vec<i64>,
    /// `HH:MM`, the service time zone.
    #[serde(default)]
    send_at: String,
    /// `text` or `notices`.
    #[serde(default)]
    kind: String,
    /// `text`: 1–600 characters.
    #[serde(default)]
    body: String,
}

#[utoipa::path(get, path = "/school/broadcasts", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    responses((status = 200, description = "The broadcasts the caller sees (a counselor their own)", body = [BroadcastView])))]
/// The daily broadcasts.
pub async fn list(State(state): State<AppState>, who: Authorized<SchoolStaff>) -> ApiResult<Json<Vec<BroadcastView>>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(broadcasts::list(&mut conn, scope).await?.into_iter().map(BroadcastView::from).collect()))
}

#[utoipa::path(post, path = "/school/broadcasts", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = BroadcastBody,
    responses((status = 201, description = "Scheduled: it goes out every day at `sendAt` to the students of the classes who opted in", body = BroadcastView),
        (status = 422, description = "A bad or unseen class, time, kind or body (named)", body = ErrorEnvelope),
        (status = 503, description = "`unavailable`: no notice template configured", body = ErrorEnvelope)))]
/// Schedules a daily broadcast.
pub async fn create(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiJson(b): ApiJson<BroadcastBody>) -> ApiResult<(StatusCode, Json<BroadcastView>)> {
    let scope = scope_of(&state, &who).await?;
    let template = state.config.notices.template.as_deref().ok_or_else(|| ApiError::unavailable("notices are not configured (NOTICE_TEMPLATE)"))?;
    let mut conn = state.db.acquire().await?;
    let (send_at, kind) = checked(&mut conn, scope, &b).await?;
    let new = NewBroadcast { counselor_id: scope.owner(), created_by: who.user().id, class_ids: &b.class_ids, send_at, kind, body: b.body.trim(), template_id: template };
    let id = broadcasts::create(&mut conn, &new).await?;
    let made = broadcasts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::internal("the new broadcast is gone"))?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// `b`'s time and kind once every field is right (else 422 naming each wrong one).
async fn checked(conn: &mut sqlx::PgConnection, scope: Scope, b: &BroadcastBody) -> ApiResult<(NaiveTime, BroadcastKind)> {
    let mut errors = FieldErrors::new();
    errors.check(b.class_ids.is_empty() || b.class_ids.len() > 50, "classIds", "must name 1 to 50 classes");
    for (i, id) in b.class_ids.iter().enumerate() {
        if classes::find(&mut *conn, scope, *id).await?.is_none() {
            errors.add(&format!("classIds[{i}]"), "is not a class you look after");
        }
    }
    let send_at = NaiveTime::parse_from_str(b.send_at.trim(), "%H:%M").ok();
    errors.check(send_at.is_none(), "sendAt", "must be a time of day, HH:MM");
    let kind = b.kind.parse::<BroadcastKind>().ok();
    errors.check(kind.is_none(), "kind", "must be text or notices");
    let body = b.body.trim();
    if kind == Some(BroadcastKind::Text) {
        errors.text("body", body, MAX_BODY_CHARS);
    } else {
        errors.optional_text("body", Some(body), MAX_BODY_CHARS);
    }
    errors.finish()?;
    send_at.zip(kind).ok_or_else(|| ApiError::internal("checked above"))
}

#[utoipa::path(patch, path = "/school/broadcasts/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])), request_body = BroadcastPatch,
    params(("id" = i64, Path, description = "The broadcast's id")),
    responses((status = 200, description = "Changed (fields left out keep their value); a day already sent is not sent again", body = BroadcastView),
        (status = 404, description = "Not a broadcast the caller sees", body = ErrorEnvelope),
        (status = 422, description = "A bad or unseen class, time, kind or body (named); nothing changed", body = ErrorEnvelope)))]
/// Changes a daily broadcast.
pub async fn update(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>, ApiJson(patch): ApiJson<BroadcastPatch>) -> ApiResult<Json<BroadcastView>> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    let old = broadcasts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("broadcast"))?;
    let b = BroadcastBody {
        class_ids: patch.class_ids.unwrap_or(old.class_ids),
        send_at: patch.send_at.unwrap_or_else(|| old.send_at.format("%H:%M").to_string()),
        kind: patch.kind.unwrap_or_else(|| old.kind.to_string()),
        body: patch.body.unwrap_or(old.body),
    };
    let (send_at, kind) = checked(&mut conn, scope, &b).await?;
    let new = NewBroadcast { counselor_id: old.counselor_id, created_by: who.user().id, class_ids: &b.class_ids, send_at, kind, body: b.body.trim(), template_id: &old.template_id };
    if !broadcasts::update(&mut conn, scope, id, &new).await? {
        return Err(ApiError::not_found("broadcast"));
    }
    let now = broadcasts::find(&mut conn, scope, id).await?.ok_or_else(|| ApiError::not_found("broadcast"))?;
    Ok(Json(now.into()))
}

/// The fields to change (left out: kept).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"sendAt": "21:00", "kind": "notices"}))]
pub struct BroadcastPatch {
    class_ids: Option<Vec<i64>>,
    send_at: Option<String>,
    kind: Option<String>,
    body: Option<String>,
}

#[utoipa::path(delete, path = "/school/broadcasts/{id}", tag = TAG_NOTICES, security(("token" = ["admin", "counselor"]), ("bearer" = ["admin", "counselor"])),
    params(("id" = i64, Path, description = "The broadcast's id")),
    responses((status = 204, description = "Deleted: it sends no more"), (status = 404, description = "Not a broadcast the caller sees", body = ErrorEnvelope)))]
/// Stops a daily broadcast.
pub async fn delete(State(state): State<AppState>, who: Authorized<SchoolStaff>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    let scope = scope_of(&state, &who).await?;
    let mut conn = state.db.acquire().await?;
    match broadcasts::delete(&mut conn, scope, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found("broadcast")),
    }
}

/// A student's choice.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"subscribed": true}))]
pub struct Subscription {
    /// Whether the student receives their counselor's daily broadcasts (never asked: no).
    pub subscribed: bool,
}

#[utoipa::path(get, path = "/school/broadcast-subscription", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "Whether the caller receives the daily broadcast", body = Subscription),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// The caller's daily-broadcast opt-in.
pub async fn show_subscription(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<Subscription>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(Subscription { subscribed: broadcasts::subscribed(&mut conn, student).await? }))
}

#[utoipa::path(put, path = "/school/broadcast-subscription", tag = TAG_NOTICES, security(("token" = []), ("bearer" = [])), request_body = Subscription,
    responses((status = 200, description = "The caller's choice now", body = Subscription),
        (status = 409, description = "`not_bound` or `no_openid`", body = ErrorEnvelope)))]
/// Opts in or out of the daily broadcast.
pub async fn set_subscription(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<Subscription>) -> ApiResult<Json<Subscription>> {
    let student = my_student(&state, &auth).await?;
    let mut conn = state.db.acquire().await?;
    broadcasts::subscribe(&mut conn, student, b.subscribed).await?;
    Ok(Json(Subscription { subscribed: broadcasts::subscribed(&mut conn, student).await? }))
}
