//! One queue's pool: a fetch loop that leases as many jobs as there are free slots, one task per
//! job, a batching acknowledger and the housekeeping task; and the drain on shutdown. An idle
//! pool blocks for a wake-up ([`Waker`]) until the next scheduled job falls due (at most a
//! second); without a wake client it polls every `idle_poll`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Semaphore};
use yizhan_common::jobs::{JobServices, QueueName, Registry};
use yizhan_common::lease::Fence;
use yizhan_common::queue::{Finish, Held, RedisQueue, Waker, CHUNK};

use crate::backoff::Backoff;
use crate::execute::execute;
use crate::inflight::InFlight;
use crate::{acker, maintenance};

/// Everything a queue's pool needs.
#[derive(Debug, Clone)]
pub struct Pool {
    pub name: QueueName,
    pub concurrency: usize,
    pub queue: RedisQueue,
    pub registry: Arc<Registry>,
    pub services: Arc<JobServices>,
    pub idle_poll: Duration,
    pub shutdown_grace: Duration,
    /// Set on a single-consumer queue while this process holds its lease.
    pub fence: Option<Fence>,
}

impl Pool {
    /// Works the queue until `stop` turns true, then drains (see the crate docs).
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let inflight = InFlight::default();
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let acker = tokio::spawn(acker::run(self.queue.clone(), self.name, ack_rx, inflight.clone(), stop.clone()));
        let (housekeeping_stop, housekeeping_rx) = watch::channel(false);
        let housekeeping =
            tokio::spawn(maintenance::run(self.queue.clone(), self.name, inflight.clone(), housekeeping_rx));

        self.fetch_loop(stop, &slots, &inflight, ack_tx).await;
        self.drain(&slots, &inflight).await;
        // Every job task has ended and dropped its sender: the acknowledger flushes and stops.
        if acker.await.is_err() {
            tracing::error!(queue.name = %self.name, "acknowledger panicked");
        }
        let left = inflight.held();
        if !left.is_empty() {
            self.hand_back(&left).await;
        }
        let _ = housekeeping_stop.send(true);
        let _ = housekeeping.await;
        tracing::info!(queue.name = %self.name, "queue pool stopped");
    }

    async fn fetch_loop(
        &self,
        mut stop: watch::Receiver<bool>,
        slots: &Arc<Semaphore>,
        inflight: &InFlight,
        ack_tx: mpsc::UnboundedSender<(Held, Finish)>,
    ) {
        let mut backoff = Backoff::default();
        let waker = Waker::spawn(&self.queue, self.name);
        loop {
            let first = tokio::select! {
                biased;
                () = crate::backoff::stopped(&mut stop) => return,
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
            };
            let want = (1 + slots.available_permits()).min(CHUNK);
            let batch = match self.queue.fetch_batch(self.name, want).await {
                Ok(batch) => {
                    backoff.reset();
                    batch
                }
                Err(err) => {
                    drop(first);
                    let delay = backoff.next_delay();
                    tracing::warn!(queue.name = %self.name, error = %err, retry_in_ms = delay.as_millis() as u64, "fetching jobs failed");
                    if sleep_or_stop(&mut stop, delay).await {
                        return;
                    }
                    continue;
                }
            };
            if batch.jobs.is_empty() {
                drop(first);
                // Wake for the next scheduled job a millisecond after it falls due.
                let next_due = batch.next_due_in.map_or(IDLE_RECHECK, |d| (d + Duration::from_millis(1)).min(IDLE_RECHECK));
                let idle = match &waker {
                    Some(waker) => tokio::select! {
                        () = crate::backoff::stopped(&mut stop) => true,
                        () = waker.wait(next_due) => false,
                    },
                    None => sleep_or_stop(&mut stop, self.idle_poll.min(next_due)).await,
                };
                if idle {
                    return;
                }
                continue;
            }
            let mut first = Some(first);
            for job in batch.jobs {
                let permit = match first.take() {
                    Some(p) => p,
                    None => match slots.clone().try_acquire_owned() {
                        Ok(p) => p,
                        Err(_) => match slots.clone().acquire_owned().await {
                            Ok(p) => p,
                            Err(_) => return,
                        },
                    },
                };
                let held = job.held();
                let (registry, services, tx, name) =
                    (self.registry.clone(), self.services.clone(), ack_tx.clone(), self.name);
                let fence = self.fence.clone();
                let task_held = held.clone();
                // The lease stays in `inflight` (renewed) until the acknowledger has landed it.
                inflight.spawn(held, async move {
                    let finish = execute(&registry, &services, name, job, fence).await;
                    let _ = tx.send((task_held, finish));
                    drop(permit);
                });
            }
        }
    }

    /// Waits up to the grace period for running jobs; then aborts the rest (handed back later).
    async fn drain(&self, slots: &Arc<Semaphore>, inflight: &InFlight) {
        let all = u32::try_from(self.concurrency).unwrap_or(u32::MAX);
        let running = self.concurrency - slots.available_permits();
        if running > 0 {
            tracing::info!(queue.name = %self.name, jobs.running = running, "waiting for running jobs");
        }
        // A single consumer that lost its lease stops at once: no drain alongside the new holder.
        let grace = if self.fence.as_ref().is_some_and(Fence::is_lost) { Duration::ZERO } else { self.shutdown_grace };
        if tokio::time::timeout(grace, slots.acquire_many(all)).await.is_ok() {
            return;
        }
        let aborted = inflight.abort_all();
        tracing::warn!(queue.name = %self.name, jobs.aborted = aborted, "grace period over; handing unfinished jobs back");
        // Aborted tasks release their slots when dropped.
        let _ = tokio::time::timeout(Duration::from_secs(5), slots.acquire_many(all)).await;
    }

    async fn hand_back(&self, ids: &[Held]) {
        let mut backoff = Backoff::default();
        for _ in 0..5 {
            match self.queue.hand_back(self.name, ids).await {
                Ok(n) => {
                    tracing::info!(queue.name = %self.name, jobs.handed_back = n, "unfinished jobs handed back");
                    return;
                }
                Err(err) => {
                    tracing::warn!(queue.name = %self.name, error = %err, "handing jobs back failed");
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
        }
        tracing::error!(queue.name = %self.name, jobs = ids.len(), "could not hand jobs back; they run again when their leases expire");
    }
}

/// Longest an idle pool waits before asking its queue again, wake-up or not.
const IDLE_RECHECK: Duration = Duration::from_secs(1);

/// Sleeps for `delay`; true if `stop` turned true meanwhile.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, delay: Duration) -> bool {
    tokio::select! {
        () = crate::backoff::stopped(stop) => true,
        () = tokio::time::sleep(delay) => false,
    }
}
