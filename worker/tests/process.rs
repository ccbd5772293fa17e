//! The worker binary as child processes: kill -9 loses nothing, SIGTERM drains, Redis errors
//! do not kill the process.

mod support;

use std::time::{Duration, Instant};

use support::{eventually, sigterm, Env};
use yizhan_common::jobs::kinds::ProbeStep;

#[tokio::test]
async fn a_job_of_a_worker_killed_with_sigkill_completes_in_another_within_15_s() {
    let env = Env::new().await;
    let mut first = env.spawn_worker(&[]);
    env.push_probe("victim", "victim", vec![ProbeStep::Sleep { ms: 600_000 }]).await;
    env.push_probe("bystander", "bystander", vec![]).await;
    eventually("victim running in the first worker", Duration::from_secs(20), || async { env.runs("victim").await == 1 }).await;
    let mut second = env.spawn_worker(&[]);
    first.start_kill().expect("SIGKILL");
    first.wait().await.expect("reaped");
    let killed_at = Instant::now();
    eventually("victim completed by the second worker", Duration::from_secs(15), || async { env.done("victim").await == 1 }).await;
    tracing_free_log(&format!("redelivered after {:?}", killed_at.elapsed()));
    assert_eq!(env.runs("victim").await, 2);
    assert_eq!(env.done("bystander").await, 1);
    eventually("both acknowledged", Duration::from_secs(5), || async { env.stats().await.done == 2 }).await;
    let stats = env.stats().await;
    assert_eq!((stats.running, stats.pending, stats.dead), (0, 0, 0), "{stats:?}");
    sigterm(&second);
    assert!(second.wait().await.expect("exit").success());
}

#[tokio::test]
async fn sigterm_lets_running_jobs_finish_then_hands_back_the_rest() {
    let env = Env::new().await;
    let mut worker = env.spawn_worker(&[("WORKER_SHUTDOWN_GRACE_SECS", "2")]);
    env.push_probe("short", "short", vec![ProbeStep::Sleep { ms: 500 }]).await;
    env.push_probe("long", "long", vec![ProbeStep::Sleep { ms: 600_000 }]).await;
    eventually("both running", Duration::from_secs(20), || async { env.runs("short").await == 1 && env.runs("long").await == 1 }).await;
    sigterm(&worker);
    let status = tokio::time::timeout(Duration::from_secs(10), worker.wait()).await.expect("exits after the grace period");
    assert!(status.expect("exit").success());
    assert_eq!(env.done("short").await, 1);
    let stats = env.stats().await;
    assert_eq!((stats.done, stats.pending, stats.running), (1, 1, 0), "{stats:?}");
    let again = env.queue.fetch(support::Q, 10).await.expect("fetch");
    assert_eq!((again[0].id.as_str(), again[0].crashes), ("long", 0), "handed back, not counted as a crash");
}

#[tokio::test]
async fn an_unreachable_redis_does_not_kill_the_worker() {
    let env = Env::new().await;
    let mut worker = env.spawn_worker(&[("REDIS_URL", "redis://127.0.0.1:1/")]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(worker.try_wait().expect("status").is_none(), "the worker keeps retrying");
    sigterm(&worker);
    let status = tokio::time::timeout(Duration::from_secs(10), worker.wait()).await.expect("exits on SIGTERM");
    assert!(status.expect("exit").success());
}

fn tracing_free_log(line: &str) {
    eprintln!("{line}");
}
