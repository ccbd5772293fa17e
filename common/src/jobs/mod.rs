//! The typed job contract shared by the API (which enqueues) and the workers (which run).
//!
//! Each job kind is a serde struct implementing [`Job`] (one per file under `kinds/`); every kind
//! is registered in [`registry()`], where a worker looks handlers up by [`Job::KIND`].

mod context;
mod envelope;
mod job;
pub mod kinds;
mod outcome;
mod registry;
mod retry;

pub use context::{JobContext, JobInfo, JobServices};
pub use envelope::{JobEnvelope, JobSink, QueueName};
pub use job::Job;
pub use outcome::Outcome;
pub use registry::{registry, Handler, Registry};
pub use retry::RetryPolicy;
