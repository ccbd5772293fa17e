//! Per-queue housekeeping beside the fetch loop: lease heartbeats for the jobs this process
//! runs, and sweeps that bring back jobs of dead workers and promote due scheduled jobs.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{now_ms, RedisQueue};

use crate::inflight::InFlight;

/// How often expired leases and due jobs are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Runs until `stop` turns true.
pub async fn run(queue: RedisQueue, name: QueueName, inflight: InFlight, mut stop: watch::Receiver<bool>) {
    let mut heartbeat = tokio::time::interval((queue.settings().lease / 3).max(Duration::from_millis(100)));
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = crate::backoff::stopped(&mut stop) => return,
            _ = heartbeat.tick() => {
                let ids = inflight.ids();
                if !ids.is_empty() {
                    if let Err(err) = queue.extend_leases(name, &ids).await {
                        tracing::warn!(queue.name = %name, error = %err, "lease heartbeat failed");
                    }
                }
            }
            _ = sweep.tick() => sweep_once(&queue, name).await,
        }
    }
}

async fn sweep_once(queue: &RedisQueue, name: QueueName) {
    match queue.recover_expired(name, now_ms()).await {
        Ok(r) if r.requeued + r.dead > 0 => {
            tracing::warn!(queue.name = %name, jobs.requeued = r.requeued, jobs.dead = r.dead, "recovered jobs of a vanished worker");
            metrics::counter!("yizhan_jobs_recovered_total", "queue" => name.as_str()).increment(r.requeued + r.dead);
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(queue.name = %name, error = %err, "recovery sweep failed"),
    }
    if let Err(err) = queue.promote_due(name, now_ms()).await {
        tracing::warn!(queue.name = %name, error = %err, "promoting due jobs failed");
    }
}
