//! Writing outbox rows inside the caller's transaction: the one way a job is enqueued.

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::job_contract::{Job, QueueName};

/// How every job is enqueued: `SendSubscribeMessage { send_id }.enqueue(&mut tx)` writes the
/// job's outbox row in the caller's transaction, under the kind's own `KIND` and `QUEUE` (as
/// crates.io's `BackgroundJob::enqueue`). After commit the row is pushed to its queue.
/// Implemented for every [`Job`]; bring it into scope with `use yizhan_common::outbox::Enqueue`.
pub trait Enqueue: Job {
    /// Writes the row, due now; returns its id.
    fn enqueue(&self, conn: &mut PgConnection) -> impl Future<Output = sqlx::Result<Option<i64>>> + Send;

    /// Writes the row, due now, under an idempotency key; `None` when a row with that key
    /// already exists.
    fn enqueue_keyed(&self, conn: &mut PgConnection, key: String) -> impl Future<Output = sqlx::Result<Option<i64>>> + Send;

    /// As [`Enqueue::enqueue_keyed`], due `delay` from now (a fallback that an event usually
    /// starts sooner).
    fn enqueue_keyed_after(
        &self,
        conn: &mut PgConnection,
        key: String,
        delay: std::time::Duration,
    ) -> impl Future<Output = sqlx::Result<Option<i64>>> + Send;
}

impl<J: Job> Enqueue for J {
    async fn enqueue(&self, conn: &mut PgConnection) -> sqlx::Result<Option<i64>> {
        insert(conn, NewOutboxJob::of(self)?).await
    }

    async fn enqueue_keyed(&self, conn: &mut PgConnection, key: String) -> sqlx::Result<Option<i64>> {
        insert(conn, NewOutboxJob::of(self)?.with_key(key)).await
    }

    async fn enqueue_keyed_after(&self, conn: &mut PgConnection, key: String, delay: std::time::Duration) -> sqlx::Result<Option<i64>> {
        let mut job = NewOutboxJob::of(self)?.with_key(key);
        job.run_at += chrono::Duration::from_std(delay).unwrap_or_default();
        insert(conn, job).await
    }
}

/// An outbox row to write: the first of a job's three in-transit shapes (then
/// [`crate::job_contract::JobEnvelope`] on its way to Redis, then [`crate::queue::Fetched`] in a worker).
#[derive(Debug, Clone)]
pub struct NewOutboxJob {
    pub queue: QueueName,
    pub kind: String,
    pub payload: serde_json::Value,
    /// When the job may run (now for immediate work).
    pub run_at: DateTime<Utc>,
    /// Writing a second row with the same key does nothing (e.g. schedule name + fire time).
    pub idempotency_key: Option<String>,
}

impl NewOutboxJob {
    /// A row to run now from a job held as data (the scheduler's firings, tests). Code that
    /// names its job type uses [`Enqueue`] instead.
    pub fn now(queue: QueueName, kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { queue, kind: kind.into(), payload, run_at: Utc::now(), idempotency_key: None }
    }

    /// A typed job to run now, on its kind's queue.
    pub fn of<J: Job>(job: &J) -> sqlx::Result<Self> {
        let payload = serde_json::to_value(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        Ok(Self::now(J::QUEUE, J::KIND, payload))
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// Writes the row; `None` when a row with the same idempotency key already exists.
pub async fn insert(conn: &mut PgConnection, job: NewOutboxJob) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO outbox (queue, kind, payload, idempotency_key, run_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id",
        job.queue.as_str(),
        job.kind,
        job.payload,
        job.idempotency_key,
        job.run_at
    )
    .fetch_optional(conn)
    .await
}
