//! The waitlist (候补): joining a full schedule, and promoting the first waiting entry when a
//! place frees. Promotion takes the place through the same counter as a booking, so no place is
//! ever given twice.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgConnection;

use super::booking::{has_active, open_schedule, place, Placed};
use super::error::{HospitalError, HospitalResult};
use super::status::WaitlistStatus;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaitlistEntry {
    pub id: i64,
    /// Place in the line now (1 = next to be promoted) while waiting; `None` otherwise.
    pub position: Option<i64>,
    pub schedule_id: i64,
    pub patient_id: i64,
    pub user_id: i64,
    pub queue_number: i32,
    pub status: WaitlistStatus,
    pub appointment_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Puts one of the user's patients on a full schedule's waitlist; a user may have at most
/// `max_waiting` entries waiting at once. The entry's `queue_number` is its ticket (never reused);
/// `position` is its place in the line now.
pub async fn join(
    conn: &mut PgConnection,
    user_id: i64,
    patient_id: i64,
    schedule_id: i64,
    max_waiting: i64,
    now: NaiveDateTime,
) -> HospitalResult<WaitlistEntry> {
    // The schedule's row first (`open_schedule` locks it, as bookings and admin changes take it),
    // then the user's cap: a place freed concurrently is then either seen here or promoted to us.
    let schedule = open_schedule(conn, schedule_id, now).await?;
    super::lock_user_cap(conn, super::CAP_WAITLIST, user_id).await?;
    let waiting = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM waitlist_entries WHERE user_id = $1 AND status = 'waiting'"#, user_id)
        .fetch_one(&mut *conn)
        .await?;
    if waiting >= max_waiting {
        return Err(HospitalError::TooManyWaiting);
    }
    if has_active(conn, schedule_id, patient_id).await? {
        return Err(HospitalError::AlreadyBooked);
    }
    let remaining = sqlx::query_scalar!(r#"SELECT capacity - booked AS "remaining!" FROM schedules WHERE id = $1"#, schedule.id)
        .fetch_one(&mut *conn)
        .await?;
    if remaining > 0 {
        return Err(HospitalError::ScheduleAvailable);
    }
    let number = sqlx::query_scalar!(
        "UPDATE schedules SET last_waitlist_number = last_waitlist_number + 1 WHERE id = $1 RETURNING last_waitlist_number",
        schedule_id
    )
    .fetch_one(&mut *conn)
    .await?;
    // The entry's columns are listed again in `promote` (sqlx's macros take literals only).
    let entry = sqlx::query_as!(
        WaitlistEntry,
        r#"INSERT INTO waitlist_entries (schedule_id, patient_id, user_id, queue_number) VALUES ($1, $2, $3, $4)
           RETURNING id, NULL::BIGINT AS "position", schedule_id, patient_id, user_id, queue_number,
                     status AS "status: WaitlistStatus", appointment_id, created_at"#,
        schedule_id,
        patient_id,
        user_id,
        number
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(db) if db.constraint() == Some("waitlist_one_waiting_per_patient") => HospitalError::AlreadyWaiting,
        other => HospitalError::Db(other),
    })?;
    let position = position(conn, &entry).await?;
    Ok(WaitlistEntry { position, ..entry })
}

/// A waiting entry's place in its schedule's line (1 = next), `None` once it is not waiting.
pub async fn position(conn: &mut PgConnection, entry: &WaitlistEntry) -> sqlx::Result<Option<i64>> {
    if entry.status != WaitlistStatus::Waiting {
        return Ok(None);
    }
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM waitlist_entries WHERE schedule_id = $1 AND status = 'waiting' AND queue_number <= $2"#,
        entry.schedule_id,
        entry.queue_number
    )
    .fetch_one(conn)
    .await
    .map(Some)
}

/// A waitlist entry that became an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub entry_id: i64,
    pub appointment_id: i64,
    pub user_id: i64,
    /// The appointment's day.
    pub visit_date: chrono::NaiveDate,
}

/// Fills the schedule's free places from its waitlist, strictly first come first served. The
/// schedule row is locked first, so promotions, joins and bookings of the schedule take turns:
/// a direct booking by a waiting patient is either seen here (the entry is dropped) or refused
/// as `AlreadyBooked` to the booker, never an error to whoever freed the place.
pub async fn promote(conn: &mut PgConnection, schedule_id: i64, now: NaiveDateTime) -> HospitalResult<Vec<Promotion>> {
    let mut promoted = Vec::new();
    // A schedule gone or over promotes nobody; a database error is still one.
    let schedule = match open_schedule(conn, schedule_id, now).await {
        Ok(schedule) => schedule,
        Err(HospitalError::Db(err)) => return Err(err.into()),
        Err(_) => return Ok(promoted),
    };
    loop {
        let next = sqlx::query_as!(
            WaitlistEntry,
            r#"SELECT id, NULL::BIGINT AS "position", schedule_id, patient_id, user_id, queue_number,
                      status AS "status: WaitlistStatus", appointment_id, created_at
                 FROM waitlist_entries WHERE schedule_id = $1 AND status = 'waiting'
                ORDER BY queue_number LIMIT 1 FOR UPDATE"#,
            schedule_id
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(entry) = next else { break };
        // The schedule's row is held (`open_schedule` above): the statement sees every booking.
        let placed = place(conn, schedule.id, entry.patient_id, entry.user_id, "", "waitlist", None).await?.map(|(_, placed)| placed);
        let appointment_id = match placed.unwrap_or(Placed::Full) {
            Placed::Booked(appointment) => appointment.id,
            // Booked directly in the meantime: the entry has nothing left to wait for.
            Placed::AlreadyBooked => {
                set_status(conn, entry.id, WaitlistStatus::Cancelled, None).await?;
                continue;
            }
            Placed::Full => break,
        };
        set_status(conn, entry.id, WaitlistStatus::Promoted, Some(appointment_id)).await?;
        promoted.push(Promotion { entry_id: entry.id, appointment_id, user_id: entry.user_id, visit_date: schedule.date });
    }
    Ok(promoted)
}

async fn set_status(conn: &mut PgConnection, id: i64, status: WaitlistStatus, appointment_id: Option<i64>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE waitlist_entries SET status = $2, appointment_id = $3,
                promoted_at = CASE WHEN $2 = 'promoted' THEN now() ELSE promoted_at END
          WHERE id = $1",
        id,
        status.as_str(),
        appointment_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Schedules whose session has not ended at `now` with free places and someone waiting (for the
/// periodic sweep).
pub async fn schedules_to_promote(conn: &mut PgConnection, now: NaiveDateTime, limit: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT s.id FROM schedules s
          WHERE (s.date > $1 OR (s.date = $1 AND s.end_time > $3)) AND s.booked < s.capacity
            AND EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.schedule_id = s.id AND w.status = 'waiting')
          ORDER BY s.date, s.id LIMIT $2",
        now.date(),
        limit,
        now.time()
    )
    .fetch_all(conn)
    .await
}
