//! Appointments: booking a place, rescheduling and cancelling. Every function runs inside the
//! caller's transaction; a schedule's `booked` counter (CHECK booked <= capacity) is the single
//! place capacity is taken and given back, so concurrent bookings can never oversell.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::PgConnection;

use super::catalog::Schedule;
use super::error::{HospitalError, HospitalResult};
use super::status::{AppointmentStatus, PaymentStatus};
use crate::jobs::kinds::RefundPayment;
use crate::outbox::Enqueue;

/// An appointment with what its responses show of its schedule.
#[derive(Debug, Clone)]
pub struct Appointment {
    pub id: i64,
    pub order_no: String,
    pub schedule_id: i64,
    pub patient_id: i64,
    pub user_id: i64,
    pub symptoms: String,
    pub queue_number: i32,
    pub status: AppointmentStatus,
    pub payment_status: PaymentStatus,
    pub pay_amount_cents: i64,
    pub created_at: DateTime<Utc>,
    pub date: NaiveDate,
    pub period: String,
    pub start_time: chrono::NaiveTime,
    pub end_time: chrono::NaiveTime,
    pub hospital_id: i64,
    pub department_id: i64,
}

impl Appointment {
    pub fn time_label(&self) -> String {
        super::time_label(&self.period, self.start_time, self.end_time)
    }

    pub fn need_pay(&self) -> bool {
        self.pay_amount_cents > 0 && self.payment_status == PaymentStatus::Pending
    }
}

