//! The decision on one request, made by the `decide_reservation` job on the single-consumer
//! `reservations` queue inside the transaction that claims the queue's fence. Idempotent by the
//! request's state: a decided request is left as it is, so a redelivered job changes nothing.

use sqlx::PgConnection;

use super::{notice, overlapping, Period, Refusal, Reservation, ReservationStatus};
use crate::mail::PlanMailError;

/// The channel a decision is announced on, with the request's id as payload (delivered when the
/// deciding transaction commits), for the API requests that wait for it.
pub const DECIDED_CHANNEL: &str = "reservation_decided";

/// What deciding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Decided {
    /// Accepted now; the outbox row of the confirmation notice, if one was planned.
    Accepted { reservation: Reservation, notice: Option<i64> },
    Refused { refusal: Refusal, conflict: Option<Period> },
    /// Decided before (a redelivery): nothing changed.
    AlreadyDecided,
    NotFound,
}

/// Locks the room's row until the transaction ends, so that decisions and moves touching one room
/// take turns; `false` when there is no room of that id or it cannot be booked.
pub async fn lock_room(conn: &mut PgConnection, room_id: i64) -> sqlx::Result<bool> {
    let active = sqlx::query_scalar!("SELECT is_active FROM meeting_rooms WHERE id = $1 FOR UPDATE", room_id).fetch_optional(conn).await?;
    Ok(active == Some(true))
}

/// Decides request `id` in the caller's transaction; the owner's confirmation goes `via`.
pub async fn decide(conn: &mut PgConnection, via: notice::Channels<'_>, id: i64) -> Result<Decided, PlanMailError> {
    let Some(request) = sqlx::query!(
        r#"SELECT user_id, room_id, period, description, status = 'pending' AS "pending!"
             FROM reservation_requests WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Decided::NotFound);
    };
    if !request.pending {
        return Ok(Decided::AlreadyDecided);
    }
    let Some(period) = Period::of(&request.period) else { return Ok(Decided::NotFound) };
    let decided = if !lock_room(conn, request.room_id).await? {
        Decided::Refused { refusal: Refusal::RoomUnavailable, conflict: None }
    } else if let Some(taken) = overlapping(conn, period, Some(request.room_id), 1, 0).await?.pop() {
        Decided::Refused { refusal: Refusal::RoomTaken, conflict: Some(taken.period) }
    } else {
        let reservation_id = sqlx::query_scalar!(
            "INSERT INTO room_reservations (room_id, user_id, period, description) VALUES ($1, $2, $3, $4) RETURNING id",
            request.room_id,
            request.user_id,
            request.period,
            request.description,
        )
        .fetch_one(&mut *conn)
        .await?;
        let reservation = super::find(conn, reservation_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        debug_assert_eq!(reservation.status, ReservationStatus::Confirmed);
        let notice = notice::plan(conn, via, &reservation, notice::Event::Confirmed).await?;
        Decided::Accepted { reservation, notice }
    };
    match &decided {
        Decided::Accepted { reservation, .. } => {
            sqlx::query!(
                "UPDATE reservation_requests SET status = 'accepted', reservation_id = $2, decided_at = now() WHERE id = $1",
                id,
                reservation.id
            )
            .execute(&mut *conn)
            .await?;
        }
        Decided::Refused { refusal, conflict } => {
            sqlx::query!(
                "UPDATE reservation_requests SET status = 'refused', refusal = $2, conflict = $3, decided_at = now() WHERE id = $1",
                id,
                refusal.as_str(),
                conflict.map(Period::range),
            )
            .execute(&mut *conn)
            .await?;
        }
        Decided::AlreadyDecided | Decided::NotFound => return Ok(decided),
    }
    sqlx::query!("SELECT pg_notify($1, $2)", DECIDED_CHANNEL, id.to_string()).execute(&mut *conn).await?;
    Ok(decided)
}
