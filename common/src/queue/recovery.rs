//! Moving jobs between states outside a run: due jobs to `ready`, expired leases back to
//! `ready` (or `dead` past the redelivery cap), and leases handed back on shutdown.

use crate::jobs::QueueName;

use super::scripts::{CHUNK, HAND_BACK, PROMOTE, RECOVER};
use super::{QueueResult, RedisQueue};

/// What a recovery sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Jobs put back in line to run again.
    pub requeued: u64,
    /// Jobs past the redelivery cap, moved to the dead set.
    pub dead: u64,
}

impl RedisQueue {
    /// Moves every job due at `now_ms` from `scheduled` to `ready`, [`CHUNK`] per script call.
    pub async fn promote_due(&self, queue: QueueName, now_ms: i64) -> QueueResult<u64> {
        let base = self.keys.base(queue);
        let mut conn = self.conn();
        let mut total = 0u64;
        loop {
            let n: u64 = PROMOTE.arg(&base).arg(now_ms).arg(CHUNK).invoke_async(&mut conn).await?;
            total += n;
            if n < CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Puts jobs whose lease expired before `now_ms` back in line (their worker died or stalled),
    /// counting a redelivery; jobs over the cap go to the dead set.
    pub async fn recover_expired(&self, queue: QueueName, now_ms: i64) -> QueueResult<Recovered> {
        let base = self.keys.base(queue);
        let mut conn = self.conn();
        let mut total = Recovered::default();
        loop {
            let (requeued, dead): (u64, u64) = RECOVER
                .arg(&base)
                .arg(now_ms)
                .arg(self.settings.max_redeliveries)
                .arg(CHUNK)
                .invoke_async(&mut conn)
                .await?;
            total.requeued += requeued;
            total.dead += dead;
            if requeued + dead < CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Gives leased jobs back to the front of `ready` without counting a redelivery (a worker
    /// shutting down after its grace period). Returns how many were still leased.
    pub async fn hand_back(&self, queue: QueueName, ids: &[String]) -> QueueResult<u64> {
        let base = self.keys.base(queue);
        let mut conn = self.conn();
        let mut total = 0u64;
        for chunk in ids.chunks(CHUNK) {
            let mut call = HAND_BACK.prepare_invoke();
            call.arg(&base);
            for id in chunk {
                call.arg(id);
            }
            let n: u64 = call.invoke_async(&mut conn).await?;
            total += n;
        }
        Ok(total)
    }
}
