//! The trait every job kind implements.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{JobEnvelope, Outcome, QueueName, RetryPolicy};

/// A kind of background work: a serde struct holding its arguments, with an explicit queue and
/// name. Handlers must be idempotent: a job can run more than once (a worker killed mid-run).
/// A job is enqueued with `job.enqueue(&mut tx)` (`outbox::Enqueue`, implemented for
/// every `Job`) in the transaction that writes the change causing it.
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
    /// What a run gets to do its work: `jobs::JobContext` for every kind the workers run
    /// (the contract names no context, so it stays below the clients the context holds).
    type Context: Send + Sync + 'static;

    /// Does the work once.
    async fn run(&self, ctx: &Self::Context) -> Outcome;

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
