//! The trait every job kind implements.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{JobContext, JobEnvelope, Outcome, QueueName, RetryPolicy};

/// A kind of background work: a serde struct holding its arguments, with an explicit queue and
/// name. Handlers must be idempotent: a job can run more than once (a worker killed mid-run).
#[async_trait::async_trait]
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stable name stored with each queued job; never rename a kind with jobs in flight.
    const KIND: &'static str;
    /// The queue this kind runs on.
    const QUEUE: QueueName;
    /// A run taking longer is stopped and counted as a transient failure.
    const TIMEOUT: Duration = Duration::from_secs(60);
    /// Attempt cap and backoff for transient failures.
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    /// Does the work once.
    async fn run(&self, ctx: &JobContext) -> Outcome;

    /// The envelope that carries this job to its queue, due at `run_at`. `id` is the idempotency
    /// key: pushing two envelopes with one id creates one job.
    fn envelope(&self, id: impl Into<String>, run_at: DateTime<Utc>) -> serde_json::Result<JobEnvelope> {
        Ok(JobEnvelope {
            id: id.into(),
            queue: Self::QUEUE,
            kind: Self::KIND.to_owned(),
            payload: serde_json::to_value(self)?,
            run_at,
        })
    }
}
