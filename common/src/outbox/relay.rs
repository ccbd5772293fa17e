//! Pushing committed outbox rows to the queue: at once after commit, and by the relay sweep.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::envelope_id;
use crate::jobs::{JobEnvelope, JobSink};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    queue: String,
    kind: String,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
}

/// The fast path after a commit: pushes these rows if still unpushed. Failures are logged, not
/// returned: the business action has committed and the relay will push them later.
pub async fn push_now(pool: &PgPool, sink: &dyn JobSink, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    let result = async {
        let mut tx = pool.begin().await?;
        let rows = sqlx::query_as::<_, Row>(
            "SELECT id, queue, kind, payload, run_at FROM outbox
              WHERE id = ANY($1) AND pushed_at IS NULL
              FOR UPDATE SKIP LOCKED",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?;
        push_locked(tx, sink, rows).await
    }
    .await;
    if let Err(err) = result {
        tracing::warn!(error = %format!("{err:#}"), outbox.ids = ?ids, "push after commit failed; the relay will retry");
    }
}

/// One sweep: pushes up to `batch` of the oldest unpushed rows. Returns how many were pushed.
/// Concurrent relays skip each other's rows (`SKIP LOCKED`).
pub async fn relay_once(pool: &PgPool, sink: &dyn JobSink, batch: i64) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query_as::<_, Row>(
        "SELECT id, queue, kind, payload, run_at FROM outbox
          WHERE pushed_at IS NULL ORDER BY id LIMIT $1
          FOR UPDATE SKIP LOCKED",
    )
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    push_locked(tx, sink, rows).await
}

async fn push_locked(mut tx: Transaction<'_, Postgres>, sink: &dyn JobSink, rows: Vec<Row>) -> anyhow::Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut envelopes = Vec::with_capacity(rows.len());
    for row in rows {
        let queue = row.queue.parse().map_err(|e: String| anyhow::anyhow!("outbox row {}: {e}", row.id))?;
        envelopes.push(JobEnvelope { id: envelope_id(row.id), queue, kind: row.kind, payload: row.payload, run_at: row.run_at });
    }
    if let Err(err) = sink.push_many(&envelopes).await {
        let message = format!("{err:#}");
        sqlx::query("UPDATE outbox SET push_attempts = push_attempts + 1, last_error = left($2, 500) WHERE id = ANY($1)")
            .bind(&ids)
            .bind(&message)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(err);
    }
    sqlx::query("UPDATE outbox SET pushed_at = now(), push_attempts = push_attempts + 1, last_error = NULL WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::debug!(outbox.pushed = ids.len(), "outbox rows pushed");
    Ok(ids.len())
}

/// How long the oldest unpushed row has waited (the outbox lag); zero when none wait.
pub async fn oldest_unpushed_age(pool: &PgPool) -> sqlx::Result<Duration> {
    let secs: Option<f64> = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM now() - min(created_at))::FLOAT8 FROM outbox WHERE pushed_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(Duration::from_secs_f64(secs.unwrap_or(0.0).max(0.0)))
}

/// Deletes rows pushed longer ago than `keep`. Returns how many were deleted.
pub async fn prune(pool: &PgPool, keep: Duration) -> anyhow::Result<u64> {
    let keep = chrono::Duration::from_std(keep)?;
    let done = sqlx::query("DELETE FROM outbox WHERE pushed_at < $1")
        .bind(Utc::now() - keep)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
