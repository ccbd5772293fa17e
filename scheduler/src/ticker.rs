//! The scheduler proper: each tick looks at every schedule and enqueues what is due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use tokio::sync::watch;
use yizhan_common::jobs::JobSink;
use yizhan_common::metrics::names;
use yizhan_common::outbox;

use crate::clock::Clock;
use crate::enqueue::enqueue_firing;
use crate::plan::plan;
use crate::registry::Schedule;
use crate::store;

/// What one tick did for one schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// First sight of this schedule: tracking starts now, nothing caught up.
    Started,
    Idle,
    /// The firing at this time was enqueued by this tick.
    Enqueued(DateTime<Utc>),
    /// The firing was already enqueued (by another scheduler).
    Duplicate(DateTime<Utc>),
    /// Everything due was outside the catch-up window.
    Skipped,
}

pub struct Scheduler {
    pool: PgPool,
    schedules: Vec<Schedule>,
    tz: Tz,
    catchup: chrono::Duration,
    clock: Arc<dyn Clock>,
    sink: Option<Arc<dyn JobSink>>,
}

impl Scheduler {
    pub fn new(pool: PgPool, schedules: Vec<Schedule>, tz: Tz, catchup: Duration, clock: Arc<dyn Clock>) -> Self {
        let catchup = chrono::Duration::from_std(catchup).unwrap_or(chrono::Duration::MAX);
        Self { pool, schedules, tz, catchup, clock, sink: None }
    }

    /// Pushes each firing's jobs to `sink` right after its commit (the relay sweep remains the
    /// safety net if that push fails).
    pub fn with_sink(mut self, sink: Arc<dyn JobSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Looks at every schedule once, at the clock's now.
    pub async fn tick(&self) -> Vec<(&'static str, Result<Outcome, sqlx::Error>)> {
        let now = self.clock.now();
        let mut report = Vec::with_capacity(self.schedules.len());
        for schedule in &self.schedules {
            let outcome = self.tick_one(schedule, now).await;
            if let Err(err) = &outcome {
                metrics::counter!(names::SCHEDULER_ERRORS, "task" => schedule.name).increment(1);
                tracing::warn!(schedule.name = schedule.name, error = %err, "schedule tick failed; retried next tick");
            }
            report.push((schedule.name, outcome));
        }
        report
    }

    async fn tick_one(&self, schedule: &Schedule, now: DateTime<Utc>) -> Result<Outcome, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let Some(last) = store::last_fire_time(&mut tx, schedule.name).await? else {
            store::start_tracking(&mut tx, schedule.name, now).await?;
            tx.commit().await?;
            tracing::info!(schedule.name = schedule.name, "schedule tracked from now on");
            return Ok(Outcome::Started);
        };
        let plan = plan(&schedule.cron, self.tz, last, now, self.catchup);
        let Some(handled_up_to) = plan.handled_up_to else {
            return Ok(Outcome::Idle);
        };
        if plan.skipped > 0 {
            metrics::counter!(names::SCHEDULER_FIRINGS, "schedule" => schedule.name, "result" => "skipped")
                .increment(plan.skipped as u64);
            tracing::warn!(
                schedule.name = schedule.name,
                firings.skipped = plan.skipped,
                scheduler.catchup_secs = self.catchup.num_seconds(),
                "missed firings older than the catch-up window were skipped"
            );
        }
        let (outcome, outbox_ids) = match plan.fire {
            Some(at) => match enqueue_firing(&mut tx, schedule.name, at, &(schedule.jobs)(at)).await? {
                Some(ids) => (Outcome::Enqueued(at), ids),
                None => (Outcome::Duplicate(at), Vec::new()),
            },
            None => (Outcome::Skipped, Vec::new()),
        };
        store::advance(&mut tx, schedule.name, handled_up_to).await?;
        match &self.sink {
            Some(sink) => outbox::commit_and_push(tx, &self.pool, sink.as_ref(), &outbox_ids).await?,
            // No sink (tests of the ticker alone): the relay sweep pushes the rows.
            None => tx.commit().await?,
        }
        self.log_outcome(schedule.name, outcome, plan.coalesced);
        Ok(outcome)
    }

    fn log_outcome(&self, name: &'static str, outcome: Outcome, coalesced: usize) {
        match outcome {
            Outcome::Enqueued(at) => {
                metrics::counter!(names::SCHEDULER_FIRINGS, "schedule" => name, "result" => "enqueued").increment(1);
                tracing::info!(schedule.name = name, schedule.fire_time = %at, firings.coalesced = coalesced, "firing enqueued");
            }
            Outcome::Duplicate(at) => {
                metrics::counter!(names::SCHEDULER_FIRINGS, "schedule" => name, "result" => "duplicate").increment(1);
                tracing::info!(schedule.name = name, schedule.fire_time = %at, "firing already enqueued elsewhere");
            }
            Outcome::Started | Outcome::Idle | Outcome::Skipped => {}
        }
    }

    /// How long to sleep: until the next firing of any schedule, at most `max`.
    pub fn next_wake(&self, max: Duration) -> Duration {
        let now = self.clock.now();
        let local = now.with_timezone(&self.tz);
        self.schedules
            .iter()
            .filter_map(|s| s.cron.after(&local).next())
            .map(|at| (at.with_timezone(&Utc) - now).to_std().unwrap_or(Duration::ZERO))
            .fold(max, Duration::min)
    }

    /// Ticks until `stop` turns true: at every fire time, and at least every `max_sleep`.
    pub async fn run(&self, mut stop: watch::Receiver<bool>, max_sleep: Duration) {
        loop {
            self.tick().await;
            // A few milliseconds past the fire time so the firing counts as due.
            let sleep = self.next_wake(max_sleep) + Duration::from_millis(5);
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }
}
