//! The worker on apalis 1.0 (`WORKER_RUNTIME=apalis`) against real Redis: each outcome lands in
//! the engine as it does with the direct loop, shutdown acknowledges what finished and hands
//! back what did not, and the backend's `TaskSink` pushes jobs.

mod support;

use std::time::Duration;

use apalis_core::backend::TaskSink;
use redis::AsyncCommands;
use support::{eventually, sigterm, Env, Q};
use yizhan_common::jobs::kinds::ProbeStep;
use yizhan_common::jobs::Registry;
use yizhan_worker::apalis::backend::{EngineBackend, EngineConfig};
use yizhan_worker::apalis::JobArgs;
use yizhan_worker::Runtime;

const WITHIN: Duration = Duration::from_secs(10);

async fn attempts(env: &Env, id: &str) -> u32 {
    let v: Option<u32> = env.redis.clone().hget(env.queue.keys().job(Q, id), "attempts").await.expect("hget");
    v.unwrap_or(0)
}

#[tokio::test]
async fn a_job_runs_once_and_is_recorded_done() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    env.push_probe("ok", "ok", vec![]).await;
    eventually("acknowledged done", WITHIN, || async { env.stats().await.done == 1 }).await;
    assert_eq!((env.runs("ok").await, env.done("ok").await), (1, 1));
    let stats = env.stats().await;
    assert_eq!((stats.running, stats.pending, stats.dead), (0, 0, 0), "{stats:?}");
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn a_failure_spends_an_attempt_and_runs_again() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    env.push_probe("flaky", "flaky", vec![ProbeStep::Fail]).await;
    env.push_probe("panics", "panics", vec![ProbeStep::Panic]).await;
    eventually("both acknowledged done", WITHIN, || async { env.stats().await.done == 2 }).await;
    assert_eq!(env.runs("flaky").await, 2, "one failed run, one retry");
    assert_eq!(attempts(&env, "flaky").await, 1, "the failure spent an attempt");
    assert_eq!(env.runs("panics").await, 2, "a panic fails that run only");
    assert_eq!(attempts(&env, "panics").await, 1);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn a_rate_limited_run_is_rescheduled_without_spending_an_attempt() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    // Three attempts allowed: five rate-limited runs and a quota stop would exhaust them if they
    // counted.
    let mut steps = vec![ProbeStep::RateLimited { ms: 30 }; 5];
    steps.push(ProbeStep::QuotaExhausted { ms: 30 });
    steps.push(ProbeStep::Fail);
    env.push_probe("limited", "limited", steps).await;
    eventually("acknowledged done", WITHIN, || async { env.stats().await.done == 1 }).await;
    assert_eq!(env.runs("limited").await, 8);
    assert_eq!(attempts(&env, "limited").await, 1, "only the failure spent an attempt");
    assert_eq!(env.stats().await.dead, 0);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn the_attempt_cap_sends_a_job_to_the_dead_set() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    env.push_probe("failing", "failing", vec![ProbeStep::Fail, ProbeStep::TokenInvalid, ProbeStep::Fail]).await;
    env.push_probe("refused", "refused", vec![ProbeStep::Permanent]).await;
    eventually("both dead", WITHIN, || async { env.stats().await.dead == 2 }).await;
    assert_eq!(env.runs("failing").await, 3, "three attempts, no more");
    assert_eq!(env.runs("refused").await, 1, "a permanent failure is not retried");
    let (dead, _) = env.queue.list_dead(Q, 0, 10).await.expect("dead");
    let failing = dead.iter().find(|d| d.id == "failing").expect("failing is dead");
    assert_eq!(failing.attempts, 3);
    assert!(failing.last_error.contains("failed on run 3"), "{}", failing.last_error);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn an_unknown_kind_is_parked_not_dead() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    let mut envelope = yizhan_common::jobs::Job::envelope(&yizhan_common::jobs::kinds::Noop {}, "newer", chrono::Utc::now()).expect("encode");
    envelope.kind = "from_a_newer_build".into();
    env.queue.push(&[envelope]).await.expect("push");
    eventually("parked in scheduled", WITHIN, || async { env.stats().await.scheduled == 1 }).await;
    let stats = env.stats().await;
    assert_eq!((stats.dead, stats.done, stats.running), (0, 0, 0), "{stats:?}");
    assert_eq!(attempts(&env, "newer").await, 0);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn stopping_acknowledges_finished_runs_and_hands_back_the_rest() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker_with(Duration::from_millis(800), Runtime::Apalis);
    env.push_probe("short", "short", vec![ProbeStep::Sleep { ms: 300 }]).await;
    env.push_probe("long", "long", vec![ProbeStep::Sleep { ms: 60_000 }]).await;
    eventually("both running", WITHIN, || async { env.runs("short").await == 1 && env.runs("long").await == 1 }).await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), worker).await.expect("worker stops after the grace period").expect("worker");
    assert_eq!(env.done("short").await, 1, "the short job finished during the grace period");
    let stats = env.stats().await;
    assert_eq!((stats.done, stats.pending, stats.running), (1, 1, 0), "{stats:?}");
    let again = env.queue.fetch(Q, 10).await.expect("fetch");
    assert_eq!((again[0].id.as_str(), again[0].crashes), ("long", 0), "handed back, not counted as a crash");
}

#[tokio::test]
async fn the_backend_is_a_task_sink() {
    let env = Env::new().await;
    let (acks, _rx) = tokio::sync::mpsc::unbounded_channel();
    let config = EngineConfig { queue: Q, concurrency: 4, idle_poll: Duration::from_millis(10) };
    let mut backend = EngineBackend::new(env.queue.clone(), std::sync::Arc::new(Registry::default()), config, Default::default(), acks);
    backend.push(JobArgs { kind: "test.probe".into(), payload: r#"{"tag":"sunk"}"#.into() }).await.expect("push");
    let (stop, worker) = env.start_worker_with(Duration::from_secs(5), Runtime::Apalis);
    eventually("pushed job done", WITHIN, || async { env.done("sunk").await == 1 }).await;
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn the_binary_runs_on_either_runtime_and_drains_on_sigterm() {
    // apalis is the default; `direct` is the engine's own loop.
    for runtime in [None, Some("direct")] {
        let env = Env::new().await;
        let mut vars = vec![("WORKER_SHUTDOWN_GRACE_SECS", "2")];
        vars.extend(runtime.map(|r| ("WORKER_RUNTIME", r)));
        let mut worker = env.spawn_worker(&vars);
        env.push_probe("short", "short", vec![ProbeStep::Sleep { ms: 500 }]).await;
        env.push_probe("long", "long", vec![ProbeStep::Sleep { ms: 600_000 }]).await;
        eventually("both running", Duration::from_secs(20), || async { env.runs("short").await == 1 && env.runs("long").await == 1 }).await;
        sigterm(&worker);
        let status = tokio::time::timeout(Duration::from_secs(10), worker.wait()).await.expect("exits after the grace period");
        assert!(status.expect("exit").success(), "{runtime:?}");
        assert_eq!(env.done("short").await, 1, "{runtime:?}");
        let stats = env.stats().await;
        assert_eq!((stats.done, stats.pending, stats.running), (1, 1, 0), "{runtime:?}: {stats:?}");
    }
}
