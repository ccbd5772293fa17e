//! The scheduler's rows: the high-water mark per schedule and the record of each firing.
//! Functions take `&mut PgConnection` so they work inside the firing's transaction.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The newest fire time handled for `schedule`, or `None` for a schedule never seen.
pub async fn last_fire_time(conn: &mut PgConnection, schedule: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!("SELECT last_fire_time FROM scheduler_state WHERE schedule = $1", schedule)
        .fetch_optional(conn)
        .await
}

/// Starts tracking a new schedule from `at` (firings before it are not caught up). Returns the
/// mark in force: `at`, or the one another scheduler wrote first.
pub async fn start_tracking(conn: &mut PgConnection, schedule: &str, at: DateTime<Utc>) -> sqlx::Result<DateTime<Utc>> {
    sqlx::query!(
        "INSERT INTO scheduler_state (schedule, last_fire_time) VALUES ($1, $2) ON CONFLICT (schedule) DO NOTHING",
        schedule,
        at
    )
    .execute(&mut *conn)
    .await?;
    let mark = last_fire_time(conn, schedule).await?;
    Ok(mark.unwrap_or(at))
}

/// Moves the mark forward (never back, whatever order two schedulers commit in).
pub async fn advance(conn: &mut PgConnection, schedule: &str, to: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE scheduler_state SET last_fire_time = GREATEST(last_fire_time, $2), updated_at = now() \
         WHERE schedule = $1",
        schedule,
        to
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims a firing. `false` when it was already claimed (by this or another scheduler): the
/// primary key decides, so each firing enqueues once.
pub async fn claim_firing(conn: &mut PgConnection, schedule: &str, fire_time: DateTime<Utc>, jobs: usize) -> sqlx::Result<bool> {
    let jobs = i32::try_from(jobs).unwrap_or(i32::MAX);
    let done = sqlx::query!(
        "INSERT INTO scheduler_firings (schedule, fire_time, jobs) VALUES ($1, $2, $3) \
         ON CONFLICT (schedule, fire_time) DO NOTHING",
        schedule,
        fire_time,
        jobs
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes firing records older than `before`; returns how many.
pub async fn prune_firings(conn: &mut PgConnection, before: DateTime<Utc>) -> sqlx::Result<u64> {
    let done = sqlx::query!("DELETE FROM scheduler_firings WHERE fired_at < $1", before).execute(conn).await?;
    Ok(done.rows_affected())
}
