//! 会议室预约 (seed 002): reservations of meeting rooms, and the requests that ask for them.
//!
//! A request (`reservation_requests`) is written by the API with its `decide_reservation` job and
//! decided by the single-consumer `reservations` queue ([`decide`]): accepted (a confirmed
//! `room_reservations` row) or refused with the period it lost to. Two guards stand behind the
//! queue: the decision locks the room's row, so decisions and admin moves of one room take turns,
//! and the exclusion constraint `room_reservations_no_overlap` refuses any overlap whatever runs.

pub mod decide;
pub mod notice;
pub mod slots;

use chrono::{DateTime, Utc};
use sqlx::postgres::types::PgRange;
use sqlx::PgConnection;

crate::text_enum! {
    /// A reservation's status (`room_reservations.status`).
    pub enum ReservationStatus {
        Confirmed = "confirmed",
        Cancelled = "cancelled",
    }
}

crate::text_enum! {
    /// Where a request stands (`reservation_requests.status`).
    pub enum RequestStatus {
        Pending = "pending",
        Accepted = "accepted",
        Refused = "refused",
    }
}

crate::text_enum! {
    /// Why a request was refused (`reservation_requests.refusal`).
    pub enum Refusal {
        /// Another reservation holds part of the period.
        RoomTaken = "room_taken",
        /// The room was archived (or never bookable) when the request was decided.
        RoomUnavailable = "room_unavailable",
    }
}

/// The longest reservation.
pub const MAX_HOURS: i64 = 24;

/// A half-open period `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn range(self) -> PgRange<DateTime<Utc>> {
        PgRange::from(self.from..self.to)
    }

    /// A bounded range read back from PostgreSQL (`[from, to)`: the constraint refuses others).
    pub fn of(range: &PgRange<DateTime<Utc>>) -> Option<Self> {
        use std::ops::Bound::{Excluded, Included};
        let from = match range.start {
            Included(t) | Excluded(t) => t,
            std::ops::Bound::Unbounded => return None,
        };
        let to = match range.end {
            Included(t) | Excluded(t) => t,
            std::ops::Bound::Unbounded => return None,
        };
        Some(Self { from, to })
    }

    pub fn overlaps(self, other: Self) -> bool {
        self.from < other.to && other.from < self.to
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub id: i64,
    pub room_id: i64,
    pub room_name: String,
    pub location: String,
    pub user_id: i64,
    pub period: Period,
    pub description: String,
    pub status: ReservationStatus,
    pub changes: i32,
    pub created_at: DateTime<Utc>,
}

struct Row {
    id: i64,
    room_id: i64,
    room_name: String,
    location: String,
    user_id: i64,
    period: PgRange<DateTime<Utc>>,
    description: String,
    status: ReservationStatus,
    changes: i32,
    created_at: DateTime<Utc>,
}

impl From<Row> for Reservation {
    fn from(r: Row) -> Self {
        let period = Period::of(&r.period).unwrap_or(Period { from: r.created_at, to: r.created_at });
        Self {
            id: r.id,
            room_id: r.room_id,
            room_name: r.room_name,
            location: r.location,
            user_id: r.user_id,
            period,
            description: r.description,
            status: r.status,
            changes: r.changes,
            created_at: r.created_at,
        }
    }
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Reservation>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT v.id, v.room_id, r.name AS room_name, r.location, v.user_id, v.period, v.description,
                  v.status AS "status: ReservationStatus", v.changes, v.created_at
             FROM room_reservations v JOIN meeting_rooms r ON r.id = v.room_id WHERE v.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// A page of `user_id`'s reservations: those not yet over first (soonest first), then the past
/// ones (latest first); cancelled ones only when `cancelled`. With the total.
pub async fn mine(conn: &mut PgConnection, user_id: i64, cancelled: bool, limit: i64, offset: i64) -> sqlx::Result<(Vec<Reservation>, i64)> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT v.id, v.room_id, r.name AS room_name, r.location, v.user_id, v.period, v.description,
                  v.status AS "status: ReservationStatus", v.changes, v.created_at
             FROM room_reservations v JOIN meeting_rooms r ON r.id = v.room_id
            WHERE v.user_id = $1 AND (v.status = 'confirmed' OR $2)
            ORDER BY upper(v.period) <= now(),
                     CASE WHEN upper(v.period) > now() THEN lower(v.period) END,
                     lower(v.period) DESC, v.id
            LIMIT $3 OFFSET $4"#,
        user_id,
        cancelled,
        limit,
        offset,
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM room_reservations WHERE user_id = $1 AND (status = 'confirmed' OR $2)"#,
        user_id,
        cancelled
    )
    .fetch_one(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// The confirmed reservations overlapping `period` (of one room, when given), by start; a page
/// of `limit` from `offset`.
pub async fn overlapping(conn: &mut PgConnection, period: Period, room_id: Option<i64>, limit: i64, offset: i64) -> sqlx::Result<Vec<Reservation>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT v.id, v.room_id, r.name AS room_name, r.location, v.user_id, v.period, v.description,
                  v.status AS "status: ReservationStatus", v.changes, v.created_at
             FROM room_reservations v JOIN meeting_rooms r ON r.id = v.room_id
            WHERE v.status = 'confirmed' AND v.period && $1 AND ($2::BIGINT IS NULL OR v.room_id = $2)
            ORDER BY lower(v.period), r.location, r.name, v.id
            LIMIT $3 OFFSET $4"#,
        period.range(),
        room_id,
        limit,
        offset,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// How many confirmed reservations overlap `period` (of one room, when given).
pub async fn count_overlapping(conn: &mut PgConnection, period: Period, room_id: Option<i64>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM room_reservations
            WHERE status = 'confirmed' AND period && $1 AND ($2::BIGINT IS NULL OR room_id = $2)"#,
        period.range(),
        room_id,
    )
    .fetch_one(conn)
    .await
}

