//! `plan_visit_reminders`: fired at 20:00 (service time zone) for the next day. Plans one visit
//! reminder per active appointment of `day` whose user holds a reminder grant. Each reminder has
//! the idempotency key `visit_reminder:appointment:<id>:reminder:<visit date>`, so a second run
//! (two schedulers, a retry, a restart around 20:00) plans nothing more, while an appointment
//! moved to another day is reminded again for that day. The sends go out once the whole day is
//! planned.

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
    /// transactions however large the day), then pushes the sends it planned: delivery starts
    /// once the whole day is planned, so it does not compete with the planning for the database.
    /// Each batch's rows are safe in the outbox from its commit: the relay pushes them should this
    /// run die first. Returns how many reminders were planned.
    pub async fn plan_in_batches(&self, ctx: &JobContext, size: i64) -> anyhow::Result<usize> {
        let (mut after, mut planned, mut outbox) = (0, 0, None::<(i64, i64)>);
        loop {
            let mut tx = ctx.db.begin().await?;
            let batch = plan_reminder_batch(&mut tx, &ctx.templates, self.day, after, size).await?;
            tx.commit().await?;
            planned += usize::try_from(batch.planned).unwrap_or_default();
            if let (Some(&low), Some(&high)) = (batch.outbox_ids.iter().min(), batch.outbox_ids.iter().max()) {
                outbox = Some(outbox.map_or((low, high), |(first, last)| (first.min(low), last.max(high))));
            }
            match batch.last_id {
                Some(last) if batch.seen == size => after = last,
                _ => break,
            }
        }
        if let Some((first, last)) = outbox {
            ctx.push_range(first..=last).await;
        }
        Ok(planned)
    }
}
