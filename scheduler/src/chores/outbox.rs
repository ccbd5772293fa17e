//! The outbox chores: the relay sweep (pushes rows the API's push-after-commit missed), the
//! reconciliation sweep (settles rows whose job Redis finished, pushes again those Redis lost),
//! the lag gauges, and deleting settled rows after their retention.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use yizhan_common::jobs::JobSink;
use yizhan_common::outbox::JobLedger;
use yizhan_common::metrics::names;
use yizhan_common::outbox;

use super::Chore;

/// Sweeps at most this many batches per round, so one round stays short.
const MAX_BATCHES_PER_ROUND: usize = 20;

/// Pushes unpushed outbox rows to the queue.
pub struct RelaySweep {
    pub pool: PgPool,
    pub sink: Arc<dyn JobSink>,
    pub batch: i64,
    pub every: Duration,
}

#[async_trait::async_trait]
impl Chore for RelaySweep {
    fn name(&self) -> &'static str {
        "outbox_relay"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let mut total = 0usize;
        for _ in 0..MAX_BATCHES_PER_ROUND {
            let pushed = outbox::relay_once(&self.pool, self.sink.as_ref(), self.batch).await?;
            total += pushed;
            metrics::counter!(names::OUTBOX_RELAYED).increment(pushed as u64);
            if i64::try_from(pushed).unwrap_or(i64::MAX) < self.batch {
                break;
            }
        }
        if total > 0 {
            tracing::info!(outbox.relayed = total, "outbox relay pushed rows left behind");
        }
        Ok(())
    }
}

/// Checks pushed-but-open outbox rows against Redis, a few batches per round, resuming where the
/// last round stopped so rows whose jobs wait far in the future never starve the rest.
pub struct Reconcile {
    pub pool: PgPool,
    pub sink: Arc<dyn JobSink>,
    pub ledger: Arc<dyn JobLedger>,
    pub batch: i64,
    pub every: Duration,
    /// The last id checked (0: start from the oldest open row).
    pub cursor: AtomicI64,
}

#[async_trait::async_trait]
impl Chore for Reconcile {
    fn name(&self) -> &'static str {
        "outbox_reconcile"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let (mut settled, mut repushed) = (0, 0);
        for _ in 0..MAX_BATCHES_PER_ROUND {
            let after = self.cursor.load(Ordering::Relaxed);
            let round = outbox::reconcile_once(&self.pool, self.sink.as_ref(), self.ledger.as_ref(), after, self.batch).await?;
            self.cursor.store(round.next_after, Ordering::Relaxed);
            settled += round.settled;
            repushed += round.repushed;
            if round.next_after == 0 {
                break;
            }
        }
        if settled + repushed > 0 {
            tracing::debug!(outbox.settled = settled, outbox.repushed = repushed, "outbox reconciled with Redis");
        }
        Ok(())
    }
}

/// Sets `yizhan_outbox_lag_seconds`, `yizhan_outbox_pending` and `yizhan_outbox_unsettled`.
#[derive(Debug)]
pub struct OutboxLag {
    pub pool: PgPool,
}

#[async_trait::async_trait]
impl Chore for OutboxLag {
    fn name(&self) -> &'static str {
        "outbox_lag"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(5)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let lag = outbox::oldest_unpushed_age(&self.pool).await?;
        let pending = outbox::unpushed(&self.pool).await?;
        metrics::gauge!(names::OUTBOX_LAG_SECONDS).set(lag.as_secs_f64());
        metrics::gauge!(names::OUTBOX_PENDING).set(pending as f64);
        metrics::gauge!(names::OUTBOX_UNSETTLED).set(outbox::unsettled(&self.pool).await? as f64);
        Ok(())
    }
}

/// Deletes outbox rows settled longer ago than `keep`.
#[derive(Debug)]
pub struct PruneOutbox {
    pub pool: PgPool,
    pub keep: Duration,
}

#[async_trait::async_trait]
impl Chore for PruneOutbox {
    fn name(&self) -> &'static str {
        "outbox_prune"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let pruned = outbox::prune(&self.pool, self.keep).await?;
        if pruned > 0 {
            tracing::info!(outbox.pruned = pruned, "settled outbox rows pruned");
        }
        Ok(())
    }
}
