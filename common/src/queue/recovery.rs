//! Moving jobs between states outside a run: due jobs to `ready`, jobs of workers whose
//! heartbeat stopped back to `ready` (or `dead` past the redelivery cap), and leases handed back
//! on shutdown.

use crate::job_contract::QueueName;
use crate::metrics::names;

use super::scripts::{CHUNK, HAND_BACK, PROMOTE, RECOVER};
use super::{Held, QueueResult, RedisQueue};

/// What a recovery sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Jobs put back in line to run again.
    pub requeued: u64,
    /// Jobs past the redelivery cap, moved to the dead set.
    pub dead: u64,
    /// Expired leases whose worker still beats: late, not lost; left with it.
    pub late: u64,
}

impl RedisQueue {
    /// Moves every job due now (Redis time) from `scheduled` to `ready`, [`CHUNK`] per call.
    pub async fn promote_due(&self, queue: QueueName) -> QueueResult<u64> {
        let mut conn = self.conn();
        let mut total = 0u64;
        loop {
            let n: u64 = self.invocation(&PROMOTE, queue).arg(CHUNK).invoke_async(&mut conn).await?;
            total += n;
            if n < CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Puts jobs whose lease expired and whose worker's heartbeat is older than the lease back
    /// in line, counting a crash; jobs over the cap go to the dead set. `sweeper_since` is when
    /// this sweeper's own heartbeats became continuous (Redis time, from [`super::Heartbeat`]):
    /// nothing is recovered until that is a lease ago, so after a Redis outage the owners get
    /// to beat again before anyone judges them.
    pub async fn recover_expired(&self, queue: QueueName, sweeper_since: i64) -> QueueResult<Recovered> {
        let mut conn = self.conn();
        let mut total = Recovered::default();
        loop {
            let (requeued, dead, late): (u64, u64, u64) = self
                .invocation(&RECOVER, queue)
                .arg(self.settings.max_redeliveries)
                .arg(CHUNK)
                .arg(sweeper_since)
                .arg(self.settings.lease_ms())
                .invoke_async(&mut conn)
                .await?;
            total.requeued += requeued;
            total.dead += dead;
            total.late += late;
            if requeued + dead + late < CHUNK as u64 {
                break;
            }
        }
        if total.late > 0 {
            tracing::info!(queue.name = %queue, jobs.late = total.late, "expired leases of live workers re-armed");
            metrics::counter!(names::JOBS_RECOVERED, "queue" => queue.as_str(), "result" => "late").increment(total.late);
        }
        if total.requeued + total.dead > 0 {
            tracing::warn!(queue.name = %queue, jobs.requeued = total.requeued, jobs.dead = total.dead, "recovered jobs of a worker whose heartbeat stopped");
            let counter = |result: &'static str| metrics::counter!(names::JOBS_RECOVERED, "queue" => queue.as_str(), "result" => result);
            counter("requeued").increment(total.requeued);
            counter("dead").increment(total.dead);
        }
        Ok(total)
    }

    /// Gives leased jobs back to the front of `ready` without counting a redelivery (a worker
    /// shutting down after its grace period). Jobs no longer held under their token are left
    /// alone and counted (`op="hand_back"`). Returns how many were handed back.
    pub async fn hand_back(&self, queue: QueueName, held: &[Held]) -> QueueResult<u64> {
        let mut conn = self.conn();
        let (mut total, mut stale) = (0u64, 0u64);
        for chunk in held.chunks(CHUNK) {
            let mut call = self.invocation(&HAND_BACK, queue);
            for h in chunk {
                call.arg(&h.id).arg(h.token);
            }
            let (n, refused): (u64, u64) = call.invoke_async(&mut conn).await?;
            total += n;
            stale += refused;
        }
        if stale > 0 {
            tracing::warn!(queue.name = %queue, jobs.stale = stale, "hand-back refused: leases taken over by another fetch");
            metrics::counter!(names::QUEUE_STALE_LEASES, "queue" => queue.as_str(), "op" => "hand_back").increment(stale);
        }
        Ok(total)
    }
}
