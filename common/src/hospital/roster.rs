//! A schedule's roster as staff see it: its appointments (with the patient's name) and its
//! waitlist in ticket order, each waiting entry with its place in the line. Read-only.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::status::{AppointmentStatus, PaymentStatus, WaitlistStatus};

/// One appointment of a schedule.
#[derive(Debug, Clone)]
pub struct RosterAppointment {
    pub id: i64,
    pub order_no: String,
    pub queue_number: i32,
    pub patient_name: String,
    pub patient_phone: String,
    pub status: AppointmentStatus,
    pub payment_status: PaymentStatus,
    pub pay_amount_cents: i64,
    pub created_at: DateTime<Utc>,
}

/// A page of `schedule_id`'s appointments by queue number (only `status` when given), and how many.
pub async fn appointments(
    conn: &mut PgConnection,
    schedule_id: i64,
    status: Option<AppointmentStatus>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<RosterAppointment>, i64)> {
    let rows = sqlx::query_as!(
        RosterAppointment,
        r#"SELECT a.id, a.order_no, a.queue_number, p.name AS patient_name, p.phone AS patient_phone,
                  a.status AS "status: AppointmentStatus", a.payment_status AS "payment_status: PaymentStatus",
                  a.pay_amount_cents, a.created_at
             FROM appointments a JOIN patients p ON p.id = a.patient_id
            WHERE a.schedule_id = $1 AND ($2::TEXT IS NULL OR a.status = $2)
            ORDER BY a.queue_number, a.id LIMIT $3 OFFSET $4"#,
        schedule_id,
        status.map(AppointmentStatus::as_str),
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM appointments WHERE schedule_id = $1 AND ($2::TEXT IS NULL OR status = $2)"#,
        schedule_id,
        status.map(AppointmentStatus::as_str)
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// One waitlist entry of a schedule.
#[derive(Debug, Clone)]
pub struct RosterWaiting {
    pub id: i64,
    pub queue_number: i32,
    /// Place in the line now (1 = promoted next) while waiting.
    pub position: Option<i64>,
    pub patient_name: String,
    pub status: WaitlistStatus,
    pub appointment_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// `schedule_id`'s waitlist by ticket, at most `limit` entries.
pub async fn waitlist(conn: &mut PgConnection, schedule_id: i64, limit: i64) -> sqlx::Result<Vec<RosterWaiting>> {
    sqlx::query_as!(
        RosterWaiting,
        r#"SELECT w.id, w.queue_number,
                  CASE WHEN w.status = 'waiting'
                       THEN count(*) FILTER (WHERE w.status = 'waiting') OVER (ORDER BY w.queue_number) END AS position,
                  p.name AS patient_name, w.status AS "status: WaitlistStatus", w.appointment_id, w.created_at
             FROM waitlist_entries w JOIN patients p ON p.id = w.patient_id
            WHERE w.schedule_id = $1
            ORDER BY w.queue_number LIMIT $2"#,
        schedule_id,
        limit
    )
    .fetch_all(conn)
    .await
}
