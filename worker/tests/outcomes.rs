//! How the worker acts on each outcome, with a worker running in this process.

mod support;

use std::time::Duration;

use support::{eventually, Env};
use yizhan_common::jobs::kinds::ProbeStep;

const WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_panic_fails_that_job_once_and_the_worker_goes_on() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.push_probe("panics", "panics", vec![ProbeStep::Panic]).await;
    env.push_probe("fine", "fine", vec![]).await;
    eventually("both probes done", WITHIN, || async { env.done("panics").await == 1 && env.done("fine").await == 1 }).await;
    assert_eq!(env.runs("panics").await, 2, "one failed run, then one retry");
    eventually("acknowledged", WITHIN, || async { env.stats().await.done == 2 }).await;
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn a_rate_limited_run_is_rescheduled_without_spending_an_attempt() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    // The probe allows three attempts: five rate-limited runs and a quota stop would exhaust them
    // if they counted.
    let mut steps = vec![ProbeStep::RateLimited { ms: 30 }; 5];
    steps.push(ProbeStep::QuotaExhausted { ms: 30 });
    steps.push(ProbeStep::Fail);
    env.push_probe("limited", "limited", steps).await;
    eventually("probe done", WITHIN, || async { env.done("limited").await == 1 }).await;
    assert_eq!(env.runs("limited").await, 8);
    eventually("acknowledged", WITHIN, || async { env.stats().await.done == 1 }).await;
    assert_eq!(env.stats().await.dead, 0);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn the_attempt_cap_sends_a_job_to_the_dead_set_and_a_retry_runs_it_again() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.push_probe("failing", "failing", vec![ProbeStep::Fail, ProbeStep::TokenInvalid, ProbeStep::Fail]).await;
    eventually("job dead", WITHIN, || async { env.stats().await.dead == 1 }).await;
    assert_eq!(env.runs("failing").await, 3, "three attempts, no more");
    let (dead, total) = env.queue.list_dead(support::Q, 0, 10).await.expect("dead");
    assert_eq!(total, 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(dead[0].last_error.contains("failed on run 3"), "{}", dead[0].last_error);

    assert!(env.queue.retry_dead(support::Q, "failing").await.expect("retry"));
    eventually("retried job done", WITHIN, || async { env.done("failing").await == 1 }).await;
    assert_eq!(env.runs("failing").await, 4);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn a_permanent_failure_is_recorded_without_retry() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.push_probe("refused", "refused", vec![ProbeStep::Permanent]).await;
    eventually("job dead", WITHIN, || async { env.stats().await.dead == 1 }).await;
    assert_eq!(env.runs("refused").await, 1);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn stopping_waits_for_running_jobs_and_hands_back_the_rest() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_millis(800));
    env.push_probe("short", "short", vec![ProbeStep::Sleep { ms: 300 }]).await;
    env.push_probe("long", "long", vec![ProbeStep::Sleep { ms: 60_000 }]).await;
    eventually("both running", WITHIN, || async { env.runs("short").await == 1 && env.runs("long").await == 1 }).await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), worker).await.expect("worker stops after the grace period").expect("worker");
    assert_eq!(env.done("short").await, 1, "the short job finished during the grace period");
    let stats = env.stats().await;
    assert_eq!((stats.done, stats.pending, stats.running), (1, 1, 0), "{stats:?}");
    let again = env.queue.fetch(support::Q, 10).await.expect("fetch");
    assert_eq!((again[0].id.as_str(), again[0].crashes), ("long", 0));
}
