//! `WORKER_RUNTIME=apalis`: every configured queue as an apalis worker under one apalis
//! `Monitor`. Around the monitor, per queue, the same housekeeping (heartbeat, lease renewal,
//! recovery sweep, depth gauges) and the same batching acknowledger as the direct loop.
//!
//! Stop: on `stop` the monitor stops every worker (nothing more is fetched; running jobs go on);
//! each backend's `poll_close` hands back fetched-but-unrun jobs and waits for its acks. After
//! `shutdown_grace` the monitor's terminator drops the workers, which aborts the runs still going;
//! their leases are then handed back to the front of their queue (no crash counted), as in the
//! direct loop.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::layers::catch_panic::CatchPanicLayer;
use apalis::layers::WorkerBuilderExt;
use apalis_core::monitor::Monitor;
use apalis_core::worker::builder::WorkerBuilder;
use apalis_core::worker::ext::ack::AcknowledgementExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use yizhan_common::jobs::{JobServices, QueueName, Registry};
use yizhan_common::lease::Fence;
use yizhan_common::queue::{Held, RedisQueue};

use super::backend::{EngineBackend, EngineConfig};
use super::layers::{panicked, JobMetricsLayer, KindDeadlineLayer};
use super::service::{Panicked, RunJob};
use crate::backoff::Backoff;
use crate::inflight::InFlight;
use crate::{acker, maintenance};

type PanicHandler = fn(&Box<dyn Any + Send>) -> Panicked;

/// One queue's apalis worker and what runs beside it.
#[derive(Debug, Clone)]
pub struct Lane {
    pub name: QueueName,
    pub concurrency: usize,
    pub queue: RedisQueue,
    pub registry: Arc<Registry>,
    pub services: Arc<JobServices>,
    pub idle_poll: Duration,
    /// Set on a single-consumer queue while this process holds its lease.
    pub fence: Option<Fence>,
}

/// The acknowledger and housekeeping tasks of one lane, and its leases.
struct Running {
    name: QueueName,
    queue: RedisQueue,
    inflight: InFlight,
    acker: JoinHandle<()>,
    housekeeping: JoinHandle<()>,
    housekeeping_stop: watch::Sender<bool>,
}

/// Works `lanes` under one apalis `Monitor` until `stop` resolves, then drains (see the module
/// docs) and returns.
pub async fn run_until(lanes: Vec<Lane>, worker_name: &str, grace: Duration, stop: impl Future<Output = ()> + Send + 'static) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // A single consumer that lost its lease stops at once: no grace alongside the new holder.
    let fences: Vec<Fence> = lanes.iter().filter_map(|l| l.fence.clone()).collect();
    let mut monitor = Monitor::new();
    let mut running = Vec::new();
    for lane in lanes {
        let inflight = InFlight::default();
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let acker = tokio::spawn(acker::run(lane.queue.clone(), lane.name, ack_rx, inflight.clone(), stop_rx.clone()));
        let (housekeeping_stop, housekeeping_rx) = watch::channel(false);
        let housekeeping = tokio::spawn(maintenance::run(lane.queue.clone(), lane.name, inflight.clone(), housekeeping_rx));
        running.push(Running { name: lane.name, queue: lane.queue.clone(), inflight: inflight.clone(), acker, housekeeping, housekeeping_stop });
        let name = format!("{worker_name}:{}", lane.name);
        monitor = monitor.register(move |_restarts| {
            let config = EngineConfig { queue: lane.name, concurrency: lane.concurrency, idle_poll: lane.idle_poll };
            let backend = EngineBackend::new(lane.queue.clone(), lane.registry.clone(), config, inflight.clone(), ack_tx.clone());
            let ack = backend.acknowledger();
            let run = RunJob { services: lane.services.clone(), queue: lane.name, fence: lane.fence.clone() };
            WorkerBuilder::new(name.as_str())
                .backend(backend)
                .ack_with(ack)
                .enable_tracing()
                .layer(JobMetricsLayer { queue: lane.name })
                .layer(CatchPanicLayer::with_panic_handler(panicked as PanicHandler))
                .layer(KindDeadlineLayer)
                .build(run)
        });
    }
    tracing::info!(worker.name = %worker_name, "apalis monitor started");
    let signal = async move {
        stop.await;
        tracing::info!(grace_secs = grace.as_secs(), "worker stopping");
        let _ = stop_tx.send(true);
        Ok(())
    };
    // An async block: the grace period starts when the terminator is first polled, after the
    // signal (`Monitor::shutdown_timeout` would start it when the monitor is built).
    let terminator = async move {
        if !fences.iter().any(Fence::is_lost) {
            tokio::time::sleep(grace).await;
        }
    };
    let result = monitor.with_terminator(terminator).run_with_signal(signal).await;
    if let Err(err) = result {
        tracing::error!(error = %err, "apalis monitor ended with an error");
    }
    // The workers (and with them every acknowledgement sender) are gone: the acknowledgers flush
    // and stop; what is still leased was aborted by the grace period and goes back.
    for lane in running {
        if lane.acker.await.is_err() {
            tracing::error!(queue.name = %lane.name, "acknowledger panicked");
        }
        let left = lane.inflight.held();
        if !left.is_empty() {
            tracing::warn!(queue.name = %lane.name, jobs.aborted = left.len(), "grace period over; handing unfinished jobs back");
            hand_back(&lane.queue, lane.name, &left).await;
        }
        let _ = lane.housekeeping_stop.send(true);
        let _ = lane.housekeeping.await;
        tracing::info!(queue.name = %lane.name, "queue worker stopped");
    }
}

async fn hand_back(queue: &RedisQueue, name: QueueName, ids: &[Held]) {
    let mut backoff = Backoff::default();
    for _ in 0..5 {
        match queue.hand_back(name, ids).await {
            Ok(n) => {
                tracing::info!(queue.name = %name, jobs.handed_back = n, "unfinished jobs handed back");
                return;
            }
            Err(err) => {
                tracing::warn!(queue.name = %name, error = %err, "handing jobs back failed");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
    tracing::error!(queue.name = %name, jobs = ids.len(), "could not hand jobs back; they run again when their leases expire");
}
