//! The one step that turns a firing into enqueued work, inside the caller's transaction.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::PgConnection;
use yizhan_common::outbox::{self, NewOutboxJob};

use crate::registry::ScheduledJob;
use crate::store;

/// The outbox idempotency key of job `index` of a firing: schedule name + fire time.
pub fn idempotency_key(schedule: &str, fire_time: DateTime<Utc>, index: usize) -> String {
    format!("schedule:{schedule}:{}:{index}", fire_time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Claims the firing and writes its jobs to the outbox, all in `conn`'s transaction. Returns
/// the new outbox ids (to push after commit), or `None` (and writes nothing) when the firing
/// was already enqueued, by this scheduler or another: PostgreSQL's primary key decides.
pub async fn enqueue_firing(
    conn: &mut PgConnection,
    schedule: &str,
    fire_time: DateTime<Utc>,
    jobs: &[ScheduledJob],
) -> sqlx::Result<Option<Vec<i64>>> {
    if !store::claim_firing(conn, schedule, fire_time, jobs.len()).await? {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let key = idempotency_key(schedule, fire_time, index);
        ids.extend(insert_outbox(conn, &key, job).await?);
    }
    Ok(Some(ids))
}

/// Writes one job to the outbox with its idempotency key; an existing key writes nothing, which
/// only happens if the firing row was deleted (pruned) while its jobs' rows remained.
///
/// The job is due at once: the scheduler's clock already decided that the firing is due, so the
/// fire time is only part of the key. (Scheduling it *at* the fire time would hand the decision
/// to whichever clock the queue compares with, and a firing seen by a scheduler whose clock
/// runs ahead — or a test's manual clock — would wait for the wall clock to catch up.)
async fn insert_outbox(conn: &mut PgConnection, key: &str, job: &ScheduledJob) -> sqlx::Result<Option<i64>> {
    let row = NewOutboxJob::now(job.queue, job.kind.clone(), job.payload.clone()).with_key(key);
    let id = outbox::insert(conn, row).await?;
    if id.is_none() {
        tracing::warn!(job.key = key, "outbox already holds this scheduled job; not written again");
    }
    Ok(id)
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
