//! Yizhan's queue engine as an apalis 1.0 backend, for one queue.
//!
//! - `poll_ready` is ready while this worker holds fewer leases than its concurrency (leases
//!   count from the fetch until the run is handed to the acknowledger), or while fetched tasks
//!   wait in the buffer.
//! - `poll_next` hands out the buffer; when it is empty it leases as many jobs as there are free
//!   slots in one `FETCH` call, and when the queue has nothing due it waits on the queue's wake
//!   list (or until the next scheduled job falls due, at most a second) instead of polling.
//!   Redis errors are logged and retried with backoff here: apalis ends a worker whose backend
//!   returns an error, and the engine's worker never exits on a Redis error.
//! - `poll_close` hands the buffered, never-run tasks back to the front of the queue (no crash
//!   counted) and waits until every acknowledgement handed to the acknowledger has landed.
//! - The `Sink` pushes tasks (buffered, one `PUSH` call per flush); with `BackendConfig` and
//!   `WireFormatBackend` that makes it a `TaskSink<JobArgs>`.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis_core::backend::{Backend, BackendConfig, WireFormatBackend};
use apalis_core::backend::finalize::Durable;
use apalis_core::task::builder::TaskBuilder;
use apalis_core::task::task_id::TaskId;
use apalis_core::task::Task;
use apalis_core::worker::context::WorkerContext;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::task::AtomicWaker;
use futures::FutureExt;
use tokio::sync::mpsc::UnboundedSender;
use tower::layer::util::Identity;
use yizhan_common::jobs::{JobEnvelope, QueueName, Registry};
use yizhan_common::queue::{Batch, Fetched, Finish, Held, QueueError, QueueResult, RedisQueue, Waker, CHUNK};

use super::ack::EngineAck;
use super::codec::{JobArgs, PassThrough};
use super::service::Lease;
use crate::backoff::Backoff;
use crate::inflight::InFlight;

/// Longest an idle backend waits before asking its queue again, wake-up or not.
const IDLE_RECHECK: Duration = Duration::from_secs(1);

/// Leases this worker holds on one queue, against its concurrency; shared by the backend (which
/// takes slots when it fetches) and the acknowledgement (which frees one per run).
#[derive(Debug)]
pub struct Slots {
    concurrency: usize,
    held: AtomicUsize,
    freed: AtomicWaker,
}

impl Slots {
    fn new(concurrency: usize) -> Self {
        Self { concurrency: concurrency.max(1), held: AtomicUsize::new(0), freed: AtomicWaker::new() }
    }

    fn free(&self) -> usize {
        self.concurrency.saturating_sub(self.held.load(Ordering::Acquire))
    }

    fn take(&self, n: usize) {
        self.held.fetch_add(n, Ordering::AcqRel);
    }

    pub(crate) fn free_one(&self) {
        self.held.fetch_sub(1, Ordering::AcqRel);
        self.freed.wake();
    }
}

/// Settings of one queue's backend.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub queue: QueueName,
    pub concurrency: usize,
    /// Poll interval when the queue has no wake client.
    pub idle_poll: Duration,
}

/// One queue of the engine, as an apalis backend. Build it with [`EngineBackend::new`].
pub struct EngineBackend {
    queue: RedisQueue,
    registry: Arc<Registry>,
    config: EngineConfig,
    inflight: InFlight,
    slots: Arc<Slots>,
    acks: UnboundedSender<(Held, Finish)>,
    buffer: VecDeque<Task<JobArgs>>,
    fetching: Option<BoxFuture<'static, QueueResult<Batch>>>,
    waiting: Option<BoxFuture<'static, ()>>,
    closing: Option<BoxFuture<'static, ()>>,
    waker: Option<Arc<Waker>>,
    backoff: Backoff,
    pushes: Vec<JobEnvelope>,
    pushing: Option<BoxFuture<'static, QueueResult<usize>>>,
}

impl std::fmt::Debug for EngineBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBackend").field("config", &self.config).field("buffered", &self.buffer.len()).finish()
    }
}

