//! Seed 002's admin JSON routes for meeting rooms: `POST|GET /admin/meetingrooms/`,
//! `GET|PATCH|DELETE /admin/meetingrooms/{id}/` (`DELETE` archives: reservations keep their room).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::rooms::{self, Room, RoomFilter};

use super::page::DrfPage;
use crate::college_admin::{self, rooms::RoomBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

#[derive(Debug, Serialize, ToSchema)]
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

#[utoipa::path(post, path = "/admin/meetingrooms/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = RoomBody,
    responses((status = 201, description = "The room", body = RoomView)))]
/// `POST /admin/meetingrooms/ {name, location, labels, capacity, equipment}` → 201 the room.
pub async fn create(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<(StatusCode, Json<RoomView>)> {
    Ok((StatusCode::CREATED, Json(college_admin::rooms::create_room(&state, b).await?.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    /// Rooms in this building.
    location: Option<String>,
    /// `yes`: archived rooms too.
    archived: Option<String>,
}

#[utoipa::path(get, path = "/admin/meetingrooms/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(RoomQuery, DrfPageQuery),
    responses((status = 200, description = "One page of rooms, by building and name", body = DrfPage<RoomView>)))]
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

#[utoipa::path(get, path = "/admin/meetingrooms/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The room's id")),
    responses((status = 200, description = "The room", body = RoomView), (status = 404, description = "No such room", body = ErrorEnvelope)))]
/// `GET /admin/meetingrooms/{id}/`.
pub async fn show(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoomView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(rooms::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("meeting room"))?.into()))
}

#[utoipa::path(patch, path = "/admin/meetingrooms/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The room's id")), request_body = RoomBody,
    responses((status = 200, description = "The room after the change", body = RoomView), (status = 404, description = "No such room", body = ErrorEnvelope)))]
/// `PATCH /admin/meetingrooms/{id}/`: the fields sent (`is_active: true` brings an archived room back).
pub async fn update(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>, ApiJson(b): ApiJson<RoomBody>) -> ApiResult<Json<RoomView>> {
    Ok(Json(college_admin::rooms::update_room(&state, id, b).await?.into()))
}

#[utoipa::path(delete, path = "/admin/meetingrooms/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The room's id")),
    responses((status = 204, description = "Archived"), (status = 404, description = "No such room", body = ErrorEnvelope)))]
/// `DELETE /admin/meetingrooms/{id}/`: archives the room (no longer offered), 204.
pub async fn archive(State(state): State<AppState>, _: Authorized<AdminOnly>, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    college_admin::rooms::archive_room(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
