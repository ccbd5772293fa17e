//! Queue settings shared by every process that pushes, works or sweeps the queues.

use std::time::Duration;

use crate::config::EnvReader;

#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// `QUEUE_DEDUP_TTL_HOURS`: how long a pushed id is remembered, so that pushing it again
    /// (outbox relay after a crash, a second scheduler) is skipped (default 168 = 7 days; at
    /// least 24). An id pushed again after that creates a new job.
    pub dedup_ttl: Duration,
    /// `QUEUE_LEASE_SECS`: how long a fetched job stays leased without a renewal from its worker,
    /// and how long a worker may miss its heartbeat before it counts as gone (default 10).
    /// Workers renew and beat every third of it; jobs of a killed worker run again elsewhere
    /// about this long after the kill (plus up to a second of sweep). A job whose lease ran out
    /// while its worker still beats is late, not lost, and is left with it.
    pub lease: Duration,
    /// `QUEUE_MAX_REDELIVERIES`: how often a job may be lost by a dying worker before it goes to
    /// the dead set as a probable poison job (default 3).
    pub max_redeliveries: u32,
    /// `QUEUE_UNKNOWN_KIND_PARK_SECS`: how long a job whose kind no worker knows (a rolling
    /// deploy: the pusher is newer than the workers) is parked, retried every
    /// [`Self::PARK_RETRY`], before it goes to the dead set (default 3600; 0 = dead at once).
    pub unknown_kind_park: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            dedup_ttl: Duration::from_secs(7 * 24 * 3600),
            lease: Duration::from_secs(10),
            max_redeliveries: 3,
            unknown_kind_park: Duration::from_secs(3600),
        }
    }
}

impl QueueSettings {
    pub fn read(env: &mut EnvReader) -> Self {
        let ttl_hours = env.optional("QUEUE_DEDUP_TTL_HOURS", 168u64);
        let lease_secs = env.optional("QUEUE_LEASE_SECS", 10u64);
        let max_redeliveries = env.optional("QUEUE_MAX_REDELIVERIES", 3u32);
        let park_secs = env.optional("QUEUE_UNKNOWN_KIND_PARK_SECS", 3600u64);
        if park_secs > 7 * 24 * 3600 {
            env.invalid("QUEUE_UNKNOWN_KIND_PARK_SECS", "must be at most 604800 (7 days)");
        }
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
            unknown_kind_park: Duration::from_secs(park_secs),
        }
    }

    /// How often a parked job of an unknown kind is offered again.
    pub const PARK_RETRY: Duration = Duration::from_secs(30);

    pub(crate) fn lease_ms(&self) -> i64 {
        millis(self.lease)
    }
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
