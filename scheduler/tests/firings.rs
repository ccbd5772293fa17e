//! The scheduler against a real PostgreSQL with a manual clock: each firing enqueues once however
//! many schedulers run, a short outage is caught up once, a long one is skipped, and cron
//! expressions are read in the service time zone.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use yizhan_common::jobs::{JobEnvelope, JobSink, QueueName};
use yizhan_scheduler::registry::{Schedule, ScheduledJob};
use yizhan_scheduler::{ManualClock, Outcome, Scheduler};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("valid time")
}

fn reminders() -> Vec<Schedule> {
    vec![Schedule::new("test_reminders", "0 0 20 * * *", |at| {
        vec![ScheduledJob::new(QueueName::Default, "test_reminder", json!({ "fire_time": at }))]
    })
    .expect("valid cron")]
}

fn scheduler(pool: &PgPool, clock: &ManualClock, tz: chrono_tz::Tz, catchup_secs: u64) -> Scheduler {
    Scheduler::new(pool.clone(), reminders(), tz, Duration::from_secs(catchup_secs), Arc::new(clock.clone()))
}

async fn tick(s: &Scheduler) -> Outcome {
    let report = s.tick().await;
    assert_eq!(report.len(), 1);
    match &report[0].1 {
        Ok(outcome) => *outcome,
        Err(err) => panic!("tick failed: {err}"),
    }
}

/// The outbox rows the firings wrote: (idempotency key, run_at).
async fn outbox_rows(pool: &PgPool) -> Vec<(String, DateTime<Utc>)> {
    sqlx::query_as("SELECT idempotency_key, run_at FROM outbox ORDER BY id").fetch_all(pool).await.expect("query")
}

async fn firings(pool: &PgPool) -> Vec<DateTime<Utc>> {
    sqlx::query_scalar("SELECT fire_time FROM scheduler_firings WHERE schedule = 'test_reminders' ORDER BY fire_time")
        .fetch_all(pool)
        .await
        .expect("query")
}

#[tokio::test]
async fn two_schedulers_enqueue_each_firing_once() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2026-11-23T11:59:00Z"));
    let (a, b) = (scheduler(&pool, &clock, SHANGHAI, 3600), scheduler(&pool, &clock, SHANGHAI, 3600));
    assert_eq!(tick(&a).await, Outcome::Started);
    assert_eq!(tick(&b).await, Outcome::Idle);
    let mut expected = Vec::new();
    for day in 0..3 {
        let fire = utc("2026-11-23T12:00:00Z") + chrono::Duration::days(day);
        clock.set(fire + chrono::Duration::milliseconds(5));
        let (x, y) = tokio::join!(tick(&a), tick(&b));
        let enqueued = [x, y].iter().filter(|o| **o == Outcome::Enqueued(fire)).count();
        assert_eq!(enqueued, 1, "day {day}: {x:?} {y:?}");
        assert!(matches!(x, Outcome::Enqueued(_) | Outcome::Duplicate(_) | Outcome::Idle), "{x:?}");
        assert!(matches!(y, Outcome::Enqueued(_) | Outcome::Duplicate(_) | Outcome::Idle), "{y:?}");
        clock.set(fire + chrono::Duration::seconds(1));
        assert_eq!((tick(&a).await, tick(&b).await), (Outcome::Idle, Outcome::Idle));
        expected.push(fire);
    }
    assert_eq!(firings(&pool).await, expected);
    let keys: Vec<String> = outbox_rows(&pool).await.into_iter().map(|(key, _)| key).collect();
    assert_eq!(
        keys,
        vec![
            "schedule:test_reminders:2026-11-23T12:00:00Z:0",
            "schedule:test_reminders:2026-11-24T12:00:00Z:0",
            "schedule:test_reminders:2026-11-25T12:00:00Z:0",
        ],
        "one outbox job per firing"
    );
}

#[tokio::test]
async fn a_firing_missed_during_a_short_outage_is_caught_up_once() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2026-11-23T11:59:00Z")); // 19:59 in Shanghai
    assert_eq!(tick(&scheduler(&pool, &clock, SHANGHAI, 3600)).await, Outcome::Started);
    // Down from 19:59 to 20:03; a new process comes back.
    clock.set(utc("2026-11-23T12:03:00Z"));
    let restarted = scheduler(&pool, &clock, SHANGHAI, 3600);
    assert_eq!(tick(&restarted).await, Outcome::Enqueued(utc("2026-11-23T12:00:00Z")));
    clock.set(utc("2026-11-23T12:03:01Z"));
    assert_eq!(tick(&restarted).await, Outcome::Idle);
    assert_eq!(tick(&scheduler(&pool, &clock, SHANGHAI, 3600)).await, Outcome::Idle);
    assert_eq!(firings(&pool).await, vec![utc("2026-11-23T12:00:00Z")]);
    let rows = outbox_rows(&pool).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].1 <= Utc::now(), "the caught-up job is due at once: {rows:?}");
    assert_eq!(rows[0].0, "schedule:test_reminders:2026-11-23T12:00:00Z:0", "keyed by its fire time");
}

