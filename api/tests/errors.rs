//! Every failure answers with the one JSON error envelope and the right status.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use support::{assert_error, TestApp};

#[tokio::test]
async fn unknown_route_is_404_envelope() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, body) = app.get("/no/such/route", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn wrong_method_is_405_envelope() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, body) = app.send(Method::PUT, "/healthz", None, None).await;
    assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn malformed_json_is_400() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let req = Request::post("/auth/get-token/")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"username\": "))
        .expect("request");
    let (status, body) = app.raw(req).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "malformed_json");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let req = Request::post("/auth/get-token/")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("username=a"))
        .expect("request");
    let (status, body) = app.raw(req).await;
    assert_error(status, &body, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let huge = "x".repeat(100 * 1024);
    let (status, body) = app.post("/auth/get-token/", None, json!({"username": huge, "password": "p"})).await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, body) = app.post("/auth/get-token/", None, json!({"password": "p"})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["username"], "is required");

    let (status, body) = app.post("/auth/get-token/", None, json!({"username": 5, "password": "p"})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["username"].as_str().expect("message").contains("invalid type"), "{err}");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let res = tower::ServiceExt::oneshot(app.router.clone(), Request::get("/healthz").body(Body::empty()).expect("req"))
        .await
        .expect("response");
    let id = res.headers().get("x-request-id").expect("request id").to_str().expect("ascii");
    assert_eq!(id.len(), 36);
    let res = tower::ServiceExt::oneshot(
        app.router.clone(),
        Request::get("/healthz").header("x-request-id", "given-id").body(Body::empty()).expect("req"),
    )
    .await
    .expect("response");
    assert_eq!(res.headers().get("x-request-id").expect("request id"), "given-id");
}
