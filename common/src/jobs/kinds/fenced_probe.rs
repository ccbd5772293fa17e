//! `test.fenced_probe`: a job on the single-consumer `reservations` queue for tests of the
//! mechanism. Each run checks its fencing token and records `pid:token:current` in Redis under
//! `{REDIS_PREFIX}:probe:{tag}:fenced`, then holds its slot for `hold_ms`.

use std::time::Duration;

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};

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

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let Some(fence) = &ctx.job.fence else { return Outcome::permanent("run outside the single-consumer lease") };
        let current = fence.is_current().await;
        let record = format!("{}:{}:{}", std::process::id(), fence.token.0, current);
        let mut redis = ctx.redis.clone();
        if let Err(err) = redis.rpush::<_, _, ()>(ctx.redis_key(&Self::runs_key(&self.tag)), record).await {
            return Outcome::transient(err);
        }
        tokio::time::sleep(Duration::from_millis(self.hold_ms)).await;
        Outcome::Done
    }
}
