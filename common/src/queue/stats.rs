//! Per-queue counts for operators, and the retention clean-up the scheduler runs.

use std::time::Duration;

use serde::Serialize;

use crate::job_contract::QueueName;

use super::scripts::{CHUNK, CLEAN, STATS};
use super::{now_ms, QueueError, QueueResult, RedisQueue};

/// A queue at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub queue: QueueName,
    /// Due and waiting for a worker.
    pub pending: u64,
    /// Due later (delayed, backing off, rate limited).
    pub scheduled: u64,
    /// Leased by a worker now.
    pub running: u64,
    /// Finished and not yet cleaned up.
    pub done: u64,
    pub dead: u64,
    /// How long the oldest pending job has been due, in milliseconds (0 when none is pending).
    pub oldest_pending_age_ms: u64,
}

impl RedisQueue {
    pub async fn stats(&self, queue: QueueName) -> QueueResult<QueueStats> {
        let v: Vec<i64> = self.invocation(&STATS, queue).invoke_async(&mut self.conn()).await?;
        let [pending, scheduled, running, done, dead, age] = v[..] else {
            return Err(QueueError::Reply("stats: expected six numbers"));
        };
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(QueueStats {
            queue,
            pending: count(pending),
            scheduled: count(scheduled),
            running: count(running),
            done: count(done),
            dead: count(dead),
            oldest_pending_age_ms: count(age),
        })
    }

    /// Stats of every queue, in [`QueueName::ALL`] order.
    pub async fn stats_all(&self) -> QueueResult<Vec<QueueStats>> {
        let mut all = Vec::with_capacity(QueueName::ALL.len());
        for queue in QueueName::ALL {
            all.push(self.stats(queue).await?);
        }
        Ok(all)
    }

    /// Retention: deletes the data of jobs finished before `done_before_ms` and of dead jobs that
    /// died before `dead_before_ms` (pass `None` to keep dead jobs), [`CHUNK`] per script call.
    /// Idempotency markers expire on their own TTL. Returns how many jobs were removed.
    pub async fn clean_finished(&self, queue: QueueName, done_before_ms: i64, dead_before_ms: Option<i64>) -> QueueResult<u64> {
        let mut removed = self.clean_set(queue, "done", done_before_ms).await?;
        if let Some(before) = dead_before_ms {
            removed += self.clean_set(queue, "dead", before).await?;
        }
        Ok(removed)
    }

    /// Retention for every queue, as the scheduler runs it: finished jobs older than
    /// `done_retention` and, when given, dead jobs older than `dead_retention`.
    pub async fn clean_all_finished(&self, done_retention: Duration, dead_retention: Option<Duration>) -> QueueResult<u64> {
        let ms = |d: Duration| now_ms().saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let mut removed = 0;
        for queue in QueueName::ALL {
            removed += self.clean_finished(queue, ms(done_retention), dead_retention.map(ms)).await?;
        }
        Ok(removed)
    }

    async fn clean_set(&self, queue: QueueName, set: &str, before_ms: i64) -> QueueResult<u64> {
        let mut conn = self.conn();
        let mut total = 0u64;
        loop {
            let n: u64 = self.invocation(&CLEAN, queue).arg(set).arg(before_ms).arg(CHUNK).invoke_async(&mut conn).await?;
            total += n;
            if n < CHUNK as u64 {
                return Ok(total);
            }
        }
    }
}
