//! Reliable fetch: jobs are leased (in `running`, scored by deadline) until acknowledged with
//! [`RedisQueue::finish`]; a worker renews its leases with [`RedisQueue::extend_leases`].

use chrono::{DateTime, Utc};

use crate::jobs::QueueName;

use super::scripts::{CHUNK, FETCH, FINISH};
use super::{now_ms, QueueError, QueueResult, RedisQueue};

/// A job handed to this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub id: String,
    pub kind: String,
    /// The job's arguments as JSON text.
    pub payload: String,
    /// Failed runs so far that spent an attempt.
    pub attempts: u32,
    /// Times the job was lost by a worker that stopped mid-run.
    pub crashes: u32,
}

/// What to do with a leased job after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Record as done.
    Done,
    /// Spend an attempt, record the error and run again at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Run again at `at` without spending an attempt (rate limited, quota exhausted).
    Later { at: DateTime<Utc> },
    /// Spend an attempt and move to the dead set with the error.
    Dead { error: String },
}

impl RedisQueue {
    /// Leases up to `max` jobs of `queue` (at most [`CHUNK`]), first promoting due scheduled jobs
    /// when `ready` runs short. An empty result means the queue has nothing due.
    pub async fn fetch(&self, queue: QueueName, max: usize) -> QueueResult<Vec<Fetched>> {
        let max = max.clamp(1, CHUNK);
        let flat: Vec<Option<String>> = FETCH
            .arg(self.keys.base(queue))
            .arg(now_ms())
            .arg(self.settings.lease_ms())
            .arg(max)
            .invoke_async(&mut self.conn())
            .await?;
        let mut jobs = Vec::with_capacity(flat.len() / 5);
        for f in flat.chunks_exact(5) {
            let text = |i: usize| f[i].clone().ok_or(QueueError::Reply("fetch: missing field"));
            let number = |i: usize| f[i].as_deref().and_then(|s| s.parse().ok()).unwrap_or(0u32);
            jobs.push(Fetched {
                id: text(0)?,
                kind: text(1)?,
                payload: text(2)?,
                attempts: number(3),
                crashes: number(4),
            });
        }
        Ok(jobs)
    }

    /// Acknowledges runs of leased jobs, in script calls of at most [`CHUNK`] jobs.
    pub async fn finish(&self, queue: QueueName, results: &[(String, Finish)]) -> QueueResult<()> {
        let base = self.keys.base(queue);
        let mut conn = self.conn();
        for chunk in results.chunks(CHUNK) {
            let mut call = FINISH.prepare_invoke();
            call.arg(&base).arg(now_ms());
            for (id, finish) in chunk {
                let (op, at, error) = match finish {
                    Finish::Done => ("done", 0, ""),
                    Finish::Retry { at, error } => ("retry", at.timestamp_millis(), error.as_str()),
                    Finish::Later { at } => ("later", at.timestamp_millis(), ""),
                    Finish::Dead { error } => ("dead", 0, error.as_str()),
                };
                call.arg(id).arg(op).arg(at).arg(error);
            }
            let _: i64 = call.invoke_async(&mut conn).await?;
        }
        Ok(())
    }

    /// Renews the leases of jobs this worker still runs (jobs no longer leased are left alone).
    pub async fn extend_leases(&self, queue: QueueName, ids: &[String]) -> QueueResult<()> {
        let deadline = now_ms().saturating_add(self.settings.lease_ms());
        let key = self.keys.running(queue);
        let mut conn = self.conn();
        for chunk in ids.chunks(CHUNK) {
            let mut cmd = redis::cmd("ZADD");
            cmd.arg(&key).arg("XX");
            for id in chunk {
                cmd.arg(deadline).arg(id);
            }
            let _: i64 = cmd.query_async(&mut conn).await?;
        }
        Ok(())
    }
}
