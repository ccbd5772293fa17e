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
use yizhan_common::college::contacts;
use yizhan_common::college::reservations::notice::{self, Event};
use yizhan_common::college::reservations::{self, Moved};

use super::contacts::meta_view;
use super::page::DrfPage;
use super::reservations::{check_period, room_taken, ReservationView};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Pagination};
use crate::routes::views::ContactCard;
use crate::state::AppState;

/// The longest period one conflict query covers.
pub const MAX_RANGE_DAYS: i64 = 31;

#[derive(Debug, Deserialize)]
pub struct ConflictQuery {
    time_from: Option<DateTime<FixedOffset>>,
    time_to: Option<DateTime<FixedOffset>>,
    meetingroom: Option<i64>,
}

/// A reservation in the way, with who to call about it.
#[derive(Debug, Serialize)]
pub struct ConflictView {
    owner: Option<ContactCard>,
    #[serde(flatten)]
    reservation: ReservationView,
}

/// `GET /admin/reservations/conflicts/?time_from&time_to&meetingroom=`: by start, 20 per page.
pub async fn conflicts(
    State(state): State<AppState>,
    admin: Authorized<AdminOnly>,
    ApiQuery(q): ApiQuery<ConflictQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<ConflictView>>> {
    let mut errors = FieldErrors::new();
    let period = super::time_range(&mut errors, q.time_from, q.time_to, MAX_RANGE_DAYS);
    errors.finish()?;
    let period = period.ok_or_else(|| ApiError::field("time_to", "must be after time_from"))?;
    let mut conn = state.db.acquire().await?;
    let total = reservations::count_overlapping(&mut conn, period, q.meetingroom).await?;
    let mut results = Vec::new();
    for r in reservations::overlapping(&mut conn, period, q.meetingroom, page.limit(), page.offset()).await? {
        let owner = contacts::card(&mut conn, admin.user().id, r.user_id).await?.map(meta_view);
        results.push(ConflictView { owner, reservation: r.into() });
    }
    Ok(Json(DrfPage::new(results, total, page, &uri)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    reserve_from: Option<DateTime<FixedOffset>>,
    reserve_to: Option<DateTime<FixedOffset>>,
    meetingroom: Option<i64>,
}

/// `PATCH /admin/reservations/{id}/`: moves a confirmed reservation; 409 `room_taken` (naming
/// the period in the way) when another holds part of the new time; the owner is mailed.
pub async fn move_reservation(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Json<ReservationView>> {
    let mut tx = state.db.begin().await?;
    let current = reservations::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("reservation"))?;
    let local = |t: chrono::DateTime<chrono::Utc>| t.fixed_offset();
    let mut errors = FieldErrors::new();
    let period = check_period(
        &mut errors,
        Some(b.reserve_from.unwrap_or_else(|| local(current.period.from))),
        Some(b.reserve_to.unwrap_or_else(|| local(current.period.to))),
        state.now(),
    );
    errors.finish()?;
    let period = period.ok_or_else(|| ApiError::field("reserve_to", "must be after reserve_from"))?;
    let moved = match reservations::move_to(&mut tx, id, b.meetingroom.unwrap_or(current.room_id), period).await? {
        Moved::Done(r) => r,
        Moved::NotFound => return Err(ApiError::not_found("reservation")),
        Moved::Cancelled => return Err(ApiError::conflict("reservation_cancelled", "a cancelled reservation cannot be moved")),
        Moved::RoomUnavailable => return Err(ApiError::field("meetingroom", "no bookable meeting room has this id")),
        Moved::Taken(other) => return Err(room_taken(other.period)),
    };
    let mut jobs = Enqueued::default();
    jobs.add(notice::plan(&mut tx, state.reservation_channels(), &moved, Event::Changed).await?);
    jobs.commit(tx, &state).await?;
    Ok(Json(moved.into()))
}