impl EngineBackend {
    /// A backend leasing `config.queue`'s jobs to `queue`'s worker name. Leases are recorded in
    /// `inflight` (renewed by the housekeeping task until their acknowledgement lands) and runs
    /// are acknowledged through `acks` (the batching acknowledger).
    pub fn new(
        queue: RedisQueue,
        registry: Arc<Registry>,
        config: EngineConfig,
        inflight: InFlight,
        acks: UnboundedSender<(Held, Finish)>,
    ) -> Self {
        let slots = Arc::new(Slots::new(config.concurrency));
        Self {
            queue,
            registry,
            config,
            inflight,
            slots,
            acks,
            buffer: VecDeque::new(),
            fetching: None,
            waiting: None,
            closing: None,
            waker: None,
            backoff: Backoff::default(),
            pushes: Vec::new(),
            pushing: None,
        }
    }

    /// The acknowledgement that goes with this backend (`WorkerBuilder::ack_with`).
    pub fn acknowledger(&self) -> EngineAck {
        EngineAck::new(self.acks.clone(), self.slots.clone())
    }

    fn task(&self, job: Fetched) -> Task<JobArgs> {
        let lease = Lease {
            held: job.held(),
            attempts: job.attempts,
            crashes: job.crashes,
            handler: self.registry.get(&job.kind).copied(),
        };
        TaskBuilder::new(JobArgs { kind: job.kind, payload: job.payload })
            .task_id(TaskId::from_string(job.id))
            .attempt(job.attempts as usize)
            .data(lease)
            .build()
    }

    fn start_fetch(&mut self) {
        let want = self.slots.free().saturating_sub(self.buffer.len()).clamp(1, CHUNK);
        let (queue, name) = (self.queue.clone(), self.config.queue);
        self.fetching = Some(async move { queue.fetch_batch(name, want).await }.boxed());
    }

    fn fetched(&mut self, batch: Batch) {
        self.slots.take(batch.jobs.len());
        self.inflight.hold(batch.jobs.iter().map(Fetched::held));
        for job in batch.jobs {
            let task = self.task(job);
            self.buffer.push_back(task);
        }
    }

    /// Waits for a wake-up, or until the next scheduled job falls due (+1 ms), at most a second.
    fn idle(&mut self, next_due_in: Option<Duration>) {
        let at_most = next_due_in.map_or(IDLE_RECHECK, |d| (d + Duration::from_millis(1)).min(IDLE_RECHECK));
        if self.waker.is_none() {
            self.waker = Waker::spawn(&self.queue, self.config.queue).map(Arc::new);
        }
        self.waiting = Some(match self.waker.clone() {
            Some(waker) => async move { waker.wait(at_most).await }.boxed(),
            None => tokio::time::sleep(self.config.idle_poll.min(at_most)).boxed(),
        });
    }
}

impl Backend for EngineBackend {
    type Task = Task<JobArgs>;
    type Error = QueueError;

