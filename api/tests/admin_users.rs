//! Admin user management and the create-admin command.

mod support;

use axum::http::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::json;
use support::{assert_error, TestApp};

#[tokio::test]
async fn create_admin_is_idempotent() {
    let pool = yizhan_common::testing::database().await;
    let a = yizhan_api::admin::create_admin(&pool, "ops", SecretString::from("first-password")).await.expect("create");
    let b = yizhan_api::admin::create_admin(&pool, "ops", SecretString::from("second-password")).await.expect("again");
    assert_eq!(a, b);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.expect("count");
    assert_eq!(count, 1);
    let app = TestApp::new(pool);
    let token = app.login("ops", "second-password").await;
    let (status, body) = app.get("/current-user/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["roles"], json!(["admin"]));
}

#[tokio::test]
async fn admins_create_list_and_update_users() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let root = app.user_token("root", &[]).await;
    let (status, created) = app
        .post(
            "/admin/users",
            Some(&root),
            json!({"username": "grace", "password": "password-123", "name": "Grace", "phone": "13812345678",
                   "email": "grace@example.edu", "roles": ["staff", "counselor"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["roles"], json!(["staff", "counselor"]));
    assert!(created.get("passwordHash").is_none() && created.get("password").is_none());

    let (status, body) = app.post("/admin/users", Some(&root), json!({"username": "GRACE", "password": "password-123", "roles": ["staff"]})).await;
    assert_error(status, &body, StatusCode::CONFLICT, "username_taken");

    let id = created["id"].as_i64().expect("id");
    let (status, body) = app
        .send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"name": "Grace H", "email": null})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "Grace H");
    assert_eq!(body["email"], json!(null));
    assert_eq!(body["phone"], "13812345678");

    let (status, page) = app.get("/admin/users?page=1&pageSize=1", Some(&root)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 2);
    assert_eq!(page["pageSize"], 1);
    assert_eq!(page["results"].as_array().expect("results").len(), 1);
    let (_, staff) = app.get("/admin/users?role=counselor", Some(&root)).await;
    assert_eq!(staff["count"], 1);
    assert_eq!(staff["results"][0]["username"], "grace");

    let (status, body) = app.send(Method::PATCH, "/admin/users/999999", Some(&root), Some(json!({"name": "x"}))).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_user_input_is_422_and_writes_nothing() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let root = app.user_token("root", &[]).await;
    let (status, body) = app
        .post("/admin/users", Some(&root), json!({"username": "bad name!", "password": "short", "email": "nope", "roles": ["wizard"]}))
        .await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["username", "password", "email", "roles"] {
        assert!(err["fields"][field].is_string(), "{field} in {err}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.expect("count");
    assert_eq!(count, 1);

    let (status, body) = app.get("/admin/users?pageSize=1000", Some(&root)).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["pageSize"].is_string());
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let root = app.user_token("root", &[]).await;
    let (_, me) = app.get("/current-user/", Some(&root)).await;
    let id = me["id"].as_i64().expect("id");
    let (status, body) = app.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"roles": ["staff"]}))).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

#[tokio::test]
async fn current_user_meta_shows_contact_details() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let token = app.user_token("heidi", &["staff"]).await;
    let (_, me) = app.get("/current-user/", Some(&token)).await;
    sqlx::query("INSERT INTO user_meta (user_id, position, department, qq) VALUES ($1, '教授', '计信院', '12345')")
        .bind(me["id"].as_i64().expect("id"))
        .execute(&pool)
        .await
        .expect("meta");
    let (status, body) = app.get("/current-user/meta/", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["position"], "教授");
    assert_eq!(body["department"], "计信院");
    assert_eq!(body["qq"], "12345");
}

#[tokio::test]
async fn a_password_reset_revokes_the_users_tokens() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let root = app.user_token("root", &[]).await;
    let phone = app.login_or_create("ivan").await;
    let laptop = app.login("ivan", "password-123").await;
    let (_, me) = app.get("/current-user/", Some(&phone)).await;
    let id = me["id"].as_i64().expect("id");
    // A change without a password leaves the sessions alone.
    let (status, body) = app.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(json!({"name": "Ivan"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.get("/current-user/", Some(&phone)).await.0, StatusCode::OK);

    let reset = json!({"password": "a-new-password"});
    let (status, body) = app.send(Method::PATCH, &format!("/admin/users/{id}"), Some(&root), Some(reset)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for token in [&phone, &laptop] {
        let (status, body) = app.get("/current-user/", Some(token)).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "token_revoked");
    }
    assert_eq!(app.get("/current-user/", Some(&root)).await.0, StatusCode::OK, "other users keep their sessions");
    let fresh = app.login("ivan", "a-new-password").await;
    assert_eq!(app.get("/current-user/", Some(&fresh)).await.0, StatusCode::OK);
}
