//! Seed 002's 冲突查询 and the admin's changes to reservations:
//! `GET /admin/reservations/conflicts/?time_from&time_to&meetingroom` lists the confirmed
//! reservations overlapping a period (of one room, when given), each with its owner's contact
//! card so the admin can call them; `PATCH /admin/reservations/{id}/ {reserve_from, reserve_to,
//! meetingroom}` moves one (any field left out stays) and mails the owner. Cancelling is
//! `DELETE /reservations/{id}/`, which admins may use on any reservation.

use axum::extract::{OriginalUri, State};
use axum::Json;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::contacts::meta_view;
use super::page::DrfPage;
use super::reservations::ReservationView;
use crate::college_admin::reservations::{self as shared, MoveBody};
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::routes::views::ContactCard;
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConflictQuery {
    /// ISO 8601 with an offset.
    time_from: Option<DateTime<FixedOffset>>,
    time_to: Option<DateTime<FixedOffset>>,
    /// Only this room.
    meetingroom: Option<i64>,
}

/// A reservation in the way, with who to call about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    /// Who to call about it.
    owner: Option<ContactCard>,
    #[serde(flatten)]
    reservation: ReservationView,
}

#[utoipa::path(get, path = "/admin/reservations/conflicts/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(ConflictQuery, DrfPageQuery),
    responses((status = 200, description = "One page of confirmed reservations overlapping the period, by start", body = DrfPage<ConflictView>)))]
/// `GET /admin/reservations/conflicts/?time_from&time_to&meetingroom=`: by start, 20 per page.
pub async fn conflicts(
    State(state): State<AppState>,
    admin: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<ConflictQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<ConflictView>>> {
    let (found, total) = shared::conflicts(&state, admin.user().id, q.time_from, q.time_to, q.meetingroom, page).await?;
    let results = found.into_iter().map(|c| ConflictView { owner: c.owner.map(meta_view), reservation: c.reservation.into() }).collect();
    Ok(Json(DrfPage::new(results, total, page, &uri)))
}

#[utoipa::path(patch, path = "/admin/reservations/{id}/", tag = TAG_COLLEGE, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The reservation's id")), request_body = MoveBody,
    responses((status = 200, description = "The reservation after the move", body = ReservationView),
        (status = 404, description = "No such reservation", body = ErrorEnvelope),
        (status = 409, description = "`room_taken` (with `conflict`) or `reservation_cancelled`", body = ErrorEnvelope)))]
/// `PATCH /admin/reservations/{id}/`: moves a confirmed reservation; 409 `room_taken` (naming
/// the period in the way) when another holds part of the new time; the owner is mailed.
pub async fn move_reservation(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Json<ReservationView>> {
    Ok(Json(shared::move_reservation(&state, id, b).await?.into()))
}
