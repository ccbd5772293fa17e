//! Leases held by a worker in this process: kept until the acknowledgement lands, unknown kinds
//! parked, and the pickup and depth metrics recorded.

mod support;

use std::time::{Duration, Instant};

use redis::AsyncCommands;
use support::{eventually, Env};
use yizhan_common::jobs::{JobEnvelope, QueueName};
use yizhan_common::queue::QueueSettings;

const WITHIN: Duration = Duration::from_secs(10);

async fn redis_now_ms(env: &Env) -> i64 {
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut env.redis.clone()).await.expect("time");
    secs * 1000 + micros / 1000
}

#[tokio::test]
async fn a_finished_job_keeps_its_lease_until_its_acknowledgement_lands() {
    let env = Env::with_settings(QueueSettings { lease: Duration::from_secs(1), ..QueueSettings::default() }).await;
    // Acknowledgements fail while `done` is not a sorted set: the ack waits in the acknowledger.
    let done_key = env.queue.keys().done(support::Q);
    let _: () = env.redis.clone().set(&done_key, "blocked").await.expect("set");
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.push_probe("slow-ack", "slow-ack", vec![]).await;
    eventually("probe ran", WITHIN, || async { env.done("slow-ack").await == 1 }).await;
    let running_key = format!("{}:running", env.queue.keys().base(support::Q));
    let until = Instant::now() + Duration::from_millis(3000);
    let mut least = i64::MAX;
    while Instant::now() < until {
        let deadline: Option<f64> = env.redis.clone().zscore(&running_key, "slow-ack").await.expect("zscore");
        let deadline = deadline.expect("still leased while its ack waits") as i64;
        least = least.min(deadline - redis_now_ms(&env).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(least > 0, "the lease lapsed while the ack waited (by {} ms)", -least);
    assert_eq!(env.runs("slow-ack").await, 1);
    let _: () = env.redis.clone().del(&done_key).await.expect("del");
    eventually("acknowledged", WITHIN, || async { env.stats().await.done == 1 }).await;
    assert_eq!((env.stats().await.running, env.runs("slow-ack").await), (0, 1));
    let _ = stop.send(());
    worker.await.expect("worker");
}

fn from_the_future(id: &str) -> JobEnvelope {
    JobEnvelope {
        id: id.into(),
        queue: QueueName::Default,
        kind: "from_a_newer_build".into(),
        payload: serde_json::json!({}),
        run_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn an_unknown_kind_is_parked_for_a_worker_that_knows_it_then_dead() {
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.queue.push(&[from_the_future("future")]).await.expect("push");
    eventually("parked", WITHIN, || async { env.stats().await.scheduled == 1 }).await;
    let stats = env.stats().await;
    assert_eq!((stats.dead, stats.pending, stats.running), (0, 0, 0), "{stats:?}");
    let _ = stop.send(());
    worker.await.expect("worker");

    let strict = Env::with_settings(QueueSettings { unknown_kind_park: Duration::ZERO, ..QueueSettings::default() }).await;
    let (stop, worker) = strict.start_worker(Duration::from_secs(5));
    strict.queue.push(&[from_the_future("future")]).await.expect("push");
    eventually("dead after the park limit", WITHIN, || async { strict.stats().await.dead == 1 }).await;
    let (dead, _) = strict.queue.list_dead(support::Q, 0, 1).await.expect("dead");
    assert!(dead[0].last_error.contains("unknown job kind"), "{}", dead[0].last_error);
    let _ = stop.send(());
    worker.await.expect("worker");
}

#[tokio::test]
async fn pickup_delay_and_queue_depth_are_recorded() {
    let handle = yizhan_common::metrics::install().expect("recorder");
    let env = Env::new().await;
    let (stop, worker) = env.start_worker(Duration::from_secs(5));
    env.push_probe("measured", "measured", vec![]).await;
    eventually("probe done", WITHIN, || async { env.done("measured").await == 1 }).await;
    eventually("gauges recorded", WITHIN, || async {
        handle.render().contains(r#"yizhan_queue_depth{queue="default",state="pending"}"#)
    })
    .await;
    let text = handle.render();
    let picked: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"yizhan_job_pickup_seconds_count{queue="default"} "#))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(picked >= 1, "no pickup recorded: {text}");
    assert!(text.contains(r#"yizhan_queue_oldest_pending_seconds{queue="default"}"#), "{text}");
    let _ = stop.send(());
    worker.await.expect("worker");
}
