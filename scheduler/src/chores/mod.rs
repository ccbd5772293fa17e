//! Periodic upkeep the scheduler runs besides cron firings: the outbox relay and reconciliation
//! sweeps, queue
//! clean-up, pruning old firing records and students' positions past their retention. Each chore runs in its own loop at its own interval.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use yizhan_common::metrics::names;

mod firings;
mod locations;
mod outbox;
mod queues;

pub use firings::PruneFirings;
pub use locations::PruneLocations;
pub use outbox::{OutboxLag, PruneOutbox, Reconcile, RelaySweep};
pub use queues::CleanQueues;

#[async_trait::async_trait]
pub trait Chore: Send + Sync {
    fn name(&self) -> &'static str;
    fn every(&self) -> Duration;
    async fn run_once(&self) -> anyhow::Result<()>;
}

/// Runs `chore` every `chore.every()` until `stop` turns true. Failures are logged and counted;
/// the next round runs as usual.
pub async fn run_chore(chore: Arc<dyn Chore>, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(chore.every());
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = every.tick() => {}
        }
        if let Err(err) = chore.run_once().await {
            metrics::counter!(names::SCHEDULER_ERRORS, "task" => chore.name()).increment(1);
            tracing::warn!(chore.name = chore.name(), error = format!("{err:#}"), "chore failed");
        }
    }
}
