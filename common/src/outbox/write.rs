//! Writing outbox rows inside the caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::jobs::{Job, QueueName};

/// One job to enqueue with the domain change that causes it.
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
    /// A job to run now, without an idempotency key.
    pub fn now(queue: QueueName, kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { queue, kind: kind.into(), payload, run_at: Utc::now(), idempotency_key: None }
    }

    /// A typed job to run now, on its kind's queue.
    pub fn of<J: Job>(job: &J) -> serde_json::Result<Self> {
        Ok(Self::now(J::QUEUE, J::KIND, serde_json::to_value(job)?))
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// Writes the row; `None` when a row with the same idempotency key already exists.
pub async fn insert(conn: &mut PgConnection, job: NewOutboxJob) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO outbox (queue, kind, payload, idempotency_key, run_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(job.queue.as_str())
    .bind(&job.kind)
    .bind(&job.payload)
    .bind(&job.idempotency_key)
    .bind(job.run_at)
    .fetch_optional(conn)
    .await
}
