//! `test.fenced_probe`: a job on the single-consumer `reservations` queue for tests of the
//! mechanism. Each run holds its slot for `hold_ms`, then makes its fenced write: it claims the
//! queue's fence in PostgreSQL with its token (refused for a stale holder), and records
//! `pid:token:claimed` in Redis under `{REDIS_PREFIX}:probe:{tag}:fenced`.

use std::time::Duration;

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::lease::FenceError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FencedProbe {
    pub tag: String,
    #[serde(default)]
    pub hold_ms: u64,
}

impl FencedProbe {
    /// Redis key (without the deployment prefix) of the list of runs.
    pub fn runs_key(tag: &str) -> String {
        format!("probe:{tag}:fenced")
    }
}

#[async_trait::async_trait]
impl Job for FencedProbe {
    const KIND: &'static str = "test.fenced_probe";
    const QUEUE: QueueName = QueueName::Reservations;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let Some(fence) = &ctx.job.fence else { return Outcome::permanent("run outside the single-consumer lease") };
        tokio::time::sleep(Duration::from_millis(self.hold_ms)).await;
        let claimed = async {
            let mut tx = ctx.db.begin().await?;
            fence.claim(&mut tx).await?;
            tx.commit().await?;
            Ok::<_, FenceError>(())
        }
        .await;
        let refused = match claimed {
            Ok(()) => false,
            Err(FenceError::Stale { .. }) => true,
            Err(err) => return Outcome::transient(err),
        };
        let record = format!("{}:{}:{}", std::process::id(), fence.token.0, !refused);
        let mut redis = ctx.redis.clone();
        if let Err(err) = redis.rpush::<_, _, ()>(ctx.redis_key(&Self::runs_key(&self.tag)), record).await {
            return Outcome::transient(err);
        }
        if refused {
            return Outcome::transient("fencing token stale: a newer holder owns the queue");
        }
        Outcome::Done
    }
}
