//! The job contract: the lowest-level job primitives, shared by everything that moves or runs
//! jobs (as river's `rivertype` or crates.io's worker crate). It imports nothing from the rest of
//! the crate, so the queue, the outbox and the clients (`wechat`, `ratelimit`) can depend on it
//! without depending on the job kinds, which sit above all of them in `jobs`.
//!
//! - [`Job`]: a kind of work — its name, queue, timeout, retry policy and `run`.
//! - [`Outcome`]: what one run tells the pipeline.
//! - [`QueueName`], [`JobEnvelope`], [`JobSink`]: the queues, and a job on its way to one.
//! - [`RetryPolicy`]: attempt cap and backoff.

mod envelope;
mod job;
mod outcome;
mod retry;

pub use envelope::{JobEnvelope, JobSink, QueueName};
pub use job::Job;
pub use outcome::Outcome;
pub use retry::RetryPolicy;
