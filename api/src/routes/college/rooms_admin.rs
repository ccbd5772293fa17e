//! Seed 002's admin JSON routes for meeting rooms: `POST|GET /admin/meetingrooms/`,
//! `GET|PATCH|DELETE /admin/meetingrooms/{id}/` (`DELETE` archives: reservations keep their room).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use yizhan_common::college::rooms::{self, Changed, Room, RoomFields};

use super::page::DrfPage;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct RoomView {
    capacity: i32,
    equipment: String,
    id: i64,
    is_active: bool,
    labels: Vec<String>,
    location: String,
    name: String,
}

impl From<Room> for RoomView {
    fn from(r: Room) -> Self {
        Self { capacity: r.capacity, equipment: r.equipment, id: r.id, is_active: r.is_active, labels: r.labels, location: r.location, name: r.name }
    }
}

/// The fields of `POST` (name, location and capacity required) and `PATCH` (any).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomBody {
    name: Option<String>,
    location: Option<String>,
    labels: Option<Vec<String>>,
    capacity: Option<i32>,
    equipment: Option<String>,
    is_active: Option<bool>,
}

fn validate(b: RoomBody, creating: bool) -> Result<RoomFields, ApiError> {
    let mut errors = FieldErrors::new();
    for (field, value) in [("name", &b.name), ("location", &b.location)] {
        match value {
            Some(v) => errors.text(field, v, 100),
            None => errors.check(creating, field, "is required"),
        }
    }
    errors.check(creating && b.capacity.is_none(), "capacity", "is required");
    errors.check(b.capacity.is_some_and(|c| !(1..=10_000).contains(&c)), "capacity", "must be from 1 to 10000");
    errors.optional_text("equipment", b.equipment.as_deref(), 500);
    if let Some(labels) = &b.labels {
        errors.check(labels.len() > 20, "labels", "at most 20 labels");
        errors.check(labels.iter().any(|l| l.trim().is_empty() || l.chars().count() > 30 || l.contains('\0')), "labels", "each label is 1 to 30 characters");
    }
    errors.finish()?;
    let trim = |v: Option<String>| v.map(|s| s.trim().to_owned());
    let labels = b.labels.map(|ls| {
        let mut ls: Vec<String> = ls.into_iter().map(|l| l.trim().to_owned()).collect();
        ls.dedup();
        ls
    });
    Ok(RoomFields { name: trim(b.name), location: trim(b.location), labels, capacity: b.capacity, equipment: trim(b.equipment), is_active: b.is_active })
}

fn name_taken() -> ApiError {
    ApiError::conflict("room_exists", "the building has a room of that name already")
}

/// `POST /admin/meetingrooms/ {name, location, labels, capacity, equipment}` → 201 the room.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<(StatusCode, Json<RoomView>)> {
    let fields = validate(b, true)?;
    let mut conn = state.db.acquire().await?;
    let room = rooms::create(&mut conn, &fields).await?.ok_or_else(name_taken)?;
    Ok((StatusCode::CREATED, Json(room.into())))
}

#[derive(Debug, Deserialize)]
pub struct RoomQuery {
    location: Option<String>,
    archived: Option<String>,
}

/// `GET /admin/meetingrooms/?location=&archived=yes`: rooms by building and name, 20 per page.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<RoomQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<RoomView>>> {
    let archived = super::yes_no(q.archived.as_deref(), "archived")?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = rooms::list(&mut conn, q.location.as_deref().filter(|l| !l.is_empty()), archived, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(RoomView::from).collect(), total, page, &uri)))
}

/// `GET /admin/meetingrooms/{id}/`.
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoomView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(rooms::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("meeting room"))?.into()))
}

async fn change(state: &AppState, id: i64, fields: RoomFields) -> ApiResult<Room> {
    let mut conn = state.db.acquire().await?;
    match rooms::update(&mut conn, id, &fields).await? {
        Changed::Done(room) => Ok(room),
        Changed::NotFound => Err(ApiError::not_found("meeting room")),
        Changed::NameTaken => Err(name_taken()),
    }
}

/// `PATCH /admin/meetingrooms/{id}/`: the fields sent (`is_active: true` brings an archived room back).
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<Json<RoomView>> {
    let fields = validate(b, false)?;
    Ok(Json(change(&state, id, fields).await?.into()))
}

/// `DELETE /admin/meetingrooms/{id}/`: archives the room (no longer offered), 204.
pub async fn archive(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    change(&state, id, RoomFields { is_active: Some(false), ..RoomFields::default() }).await?;
    Ok(StatusCode::NO_CONTENT)
}
