//! Seed 002's admin JSON routes for meeting rooms: `POST|GET /admin/meetingrooms/`,
//! `GET|PATCH|DELETE /admin/meetingrooms/{id}/` (`DELETE` archives: reservations keep their room).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use yizhan_common::college::rooms::{self, Room, RoomFilter};

use super::page::DrfPage;
use crate::college_admin::{self, rooms::RoomBody};
use crate::error::{ApiError, ApiResult};
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

/// `POST /admin/meetingrooms/ {name, location, labels, capacity, equipment}` → 201 the room.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<(StatusCode, Json<RoomView>)> {
    Ok((StatusCode::CREATED, Json(college_admin::rooms::create_room(&state, b).await?.into())))
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
    let filter = RoomFilter { location: q.location.as_deref().filter(|l| !l.is_empty()), search: None, active: (!archived).then_some(true) };
    let (rows, total) = rooms::list(&mut conn, filter, page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(RoomView::from).collect(), total, page, &uri)))
}

/// `GET /admin/meetingrooms/{id}/`.
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoomView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(rooms::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("meeting room"))?.into()))
}

/// `PATCH /admin/meetingrooms/{id}/`: the fields sent (`is_active: true` brings an archived room back).
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<Json<RoomView>> {
    Ok(Json(college_admin::rooms::update_room(&state, id, b).await?.into()))
}

/// `DELETE /admin/meetingrooms/{id}/`: archives the room (no longer offered), 204.
pub async fn archive(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    college_admin::rooms::archive_room(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
