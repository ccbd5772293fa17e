//! The reconciliation sweep: an outbox row stays open after its push until Redis records its
//! job's effect (done or dead). Open rows are checked against Redis in batches; a row whose job
//! Redis no longer knows (a restart without persistence, a failover to a lagging replica,
//! eviction) is pushed again with the same envelope id, so no committed work is lost. The
//! worker's hot path never writes to PostgreSQL for this: the sweep reads Redis and settles rows.

use sqlx::PgPool;

use super::relay::Row;
use crate::job_contract::{JobSink, QueueName};
use crate::metrics::names;
use crate::queue::JobState;

/// Where the sweep asks what became of pushed jobs: the Redis queues implement this.
#[async_trait::async_trait]
pub trait JobLedger: Send + Sync {
    /// The state of each `(queue, envelope id)`, in order.
    async fn states(&self, jobs: &[(QueueName, String)]) -> anyhow::Result<Vec<JobState>>;
}

/// What one batch of the sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Open rows looked at.
    pub checked: usize,
    /// Rows whose job's effect Redis recorded, now settled.
    pub settled: usize,
    /// Rows whose job Redis did not know, pushed again.
    pub repushed: usize,
    /// Where the next batch starts (after this id); 0 when this batch reached the end.
    pub next_after: i64,
}

/// Checks up to `batch` open rows with ids above `after_id`: settles those Redis finished and
/// pushes again those Redis lost. Safe to run concurrently and again (pushes are de-duplicated
/// by envelope id, settling is a conditional update).
pub async fn reconcile_once(
    pool: &PgPool,
    sink: &dyn JobSink,
    ledger: &dyn JobLedger,
    after_id: i64,
    batch: i64,
) -> anyhow::Result<Reconciled> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, queue, kind, payload, run_at FROM outbox
          WHERE pushed_at IS NOT NULL AND settled_at IS NULL AND id > $1
          ORDER BY id LIMIT $2",
        after_id,
        batch
    )
    .fetch_all(pool)
    .await?;
    let mut done = Reconciled {
        checked: rows.len(),
        next_after: if i64::try_from(rows.len()).unwrap_or(i64::MAX) < batch { 0 } else { rows.last().map_or(0, |r| r.id) },
        ..Reconciled::default()
    };
    // Every open row was pushed, so its queue parsed then; a row this build cannot read is left.
    let envelopes: Vec<_> = rows.iter().filter_map(|r| r.envelope().ok().map(|e| (r.id, e))).collect();
    if envelopes.is_empty() {
        return Ok(done);
    }
    let asked: Vec<(QueueName, String)> = envelopes.iter().map(|(_, e)| (e.queue, e.id.clone())).collect();
    let states = ledger.states(&asked).await?;
    anyhow::ensure!(states.len() == asked.len(), "job ledger answered {} of {} jobs", states.len(), asked.len());
    let mut settled = Vec::new();
    let mut lost = Vec::new();
    for ((id, envelope), state) in envelopes.into_iter().zip(states) {
        match state {
            JobState::Pending => {}
            JobState::Unknown => lost.push((id, envelope)),
            finished => {
                metrics::counter!(names::OUTBOX_SETTLED, "state" => finished.as_str()).increment(1);
                settled.push(id);
            }
        }
    }
    if !settled.is_empty() {
        let n = sqlx::query!("UPDATE outbox SET settled_at = now() WHERE id = ANY($1) AND settled_at IS NULL", &settled)
            .execute(pool)
            .await?;
        done.settled = usize::try_from(n.rows_affected()).unwrap_or(usize::MAX);
    }
    if !lost.is_empty() {
        let (ids, envelopes): (Vec<i64>, Vec<_>) = lost.into_iter().unzip();
        sink.push_many(&envelopes).await?;
        sqlx::query!("UPDATE outbox SET pushed_at = now(), push_attempts = push_attempts + 1 WHERE id = ANY($1)", &ids)
            .execute(pool)
            .await?;
        done.repushed = ids.len();
        metrics::counter!(names::OUTBOX_REPUSHED).increment(ids.len() as u64);
        tracing::warn!(outbox.repushed = ids.len(), outbox.first_id = ids[0], "Redis no longer knew these pushed jobs; pushed them again");
    }
    Ok(done)
}

/// Rows not pushed yet.
pub async fn unpushed(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM outbox WHERE pushed_at IS NULL"#).fetch_one(pool).await
}

/// Pushed rows whose job's effect is not yet recorded.
pub async fn unsettled(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM outbox WHERE pushed_at IS NOT NULL AND settled_at IS NULL"#).fetch_one(pool).await
}
