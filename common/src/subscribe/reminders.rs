//! Visit reminders: keyed by the visit date (a moved appointment is reminded for its new day),
//! planned for the next day at 20:00 (service time zone), or at once for an appointment booked or
//! moved onto the next day after that planning ran.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use sqlx::PgConnection;

use super::kind::{MessageKind, TemplateConfig};
use super::exchanges::{EXCHANGE_BOUND, EXCHANGE_POLL};
use super::plan::{plan_send, PlannedSend, SendTarget};
use crate::job_contract::Job;
use crate::jobs::kinds::{SendSubscribeBatch, SendSubscribeMessage, SENDS_PER_JOB};

/// The local hour at which the next day's reminders are planned (the scheduler's 20:00 firing).
pub const REMINDER_PLANNING_HOUR: u32 = 20;

/// The occasion part of a reminder's idempotency key.
pub fn reminder_occasion(visit_date: NaiveDate) -> String {
    format!("reminder:{visit_date}")
}

/// Plans the reminder of one appointment for its visit date (`None`: no grant, or already planned).
pub async fn plan_reminder(
    conn: &mut PgConnection,
    templates: &TemplateConfig,
    user_id: i64,
    appointment_id: i64,
    visit_date: NaiveDate,
) -> sqlx::Result<Option<PlannedSend>> {
    let occasion = reminder_occasion(visit_date);
    plan_send(conn, templates, MessageKind::VisitReminder, user_id, SendTarget::Appointment(appointment_id), &occasion).await
}

/// One batch of the 20:00 planning ([`plan_reminder_batch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderBatch {
    /// Appointments the batch looked at (fewer than asked: the day is done).
    pub seen: i64,
    /// The last appointment id looked at: where the next batch starts.
    pub last_id: Option<i64>,
    /// Reminders planned.
    pub planned: i64,
    /// The outbox rows of their jobs (a chunk of sends each, `send_subscribe_batch`), to push
    /// after commit.
    pub outbox_ids: Vec<i64>,
}

/// Plans the reminders of the next `size` active appointments of `visit_date` after
/// appointment `after`, in one statement (`plan_reminders.sql`); those planned before are skipped.
pub async fn plan_reminder_batch(
    conn: &mut PgConnection,
    templates: &TemplateConfig,
    visit_date: NaiveDate,
    after: i64,
    size: i64,
) -> sqlx::Result<ReminderBatch> {
    let kind = MessageKind::VisitReminder;
    let row = sqlx::query_file!(
        "src/subscribe/plan_reminders.sql",
        visit_date,
        after,
        size,
        templates.template(kind),
        kind.as_str(),
        reminder_occasion(visit_date),
        SendSubscribeMessage::QUEUE.as_str(),
        SendSubscribeMessage::KIND,
        EXCHANGE_POLL.as_secs_f64(),
        EXCHANGE_BOUND.as_secs_f64(),
        SendSubscribeBatch::KIND,
        SENDS_PER_JOB
    )
    .fetch_one(conn)
    .await?;
    Ok(ReminderBatch { seen: row.seen, last_id: row.last_id, planned: row.planned, outbox_ids: row.outbox_ids })
}

/// True when the planning for `visit_date` already ran by `now`: it is tomorrow (service time
/// zone) and the local hour has reached the planning hour.
pub fn planning_ran(visit_date: NaiveDate, now: DateTime<Utc>) -> bool {
    let local = crate::time::local(now);
    local.hour() >= REMINDER_PLANNING_HOUR && local.date_naive().succ_opt() == Some(visit_date)
}

/// For an appointment just booked, moved or promoted onto `visit_date`: plans its reminder now
/// when that day's planning has already run (the 20:00 job will not see it).
pub async fn remind_if_planning_ran(
    conn: &mut PgConnection,
    templates: &TemplateConfig,
    user_id: i64,
    appointment_id: i64,
    visit_date: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<PlannedSend>> {
    if !planning_ran(visit_date, now) {
        return Ok(None);
    }
    plan_reminder(conn, templates, user_id, appointment_id, visit_date).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planning_has_run_for_tomorrow_from_20_00_shanghai() {
        let tomorrow: NaiveDate = "2026-12-02".parse().expect("date");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        assert!(!planning_ran(tomorrow, at("2026-12-01T11:59:59Z")), "19:59:59 in Shanghai");
        assert!(planning_ran(tomorrow, at("2026-12-01T12:00:00Z")), "20:00 in Shanghai");
        assert!(planning_ran(tomorrow, at("2026-12-01T15:59:00Z")), "23:59 in Shanghai");
        assert!(!planning_ran(tomorrow, at("2026-12-01T16:30:00Z")), "00:30 the next day: today's visit");
        assert!(!planning_ran("2026-12-03".parse().expect("date"), at("2026-12-01T13:00:00Z")), "two days ahead");
    }
}
