//! `/admin/queues…` in-process, with a real worker on the same Redis prefix: a job that exhausts
//! its attempts shows in the dead list with its last error, and a retry from the API runs it again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use redis::AsyncCommands;
use secrecy::SecretString;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use yizhan_api::{router, ApiConfig, AppState};
use yizhan_common::config::{CoreConfig, LogFormat};
use yizhan_common::jobs::kinds::{Probe, ProbeStep};
use yizhan_common::jobs::{registry, Job, JobServices, QueueName};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::testing::{redis_url, RedisPrefix};
use yizhan_common::users::{self, NewUser, Role};
use yizhan_worker::{QueueList, Worker};

fn app(pool: PgPool, prefix: &RedisPrefix) -> Router {
    let core = CoreConfig {
        database_url: SecretString::from("postgres://unused"),
        database_pool_max: 5,
        database_acquire_timeout: Duration::from_secs(5),
        redis_url: SecretString::from(redis_url()),
        redis_prefix: prefix.name().to_owned(),
        log_format: LogFormat::Pretty,
        rust_log: "warn".into(),
        service_tz: chrono_tz::Asia::Shanghai,
        redis_durability: Default::default(),
    };
    let config = ApiConfig {
        core,
        addr: ([127, 0, 0, 1], 0).into(),
        body_limit_bytes: 1 << 20,
        token_ttl: Duration::from_secs(3600),
        login_max_failures: 5,
        login_failure_window: Duration::from_secs(900),
        login_limits: yizhan_api::config::LoginLimits::default(),
        trusted_proxies: Default::default(),
        templates: yizhan_common::subscribe::TemplateConfig::defaults(),
        queue: yizhan_common::queue::QueueSettings::default(),
        qrcode_wait: Duration::from_millis(300),
        qrcode_reclaim_after: Duration::from_secs(120),
        wechat: None,
        rate_limits: yizhan_common::ratelimit::RateLimitConfig::defaults(),
        wechat_callback: None,
        waitlist_max_per_user: 10,
        storage: None,
    };
    router(AppState::new(config, pool))
}

async fn token(pool: &PgPool, username: &str, roles: Vec<Role>) -> String {
    let mut conn = pool.acquire().await.expect("conn");
    let new = NewUser { username: username.into(), password_hash: None, name: username.into(), phone: None, email: None, roles };
    let user = users::create(&mut conn, &new).await.expect("user");
    users::issue(&mut conn, user.id, Utc::now() + chrono::TimeDelta::hours(1)).await.expect("token")
}

async fn call(app: &Router, method: &str, uri: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dead_job_is_listed_and_a_retry_from_the_api_runs_it_again(pool: PgPool) {
    let prefix = RedisPrefix::new();
    let app = app(pool.clone(), &prefix);
    let admin = token(&pool, "admin", vec![Role::Admin]).await;
    let redis = prefix.connect().await;
    let queue = RedisQueue::new(redis.clone(), prefix.name(), QueueSettings::default());
    let worker = Worker {
        queue: queue.clone(),
        services: Arc::new(JobServices::new(pool.clone(), redis.clone(), prefix.name())),
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
    eventually("job dead", || async {
        let (_, body) = call(&app, "GET", "/admin/queues", &admin).await;
        body["queues"].as_array().is_some_and(|qs| qs.iter().any(|q| q["queue"] == "default" && q["dead"] == 1))
    })
    .await;

    let (status, body) = call(&app, "GET", "/admin/queues/default/dead?page=1&pageSize=10", &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 1);
    let job = &body["results"][0];
    assert_eq!((job["id"].as_str(), job["kind"].as_str(), job["attempts"].as_u64()), (Some("job-1"), Some(Probe::KIND), Some(3)));
    assert!(job["lastError"].as_str().is_some_and(|e| e.contains("failed on run 3")), "{job}");

    let (status, body) = call(&app, "POST", "/admin/queues/default/dead/job-1/retry", &admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done_key = prefix.key(&Probe::done_key("t"));
    eventually("retried job done", || async {
        let done: Option<u64> = redis.clone().get(&done_key).await.expect("get");
        done == Some(1)
    })
    .await;
    let (status, _) = call(&app, "POST", "/admin/queues/default/dead/job-1/retry", &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer dead");
    let _ = stop.send(());
    running.await.expect("worker");
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_queues_are_404_and_only_admins_may_look(pool: PgPool) {
    let prefix = RedisPrefix::new();
    let app = app(pool.clone(), &prefix);
    let admin = token(&pool, "admin", vec![Role::Admin]).await;
    let (status, body) = call(&app, "GET", "/admin/queues/nope/dead", &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = call(&app, "POST", "/admin/queues/nope/dead/x/retry", &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = call(&app, "GET", "/admin/queues", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["queues"].as_array().map(Vec::len), Some(QueueName::ALL.len()));
    assert_eq!(body["queues"][0]["oldestPendingAgeMs"], 0);

    let someone = token(&pool, "someone", vec![Role::Staff]).await;
    let (status, _) = call(&app, "GET", "/admin/queues", &someone).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
