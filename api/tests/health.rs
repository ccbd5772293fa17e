//! `/healthz` answers while the process lives; `/readyz` only while PostgreSQL and Redis answer.

mod support;

use axum::http::StatusCode;
use sqlx::postgres::PgPoolOptions;
use support::{assert_error, config, redis_url, TestApp};

#[tokio::test]
async fn ready_when_both_stores_answer() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn redis_down_is_not_ready_but_healthy() {
    let pool = yizhan_common::testing::database().await;
    let closed = format!("redis://127.0.0.1:{}/", closed_port());
    let app = TestApp::with_config(pool, config(&closed));
    let (status, body) = app.get("/readyz", None).await;
    let err = assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert!(err["message"].as_str().expect("message").contains("redis"), "{err}");
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn postgres_down_is_not_ready_but_healthy() {
    let url = format!("postgres://postgres@127.0.0.1:{}/none", closed_port());
    let pool = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy(&url)
        .expect("lazy pool");
    let app = TestApp::with_config(pool, config(&redis_url()));
    let (status, body) = app.get("/readyz", None).await;
    let err = assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert!(err["message"].as_str().expect("message").contains("postgres"), "{err}");
    assert!(!err["message"].as_str().expect("message").contains("redis"), "{err}");
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
