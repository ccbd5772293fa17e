//! WeChat code login and binding against the simulator: codes are exchanged once, an openid
//! belongs to one user, a user's new openid replaces the old one.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::sim::Sim;
use support::{assert_error, config, redis_url, TestApp};

fn app(pool: PgPool, sim: &Sim) -> TestApp {
    sim.app(pool)
}

async fn put_bind(app: &TestApp, token: &str, code: &str) -> (StatusCode, Value) {
    app.send(Method::PUT, "/auth/wechat-auth/", Some(token), Some(json!({ "code": code }))).await
}

#[tokio::test]
async fn bind_then_log_in_with_a_code() {
    let pool = yizhan_common::testing::database().await;
    let sim = Sim::start().await;
    let app = app(pool, &sim);
    let (openid, code) = sim.code(None).await;
    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": code })).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "wechat_not_bound");

    let token = app.user_token("teacher", &["staff"]).await;
    let (_, code) = sim.code(Some(&openid)).await;
    let (status, me) = put_bind(&app, &token, &code).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "teacher");

    let (_, code) = sim.code(Some(&openid)).await;
    let (status, v) = app.post("/auth/wechat-code2token/", None, json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let wx_token = v["token"].as_str().expect("token");
    let (status, me) = app.get("/current-user/", Some(wx_token)).await;
    assert_eq!((status, me["username"].as_str()), (StatusCode::OK, Some("teacher")));

    // The same code again is refused without asking WeChat.
    let before = sim.exchanges().await;
    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": code })).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "code_used");
    assert_eq!(sim.exchanges().await, before);

    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": "071bogus" })).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "invalid_code");
    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": "" })).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

#[tokio::test]
async fn an_openid_belongs_to_one_user_and_a_new_one_replaces_the_old() {
    let pool = yizhan_common::testing::database().await;
    let sim = Sim::start().await;
    let app = app(pool, &sim);
    let alice = app.user_token("alice", &["staff"]).await;
    let bob = app.login_or_create("bob").await;
    let (first, code) = sim.code(None).await;
    assert_eq!(put_bind(&app, &alice, &code).await.0, StatusCode::OK);
    let (_, code) = sim.code(Some(&first)).await;
    let (status, err) = put_bind(&app, &bob, &code).await;
    assert_error(status, &err, StatusCode::CONFLICT, "openid_taken");

    // Alice moves to a new WeChat account: the old openid no longer logs her in.
    let (second, code) = sim.code(None).await;
    assert_eq!(put_bind(&app, &alice, &code).await.0, StatusCode::OK);
    let (_, old) = sim.code(Some(&first)).await;
    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": old })).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "wechat_not_bound");
    let (_, new) = sim.code(Some(&second)).await;
    assert_eq!(app.post("/auth/wechat-code2token/", None, json!({ "code": new })).await.0, StatusCode::OK);
    // Now the first openid is free for Bob.
    let (_, code) = sim.code(Some(&first)).await;
    assert_eq!(put_bind(&app, &bob, &code).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_wechat_configured_login_is_unavailable() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let (status, err) = app.post("/auth/wechat-code2token/", None, json!({ "code": "abc" })).await;
    assert_error(status, &err, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

#[tokio::test]
async fn code_logins_are_limited_per_address_before_the_code_is_spent() {
    let pool = yizhan_common::testing::database().await;
    let sim = Sim::start().await;
    let mut cfg = config(&redis_url());
    cfg.login_limits.code2token_per_ip_per_min = 2;
    cfg.wechat = Some(sim.wechat_config());
    let app = TestApp::with_config(pool, cfg);
    for _ in 0..2 {
        let (_, code) = sim.code(None).await;
        let (status, err) = app.post_from("203.0.113.7", None, "/auth/wechat-code2token/", json!({ "code": code })).await;
        assert_error(status, &err, StatusCode::BAD_REQUEST, "wechat_not_bound");
    }
    let before = sim.exchanges().await;
    let (_, code) = sim.code(None).await;
    let (status, err) = app.post_from("203.0.113.7", None, "/auth/wechat-code2token/", json!({ "code": code })).await;
    assert_error(status, &err, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(sim.exchanges().await, before, "WeChat was not asked");
    // The refused code was neither marked used in Redis nor spent: another address may use it.
    let (status, err) = app.post_from("198.51.100.7", None, "/auth/wechat-code2token/", json!({ "code": code })).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "wechat_not_bound");
    assert_eq!(sim.exchanges().await, before + 1);
}
