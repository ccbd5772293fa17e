//! `GET /meetingrooms/available/?time_from&time_to&people_count&label&location` (seed 002 四.2):
//! the bookable rooms free for the whole range, grouped by building. Times are ISO 8601 with an
//! offset (`2026-12-04T09:00:00+08:00`).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use yizhan_common::college::rooms::{self, RoomSearch};

use super::rooms_admin::RoomView;
use super::BookRole;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiQuery, Authorized};
use crate::state::AppState;

/// The longest range one search may cover.
pub const MAX_RANGE_DAYS: i64 = 31;

#[derive(Debug, Deserialize)]
pub struct AvailableQuery {
    time_from: Option<DateTime<FixedOffset>>,
    time_to: Option<DateTime<FixedOffset>>,
    people_count: Option<i32>,
    label: Option<String>,
    location: Option<String>,
    length: Option<u32>,
}

/// One building's free rooms.
#[derive(Debug, Serialize)]
pub struct Building {
    location: String,
    meetingrooms: Vec<RoomView>,
}

fn search(q: AvailableQuery) -> Result<RoomSearch, ApiError> {
    let mut errors = FieldErrors::new();
    errors.check(q.time_from.is_none(), "time_from", "is required");
    errors.check(q.time_to.is_none(), "time_to", "is required");
    if let (Some(from), Some(to)) = (q.time_from, q.time_to) {
        errors.check(to <= from, "time_to", "must be after time_from");
        errors.check(to - from > chrono::TimeDelta::days(MAX_RANGE_DAYS), "time_to", "the range is at most 31 days");
    }
    errors.check(q.people_count.is_some_and(|n| !(1..=10_000).contains(&n)), "people_count", "must be from 1 to 10000");
    errors.check(q.length.is_some(), "length", "free slots of a length are not offered yet: search a range without it");
    errors.optional_text("label", q.label.as_deref(), 30);
    errors.optional_text("location", q.location.as_deref(), 100);
    errors.finish()?;
    let (Some(from), Some(to)) = (q.time_from, q.time_to) else { return Err(ApiError::field("time_from", "is required")) };
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(RoomSearch {
        from: from.with_timezone(&Utc),
        to: to.with_timezone(&Utc),
        people: q.people_count.unwrap_or(1),
        label: nonempty(q.label),
        location: nonempty(q.location),
    })
}

pub async fn available(State(state): State<AppState>, _: Authorized<BookRole>, ApiQuery(q): ApiQuery<AvailableQuery>) -> ApiResult<Json<Vec<Building>>> {
    let search = search(q)?;
    let mut conn = state.db.acquire().await?;
    let mut buildings: Vec<Building> = Vec::new();
    for room in rooms::available(&mut conn, &search).await? {
        match buildings.last_mut() {
            Some(b) if b.location == room.location => b.meetingrooms.push(room.into()),
            _ => buildings.push(Building { location: room.location.clone(), meetingrooms: vec![room.into()] }),
        }
    }
    Ok(Json(buildings))
}
