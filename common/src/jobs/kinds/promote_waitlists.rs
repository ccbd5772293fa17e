//! `promote_waitlists`: the periodic sweep behind waitlist promotion. Cancels and reschedules
//! promote at once; this catches any place freed without that (an admin raising capacity, a
//! failed promotion) and promotes the first waiting entries, planning their messages (and the
//! visit reminder at once for a promotion into tomorrow after the 20:00 planning ran).

use serde::{Deserialize, Serialize};

use crate::hospital::waitlist;
use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::subscribe::plan_promoted;

/// Schedules looked at per sweep.
const PER_SWEEP: i64 = 100;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PromoteWaitlists {}

#[async_trait::async_trait]
impl Job for PromoteWaitlists {
    const KIND: &'static str = "promote_waitlists";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match sweep(ctx).await {
            Ok(0) => Outcome::Done,
            Ok(n) => {
                tracing::info!(waitlist.promoted = n, "waitlist sweep promoted entries");
                Outcome::Done
            }
            Err(err) => Outcome::transient(err),
        }
    }
}

async fn sweep(ctx: &JobContext) -> anyhow::Result<usize> {
    let at = chrono::Utc::now();
    let now = crate::time::local(at).naive_local();
    let mut conn = ctx.db.acquire().await?;
    let schedules = waitlist::schedules_to_promote(&mut conn, now, PER_SWEEP).await?;
    drop(conn);
    let mut promoted = 0;
    for schedule in schedules {
        let mut tx = ctx.db.begin().await?;
        let mut outbox = Vec::new();
        for p in waitlist::promote(&mut tx, schedule, now).await? {
            outbox.extend(plan_promoted(&mut tx, &ctx.templates, p.user_id, p.appointment_id, p.visit_date, at).await?);
            promoted += 1;
        }
        ctx.commit_and_push(tx, &outbox).await?;
    }
    Ok(promoted)
}
