//! Authentication from the per-process token cache (`users::TokenCache`): two API processes (two
//! app states on one database), a change made through one reaching the other within a second.

mod support;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;
use support::{assert_error, TestApp};

/// Two API processes on one database; the user's token, seen by both (so both keep it).
async fn two_processes(username: &str, roles: &[&str]) -> (TestApp, TestApp, String, i64) {
    let pool = yizhan_common::testing::database().await;
    let (a, b) = (TestApp::new(pool.clone()), TestApp::new(pool));
    let token = a.user_token(username, roles).await;
    let (status, me) = b.get("/current-user/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // The cache trusts its entries once it has read the counter (its first poll).
    tokio::time::sleep(yizhan_common::users::token_cache::POLL * 2).await;
    let (status, _) = b.get("/current-user/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    (a, b, token, me["id"].as_i64().expect("id"))
}

/// Asks `app` for `path` until it answers `want` (with `code` when given); fails after a second.
async fn within_a_second(app: &TestApp, token: &str, path: &str, want: StatusCode, code: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = app.get(path, Some(token)).await;
        if status == want {
            assert_error(status, &body, want, code);
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(1), "still {status} after {:?}: {body}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_logout_through_one_process_reaches_the_other_within_a_second() {
    let (a, b, token, _) = two_processes("ivy", &["patient"]).await;
    let (status, _) = a.send(Method::DELETE, "/auth/wechat-auth/", Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The process that revoked it refuses it at once.
    let (status, body) = a.get("/current-user/", Some(&token)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "token_revoked");
    within_a_second(&b, &token, "/current-user/", StatusCode::UNAUTHORIZED, "token_revoked").await;
}

#[tokio::test]
async fn a_role_taken_away_or_an_account_disabled_reaches_the_other_process_within_a_second() {
    let (a, b, token, id) = two_processes("jack", &["patient"]).await;
    let (status, _) = b.get("/patient/appointments", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    let root = a.login("root", "root-password").await;
    let (status, body) = a.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"roles": ["staff"]}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    within_a_second(&b, &token, "/patient/appointments", StatusCode::FORBIDDEN, "forbidden").await;

    let (status, body) = a.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"isActive": false}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    within_a_second(&b, &token, "/current-user/", StatusCode::UNAUTHORIZED, "account_disabled").await;
}

#[tokio::test]
async fn a_kept_token_is_not_read_again_and_the_counter_is_what_tells_of_a_change() {
    let (_, b, token, _) = two_processes("kate", &["patient"]).await;
    // A revocation that does not move the counter (its trigger off) is not seen: the process
    // answers from what it keeps, without reading the token again.
    sqlx::query("ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_auth_changed").execute(&b.pool).await.expect("trigger off");
    sqlx::query("UPDATE api_tokens SET revoked_at = now()").execute(&b.pool).await.expect("revoke");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, _) = b.get("/current-user/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "answered from the cache");
    // Moving the counter (as the trigger does) makes every process read it again.
    sqlx::query("UPDATE auth_generation SET generation = generation + 1").execute(&b.pool).await.expect("bump");
    within_a_second(&b, &token, "/current-user/", StatusCode::UNAUTHORIZED, "token_revoked").await;
}
