//! The scheduler's records as operators read them: each schedule's newest handled fire time
//! (`scheduler_state`) and the latest firings (`scheduler_firings`). The scheduler writes both.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// A schedule and the newest fire time it handled.
#[derive(Debug, Clone)]
pub struct ScheduleState {
    pub schedule: String,
    pub last_fire_time: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn states(conn: &mut PgConnection) -> sqlx::Result<Vec<ScheduleState>> {
    sqlx::query_as!(ScheduleState, "SELECT schedule, last_fire_time, updated_at FROM scheduler_state ORDER BY schedule").fetch_all(conn).await
}

/// One firing: when it was due, when it fired and how many jobs it enqueued.
#[derive(Debug, Clone)]
pub struct Firing {
    pub schedule: String,
    pub fire_time: DateTime<Utc>,
    pub fired_at: DateTime<Utc>,
    pub jobs: i32,
}

/// The newest `limit` firings, newest first.
pub async fn recent(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<Firing>> {
    sqlx::query_as!(Firing, "SELECT schedule, fire_time, fired_at, jobs FROM scheduler_firings ORDER BY fired_at DESC LIMIT $1", limit)
        .fetch_all(conn)
        .await
}
