//! Which schedules exist: code, not data. Each names a cron expression (six or seven fields,
//! seconds first, read in the service time zone) and a function from the fire time to the jobs
//! that firing enqueues.
//!
//! Adding a schedule (e.g. the 20:00 visit reminder of a later issue):
//!
//! ```text
//! Schedule::new("visit_reminders", "0 0 20 * * *", |fire_time| vec![ScheduledJob::new(
//!     QueueName::Default, "plan_visit_reminders", json!({ "for_day": tomorrow(fire_time) }))])
//! ```
//!
//! pushed in [`registry`]. The job fans out the per-person sends itself; the firing only enqueues
//! that one job, keyed `schedule:visit_reminders:<fire time>:0`, so a second scheduler, a restart
//! or a catch-up never enqueues it twice. Renaming a schedule starts it afresh (no catch-up).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use yizhan_common::jobs::QueueName;

/// One job a firing enqueues.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledJob {
    pub queue: QueueName,
    pub kind: String,
    pub payload: serde_json::Value,
}

impl ScheduledJob {
    pub fn new(queue: QueueName, kind: &str, payload: serde_json::Value) -> Self {
        Self { queue, kind: kind.to_owned(), payload }
    }
}

/// What a firing enqueues, given its fire time.
pub type JobsFn = fn(DateTime<Utc>) -> Vec<ScheduledJob>;

/// A named cron schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub name: &'static str,
    pub cron: cron::Schedule,
    pub jobs: JobsFn,
}

/// A cron expression that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("schedule `{name}`: bad cron expression `{expr}`: {source}")]
pub struct ScheduleError {
    name: &'static str,
    expr: String,
    source: cron::error::Error,
}

impl Schedule {
    pub fn new(name: &'static str, expr: &str, jobs: JobsFn) -> Result<Self, ScheduleError> {
        let cron = cron::Schedule::from_str(expr).map_err(|source| ScheduleError { name, expr: expr.to_owned(), source })?;
        Ok(Self { name, cron, jobs })
    }
}

/// The heartbeat's default expression: every five minutes.
pub const HEARTBEAT_CRON: &str = "0 */5 * * * *";

/// Every schedule of the deployment. `heartbeat_cron` is `SCHEDULER_HEARTBEAT_CRON`.
pub fn registry(heartbeat_cron: &str) -> Result<Vec<Schedule>, ScheduleError> {
    Ok(vec![
        // Enqueues nothing: its firings (table `scheduler_firings`, metric
        // `yizhan_scheduler_firings_total{schedule="heartbeat"}`) show the scheduler is alive.
        Schedule::new("heartbeat", heartbeat_cron, |_| Vec::new())?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_parses() {
        let schedules = registry(HEARTBEAT_CRON).expect("valid expressions");
        assert!(schedules.iter().any(|s| s.name == "heartbeat"));
    }

    #[test]
    fn a_bad_expression_names_its_schedule() {
        let err = Schedule::new("broken", "every day", |_| Vec::new()).expect_err("invalid");
        assert!(err.to_string().contains("broken"), "{err}");
    }
}
