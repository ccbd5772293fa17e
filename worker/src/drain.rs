//! Runs every due job to the end in this process: what a test calls after an action to see its
//! effects (as zero-to-production and crates.io drain their queues in tests), without a worker
//! process. Jobs scheduled for later (backoff, rate limits, delays) are left where they are.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yizhan_common::jobs::{registry, JobServices};
use yizhan_common::lease::LeaseConfig;
use yizhan_common::queue::RedisQueue;

use crate::{QueueList, Runtime, Worker};

/// A worker working every queue in this process, until [`RunningWorker::stop`].
pub struct RunningWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<()>,
}

impl RunningWorker {
    /// Stops fetching, lets running jobs finish (within the grace), and returns.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.running.await;
    }
}

/// Starts a worker on every queue (the single-consumer one through its lease) in this process:
/// what a test runs beside requests that wait for a job's effect.
pub fn start_worker(queue: &RedisQueue, services: Arc<JobServices>) -> RunningWorker {
    let worker = Worker {
        queue: queue.clone(),
        services,
        registry: Arc::new(registry()),
        queues: QueueList::all(),
        idle_poll: Duration::from_millis(5),
        shutdown_grace: Duration::from_secs(5),
        name: "in-process".into(),
        lease: LeaseConfig::default(),
        runtime: Runtime::Direct,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
    }));
    RunningWorker { stop, running }
}

/// Works every queue until none has a job pending or running (jobs that those jobs enqueue
/// included), then stops. `services` says where the jobs' clients point (e.g. the WeChat
/// simulator). Fails after `within` if the queues never empty.
pub async fn run_pending_jobs(queue: &RedisQueue, services: Arc<JobServices>, within: Duration) -> anyhow::Result<()> {
    let worker = start_worker(queue, services);
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
    worker.stop().await;
    drained
}
