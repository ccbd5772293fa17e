//! The job kinds, their registry and their run context: the top of the job pipeline, above the
//! queue, the outbox, the clients and the domains they use. The contract they implement lives
//! below everything, in [`crate::job_contract`]; it is re-exported here for the processes.
//!
//! Each job kind is a serde struct implementing [`Job`] (one per file under `kinds/`); every kind
//! is registered in [`registry()`], where a worker looks handlers up by [`Job::KIND`].

mod context;
pub mod kinds;
mod registry;

pub use crate::job_contract::{Job, JobEnvelope, JobSink, Outcome, QueueName, RetryPolicy};
pub use context::{JobContext, JobInfo, JobServices};
pub use registry::{registry, Handler, Registry};
