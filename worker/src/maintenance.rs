//! Per-queue housekeeping beside the fetch loop: this worker's heartbeat and the renewal of the
//! leases it holds (every third of the lease), and a sweep every second that brings back jobs
//! of workers whose heartbeat stopped, promotes due scheduled jobs and records the queue-depth
//! gauges.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;
use yizhan_common::jobs::QueueName;
use yizhan_common::metrics::names;
use yizhan_common::queue::{Heartbeat, RedisQueue};

use crate::inflight::InFlight;

/// How often expired leases and due jobs are swept and the gauges recorded.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Runs until `stop` turns true.
pub async fn run(queue: RedisQueue, name: QueueName, inflight: InFlight, mut stop: watch::Receiver<bool>) {
    let mut beat_every = tokio::time::interval((queue.settings().lease / 3).max(Duration::from_millis(100)));
    beat_every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut heartbeat = Heartbeat::new(name);
    loop {
        tokio::select! {
            () = crate::backoff::stopped(&mut stop) => return,
            _ = beat_every.tick() => beat(&queue, name, &mut heartbeat, &inflight).await,
            _ = sweep.tick() => sweep_once(&queue, name, &heartbeat).await,
        }
    }
}

async fn beat(queue: &RedisQueue, name: QueueName, heartbeat: &mut Heartbeat, inflight: &InFlight) {
    if let Err(err) = heartbeat.beat(queue).await {
        tracing::warn!(queue.name = %name, error = %err, "worker heartbeat failed");
    }
    let held = inflight.held();
    if !held.is_empty() {
        if let Err(err) = queue.extend_leases(name, &held).await {
            tracing::warn!(queue.name = %name, error = %err, "lease renewal failed");
        }
    }
}

async fn sweep_once(queue: &RedisQueue, name: QueueName, heartbeat: &Heartbeat) {
    if let Err(err) = heartbeat.recover(queue).await {
        tracing::warn!(queue.name = %name, error = %err, "recovery sweep failed");
    }
    if let Err(err) = queue.promote_due(name).await {
        tracing::warn!(queue.name = %name, error = %err, "promoting due jobs failed");
    }
    match queue.stats(name).await {
        Ok(stats) => {
            let depth = |state: &'static str, n: u64| {
                metrics::gauge!(names::QUEUE_DEPTH, "queue" => name.as_str(), "state" => state).set(n as f64);
            };
            depth("pending", stats.pending);
            depth("scheduled", stats.scheduled);
            depth("running", stats.running);
            depth("dead", stats.dead);
            metrics::gauge!(names::QUEUE_OLDEST_PENDING_SECONDS, "queue" => name.as_str())
                .set(stats.oldest_pending_age_ms as f64 / 1000.0);
        }
        Err(err) => tracing::warn!(queue.name = %name, error = %err, "reading queue depth failed"),
    }
}
