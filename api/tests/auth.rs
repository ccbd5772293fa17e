//! Tokens: both header schemes, bad, expired and revoked tokens, throttled logins, role denial.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use support::{assert_error, TestApp};
use yizhan_common::users;

#[tokio::test]
async fn both_header_schemes_identify_the_user() {
    let pool = yizhan_common::testing::database().await;
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

#[tokio::test]
async fn missing_malformed_and_unknown_tokens_are_401() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, body) = app.get("/current-user/", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_authenticated");

    let req = Request::get("/current-user/").header(header::AUTHORIZATION, "Basic abc").body(Body::empty()).expect("req");
    let (status, body) = app.raw(req).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    let (status, body) = app.get("/current-user/", Some("not-a-real-token")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    app.user_token("bob", &["patient"]).await;
    let mut conn = pool.acquire().await.expect("conn");
    let (user, _) = users::find_by_username(&mut conn, "bob").await.expect("query").expect("bob");
    let expired = users::issue(&mut conn, user.id, Utc::now() - Duration::seconds(1)).await.expect("issue");
    let (status, body) = app.get("/current-user/", Some(&expired)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "token_expired");
}

#[tokio::test]
async fn logout_revokes_only_the_current_token() {
    let pool = yizhan_common::testing::database().await;
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

#[tokio::test]
async fn wrong_credentials_are_400_and_repeated_failures_throttled() {
    let pool = yizhan_common::testing::database().await;
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

#[tokio::test]
async fn non_admins_are_forbidden_admin_routes() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let token = app.user_token("erin", &["patient"]).await;
    let (status, body) = app.get("/admin/users", Some(&token)).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.get("/admin/users", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "not_authenticated");
}

#[tokio::test]
async fn deactivated_users_lose_access() {
    let pool = yizhan_common::testing::database().await;
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

#[tokio::test]
async fn parallel_wrong_guesses_cannot_pass_the_limit() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    app.user_token("gina", &["staff"]).await;
    let max = app.state.config.login_max_failures;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..50 {
        let router = app.router.clone();
        guesses.spawn(async move {
            let body = json!({"username": "gina", "password": format!("guess-{i}")}).to_string();
            let req = Request::post("/auth/get-token/").header(header::CONTENT_TYPE, "application/json").body(Body::from(body));
            tower::ServiceExt::oneshot(router, req.expect("request")).await.expect("response").status()
        });
    }
    let (mut checked, mut throttled) = (0, 0);
    while let Some(status) = guesses.join_next().await {
        match status.expect("task") {
            StatusCode::BAD_REQUEST => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, max, "exactly LOGIN_MAX_FAILURES guesses reach the password check");
    assert_eq!(throttled, 50 - max);
}

#[tokio::test]
async fn one_address_cannot_lock_a_user_out_of_another() {
    let pool = yizhan_common::testing::database().await;
    let mut cfg = support::config(&support::redis_url());
    cfg.login_limits.ip_max_failures = 5;
    cfg.login_limits.user_max_failures = 7;
    let app = TestApp::with_config(pool, cfg);
    app.user_token("hank", &["staff"]).await;
    let login = |password: &str| json!({"username": "hank", "password": password});
    for _ in 0..3 {
        let (status, body) = app.post_from("203.0.113.1", None, "/auth/get-token/", login("wrong-password")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_credentials");
    }
    let (status, body) = app.post_from("203.0.113.1", None, "/auth/get-token/", login("password-123")).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let (status, body) = app.post_from("198.51.100.1", None, "/auth/get-token/", login("password-123")).await;
    assert_eq!(status, StatusCode::OK, "the user still logs in from their own address: {body}");

    // One address spraying usernames meets its own cap.
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        let (status, _) = app.post_from("203.0.113.2", None, "/auth/get-token/", json!({"username": name, "password": "x"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, body) = app.post_from("203.0.113.2", None, "/auth/get-token/", json!({"username": "u6", "password": "x"})).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");

    // Guesses spread over many addresses meet the (higher) per-user cap: 3 + 2 + 2 = 7.
    for ip in ["203.0.113.3", "203.0.113.4"] {
        for _ in 0..2 {
            assert_eq!(app.post_from(ip, None, "/auth/get-token/", login("wrong")).await.0, StatusCode::BAD_REQUEST);
        }
    }
    let (status, body) = app.post_from("203.0.113.5", None, "/auth/get-token/", login("wrong")).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let pool = yizhan_common::testing::database().await;
    let mut cfg = support::config(&support::redis_url());
    cfg.trusted_proxies = "10.0.0.0/8".parse().expect("proxies");
    let app = TestApp::with_config(pool, cfg);
    app.user_token("iris", &["staff"]).await;
    let wrong = json!({"username": "iris", "password": "wrong-password"});
    // Behind the proxy, each client has its own bucket.
    for _ in 0..3 {
        assert_eq!(app.post_from("10.0.0.1", Some("198.51.100.1"), "/auth/get-token/", wrong.clone()).await.0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.post_from("10.0.0.1", Some("198.51.100.1"), "/auth/get-token/", wrong.clone()).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.post_from("10.0.0.1", Some("198.51.100.2"), "/auth/get-token/", wrong.clone()).await.0, StatusCode::BAD_REQUEST);
    // A direct client cannot pick a fresh bucket by sending the header itself.
    for i in 0..3 {
        let xff = format!("192.0.2.{i}");
        assert_eq!(app.post_from("203.0.113.9", Some(&xff), "/auth/get-token/", wrong.clone()).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, body) = app.post_from("203.0.113.9", Some("192.0.2.99"), "/auth/get-token/", wrong).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}
