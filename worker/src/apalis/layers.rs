//! Tower layers of the apalis runtime that Yizhan needs beyond apalis' own (tracing, catch
//! panic): the per-kind timeout and the job metrics (`yizhan_jobs_total{queue,outcome}`,
//! `yizhan_job_duration_seconds{queue}`, as the direct loop records them).

use std::any::Any;
use std::task::{Context, Poll};
use std::time::Instant;

use apalis_core::error::BoxDynError;
use apalis_core::task::Task;
use futures::future::BoxFuture;
use futures::FutureExt;
use tower::{Layer, Service};
use yizhan_common::jobs::{Outcome, QueueName};

use super::codec::JobArgs;
use super::service::{Lease, Panicked, TimedOut, UnknownKind};
use crate::execute::{panic_message, record};

/// The catch-panic layer's handler: a panic fails the run (an attempt is spent).
pub fn panicked(panic: &Box<dyn Any + Send>) -> Panicked {
    Panicked(panic_message(&**panic))
}

/// Ends a run that outlives its kind's timeout ([`TimedOut`]). It sits inside the trace layer on
/// purpose (the span and the metrics see the timed-out run as a failure). Not named `…Timeout`:
/// apalis-core 1.0 matches `Timeout<` in the service's type name and would warn at every worker
/// start that a timeout should come before `enable_tracing()`, a rule meant for its own layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindDeadlineLayer;

impl<S> Layer<S> for KindDeadlineLayer {
    type Service = KindDeadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        KindDeadline { inner }
    }
}

#[derive(Debug, Clone)]
pub struct KindDeadline<S> {
    inner: S,
}

impl<S> Service<Task<JobArgs>> for KindDeadline<S>
where
    S: Service<Task<JobArgs>, Response = Outcome>,
    S::Error: Into<BoxDynError>,
    S::Future: Send + 'static,
{
    type Response = Outcome;
    type Error = BoxDynError;
    type Future = BoxFuture<'static, Result<Outcome, BoxDynError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, task: Task<JobArgs>) -> Self::Future {
        let limit = task.ctx().data().get::<Lease>().and_then(|l| l.handler).map(|h| h.timeout);
        let run = self.inner.call(task);
        match limit {
            Some(limit) => async move {
                match tokio::time::timeout(limit, run).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(TimedOut(limit).into()),
                }
            }
            .boxed(),
            None => run.map(|r| r.map_err(Into::into)).boxed(),
        }
    }
}

/// Records each run's outcome label and duration.
#[derive(Debug, Clone, Copy)]
pub struct JobMetricsLayer {
    pub queue: QueueName,
}

impl<S> Layer<S> for JobMetricsLayer {
    type Service = JobMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JobMetrics { inner, queue: self.queue }
    }
}

#[derive(Debug, Clone)]
pub struct JobMetrics<S> {
    inner: S,
    queue: QueueName,
}

impl<S> Service<Task<JobArgs>> for JobMetrics<S>
where
    S: Service<Task<JobArgs>, Response = Outcome>,
    S::Error: Into<BoxDynError>,
    S::Future: Send + 'static,
{
    type Response = Outcome;
    type Error = BoxDynError;
    type Future = BoxFuture<'static, Result<Outcome, BoxDynError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, task: Task<JobArgs>) -> Self::Future {
        let (queue, started) = (self.queue, Instant::now());
        let run = self.inner.call(task);
        async move {
            let result = run.await.map_err(Into::into);
            record(queue, label(&result), started);
            result
        }
        .boxed()
    }
}

/// The `outcome` label of a run's result.
pub fn label(result: &Result<Outcome, BoxDynError>) -> &'static str {
    match result {
        Ok(outcome) => outcome.label(),
        Err(e) if e.is::<Panicked>() => "panic",
        Err(e) if e.is::<TimedOut>() => "timeout",
        Err(e) if e.is::<UnknownKind>() => "unknown_kind",
        Err(_) => "error",
    }
}
