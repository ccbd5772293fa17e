//! Seed 002 故障报修: categories and e-mail routing, reports mailed to their category's
//! recipients in the report's own transaction, status changes mailed to the reporter once each.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{assert_error, TestApp};
use yizhan_common::jobs::kinds::SendEmail;
use yizhan_common::testing::{database, enqueued};

async fn created(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = app.post(path, Some(token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v
}

/// (kind, recipients) of every planned e-mail, oldest first.
async fn mails(pool: &PgPool) -> Vec<(String, Vec<String>)> {
    sqlx::query_as("SELECT kind, recipients FROM mail_sends ORDER BY id").fetch_all(pool).await.expect("mail_sends")
}

#[tokio::test]
async fn a_report_is_mailed_to_its_categorys_recipients_and_to_catch_all_addresses() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let water = created(&app, "/admin/repairs/categories/", &admin, json!({"name": "水电"})).await;
    let net = created(&app, "/admin/repairs/categories/", &admin, json!({"name": "网络"})).await;
    created(&app, "/admin/repairs/recipients/", &admin, json!({"email": "water@example.edu", "categories": [water["id"]]})).await;
    created(&app, "/admin/repairs/recipients/", &admin, json!({"email": "net@example.edu", "categories": [net["id"]]})).await;
    created(&app, "/admin/repairs/recipients/", &admin, json!({"email": "all@example.edu"})).await;

    let (status, cats) = app.get("/repairs/categories/", Some(&staff)).await;
    assert_eq!((status, cats.as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{cats}");

    let report = json!({"location": "图书馆 301", "category": net["id"], "description": "无线网络连不上"});
    let repair = created(&app, "/repairs/", &staff, report).await;
    assert_eq!((repair["status"].as_str(), repair["status_label"].as_str()), (Some("pending"), Some("待处理")));
    assert!(repair["created_at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{repair}");
    let planned = mails(&app.pool).await;
    let mut to: Vec<String> = planned.iter().flat_map(|(_, r)| r.clone()).collect();
    to.sort();
    assert_eq!(to, vec!["all@example.edu", "net@example.edu"], "the category's address and the catch-all, one message each");
    assert_eq!(enqueued::<SendEmail>(&app.pool).await.len(), 2, "one send_email job per recipient, written with the report");

    let (status, mine) = app.get("/repairs/", Some(&staff)).await;
    assert_eq!((status, mine["count"].as_i64()), (StatusCode::OK, Some(1)), "{mine}");
    assert_eq!(mine["results"][0]["id"], repair["id"]);
}

#[tokio::test]
async fn bad_reports_and_routes_change_nothing() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let (status, err) = app.post("/repairs/", Some(&staff), json!({"location": "", "category": 999, "description": "坏了"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["location"].is_string(), "{err}");
    let (status, err) = app.post("/repairs/", Some(&staff), json!({"location": "A", "category": 999, "description": "坏了"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["category"].is_string(), "{err}");
    let (status, err) = app.post("/admin/repairs/recipients/", Some(&admin), json!({"email": "x@example.edu", "categories": [12345]})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = app.post("/admin/repairs/recipients/", Some(&admin), json!({"email": "not an address"})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = app.post("/admin/repairs/categories/", Some(&staff), json!({"name": "水电"})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    created(&app, "/admin/repairs/categories/", &admin, json!({"name": "水电"})).await;
    let (status, err) = app.post("/admin/repairs/categories/", Some(&admin), json!({"name": "水电"})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "category_exists");
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM repairs), (SELECT count(*) FROM repair_recipients), (SELECT count(*) FROM repair_categories)",
    )
    .fetch_one(&app.pool)
    .await
    .expect("counts");
    assert_eq!(counts, (0, 0, 1));
    assert!(mails(&app.pool).await.is_empty());
}

#[tokio::test]
async fn each_status_change_is_mailed_to_the_reporter_once() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let other = app.login_or_create("wang").await;
    let (status, _) = app.send(Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, StatusCode::OK);
    let cat = created(&app, "/admin/repairs/categories/", &admin, json!({"name": "门窗"})).await;
    let repair = created(&app, "/repairs/", &staff, json!({"location": "教学楼 A102", "category": cat["id"], "description": "窗户关不上"})).await;
    let path = format!("/admin/repairs/{}/", repair["id"]);

    for status in ["in_progress", "in_progress", "resolved"] {
        let (code, v) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({ "status": status }))).await;
        assert_eq!((code, v["status"].as_str()), (StatusCode::OK, Some(status)), "{v}");
    }
    let sent = mails(&app.pool).await;
    assert_eq!(sent, vec![("repair_status".into(), vec!["li@example.edu".into()]); 2], "two changes, two e-mails (the repeat changed nothing)");

    let (code, err) = app.send(Method::PATCH, &path, Some(&admin), Some(json!({"status": "lost"}))).await;
    assert!(code.is_client_error(), "{err}");
    let (code, _) = app.send(Method::PATCH, "/admin/repairs/99999/", Some(&admin), Some(json!({"status": "resolved"}))).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    let own = format!("/repairs/{}/", repair["id"]);
    assert_eq!(app.get(&own, Some(&staff)).await.0, StatusCode::OK);
    assert_eq!(app.get(&own, Some(&admin)).await.0, StatusCode::OK);
    assert_eq!(app.get(&own, Some(&other)).await.0, StatusCode::NOT_FOUND, "another user's report is not theirs to see");
    let (_, all) = app.get("/admin/repairs/?status=resolved", Some(&admin)).await;
    assert_eq!(all["count"], 1, "{all}");
    let (_, none) = app.get("/admin/repairs/?status=pending", Some(&admin)).await;
    assert_eq!(none["count"], 0, "{none}");
    let (code, err) = app.get("/admin/repairs/?status=lost", Some(&admin)).await;
    assert_error(code, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}
