//! `GET /metrics` serves this process's Prometheus metrics as text.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use support::TestApp;
use tower::ServiceExt;
use yizhan_common::metrics::names;

#[tokio::test]
async fn metrics_are_served_as_prometheus_text() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    yizhan_common::metrics::install().expect("recorder");
    metrics::histogram!(names::RATELIMIT_WAIT_SECONDS, "op" => "test.api").record(0.03);
    let res = app
        .router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()[header::CONTENT_TYPE].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let body = res.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8(body.to_vec()).expect("utf-8");
    assert!(text.contains(r#"yizhan_ratelimit_wait_seconds_bucket{op="test.api",le="0.05"} 1"#), "{text}");
}