/// Cancels a reservation; `None` when there is none with that id, else the reservation and
/// whether this call cancelled it (a second cancel changes nothing).
pub async fn cancel(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(Reservation, bool)>> {
    let changed = sqlx::query_scalar!(
        "UPDATE room_reservations SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'confirmed' RETURNING id",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    Ok(find(conn, id).await?.map(|r| (r, changed)))
}

/// What moving a reservation did.
#[derive(Debug, PartialEq, Eq)]
pub enum Moved {
    Done(Reservation),
    NotFound,
    /// Cancelled reservations stay where they were.
    Cancelled,
    RoomUnavailable,
    /// Another confirmed reservation holds part of the new period.
    Taken(Reservation),
}

/// Moves a confirmed reservation to `period` in `room_id` (an admin's 修改预约时间段), taking the
/// room's turn as a decision does; the caller commits.
pub async fn move_to(conn: &mut PgConnection, id: i64, room_id: i64, period: Period) -> sqlx::Result<Moved> {
    let Some(current) = find(conn, id).await? else { return Ok(Moved::NotFound) };
    if current.status == ReservationStatus::Cancelled {
        return Ok(Moved::Cancelled);
    }
    if !decide::lock_room(conn, room_id).await? {
        return Ok(Moved::RoomUnavailable);
    }
    if let Some(taken) = overlapping(conn, period, Some(room_id), 2, 0).await?.into_iter().find(|r| r.id != id) {
        return Ok(Moved::Taken(taken));
    }
    sqlx::query!(
        "UPDATE room_reservations SET room_id = $2, period = $3, changes = changes + 1, updated_at = now() WHERE id = $1",
        id,
        room_id,
        period.range()
    )
    .execute(&mut *conn)
    .await?;
    Ok(find(conn, id).await?.map_or(Moved::NotFound, Moved::Done))
}

/// A request as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub user_id: i64,
    pub room_id: i64,
    pub period: Period,
    pub status: RequestStatus,
    pub reservation_id: Option<i64>,
    pub refusal: Option<Refusal>,
    pub conflict: Option<Period>,
}

/// Whether room `id` exists and can be booked.
pub async fn bookable(conn: &mut PgConnection, room_id: i64) -> sqlx::Result<bool> {
    let active = sqlx::query_scalar!("SELECT is_active FROM meeting_rooms WHERE id = $1", room_id).fetch_optional(conn).await?;
    Ok(active == Some(true))
}

/// Writes a pending request; the caller enqueues its decision in the same transaction.
pub async fn request(conn: &mut PgConnection, user_id: i64, room_id: i64, period: Period, description: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO reservation_requests (user_id, room_id, period, description) VALUES ($1, $2, $3, $4) RETURNING id",
        user_id,
        room_id,
        period.range(),
        description
    )
    .fetch_one(conn)
    .await
}

pub async fn find_request(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Request>> {
    let row = sqlx::query!(
        r#"SELECT id, user_id, room_id, period, status AS "status: RequestStatus", reservation_id,
                  refusal AS "refusal: Refusal", conflict FROM reservation_requests WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|r| {
        Some(Request {
            id: r.id,
            user_id: r.user_id,
            room_id: r.room_id,
            period: Period::of(&r.period)?,
            status: r.status,
            reservation_id: r.reservation_id,
            refusal: r.refusal,
            conflict: r.conflict.as_ref().and_then(Period::of),
        })
    }))
}
