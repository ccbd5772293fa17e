//! The messages of a waitlist promotion: "promoted" at once, and the visit reminder at once too
//! when the promotion lands on tomorrow after tonight's 20:00 planning ran (the planning will not
//! see it), as for a booking made then.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::kind::{MessageKind, TemplateConfig};
use super::plan::{plan_send, SendTarget};
use super::reminders::remind_if_planning_ran;

/// Plans the promoted user's messages (each only if the user holds its grant); returns the
/// outbox ids to push after commit.
pub async fn plan_promoted(
    conn: &mut PgConnection,
    templates: &TemplateConfig,
    user_id: i64,
    appointment_id: i64,
    visit_date: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let target = SendTarget::Appointment(appointment_id);
    let mut outbox = Vec::new();
    if let Some(p) = plan_send(conn, templates, MessageKind::WaitlistPromoted, user_id, target, "promoted").await? {
        outbox.push(p.outbox_id);
    }
    if let Some(p) = remind_if_planning_ran(conn, templates, user_id, appointment_id, visit_date, now).await? {
        outbox.push(p.outbox_id);
    }
    Ok(outbox)
}
