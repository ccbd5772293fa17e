//! The one step that turns a firing into enqueued work, inside the caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::PgConnection;

use crate::registry::ScheduledJob;
use crate::store;

/// The outbox idempotency key of job `index` of a firing: schedule name + fire time.
pub fn idempotency_key(schedule: &str, fire_time: DateTime<Utc>, index: usize) -> String {
    format!("schedule:{schedule}:{}:{index}", fire_time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Claims the firing and writes its jobs to the outbox, all in `conn`'s transaction. Returns
/// `false` (and writes nothing) when the firing was already enqueued, by this scheduler or
/// another: PostgreSQL's primary key on the firing decides.
pub async fn enqueue_firing(
    conn: &mut PgConnection,
    schedule: &str,
    fire_time: DateTime<Utc>,
    jobs: &[ScheduledJob],
) -> sqlx::Result<bool> {
    if !store::claim_firing(conn, schedule, fire_time, jobs.len()).await? {
        return Ok(false);
    }
    for (index, job) in jobs.iter().enumerate() {
        let key = idempotency_key(schedule, fire_time, index);
        insert_outbox(conn, &key, fire_time, job).await?;
    }
    Ok(true)
}

/// Placeholder until `yizhan_common::outbox` lands on main: then this becomes
/// `outbox::insert(conn, NewOutboxJob { .. })`.
async fn insert_outbox(_conn: &mut PgConnection, key: &str, _run_at: DateTime<Utc>, job: &ScheduledJob) -> sqlx::Result<()> {
    tracing::warn!(job.key = key, job.kind = %job.kind, job.queue = %job.queue, "outbox not wired yet; job not enqueued");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_schedule_and_the_utc_fire_time() {
        let at: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("valid");
        assert_eq!(idempotency_key("visit_reminders", at, 0), "schedule:visit_reminders:2026-11-23T12:00:00Z:0");
    }
}
