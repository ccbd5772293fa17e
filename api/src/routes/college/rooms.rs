//! `GET /meetingrooms/available/?time_from&time_to&people_count&label&location&length` (seed 002
//! 四.2): without `length`, the bookable rooms free for the whole range; with `length` (minutes),
//! each room's free slots of that length starting on the grid (`ROOM_SLOT_GRID_MINUTES`, 15 by
//! default; at most 96 slots per room, the earliest). Grouped by building either way. Times are
//! ISO 8601 with an offset (`2026-12-04T09:00:00+08:00`).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::reservations::slots;
use yizhan_common::college::rooms::{self, Room, RoomSearch};

use super::rooms_admin::RoomView;
use super::BookRole;
use crate::error::{ApiError, ApiResult, FieldErrors, PeriodView};
use crate::extract::{ApiQuery, Authorized};
use crate::state::AppState;
use crate::openapi::TAG_COLLEGE;

/// The longest range one search may cover.
pub const MAX_RANGE_DAYS: i64 = 31;
/// The longest range a search for slots of a length may cover.
pub const MAX_SLOT_RANGE_DAYS: i64 = 7;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailableQuery {
    /// Required: ISO 8601 with an offset (`2026-12-04T09:00:00+08:00`).
    time_from: Option<DateTime<FixedOffset>>,
    /// Required: at most 31 days after `time_from` (7 with `length`).
    time_to: Option<DateTime<FixedOffset>>,
    /// Seats needed (1 by default).
    people_count: Option<i32>,
    /// Rooms with this label.
    label: Option<String>,
    /// Rooms in this building.
    location: Option<String>,
    /// Minutes: answer each room's free slots of this length instead.
    length: Option<u32>,
}

/// One building's free rooms (`R` is a room, or a room with its free slots).
#[derive(Debug, Serialize, ToSchema)]
pub struct Building<R> {
    location: String,
    meetingrooms: Vec<R>,
}

/// A room with its free slots of the length asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomSlotsView {
    #[serde(flatten)]
    room: RoomView,
    slots: Vec<PeriodView>,
}

/// The answer: rooms free for the whole range, or (with `length`) rooms with their free slots.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Available {
    Rooms(Vec<Building<RoomView>>),
    Slots(Vec<Building<RoomSlotsView>>),
}

fn by_building<T, R>(items: Vec<T>, room: impl Fn(&T) -> &Room, view: impl Fn(T) -> R) -> Vec<Building<R>> {
    let mut buildings: Vec<Building<R>> = Vec::new();
    for item in items {
        let location = room(&item).location.clone();
        match buildings.last_mut() {
            Some(b) if b.location == location => b.meetingrooms.push(view(item)),
            _ => buildings.push(Building { location, meetingrooms: vec![view(item)] }),
        }
    }
    buildings
}

fn search(q: AvailableQuery) -> Result<(RoomSearch, Option<TimeDelta>), ApiError> {
    let mut errors = FieldErrors::new();
    let range = crate::college_admin::time_range(&mut errors, q.time_from, q.time_to, MAX_RANGE_DAYS);
    errors.check(q.people_count.is_some_and(|n| !(1..=10_000).contains(&n)), "people_count", "must be from 1 to 10000");
    if let (Some(range), Some(length)) = (range, q.length) {
        errors.check(length == 0, "length", "must be at least 1 minute");
        errors.check(TimeDelta::minutes(i64::from(length)) > range.to - range.from, "length", "is longer than the range");
        errors.check(range.to - range.from > TimeDelta::days(MAX_SLOT_RANGE_DAYS), "time_to", "with a length, the range is at most 7 days");
    }
    errors.optional_text("label", q.label.as_deref(), 30);
    errors.optional_text("location", q.location.as_deref(), 100);
    errors.finish()?;
    let range = range.ok_or_else(|| ApiError::field("time_to", "must be after time_from"))?;
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let search = RoomSearch {
        from: range.from,
        to: range.to,
        people: q.people_count.unwrap_or(1),
        label: nonempty(q.label),
        location: nonempty(q.location),
    };
    Ok((search, q.length.map(|m| TimeDelta::minutes(i64::from(m)))))
}

#[utoipa::path(get, path = "/meetingrooms/available/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), params(AvailableQuery),
    responses((status = 200, description = "By building: the rooms free for the whole range, or (with `length`) each room with its free slots", body = Available,
        example = json!([{"location": "行政楼", "meetingrooms": [{"capacity": 10, "equipment": "投影仪", "id": 3, "is_active": true, "labels": ["投影"], "location": "行政楼", "name": "301"}]}]))))]
/// Free meeting rooms (seed 002 四.2).
pub async fn available(State(state): State<AppState>, _: Authorized<BookRole>, ApiQuery(q): ApiQuery<AvailableQuery>) -> ApiResult<Json<Available>> {
    let (search, length) = search(q)?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(match length {
        None => Available::Rooms(by_building(rooms::available(&mut conn, &search).await?, |r| r, RoomView::from)),
        Some(length) => {
            let grid = TimeDelta::from_std(state.config.room_slot_grid).unwrap_or(TimeDelta::minutes(15));
            let found = slots::available(&mut conn, &search, length, grid).await?;
            Available::Slots(by_building(found, |r| &r.room, |r| RoomSlotsView { room: r.room.into(), slots: r.slots.into_iter().map(PeriodView::from).collect() }))
        }
    }))
}