// The two selects below are the same but for their last line (sqlx's macros take literals only).

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Appointment>> {
    sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.order_no, a.schedule_id, a.patient_id, a.user_id, a.symptoms, a.queue_number,
                  a.status AS "status: AppointmentStatus", a.payment_status AS "payment_status: PaymentStatus",
                  a.pay_amount_cents, a.created_at, s.date, s.period, s.start_time, s.end_time, s.hospital_id, s.department_id
             FROM appointments a JOIN schedules s ON s.id = a.schedule_id
            WHERE a.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// One appointment of `user_id` (another user's is not found).
pub async fn find_owned(conn: &mut PgConnection, user_id: i64, id: i64) -> sqlx::Result<Option<Appointment>> {
    Ok(find(conn, id).await?.filter(|a| a.user_id == user_id))
}

/// A page of `user_id`'s appointments, newest first, and how many there are.
pub async fn list_owned(conn: &mut PgConnection, user_id: i64, limit: i64, offset: i64) -> sqlx::Result<(Vec<Appointment>, i64)> {
    let rows = sqlx::query_as!(
        Appointment,
        r#"SELECT a.id, a.order_no, a.schedule_id, a.patient_id, a.user_id, a.symptoms, a.queue_number,
                  a.status AS "status: AppointmentStatus", a.payment_status AS "payment_status: PaymentStatus",
                  a.pay_amount_cents, a.created_at, s.date, s.period, s.start_time, s.end_time, s.hospital_id, s.department_id
             FROM appointments a JOIN schedules s ON s.id = a.schedule_id
            WHERE a.user_id = $1 ORDER BY a.id DESC LIMIT $2 OFFSET $3"#,
        user_id,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM appointments WHERE user_id = $1"#, user_id).fetch_one(conn).await?;
    Ok((rows, total))
}

/// A schedule that is still open: its session has not ended (`now` is the service zone's wall clock).
/// Its row is locked until the transaction ends and read as locked ([`super::catalog::lock_schedule`]):
/// bookings, waitlist joins, promotions and admin changes of one schedule take turns, and an admin's
/// change is seen whole or not at all, so the fee and times used are current.
pub(super) async fn open_schedule(conn: &mut PgConnection, id: i64, now: NaiveDateTime) -> HospitalResult<Schedule> {
    open_schedule_of(conn, id, Expected::default(), now).await
}

/// The hospital and department a client says a schedule belongs to (the seed sends both).
#[derive(Debug, Clone, Copy, Default)]
pub struct Expected {
    pub hospital_id: Option<i64>,
    pub department_id: Option<i64>,
}

async fn open_schedule_of(conn: &mut PgConnection, id: i64, expected: Expected, now: NaiveDateTime) -> HospitalResult<Schedule> {
    let schedule = super::catalog::lock_schedule(conn, id).await?.ok_or_else(no_such_schedule)?;
    check_open(&schedule, expected, now)?;
    Ok(schedule)
}

fn no_such_schedule() -> HospitalError {
    HospitalError::invalid("scheduleId", "no such schedule")
}

/// Whether the schedule is the one the client named and has not ended.
fn check_open(schedule: &Schedule, expected: Expected, now: NaiveDateTime) -> HospitalResult<()> {
    if expected.hospital_id.is_some_and(|h| h != schedule.hospital_id) {
        return Err(HospitalError::invalid("hospitalId", "does not match the schedule"));
    }
    if expected.department_id.is_some_and(|d| d != schedule.department_id) {
        return Err(HospitalError::invalid("departmentId", "does not match the schedule"));
    }
    if schedule.ended(now) {
        return Err(HospitalError::ScheduleClosed);
    }
    Ok(())
}

/// Takes one place; the next queue number, or `ScheduleFull`.
pub(super) async fn take_place(conn: &mut PgConnection, schedule_id: i64) -> HospitalResult<i32> {
    sqlx::query_scalar!(
        "UPDATE schedules SET booked = booked + 1, last_queue_number = last_queue_number + 1
          WHERE id = $1 AND booked < capacity RETURNING last_queue_number",
        schedule_id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(HospitalError::ScheduleFull)
}

async fn give_back_place(conn: &mut PgConnection, schedule_id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE schedules SET booked = booked - 1 WHERE id = $1", schedule_id).execute(conn).await?;
    Ok(())
}

pub(super) async fn has_active(conn: &mut PgConnection, schedule_id: i64, patient_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM appointments WHERE schedule_id = $1 AND patient_id = $2 AND status <> 'cancelled') AS "active!""#,
        schedule_id,
        patient_id
    )
    .fetch_one(conn)
    .await
}

/// What taking a place on a schedule came to.
pub(super) enum Placed {
    Booked(Appointment),
    /// The patient already holds an active appointment of the schedule.
    AlreadyBooked,
    /// No place left.
    Full,
}

/// Takes one place on schedule `schedule_id` and writes its appointment: the duplicate check, the
/// counter, the order number and the insert in one statement (`place.sql`), which also returns
/// the schedule as it is (`None`: no such schedule). The update takes the schedule's row lock if
/// the caller does not hold it already.
pub(super) async fn place(
    conn: &mut PgConnection,
    schedule_id: i64,
    patient_id: i64,
    user_id: i64,
    symptoms: &str,
    source: &str,
    appointment_id: Option<i64>,
) -> HospitalResult<Option<(Schedule, Placed)>> {
    let today = crate::time::local(Utc::now()).format("%Y%m%d").to_string();
    let row = sqlx::query_file!("src/hospital/place.sql", schedule_id, patient_id, user_id, symptoms, source, today, appointment_id)
        .fetch_optional(conn)
        .await
        .map_err(|e| match e {
            // A booking of the patient committed after the statement's snapshot (the caller did
            // not hold the schedule's row): the index has the last word.
            sqlx::Error::Database(db) if db.constraint() == Some("appointments_one_per_patient_and_schedule") => {
                HospitalError::AlreadyBooked
            }
            other => HospitalError::Db(other),
        })?;
    let Some(row) = row else { return Ok(None) };
    let schedule = Schedule {
        id: row.schedule_id,
        hospital_id: row.hospital_id,
        department_id: row.department_id,
        date: row.date,
        period: row.period,
        start_time: row.start_time,
        end_time: row.end_time,
        capacity: row.capacity,
        booked: row.booked,
        fee_cents: row.fee_cents,
    };
    if row.already_booked {
        return Ok(Some((schedule, Placed::AlreadyBooked)));
    }
    let (Some(id), Some(order_no), Some(queue_number), Some(status), Some(payment_status), Some(pay_amount_cents), Some(created_at)) =
        (row.id, row.order_no, row.queue_number, row.status, row.payment_status, row.pay_amount_cents, row.created_at)
    else {
        return Ok(Some((schedule, Placed::Full)));
    };
    let appointment = Appointment {
        id,
        order_no,
        schedule_id: schedule.id,
        patient_id,
        user_id,
        symptoms: symptoms.to_owned(),
        queue_number,
        status,
        payment_status,
        pay_amount_cents,
        created_at,
        date: schedule.date,
        period: schedule.period.clone(),
        start_time: schedule.start_time,
        end_time: schedule.end_time,
        hospital_id: schedule.hospital_id,
        department_id: schedule.department_id,
    };
    Ok(Some((schedule, Placed::Booked(appointment))))
}

/// The id a booking's appointment will have, drawn before its schedule is locked so that the
/// booking's message can be planned first (the send row's reference to it is checked at COMMIT);
/// `None` when `patient_id` is not one of the user's patients. One round trip for both.
pub async fn appointment_id_for(conn: &mut PgConnection, user_id: i64, patient_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(r#"SELECT nextval('appointments_id_seq') AS "id!" FROM patients WHERE id = $1 AND user_id = $2"#, patient_id, user_id)
        .fetch_optional(conn)
        .await
}

/// Books a place on `schedule_id` for one of the user's patients, as appointment `appointment_id`
/// ([`appointment_id_for`]): one statement takes the place,
/// writes the appointment and reads the schedule as it is (`place.sql`, its update taking the
/// schedule's row lock, held until commit: `catalog::update_schedule` decides on the same lock);
/// the schedule is checked after, and a refusal rolls the caller's transaction back, the place
/// with it. Taking the lock with the place rather than a statement before keeps it one round trip
/// shorter, and bookings of one schedule take turns for that long.
pub async fn book(
    conn: &mut PgConnection,
    appointment_id: i64,
    user_id: i64,
    patient_id: i64,
    schedule_id: i64,
    expected: Expected,
    symptoms: &str,
    now: NaiveDateTime,
) -> HospitalResult<Appointment> {
    let (schedule, placed) = place(conn, schedule_id, patient_id, user_id, symptoms, "booking", Some(appointment_id)).await?.ok_or_else(no_such_schedule)?;
    check_open(&schedule, expected, now)?;
    match placed {
        Placed::Booked(appointment) => Ok(appointment),
        Placed::AlreadyBooked => Err(HospitalError::AlreadyBooked),
        Placed::Full => Err(HospitalError::ScheduleFull),
    }
}

/// A cancelled appointment and the outbox job of its refund, if it was paid.
#[derive(Debug, Clone)]
pub struct Cancelled {
    pub appointment: Appointment,
    pub refund_job: Option<i64>,
}

impl Cancelled {
    /// What the cancel gives back: the amount of a paid appointment, now `refunded`.
    pub fn refund_cents(&self) -> i64 {
        if self.appointment.payment_status == PaymentStatus::Refunded { self.appointment.pay_amount_cents } else { 0 }
    }
}

/// Cancels the user's appointment and gives its place back. A paid appointment becomes `refunded`,
/// with a `refunds` row and its `refund_payment` job written in the same transaction.
pub async fn cancel(conn: &mut PgConnection, user_id: i64, id: i64, today: NaiveDate) -> HospitalResult<Cancelled> {
    let current = lock_owned(conn, user_id, id, today).await?;
    let payment_status = sqlx::query_scalar!(
        r#"UPDATE appointments SET status = 'cancelled', cancelled_at = now(), updated_at = now(),
                  payment_status = CASE WHEN payment_status = 'paid' THEN 'refunded' ELSE payment_status END
            WHERE id = $1 RETURNING payment_status AS "payment_status: PaymentStatus""#,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    give_back_place(conn, current.schedule_id).await?;
    let appointment = Appointment { status: AppointmentStatus::Cancelled, payment_status, ..current };
    let refund_job = match appointment.payment_status {
        PaymentStatus::Refunded => request_refund(conn, &appointment).await?,
        _ => None,
    };
    Ok(Cancelled { appointment, refund_job })
}

async fn request_refund(conn: &mut PgConnection, a: &Appointment) -> sqlx::Result<Option<i64>> {
    let refund_id = sqlx::query_scalar!("INSERT INTO refunds (appointment_id, amount_cents) VALUES ($1, $2) RETURNING id", a.id, a.pay_amount_cents)
        .fetch_one(&mut *conn)
        .await?;
    RefundPayment { refund_id }.enqueue_keyed(conn, format!("refund:{refund_id}")).await
}

/// Moves the user's appointment to another schedule, giving the old place back. Payment follows
/// the new schedule's fee while unpaid (`free` or `pending` with its amount); a paid appointment
/// may only move to a schedule of the same fee (`FeeDiffers` otherwise).
/// Returns the moved appointment and the schedule whose place was freed.
pub async fn reschedule(
    conn: &mut PgConnection,
    user_id: i64,
    id: i64,
    new_schedule_id: i64,
    now: NaiveDateTime,
) -> HospitalResult<(Appointment, i64)> {
    let current = lock_owned(conn, user_id, id, now.date()).await?;
    if current.schedule_id == new_schedule_id {
        return Err(HospitalError::SameSchedule);
    }
    // Both counters change: lock them in id order so opposite moves cannot deadlock; the target
    // is read after, as locked (an admin's change of it is seen whole).
    sqlx::query_scalar!("SELECT id FROM schedules WHERE id = ANY($1) ORDER BY id FOR UPDATE", &[current.schedule_id, new_schedule_id][..])
        .fetch_all(&mut *conn)
        .await?;
    let target = open_schedule(conn, new_schedule_id, now).await?;
    if current.payment_status == PaymentStatus::Paid && target.fee_cents != current.pay_amount_cents {
        return Err(HospitalError::FeeDiffers);
    }
    if has_active(conn, new_schedule_id, current.patient_id).await? {
        return Err(HospitalError::AlreadyBooked);
    }
    let queue_number = take_place(conn, new_schedule_id).await?;
    give_back_place(conn, current.schedule_id).await?;
    sqlx::query!(
        "UPDATE appointments SET schedule_id = $2, queue_number = $3, updated_at = now(),
                payment_status = CASE WHEN payment_status = 'paid' THEN payment_status
                                      WHEN $4::BIGINT = 0 THEN 'free' ELSE 'pending' END,
                pay_amount_cents = CASE WHEN payment_status = 'paid' THEN pay_amount_cents ELSE $4::BIGINT END
          WHERE id = $1",
        id,
        new_schedule_id,
        queue_number,
        target.fee_cents
    )
    .execute(&mut *conn)
    .await?;
    let moved = find(conn, id).await?.ok_or(HospitalError::NotFound("appointment"))?;
    Ok((moved, current.schedule_id))
}

/// Locks the user's appointment when it may still change: pending or confirmed, dated today or
/// later (`today` in the service zone). Another user's appointment is not found.
async fn lock_owned(conn: &mut PgConnection, user_id: i64, id: i64, today: NaiveDate) -> HospitalResult<Appointment> {
    let row = sqlx::query!(r#"SELECT user_id, status AS "status: AppointmentStatus" FROM appointments WHERE id = $1 FOR UPDATE"#, id)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) if r.user_id != user_id => Err(HospitalError::NotFound("appointment")),
        None => Err(HospitalError::NotFound("appointment")),
        Some(r) if r.status == AppointmentStatus::Cancelled => Err(HospitalError::AlreadyCancelled),
        Some(r) if !r.status.is_open() => Err(HospitalError::AppointmentClosed),
        Some(_) => {
            let current = find(conn, id).await?.ok_or(HospitalError::NotFound("appointment"))?;
            if current.date < today {
                return Err(HospitalError::AppointmentClosed);
            }
            Ok(current)
        }
    }
}