/// The scheduler's clock decides that a firing is due; the job it enqueues is due at once even
/// when that clock is ahead of the wall clock (a test's manual 20:00, a skewed host), instead of
/// waiting in the queue until the wall clock reaches the fire time.
#[tokio::test]
async fn a_firing_is_due_at_once_whatever_the_wall_clock_says() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2100-01-01T11:59:00Z"));
    let s = scheduler(&pool, &clock, SHANGHAI, 3600);
    assert_eq!(tick(&s).await, Outcome::Started);
    clock.set(utc("2100-01-01T12:00:00.005Z"));
    assert_eq!(tick(&s).await, Outcome::Enqueued(utc("2100-01-01T12:00:00Z")));
    let rows = outbox_rows(&pool).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].1 <= Utc::now(), "due now, not at the manual clock's 20:00: {rows:?}");
}

#[tokio::test]
async fn a_firing_outside_the_catchup_window_is_skipped() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2026-11-23T11:59:00Z"));
    assert_eq!(tick(&scheduler(&pool, &clock, SHANGHAI, 3600)).await, Outcome::Started);
    clock.set(utc("2026-11-23T13:30:00Z")); // back at 21:30, 90 minutes late
    let restarted = scheduler(&pool, &clock, SHANGHAI, 3600);
    assert_eq!(tick(&restarted).await, Outcome::Skipped);
    assert_eq!(firings(&pool).await, Vec::<DateTime<Utc>>::new());
    assert!(outbox_rows(&pool).await.is_empty());
    clock.set(utc("2026-11-24T12:00:00.010Z")); // the next evening fires as usual
    assert_eq!(tick(&restarted).await, Outcome::Enqueued(utc("2026-11-24T12:00:00Z")));
}

#[tokio::test]
async fn twenty_hundred_means_the_service_time_zone() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2026-11-23T11:00:00Z"));
    let shanghai = scheduler(&pool, &clock, SHANGHAI, 3600);
    assert_eq!(tick(&shanghai).await, Outcome::Started);
    clock.set(utc("2026-11-23T11:59:59Z"));
    assert_eq!(tick(&shanghai).await, Outcome::Idle);
    clock.set(utc("2026-11-23T12:00:00Z")); // 20:00 in Shanghai
    assert_eq!(tick(&shanghai).await, Outcome::Enqueued(utc("2026-11-23T12:00:00Z")));
    let wake = shanghai.next_wake(Duration::from_secs(86_400 * 2));
    assert_eq!(wake, Duration::from_secs(86_400), "the next firing is tomorrow at 20:00");
}

/// Records what was pushed, like the Redis queue would.
#[derive(Default)]
struct MemorySink(std::sync::Mutex<Vec<JobEnvelope>>);

#[async_trait::async_trait]
impl JobSink for MemorySink {
    async fn push_many(&self, envelopes: &[JobEnvelope]) -> anyhow::Result<()> {
        self.0.lock().expect("lock").extend_from_slice(envelopes);
        Ok(())
    }
}

#[tokio::test]
async fn a_firing_is_pushed_right_after_its_commit() {
    let pool = yizhan_common::testing::database().await;
    let clock = ManualClock::new(utc("2026-11-23T11:59:00Z"));
    let sink = Arc::new(MemorySink::default());
    let s = scheduler(&pool, &clock, SHANGHAI, 3600).with_sink(sink.clone());
    assert_eq!(tick(&s).await, Outcome::Started);
    clock.set(utc("2026-11-23T12:00:00.002Z"));
    assert_eq!(tick(&s).await, Outcome::Enqueued(utc("2026-11-23T12:00:00Z")));
    let pushed = sink.0.lock().expect("lock").clone();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].kind, "test_reminder");
    assert_eq!(pushed[0].queue, QueueName::Default);
    assert_eq!(pushed[0].payload, json!({ "fire_time": "2026-11-23T12:00:00Z" }));
    let unpushed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE pushed_at IS NULL")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(unpushed, 0);
}