    fn poll_ready(&mut self, cx: &mut Context<'_>, _worker: &WorkerContext) -> Poll<Result<(), QueueError>> {
        if !self.buffer.is_empty() || self.slots.free() > 0 {
            return Poll::Ready(Ok(()));
        }
        self.slots.freed.register(cx.waker());
        // A slot freed between the check and the registration must not be missed.
        if self.slots.free() > 0 {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>, _worker: &WorkerContext) -> Poll<Option<Result<Self::Task, QueueError>>> {
        loop {
            if let Some(task) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(task)));
            }
            if let Some(waiting) = self.waiting.as_mut() {
                futures::ready!(waiting.poll_unpin(cx));
                self.waiting = None;
            }
            if self.fetching.is_none() {
                self.start_fetch();
            }
            let Some(fetching) = self.fetching.as_mut() else { continue };
            let result = futures::ready!(fetching.poll_unpin(cx));
            self.fetching = None;
            match result {
                Ok(batch) if batch.jobs.is_empty() => {
                    self.backoff.reset();
                    self.idle(batch.next_due_in);
                }
                Ok(batch) => {
                    self.backoff.reset();
                    self.fetched(batch);
                }
                Err(err) => {
                    let delay = self.backoff.next_delay();
                    tracing::warn!(queue.name = %self.config.queue, error = %err, retry_in_ms = delay.as_millis() as u64, "fetching jobs failed");
                    self.waiting = Some(tokio::time::sleep(delay).boxed());
                }
            }
        }
    }

    fn poll_close(&mut self, cx: &mut Context<'_>, _worker: &WorkerContext) -> Poll<Result<(), QueueError>> {
        if self.closing.is_none() {
            let unrun: Vec<Held> = self
                .buffer
                .drain(..)
                .filter_map(|t| t.ctx().data().get::<Lease>().map(|l| l.held.clone()))
                .collect();
            let (queue, name, inflight) = (self.queue.clone(), self.config.queue, self.inflight.clone());
            self.closing = Some(
                async move {
                    if !unrun.is_empty() {
                        match queue.hand_back(name, &unrun).await {
                            Ok(n) => {
                                tracing::info!(queue.name = %name, jobs.handed_back = n, "fetched jobs that never ran handed back");
                                inflight.release(&unrun);
                            }
                            Err(err) => tracing::warn!(queue.name = %name, error = %err, "handing unrun jobs back failed; retried at shutdown"),
                        }
                    }
                    inflight.drained().await;
                }
                .boxed(),
            );
        }
        let closing = self.closing.as_mut().map(|c| c.poll_unpin(cx));
        match closing {
            Some(Poll::Pending) => Poll::Pending,
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl BackendConfig for EngineBackend {
    type Args = JobArgs;
    type Id = String;
    type Kind = Durable;
    type Config = EngineConfig;
    type Layer = Identity;

    fn config(&self) -> &EngineConfig {
        &self.config
    }

    fn middleware(&mut self, _worker: &mut WorkerContext) -> Identity {
        Identity::new()
    }
}

impl WireFormatBackend for EngineBackend {
    type Codec = PassThrough;
    type Compact = JobArgs;

    fn codec(&self) -> &PassThrough {
        &PassThrough
    }
}

/// When to run a pushed task, to the millisecond (apalis' own `run_at` has whole seconds).
#[derive(Debug, Clone, Copy)]
pub struct RunAt(pub DateTime<Utc>);

impl EngineBackend {
    fn envelope(&self, task: Task<JobArgs>) -> Result<JobEnvelope, QueueError> {
        let (args, ctx) = task.take();
        let id = ctx.task_id().map_or_else(|| uuid::Uuid::new_v4().to_string(), ToString::to_string);
        let run_at = match (ctx.data().get::<RunAt>(), ctx.run_at()) {
            (Some(RunAt(at)), _) => *at,
            (None, Some(secs)) => DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0).unwrap_or_else(Utc::now),
            (None, None) => Utc::now(),
        };
        let payload = serde_json::from_str(&args.payload)?;
        Ok(JobEnvelope { id, queue: self.config.queue, kind: args.kind, payload, run_at })
    }

    fn poll_push(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), QueueError>> {
        loop {
            if let Some(pushing) = self.pushing.as_mut() {
                let result = futures::ready!(pushing.poll_unpin(cx));
                self.pushing = None;
                result?;
            }
            if self.pushes.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let (queue, batch) = (self.queue.clone(), std::mem::take(&mut self.pushes));
            self.pushing = Some(async move { queue.push(&batch).await }.boxed());
        }
    }
}

impl futures::Sink<Task<JobArgs>> for EngineBackend {
    type Error = QueueError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), QueueError>> {
        let this = self.get_mut();
        if this.pushes.len() >= CHUNK {
            this.poll_push(cx)
        } else {
            Poll::Ready(Ok(()))
        }
    }

    fn start_send(self: Pin<&mut Self>, task: Task<JobArgs>) -> Result<(), QueueError> {
        let this = self.get_mut();
        let envelope = this.envelope(task)?;
        this.pushes.push(envelope);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), QueueError>> {
        self.get_mut().poll_push(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), QueueError>> {
        self.get_mut().poll_push(cx)
    }
}
