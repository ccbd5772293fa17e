//! Reservations as an admin handles them (seed 002 冲突查询 and 修改预约时间段), behind
//! `GET /admin/reservations/conflicts/`, `PATCH /admin/reservations/{id}/`,
//! `DELETE /reservations/{id}/` and the console's conflicts page: the reservations in the way of
//! a period with their owners' cards, a move (the owner is told; 409 `room_taken` naming the
//! period in the way changes nothing), a cancel (an admin's is told to the owner, by WeChat or e-mail).

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde::Deserialize;
use yizhan_common::college::contacts::{self, ContactCard};
use yizhan_common::college::reservations::notice::{self, Event};
use yizhan_common::college::reservations::{self, Moved, Period, Reservation, ReservationStatus, MAX_HOURS};
use yizhan_common::users::{Role, User};

use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::Pagination;
use crate::state::AppState;

/// How far ahead a room can be reserved.
pub const MAX_DAYS_AHEAD: i64 = 365;
/// The longest period one conflict query covers.
pub const MAX_RANGE_DAYS: i64 = 31;

/// 409 `room_taken`, naming the period in the way.
pub fn room_taken(p: Period) -> ApiError {
    ApiError::conflict("room_taken", "the room is reserved for part of that time").with_conflict(p.into())
}

/// Checks `reserve_from`/`reserve_to` for a reservation (errors name those fields): the period, or
/// `None` when it is not one.
pub fn check_period(errors: &mut FieldErrors, from: Option<DateTime<FixedOffset>>, to: Option<DateTime<FixedOffset>>, now: DateTime<Utc>) -> Option<Period> {
    let (Some(from), Some(to)) = (from, to) else { return None };
    let (from, to) = (from.with_timezone(&Utc), to.with_timezone(&Utc));
    errors.check(to <= from, "reserve_to", "must be after reserve_from");
    errors.check(to - from > TimeDelta::hours(MAX_HOURS), "reserve_to", "a reservation is at most 24 hours");
    errors.check(to <= now, "reserve_to", "is in the past");
    errors.check(from > now + TimeDelta::days(MAX_DAYS_AHEAD), "reserve_from", "at most 365 days ahead");
    (to > from).then_some(Period { from, to })
}

/// Owners see (and cancel) their own reservations; admins every one.
pub fn may_see(user: &User, owner: i64) -> bool {
    user.id == owner || user.has_role(Role::Admin)
}

/// Reservation `id` when `user` may see it (404 otherwise: an id reveals nothing).
pub async fn visible(conn: &mut sqlx::PgConnection, user: &User, id: i64) -> ApiResult<Reservation> {
    reservations::find(conn, id).await?.filter(|r| may_see(user, r.user_id)).ok_or_else(|| ApiError::not_found("reservation"))
}

/// A reservation in the way, with who to call about it (`None`: the owner is gone).
#[derive(Debug)]
pub struct Conflict {
    pub owner: Option<ContactCard>,
    pub reservation: Reservation,
}

/// The confirmed reservations overlapping `[from, to)` (of one room, when given), by start, one
/// page of them with each owner's card as `viewer` sees it, and their total. 422 names
/// `time_from`/`time_to` (both required, at most [`MAX_RANGE_DAYS`] apart).
pub async fn conflicts(
    state: &AppState,
    viewer: i64,
    from: Option<DateTime<FixedOffset>>,
    to: Option<DateTime<FixedOffset>>,
    room: Option<i64>,
    page: Pagination,
) -> ApiResult<(Vec<Conflict>, i64)> {
    let mut errors = FieldErrors::new();
    let period = super::time_range(&mut errors, from, to, MAX_RANGE_DAYS);
    errors.finish()?;
    let period = period.ok_or_else(|| ApiError::field("time_to", "must be after time_from"))?;
    let mut conn = state.db.acquire().await?;
    let total = reservations::count_overlapping(&mut conn, period, room).await?;
    let mut found = Vec::new();
    for reservation in reservations::overlapping(&mut conn, period, room, page.limit(), page.offset()).await? {
        let owner = contacts::card(&mut conn, viewer, reservation.user_id).await?;
        found.push(Conflict { owner, reservation });
    }
    Ok((found, total))
}

/// Where to move a reservation; what is left out stays.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    pub reserve_from: Option<DateTime<FixedOffset>>,
    pub reserve_to: Option<DateTime<FixedOffset>>,
    pub meetingroom: Option<i64>,
}

/// Moves a confirmed reservation, taking the room's turn as decisions do, and plans the owner's
/// notice (WeChat or e-mail) in the same transaction. 409 `room_taken` (naming the period in the way) or
/// `reservation_cancelled`, 422 per field; nothing changes then.
pub async fn move_reservation(state: &AppState, id: i64, b: MoveBody) -> ApiResult<Reservation> {
    let mut tx = state.db.begin().await?;
    let current = reservations::find(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("reservation"))?;
    let local = |t: DateTime<Utc>| t.fixed_offset();
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
    jobs.commit(tx, state).await?;
    Ok(moved)
}

/// Cancels reservation `id` for `who` (its owner, or an admin; 404 to anyone else); cancelling
/// again changes nothing, one that is over stays (409 `reservation_over`). An admin cancelling
/// someone else's reservation tells the owner (`notice`: WeChat or e-mail).
pub async fn cancel(state: &AppState, who: &User, id: i64) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let current = visible(&mut tx, who, id).await?;
    if current.status == ReservationStatus::Confirmed && current.period.to <= state.now() {
        return Err(ApiError::conflict("reservation_over", "the reservation is over"));
    }
    let mut jobs = Enqueued::default();
    if let Some((r, true)) = reservations::cancel(&mut tx, id).await? {
        if r.user_id != who.id {
            jobs.add(notice::plan(&mut tx, state.reservation_channels(), &r, Event::Cancelled).await?);
        }
    }
    jobs.commit(tx, state).await?;
    Ok(())
}
