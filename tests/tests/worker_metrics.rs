//! The worker serves `GET /metrics` on `WORKER_METRICS_ADDR`.

use std::time::Duration;

use yizhan_system_tests::{fresh_database, free_port, wait_http_ok, SystemEnv};

#[tokio::test]
async fn worker_serves_prometheus_metrics() {
    let db = fresh_database().await;
    let port = free_port();
    let env = SystemEnv::new(&db).with("WORKER_METRICS_ADDR", &format!("127.0.0.1:{port}"));
    assert!(env.run("yizhan-api", &["migrate"]).success());
    let mut worker = env.spawn("yizhan-worker", &[]);
    let url = format!("http://127.0.0.1:{port}/metrics");
    let http = reqwest::Client::new();
    assert!(wait_http_ok(&http, &url, Duration::from_secs(20)).await, "worker metrics did not come up");
    let res = http.get(&url).send().await.expect("metrics");
    let content_type = res.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let status = worker.terminate(Duration::from_secs(40)).expect("worker stops on SIGTERM");
    assert!(status.success(), "{status}");
    let prefix = env.get("REDIS_PREFIX");
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}
