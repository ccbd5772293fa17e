//! A job sink for processes that must start while Redis is down (the API, the scheduler): it
//! connects on first use and again on the next use after a failure.

use std::sync::Arc;

use super::{QueueSettings, RedisQueue};
use crate::job_contract::{JobEnvelope, JobSink};
use crate::redis_conn::LazyRedis;

#[derive(Debug, Clone)]
pub struct LazyQueue {
    redis: Arc<LazyRedis>,
    prefix: String,
    settings: QueueSettings,
}

impl LazyQueue {
    pub fn new(redis: Arc<LazyRedis>, prefix: impl Into<String>, settings: QueueSettings) -> Self {
        Self { redis, prefix: prefix.into(), settings }
    }

    /// The queue over the shared connection, connecting if needed.
    pub async fn queue(&self) -> anyhow::Result<RedisQueue> {
        let conn = self.redis.get().await?;
        Ok(RedisQueue::new(conn, self.prefix.clone(), self.settings.clone()))
    }
}

#[async_trait::async_trait]
impl JobSink for LazyQueue {
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()> {
        self.queue().await?.push_many(envelopes).await
    }
}
