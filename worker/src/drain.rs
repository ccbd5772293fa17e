//! Runs every due job to the end in this process: what a test calls after an action to see its
//! effects (as zero-to-production and crates.io drain their queues in tests), without a worker
//! process. Jobs scheduled for later (backoff, rate limits, delays) are left where they are.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yizhan_common::jobs::{registry, JobServices};
use yizhan_common::lease::LeaseConfig;
use yizhan_common::queue::RedisQueue;

use crate::{QueueList, Runtime, Worker};

/// Works every queue until none has a job pending or running (jobs that those jobs enqueue
/// included), then stops. `services` says where the jobs' clients point (e.g. the WeChat
/// simulator). Fails after `within` if the queues never empty.
pub async fn run_pending_jobs(queue: &RedisQueue, services: Arc<JobServices>, within: Duration) -> anyhow::Result<()> {
    let worker = Worker {
        queue: queue.clone(),
        services,
        registry: Arc::new(registry()),
        queues: QueueList::all(),
        idle_poll: Duration::from_millis(5),
        shutdown_grace: Duration::from_secs(5),
        name: "run-pending-jobs".into(),
        lease: LeaseConfig::default(),
        runtime: Runtime::Direct,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
    }));
    let deadline = Instant::now() + within;
    let drained = loop {
        let stats = queue.stats_all().await?;
        if stats.iter().all(|s| s.pending == 0 && s.running == 0) {
            break Ok(());
        }
        if Instant::now() >= deadline {
            break Err(anyhow::anyhow!("jobs still pending or running after {within:?}: {stats:?}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let _ = stop.send(());
    running.await?;
    drained
}
