//! `plan_daily_broadcasts`: the scheduler's minute firing. Plans every daily broadcast due at the
//! firing's local time (`notices::broadcasts::run_due`: each (broadcast, day) claimed once by a
//! unique row in the same transaction), then pushes the messages' jobs.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::notices::broadcasts;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDailyBroadcasts {
    /// The firing's time.
    pub at: DateTime<Utc>,
}

#[async_trait::async_trait]
impl Job for PlanDailyBroadcasts {
    const KIND: &'static str = "plan_daily_broadcasts";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(120);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.plan(ctx).await {
            Ok(()) => Outcome::Done,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl PlanDailyBroadcasts {
    async fn plan(&self, ctx: &JobContext) -> anyhow::Result<()> {
        let tz = crate::time::service_tz();
        let local = self.at.with_timezone(&tz);
        let day = local.date_naive();
        let day_start = tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN)).earliest().map_or(self.at, |d| d.with_timezone(&Utc));
        let mut tx = ctx.db.begin().await?;
        let outbox = broadcasts::run_due(&mut tx, day, local.time(), day_start).await?;
        ctx.commit_and_push(tx, &outbox).await?;
        Ok(())
    }
}
