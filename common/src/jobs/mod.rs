//! The typed job contract shared by the API (which enqueues) and the workers (which run).

mod envelope;

pub use envelope::{JobEnvelope, JobSink, QueueName};
