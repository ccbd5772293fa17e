//! The innermost service: runs one fetched job's handler. The lease a task was fetched under
//! travels in its execution context ([`Lease`]), so the layers and the acknowledgement find the
//! handler, the attempt count and the lease token without another lookup.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis_core::error::BoxDynError;
use apalis_core::task::Task;
use futures::future::BoxFuture;
use futures::FutureExt;
use tower::Service;
use yizhan_common::jobs::{Handler, JobContext, JobInfo, JobServices, Outcome, QueueName};
use yizhan_common::lease::Fence;
use yizhan_common::queue::Held;

use super::codec::JobArgs;

/// The lease a task runs under, stored in its execution context by the backend.
#[derive(Debug, Clone)]
pub struct Lease {
    pub held: Held,
    /// Failed runs that spent an attempt before this one.
    pub attempts: u32,
    /// Times the job was lost by a worker that stopped mid-run.
    pub crashes: u32,
    /// `None` when this build does not know the job's kind.
    pub handler: Option<Handler>,
}

/// The job's kind is not registered in this build (a rolling deploy): the job is parked.
#[derive(Debug, thiserror::Error)]
#[error("unknown job kind `{0}`")]
pub struct UnknownKind(pub String);

/// The handler panicked (caught by the catch-panic layer).
#[derive(Debug, thiserror::Error)]
#[error("panicked: {0}")]
pub struct Panicked(pub String);

/// The handler ran past its kind's timeout.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {0:?}")]
pub struct TimedOut(pub Duration);

/// A task without a [`Lease`]: it did not come from [`super::EngineBackend`].
#[derive(Debug, thiserror::Error)]
#[error("task carries no lease; it did not come from the Yizhan backend")]
pub struct NoLease;

/// Runs the registered handler of a task's kind with the job's context.
#[derive(Debug, Clone)]
pub struct RunJob {
    pub services: Arc<JobServices>,
    pub queue: QueueName,
    /// Set on a single-consumer queue while this process holds its lease.
    pub fence: Option<Fence>,
}

impl Service<Task<JobArgs>> for RunJob {
    type Response = Outcome;
    type Error = BoxDynError;
    type Future = BoxFuture<'static, Result<Outcome, BoxDynError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, task: Task<JobArgs>) -> Self::Future {
        let Some(lease) = task.ctx().data().get::<Lease>() else {
            return futures::future::ready(Err(NoLease.into())).boxed();
        };
        let Some(handler) = lease.handler else {
            return futures::future::ready(Err(UnknownKind(task.args.kind).into())).boxed();
        };
        let info = JobInfo {
            id: lease.held.id.clone(),
            queue: self.queue,
            attempt: lease.attempts + 1,
            redeliveries: lease.crashes,
            fence: self.fence.clone(),
        };
        let ctx = JobContext::new(self.services.clone(), info);
        handler.run(task.args.payload, ctx).map(Ok).boxed()
    }
}
