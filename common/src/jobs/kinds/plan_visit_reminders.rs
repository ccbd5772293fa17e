//! `plan_visit_reminders`: fired at 20:00 (service time zone) for the next day. Plans one visit
//! reminder per active appointment of `day` whose user holds a reminder grant. Each reminder has
//! the idempotency key `visit_reminder:appointment:<id>:reminder:<visit date>`, so a second run
//! (two schedulers, a retry, a restart around 20:00) plans nothing more, while an appointment
//! moved to another day is reminded again for that day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::subscribe::plan_reminder;

/// Appointments planned per transaction.
const BATCH: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanVisitReminders {
    pub day: NaiveDate,
}

#[async_trait::async_trait]
impl Job for PlanVisitReminders {
    const KIND: &'static str = "plan_visit_reminders";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.plan(ctx).await {
            Ok(planned) => {
                tracing::info!(reminders.day = %self.day, reminders.planned = planned, "visit reminders planned");
                Outcome::Done
            }
            Err(err) => Outcome::transient(err),
        }
    }
}

impl PlanVisitReminders {
    async fn plan(&self, ctx: &JobContext) -> anyhow::Result<usize> {
        let appointments: Vec<(i64, i64)> = sqlx::query!(
            "SELECT a.id, a.user_id FROM appointments a JOIN schedules s ON s.id = a.schedule_id
              WHERE s.date = $1 AND a.status IN ('pending', 'confirmed') ORDER BY a.id",
            self.day
        )
        .fetch_all(&ctx.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.user_id))
        .collect();
        let mut planned = 0;
        for batch in appointments.chunks(BATCH) {
            let mut tx = ctx.db.begin().await?;
            let mut outbox = Vec::new();
            for &(appointment, user) in batch {
                if let Some(p) = plan_reminder(&mut tx, &ctx.templates, user, appointment, self.day).await? {
                    outbox.push(p.outbox_id);
                }
            }
            ctx.commit_and_push(tx, &outbox).await?;
            planned += outbox.len();
        }
        Ok(planned)
    }
}
