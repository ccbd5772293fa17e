//! Meeting rooms (会议室) as an admin manages them, behind `POST|PATCH|DELETE
//! /admin/meetingrooms/…` and the console's rooms pages: the checks of a room's fields and the
//! writes (archiving is `is_active = false`: reservations keep their room).

use serde::Deserialize;
use yizhan_common::college::rooms::{self, Changed, Room, RoomFields};

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// The fields of `POST` (name, location and capacity required) and `PATCH` (any).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "301", "location": "行政楼", "labels": ["投影"], "capacity": 10, "equipment": "投影仪、白板"}))]
pub struct RoomBody {
    pub name: Option<String>,
    pub location: Option<String>,
    pub labels: Option<Vec<String>>,
    pub capacity: Option<i32>,
    pub equipment: Option<String>,
    pub is_active: Option<bool>,
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

/// Checks the fields (422 per field), then adds the room (409 `room_exists`).
pub async fn create_room(state: &AppState, b: RoomBody) -> ApiResult<Room> {
    let fields = validate(b, true)?;
    let mut conn = state.db.acquire().await?;
    rooms::create(&mut conn, &fields).await?.ok_or_else(name_taken)
}

/// Checks the fields sent, then changes them (404 unknown room, 409 `room_exists`);
/// `is_active: true` brings an archived room back.
pub async fn update_room(state: &AppState, id: i64, b: RoomBody) -> ApiResult<Room> {
    let fields = validate(b, false)?;
    change(state, id, fields).await
}

/// Archives the room: no longer offered, never deleted (404 unknown room).
pub async fn archive_room(state: &AppState, id: i64) -> ApiResult<Room> {
    change(state, id, RoomFields { is_active: Some(false), ..RoomFields::default() }).await
}

async fn change(state: &AppState, id: i64, fields: RoomFields) -> ApiResult<Room> {
    let mut conn = state.db.acquire().await?;
    match rooms::update(&mut conn, id, &fields).await? {
        Changed::Done(room) => Ok(room),
        Changed::NotFound => Err(ApiError::not_found("meeting room")),
        Changed::NameTaken => Err(name_taken()),
    }
}
