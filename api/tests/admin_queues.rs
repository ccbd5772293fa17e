//! `/admin/queues…` in-process, with a real worker on the same Redis prefix: a job that exhausts
//! its attempts shows in the dead list with its last error, and a retry from the API runs it again.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use redis::AsyncCommands;
use sqlx::PgPool;
use yizhan_common::jobs::kinds::{Probe, ProbeStep};
use yizhan_common::jobs::{registry, Job, JobServices, QueueName};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::testing::{eventually, RedisPrefix};
use yizhan_worker::drain::run_pending_jobs;
use yizhan_worker::{QueueList, Worker};

use support::{config, redis_url, TestApp};

const WITHIN: Duration = Duration::from_secs(10);

fn app(pool: PgPool, prefix: &RedisPrefix) -> TestApp {
    let mut config = config(&redis_url());
    config.core.redis_prefix = prefix.name().to_owned();
    TestApp::with_config(pool, config)
}

#[tokio::test]
async fn a_dead_job_is_listed_and_a_retry_from_the_api_runs_it_again() {
    let pool = yizhan_common::testing::database().await;
    let prefix = RedisPrefix::new();
    let app = app(pool.clone(), &prefix);
    let admin = app.user_token("root", &[]).await;
    let redis = prefix.connect().await;
    let queue = RedisQueue::new(redis.clone(), prefix.name(), QueueSettings::default());
    let services = Arc::new(JobServices::new(pool.clone(), redis.clone(), prefix.name()));
    let worker = Worker {
        queue: queue.clone(),
        services: services.clone(),
        registry: Arc::new(registry()),
        queues: QueueList(vec![(QueueName::Default, 2)]),
        idle_poll: Duration::from_millis(10),
        shutdown_grace: Duration::from_secs(5),
        name: "api-test".into(),
        lease: yizhan_common::lease::LeaseConfig::default(),
        runtime: yizhan_worker::Runtime::Direct,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stopped.await;
    }));

    let probe = Probe { tag: "t".into(), steps: vec![ProbeStep::Fail; 3] };
    queue.push(&[probe.envelope("job-1", Utc::now()).expect("encode")]).await.expect("push");
    eventually("job dead", WITHIN, || async {
        let (_, body) = app.get("/admin/queues", Some(&admin)).await;
        body["queues"].as_array().is_some_and(|qs| qs.iter().any(|q| q["queue"] == "default" && q["dead"] == 1))
    })
    .await;
    let _ = stop.send(());
    running.await.expect("worker");

    let (status, body) = app.get("/admin/queues/default/dead?page=1&pageSize=10", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 1);
    let job = &body["results"][0];
    assert_eq!((job["id"].as_str(), job["kind"].as_str(), job["attempts"].as_u64()), (Some("job-1"), Some(Probe::KIND), Some(3)));
    assert!(job["lastError"].as_str().is_some_and(|e| e.contains("failed on run 3")), "{job}");

    let (status, body) = app.send(Method::POST, "/admin/queues/default/dead/job-1/retry", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    run_pending_jobs(&queue, services, WITHIN).await.expect("the retried job runs");
    let done: Option<u64> = redis.clone().get(prefix.key(&Probe::done_key("t"))).await.expect("get");
    assert_eq!(done, Some(1), "the retried job ran to the end");
    let (status, _) = app.send(Method::POST, "/admin/queues/default/dead/job-1/retry", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer dead");
}

#[tokio::test]
async fn unknown_queues_are_404_and_only_admins_may_look() {
    let pool = yizhan_common::testing::database().await;
    let prefix = RedisPrefix::new();
    let app = app(pool.clone(), &prefix);
    let admin = app.user_token("root", &[]).await;
    let (status, body) = app.get("/admin/queues/nope/dead", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = app.send(Method::POST, "/admin/queues/nope/dead/x/retry", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = app.get("/admin/queues", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["queues"].as_array().map(Vec::len), Some(QueueName::ALL.len()));
    assert_eq!(body["queues"][0]["oldestPendingAgeMs"], 0);

    let someone = app.login_or_create("someone").await;
    let (status, _) = app.get("/admin/queues", Some(&someone)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
