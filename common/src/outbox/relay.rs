//! Pushing committed outbox rows to the queue: at once after commit, and by the relay sweep.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::envelope_id;
use crate::job_contract::{JobEnvelope, JobSink, QueueName};
use crate::metrics::names;

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) queue: String,
    pub(super) kind: String,
    pub(super) payload: serde_json::Value,
    pub(super) run_at: DateTime<Utc>,
}

/// Commits the transaction that wrote outbox rows `ids`, then pushes them at once. One call that
/// consumes the transaction, so no caller can commit and forget the push (the rows would wait for
/// the relay sweep). A failed push is logged and left to the relay: the commit stands.
pub async fn commit_and_push(tx: Transaction<'_, Postgres>, pool: &PgPool, sink: &dyn JobSink, ids: &[i64]) -> sqlx::Result<()> {
    tx.commit().await?;
    push_now(pool, sink, ids).await;
    Ok(())
}

/// The fast path after a commit: pushes these rows if still unpushed. Failures are logged, not
/// returned: the business action has committed and the relay will push them later.
pub async fn push_now(pool: &PgPool, sink: &dyn JobSink, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    let result = async {
        let mut tx = pool.begin().await?;
        let rows = sqlx::query_as!(
            Row,
            "SELECT id, queue, kind, payload, run_at FROM outbox
              WHERE id = ANY($1) AND pushed_at IS NULL
              FOR UPDATE SKIP LOCKED",
            ids
        )
        .fetch_all(&mut *tx)
        .await?;
        push_locked(tx, sink, rows).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(error = %format!("{err:#}"), outbox.ids = ?ids, "push after commit failed; the relay will retry");
    }
}

/// Rows per transaction when [`push_range`] walks a range.
const RANGE_BATCH: i64 = 1000;

/// Pushes every unpushed row whose id is in `ids`, oldest first, a thousand per transaction: for
/// a job that committed many rows over several transactions and pushes them once all are
/// written. Rows another pusher holds are left to it. Like [`push_now`], failures are logged
/// and left to the relay. Returns how many rows it pushed.
pub async fn push_range(pool: &PgPool, sink: &dyn JobSink, ids: std::ops::RangeInclusive<i64>) -> usize {
    let (mut after, last, mut pushed) = (ids.start().saturating_sub(1), *ids.end(), 0);
    loop {
        let result = async {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query_as!(
                Row,
                "SELECT id, queue, kind, payload, run_at FROM outbox
                  WHERE id > $1 AND id <= $2 AND pushed_at IS NULL
                  ORDER BY id LIMIT $3
                  FOR UPDATE SKIP LOCKED",
                after,
                last,
                RANGE_BATCH
            )
            .fetch_all(&mut *tx)
            .await?;
            let end = rows.last().map(|row| row.id);
            Ok::<_, anyhow::Error>((end, push_locked(tx, sink, rows).await?))
        }
        .await;
        match result {
            Ok((Some(end), n)) => (after, pushed) = (end, pushed + n),
            Ok((None, _)) => return pushed,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), outbox.after = after, outbox.last = last, "pushing a range failed; the relay will retry");
                return pushed;
            }
        }
    }
}

/// One sweep: pushes up to `batch` of the oldest unpushed rows. Returns how many were pushed.
/// Concurrent relays skip each other's rows (`SKIP LOCKED`). A row that cannot be pushed (a
/// queue this build does not know, after a rolling deploy) is skipped, counted and logged, and
/// waits with a growing delay (`next_push_at`), so it never blocks the rows behind it.
pub async fn relay_once(pool: &PgPool, sink: &dyn JobSink, batch: i64) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, queue, kind, payload, run_at FROM outbox
          WHERE pushed_at IS NULL AND (next_push_at IS NULL OR next_push_at <= now())
          ORDER BY id LIMIT $1
          FOR UPDATE SKIP LOCKED",
        batch
    )
    .fetch_all(&mut *tx)
    .await?;
    push_locked(tx, sink, rows).await
}

