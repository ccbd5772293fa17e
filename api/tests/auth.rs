//! Tokens: both header schemes, bad, expired and revoked tokens, throttled logins, role denial.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use support::{assert_error, TestApp};
use yizhan_common::users;

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn both_header_schemes_identify_the_user(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.user_token("alice", &["staff"]).await;
    for scheme in ["Bearer", "Token"] {
        let req = Request::get("/current-user/")
            .header(header::AUTHORIZATION, format!("{scheme} {token}"))
            .body(Body::empty())
            .expect("request");
        let (status, body) = app.raw(req).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
        assert_eq!(body["username"], "alice");
        assert_eq!(body["roles"], json!(["staff"]));
        assert!(body["createdAt"].as_str().expect("timestamp").ends_with("+08:00"), "{body}");
    }
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn missing_malformed_and_unknown_tokens_are_401(pool: PgPool) {
    let app = TestApp::new(pool);
    let (status, body) = app.get("/current-user/", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_authenticated");

    let req = Request::get("/current-user/").header(header::AUTHORIZATION, "Basic abc").body(Body::empty()).expect("req");
    let (status, body) = app.raw(req).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    let (status, body) = app.get("/current-user/", Some("not-a-real-token")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn expired_tokens_are_refused(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    app.user_token("bob", &["patient"]).await;
    let mut conn = pool.acquire().await.expect("conn");
    let (user, _) = users::find_by_username(&mut conn, "bob").await.expect("query").expect("bob");
    let expired = users::issue(&mut conn, user.id, Utc::now() - Duration::seconds(1)).await.expect("issue");
    let (status, body) = app.get("/current-user/", Some(&expired)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "token_expired");
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn logout_revokes_only_the_current_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let first = app.user_token("carol", &["student"]).await;
    let second = app.login("carol", "password-123").await;
    let (status, _) = app.send(Method::DELETE, "/auth/wechat-auth/", Some(&first), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/current-user/", Some(&first)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "token_revoked");
    let (status, _) = app.get("/current-user/", Some(&second)).await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn wrong_credentials_are_400_and_repeated_failures_throttled(pool: PgPool) {
    let app = TestApp::new(pool);
    app.user_token("dave", &["staff"]).await;
    let wrong = json!({"username": "dave", "password": "wrong-password"});
    for _ in 0..3 {
        let (status, body) = app.post("/auth/get-token/", None, wrong.clone()).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_credentials");
    }
    // Throttled now, even with the right password; other usernames are unaffected.
    let (status, body) = app.post("/auth/get-token/", None, json!({"username": "DAVE", "password": "password-123"})).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (status, body) = app.post("/auth/get-token/", None, json!({"username": "nobody", "password": "x"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_credentials");
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn non_admins_are_forbidden_admin_routes(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.user_token("erin", &["patient"]).await;
    let (status, body) = app.get("/admin/users", Some(&token)).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.get("/admin/users", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_authenticated");
}

#[sqlx::test(migrator = "yizhan_common::db::MIGRATOR")]
async fn deactivated_users_lose_access(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.user_token("frank", &["visitor"]).await;
    let root = app.login("root", "root-password").await;
    let (_, list) = app.get("/admin/users?role=visitor", Some(&root)).await;
    let id = list["results"][0]["id"].as_i64().expect("id");
    let (status, body) = app.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"isActive": false}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.get("/current-user/", Some(&token)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "account_disabled");
    let (status, body) = app.post("/auth/get-token/", None, json!({"username": "frank", "password": "password-123"})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_credentials");
}
