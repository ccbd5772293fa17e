//! `noop`: does nothing. Used by the benchmark and as a smoke test of a deployment's queue.

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Noop {}

#[async_trait::async_trait]
impl Job for Noop {
    const KIND: &'static str = "noop";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;

    async fn run(&self, _ctx: &JobContext) -> Outcome {
        Outcome::Done
    }
}
