//! `plan_visit_reminders`: fired at 20:00 (service time zone) for the next day. Plans one visit
//! reminder per active appointment of `day` whose user holds a reminder grant. Each reminder has
//! the idempotency key `visit_reminder:appointment:<id>:reminder:<visit date>`, so a second run
//! (two schedulers, a retry, a restart around 20:00) plans nothing more, while an appointment
//! moved to another day is reminded again for that day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::subscribe::plan_reminder_batch;

/// Appointments planned per transaction (one statement each, `subscribe/plan_reminders.sql`).
const BATCH: i64 = 1000;

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
        self.plan_in_batches(ctx, BATCH).await
    }

    /// Walks the day's appointments in id order, `size` per transaction (bounded memory and
    /// transactions however large the day); each batch is pushed as it commits, so sends start
    /// while planning goes on. Returns how many reminders were planned.
    pub async fn plan_in_batches(&self, ctx: &JobContext, size: i64) -> anyhow::Result<usize> {
        let (mut after, mut planned) = (0, 0);
        loop {
            let mut tx = ctx.db.begin().await?;
            let batch = plan_reminder_batch(&mut tx, &ctx.templates, self.day, after, size).await?;
            ctx.commit_and_push(tx, &batch.outbox_ids).await?;
            planned += batch.outbox_ids.len();
            match batch.last_id {
                Some(last) if batch.seen == size => after = last,
                _ => return Ok(planned),
            }
        }
    }
}
