//! The dead set: jobs that exhausted their attempts, failed permanently or kept killing workers.

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use serde::Serialize;

use crate::job_contract::QueueName;

use super::scripts::{CHUNK, LIST_DEAD, RETRY_DEAD, RETRY_DEAD_BATCH};
use super::{QueueError, QueueResult, RedisQueue};

/// One dead job as operators see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadJob {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub redeliveries: u32,
    pub last_error: String,
    pub died_at: Option<DateTime<Utc>>,
}

impl RedisQueue {
    /// Dead jobs of `queue`, newest first, and the size of the dead set.
    pub async fn list_dead(&self, queue: QueueName, offset: u64, limit: u64) -> QueueResult<(Vec<DeadJob>, u64)> {
        let mut conn = self.conn();
        let total: u64 = conn.zcard(self.keys.dead(queue)).await?;
        if limit == 0 || offset >= total {
            return Ok((Vec::new(), total));
        }
        let stop = offset.saturating_add(limit) - 1;
        let flat: Vec<String> = self.invocation(&LIST_DEAD, queue).arg(offset).arg(stop).invoke_async(&mut conn).await?;
        let mut jobs = Vec::with_capacity(flat.len() / 7);
        for f in flat.chunks_exact(7) {
            let died_ms = f[1].parse::<f64>().map_err(|_| QueueError::Reply("dead: bad score"))?;
            jobs.push(DeadJob {
                id: f[0].clone(),
                died_at: DateTime::from_timestamp_millis(died_ms as i64),
                kind: f[2].clone(),
                payload: serde_json::from_str(&f[3]).unwrap_or(serde_json::Value::Null),
                attempts: f[4].parse().unwrap_or(0),
                redeliveries: f[5].parse().unwrap_or(0),
                last_error: f[6].clone(),
            });
        }
        Ok((jobs, total))
    }

    /// Moves a dead job back in line with fresh attempt counts. False if `id` is not dead.
    pub async fn retry_dead(&self, queue: QueueName, id: &str) -> QueueResult<bool> {
        let n: i64 = self.invocation(&RETRY_DEAD, queue).arg(id).invoke_async(&mut self.conn()).await?;
        Ok(n == 1)
    }

    /// Moves every job that is dead now back in line (oldest first, [`CHUNK`] per script call);
    /// returns how many. Jobs that die while it runs may be moved too; it stops after as many
    /// as were dead when it began.
    pub async fn retry_all_dead(&self, queue: QueueName) -> QueueResult<u64> {
        let mut conn = self.conn();
        let total: u64 = conn.zcard(self.keys.dead(queue)).await?;
        let mut moved = 0u64;
        while moved < total {
            let batch = (total - moved).min(CHUNK as u64);
            let n: u64 = self.invocation(&RETRY_DEAD_BATCH, queue).arg(batch).invoke_async(&mut conn).await?;
            moved += n;
            if n < batch {
                break;
            }
        }
        Ok(moved)
    }
}
