//! Queue settings shared by every process that pushes, works or sweeps the queues.

use std::time::Duration;

use crate::config::EnvReader;

#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// `QUEUE_DEDUP_TTL_HOURS`: how long a pushed id is remembered, so that pushing it again
    /// (outbox relay after a crash, a second scheduler) is skipped (default 168 = 7 days; at
    /// least 24). An id pushed again after that creates a new job.
    pub dedup_ttl: Duration,
    /// `QUEUE_LEASE_SECS`: how long a fetched job stays leased without a heartbeat from its worker
    /// (default 10). Workers renew every third of it; jobs of a killed worker run again elsewhere
    /// about this long after the kill (plus up to a second of sweep).
    pub lease: Duration,
    /// `QUEUE_MAX_REDELIVERIES`: how often a job may be lost by a dying worker before it goes to
    /// the dead set as a probable poison job (default 3).
    pub max_redeliveries: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self { dedup_ttl: Duration::from_secs(7 * 24 * 3600), lease: Duration::from_secs(10), max_redeliveries: 3 }
    }
}

impl QueueSettings {
    pub fn read(env: &mut EnvReader) -> Self {
        let ttl_hours = env.optional("QUEUE_DEDUP_TTL_HOURS", 168u64);
        let lease_secs = env.optional("QUEUE_LEASE_SECS", 10u64);
        let max_redeliveries = env.optional("QUEUE_MAX_REDELIVERIES", 3u32);
        if ttl_hours < 24 {
            env.invalid("QUEUE_DEDUP_TTL_HOURS", "must be at least 24");
        }
        if !(2..=3600).contains(&lease_secs) {
            env.invalid("QUEUE_LEASE_SECS", "must be from 2 to 3600");
        }
        Self {
            dedup_ttl: Duration::from_secs(ttl_hours * 3600),
            lease: Duration::from_secs(lease_secs),
            max_redeliveries,
        }
    }

    pub(crate) fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }
}
