//! Worker heartbeats: each worker records, per queue it works, the Redis time of its last beat
//! (`p:q:{q}:workers`). A job is lost (its worker crashed) only when its lease expired *and* its
//! worker's heartbeat is older than the lease — a live worker that is merely late keeps its
//! jobs. The sweeper also tracks its own beats: only after they have been continuous for a lease
//! does it judge other workers, so a Redis outage longer than the lease (every heartbeat stale
//! at once) re-runs nothing.

use crate::job_contract::QueueName;

use super::scripts::BEAT;
use super::{QueueResult, RedisQueue};

/// One worker's heartbeat on one queue, with the continuity of its own beats.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    queue: QueueName,
    /// Redis time of the last successful beat.
    last_ok: Option<i64>,
    /// Redis time since which beats have come without a gap.
    since: Option<i64>,
}

impl Heartbeat {
    pub fn new(queue: QueueName) -> Self {
        Self { queue, last_ok: None, since: None }
    }

    /// Beats once. A gap of more than two thirds of the lease since the previous successful
    /// beat (Redis was unreachable, or this process stalled) restarts the continuity.
    pub async fn beat(&mut self, q: &RedisQueue) -> QueueResult<()> {
        let now: i64 = q.invocation(&BEAT, self.queue).arg(q.worker()).invoke_async(&mut q.conn()).await?;
        let max_gap = q.settings.lease_ms() * 2 / 3;
        match (self.last_ok, self.since) {
            (Some(last), Some(_)) if now - last <= max_gap => {}
            _ => self.since = Some(now),
        }
        self.last_ok = Some(now);
        Ok(())
    }

    /// Redis time since which this worker's beats have been continuous (`None` before the first).
    pub fn since(&self) -> Option<i64> {
        self.since
    }

    /// Sweeps the queue for jobs of workers whose heartbeat stopped (see
    /// [`RedisQueue::recover_expired`]); does nothing before this worker's first beat.
    pub async fn recover(&self, q: &RedisQueue) -> QueueResult<super::Recovered> {
        match self.since {
            Some(since) => q.recover_expired(self.queue, since).await,
            None => Ok(super::Recovered::default()),
        }
    }
}
