//! Which schedules exist: code, not data. Each names a cron expression (six or seven fields,
//! seconds first, read in the service time zone) and a function from the fire time to the jobs
//! that firing enqueues.
//!
//! A schedule is added with [`Schedule::new`] in [`registry`], e.g. the 20:00 visit reminder:
//! its firing enqueues one `plan_visit_reminders` job for the next day, keyed
//! `schedule:visit_reminders:<fire time>:0`, so a second scheduler, a restart or a catch-up never
//! enqueues it twice; the job fans out the per-appointment sends, each with its own idempotency
//! key. Renaming a schedule starts it afresh (no catch-up).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use yizhan_common::jobs::kinds::{PlanDailyBroadcasts, PlanVisitReminders, PromoteWaitlists};
use yizhan_common::jobs::{Job, QueueName};

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

    /// A typed job on its kind's queue.
    pub fn of<J: Job>(job: &J) -> Self {
        Self::new(J::QUEUE, J::KIND, serde_json::to_value(job).unwrap_or_default())
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

/// The 20:00 visit reminders for the next day (seed 001).
pub const VISIT_REMINDERS_CRON: &str = "0 0 20 * * *";
/// The waitlist promotion sweep: every minute.
pub const WAITLIST_SWEEP_CRON: &str = "0 * * * * *";
/// Seed 004's daily broadcasts: every minute, the broadcasts due then (each day claimed once).
pub const DAILY_BROADCASTS_CRON: &str = "0 * * * * *";

/// Every schedule of the deployment. `heartbeat_cron` is `SCHEDULER_HEARTBEAT_CRON`.
pub fn registry(heartbeat_cron: &str) -> Result<Vec<Schedule>, ScheduleError> {
    Ok(vec![
        // Enqueues nothing: its firings (table `scheduler_firings`, metric
        // `yizhan_scheduler_firings_total{schedule="heartbeat"}`) show the scheduler is alive.
        Schedule::new("heartbeat", heartbeat_cron, |_| Vec::new())?,
        Schedule::new("visit_reminders", VISIT_REMINDERS_CRON, |at| vec![ScheduledJob::of(&PlanVisitReminders { day: next_day(at) })])?,
        Schedule::new("waitlist_sweep", WAITLIST_SWEEP_CRON, |_| vec![ScheduledJob::of(&PromoteWaitlists {})])?,
        Schedule::new("daily_broadcasts", DAILY_BROADCASTS_CRON, |at| vec![ScheduledJob::of(&PlanDailyBroadcasts { at })])?,
    ])
}

/// The day after `at`, in the service time zone.
fn next_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    let today = yizhan_common::time::local(at).date_naive();
    today.succ_opt().unwrap_or(today)
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
    fn the_20_00_firing_plans_reminders_for_the_next_day_in_shanghai() {
        let schedules = registry(HEARTBEAT_CRON).expect("valid expressions");
        let reminders = schedules.iter().find(|s| s.name == "visit_reminders").expect("registered");
        let fire: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().expect("time"); // 20:00 in Shanghai
        let jobs = (reminders.jobs)(fire);
        assert_eq!(jobs, vec![ScheduledJob::new(QueueName::Default, PlanVisitReminders::KIND, serde_json::json!({"day": "2026-12-02"}))]);
        let next = reminders.cron.after(&fire.with_timezone(&chrono_tz::Asia::Shanghai)).next().expect("next");
        assert_eq!(next.with_timezone(&Utc).to_rfc3339(), "2026-12-02T12:00:00+00:00");
    }

    #[test]
    fn a_bad_expression_names_its_schedule() {
        let err = Schedule::new("broken", "every day", |_| Vec::new()).expect_err("invalid");
        assert!(err.to_string().contains("broken"), "{err}");
    }
}
