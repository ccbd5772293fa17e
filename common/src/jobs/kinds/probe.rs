//! `test.probe`: a scripted job for tests and the benchmark. Each run records itself in Redis
//! under `{REDIS_PREFIX}:probe:{tag}:…` and then behaves as the step for that run says, so tests
//! that run workers as separate processes can observe what happened.

use std::time::Duration;

use chrono::Utc;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};

/// What one run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "do")]
pub enum ProbeStep {
    Done,
    /// Sleeps, then finishes.
    Sleep { ms: u64 },
    Fail,
    Permanent,
    Panic,
    RateLimited { ms: u64 },
    QuotaExhausted { ms: u64 },
    TokenInvalid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Probe {
    /// Names this probe's counters.
    pub tag: String,
    /// Step `n` is taken by the `n`-th run (counted across processes); later runs finish.
    #[serde(default)]
    pub steps: Vec<ProbeStep>,
}

impl Probe {
    /// Redis key (without the deployment prefix) where runs are counted. A probe's keys share the
    /// hash tag `{tag}` (braces literal): a run updates two of them in one pipeline.
    pub fn runs_key(tag: &str) -> String {
        format!("probe:{{{tag}}}:runs")
    }

    /// Key of the counter of finished runs.
    pub fn done_key(tag: &str) -> String {
        format!("probe:{{{tag}}}:done")
    }

    /// Key of the list of run start times (microseconds since the epoch).
    pub fn started_key(tag: &str) -> String {
        format!("probe:{{{tag}}}:started")
    }

    async fn record_start(&self, ctx: &JobContext) -> redis::RedisResult<u64> {
        let mut redis = ctx.redis.clone();
        let now_us = Utc::now().timestamp_micros();
        let (runs, _): (u64, u64) = redis::pipe()
            .incr(ctx.redis_key(&Self::runs_key(&self.tag)), 1)
            .rpush(ctx.redis_key(&Self::started_key(&self.tag)), now_us)
            .query_async(&mut redis)
            .await?;
        Ok(runs)
    }
}

#[async_trait::async_trait]
impl Job for Probe {
    const KIND: &'static str = "test.probe";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;
    const RETRY: RetryPolicy =
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(50), max_delay: Duration::from_millis(200) };

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let runs = match self.record_start(ctx).await {
            Ok(runs) => runs,
            Err(err) => return Outcome::transient(err),
        };
        let index = usize::try_from(runs.saturating_sub(1)).unwrap_or(usize::MAX);
        let step = self.steps.get(index).copied().unwrap_or(ProbeStep::Done);
        let later = |ms: u64| Utc::now() + chrono::TimeDelta::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX));
        match step {
            ProbeStep::Done => {}
            ProbeStep::Sleep { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            ProbeStep::Fail => return Outcome::transient(format!("probe {} failed on run {runs}", self.tag)),
            ProbeStep::Permanent => return Outcome::permanent(format!("probe {} refused", self.tag)),
            ProbeStep::Panic => panic!("probe {} panicked on run {runs}", self.tag),
            ProbeStep::RateLimited { ms } => return Outcome::RateLimited { until: later(ms) },
            ProbeStep::QuotaExhausted { ms } => return Outcome::QuotaExhausted { until: later(ms) },
            ProbeStep::TokenInvalid => return Outcome::TokenInvalid,
        }
        let mut redis = ctx.redis.clone();
        match redis.incr::<_, _, u64>(ctx.redis_key(&Self::done_key(&self.tag)), 1).await {
            Ok(_) => Outcome::Done,
            Err(err) => Outcome::transient(err),
        }
    }
}