async fn push_locked(mut tx: Transaction<'_, Postgres>, sink: &dyn JobSink, rows: Vec<Row>) -> anyhow::Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut envelopes = Vec::with_capacity(rows.len());
    for row in rows {
        match row.envelope() {
            Ok(envelope) => {
                ids.push(row.id);
                envelopes.push(envelope);
            }
            Err(error) => set_aside(&mut tx, row.id, &error).await?,
        }
    }
    if envelopes.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    if let Err(err) = sink.push_many(&envelopes).await {
        let message = format!("{err:#}");
        sqlx::query!("UPDATE outbox SET push_attempts = push_attempts + 1, last_error = left($2, 500) WHERE id = ANY($1)", &ids, message)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(err);
    }
    // Planned anew on every call (an unnamed statement): a plan cached while the outbox was small
    // scans it whole, and PostgreSQL keeps a generic plan until the table's statistics change —
    // in a fresh deployment, until autovacuum first analyzes it (5.6 ms a call seen in
    // `scripts/bench appointments --requests 9000`). One plan per batch of rows costs little.
    sqlx::query!("UPDATE outbox SET pushed_at = now(), push_attempts = push_attempts + 1, last_error = NULL WHERE id = ANY($1)", &ids)
        .persistent(false)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::debug!(outbox.pushed = ids.len(), "outbox rows pushed");
    Ok(ids.len())
}

impl Row {
    /// The queue-side envelope, or why this build cannot push the row.
    pub(super) fn envelope(&self) -> Result<JobEnvelope, String> {
        let queue: QueueName = self.queue.parse()?;
        Ok(JobEnvelope {
            id: envelope_id(self.id),
            queue,
            kind: self.kind.clone(),
            payload: self.payload.clone(),
            run_at: self.run_at,
        })
    }
}

/// Skips a row that cannot be pushed: counts the attempt, records why, and has it wait
/// 2^attempts seconds (at most 5 minutes) before the relay looks at it again.
async fn set_aside(tx: &mut Transaction<'_, Postgres>, id: i64, error: &str) -> sqlx::Result<()> {
    let attempts: i32 = sqlx::query_scalar!(
        "UPDATE outbox SET push_attempts = push_attempts + 1, last_error = left($2, 500),
                next_push_at = now() + least(INTERVAL '5 minutes', INTERVAL '1 second' * power(2, least(push_attempts, 16)))
          WHERE id = $1 RETURNING push_attempts",
        id,
        error
    )
    .fetch_one(&mut **tx)
    .await?;
    metrics::counter!(names::OUTBOX_UNPUSHABLE).increment(1);
    tracing::warn!(outbox.id = id, outbox.push_attempts = attempts, error, "outbox row cannot be pushed; skipped, retried later");
    Ok(())
}

/// How long the oldest unpushed row has waited (the outbox lag); zero when none wait.
pub async fn oldest_unpushed_age(pool: &PgPool) -> sqlx::Result<Duration> {
    let secs = sqlx::query_scalar!(
        r#"SELECT EXTRACT(EPOCH FROM now() - min(created_at))::FLOAT8 AS "secs?" FROM outbox WHERE pushed_at IS NULL"#
    )
    .fetch_one(pool)
    .await?;
    Ok(Duration::from_secs_f64(secs.unwrap_or(0.0).max(0.0)))
}

/// Deletes rows settled (their job's effect recorded) longer ago than `keep`. Rows still open
/// are kept however old: they are the only record of work Redis may have lost. Returns how many
/// were deleted.
pub async fn prune(pool: &PgPool, keep: Duration) -> anyhow::Result<u64> {
    let keep = chrono::Duration::from_std(keep)?;
    let done = sqlx::query!("DELETE FROM outbox WHERE settled_at < $1", Utc::now() - keep)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
