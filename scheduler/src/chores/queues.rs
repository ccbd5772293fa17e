//! Queue retention: deleting the data of finished jobs (and, later, of dead ones) in Redis.

use std::time::Duration;

use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{now_ms, LazyQueue};

use super::Chore;

#[derive(Debug)]
pub struct CleanQueues {
    pub queue: LazyQueue,
    /// Done jobs older than this are deleted.
    pub done_keep: Duration,
    /// Dead jobs older than this are deleted (`None`: kept for operators until retried).
    pub dead_keep: Option<Duration>,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl Chore for CleanQueues {
    fn name(&self) -> &'static str {
        "queue_clean"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(300)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let queue = self.queue.queue().await?;
        let now = now_ms();
        for name in QueueName::ALL {
            let dead_before = self.dead_keep.map(|keep| now.saturating_sub(ms(keep)));
            let removed = queue.clean_finished(name, now.saturating_sub(ms(self.done_keep)), dead_before).await?;
            if removed > 0 {
                tracing::info!(queue.name = %name, jobs.removed = removed, "finished jobs' data removed");
            }
        }
        Ok(())
    }
}
