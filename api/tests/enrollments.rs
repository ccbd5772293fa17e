//! Enrollments (seed 002 三.3): answers checked per field against the form with nothing written
//! when one is wrong; the enrollment window (by an injected clock) for enrolling and cancelling;
//! one live enrollment per user; capacity under 200 simultaneous enrollments for 50 places;
//! cancelling frees a place and is idempotent; someone else's enrollment is a 404.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{assert_error, TestApp};
use yizhan_common::college::activities::enrollments;
use yizhan_common::testing::database;
use yizhan_common::time::ManualClock;
use yizhan_common::users::{self, NewUser, Role};

/// A form with one field of each kind that matters here.
fn form() -> Value {
    json!([
        {"id": "name", "kind": "text", "label": "姓名", "required": true},
        {"id": "age", "kind": "number", "label": "年龄", "min": 18, "max": 70},
        {"id": "days", "kind": "multiple_choice", "label": "参加哪几天", "options": ["周六", "周日"], "min": 1, "max": 2},
        {"id": "size", "kind": "single_choice", "label": "尺码", "options": ["S", "M", "L"]},
        {"id": "birthday", "kind": "date", "label": "生日"},
        {"id": "phone", "kind": "phone", "label": "手机", "required": true},
        {"id": "email", "kind": "email", "label": "邮箱"},
        {"id": "intro", "kind": "long_text", "label": "简介"}
    ])
}

fn good_answers() -> Value {
    json!({"name": "张三", "phone": "13800138000", "days": ["周六"], "age": 30})
}

/// An activity whose enrollment window is open from an hour ago for `window_hours`.
async fn activity(app: &TestApp, admin: &str, capacity: Option<i32>, window_hours: i64) -> i64 {
    let now = Utc::now();
    let body = json!({
        "title": "迎新晚会", "place": "体育馆", "capacity": capacity,
        "starts_at": (now + Duration::days(7)).to_rfc3339(), "ends_at": (now + Duration::days(7) + Duration::hours(2)).to_rfc3339(),
        "enroll_from": (now - Duration::hours(1)).to_rfc3339(), "enroll_until": (now + Duration::hours(window_hours)).to_rfc3339(),
        "form": form()
    });
    let (status, a) = app.post("/admin/activities/", Some(admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    a["id"].as_i64().expect("id")
}

async fn counts(pool: &PgPool, activity: i64) -> (i32, i64) {
    let enrolled: i32 = sqlx::query_scalar("SELECT enrolled FROM activities WHERE id = $1").bind(activity).fetch_one(pool).await.expect("enrolled");
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_enrollments WHERE activity_id = $1 AND cancelled_at IS NULL")
        .bind(activity)
        .fetch_one(pool)
        .await
        .expect("live");
    (enrolled, live)
}

#[tokio::test]
async fn bad_answers_are_named_per_field_and_nothing_is_written() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let id = activity(&app, &admin, Some(10), 24).await;

    let bad = json!({
        "activity": id,
        "answers": {
            "age": 17, "days": ["周一"], "size": "XL", "birthday": "2027-02-30", "phone": "12345",
            "email": "li@", "intro": "长".repeat(5001), "nickname": "小李"
        }
    });
    let (status, body) = app.post("/enrollments/", Some(&staff), bad).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let mut named: Vec<&str> = err["fields"].as_object().expect("fields").keys().map(String::as_str).collect();
    named.sort_unstable();
    assert_eq!(
        named,
        [
            "answers.age", "answers.birthday", "answers.days", "answers.email", "answers.intro", "answers.name", "answers.nickname",
            "answers.phone", "answers.size"
        ],
        "{err}"
    );
    assert_eq!(err["fields"]["answers.name"], "is required");
    assert_eq!(err["fields"]["answers.age"], "must be at least 18");
    assert_eq!(err["fields"]["answers.nickname"], "is not a field of this form");
    let (status, body) = app.post("/enrollments/", Some(&staff), json!({"activity": id, "answers": {"name": "a\u{0}b", "phone": "13800138000"}})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["answers.name"], "must not contain NUL characters");
    assert_eq!(counts(&pool, id).await, (0, 0), "nothing written, no place taken");

    let (status, body) = app.post("/enrollments/", Some(&staff), json!({"activity": 999_999, "answers": {}})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["activity"].is_string(), "{err}");

    let (status, e) = app.post("/enrollments/", Some(&staff), json!({"activity": id, "answers": {"name": " 张三 ", "phone": "025-83787000", "age": "30", "email": ""}})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["answers"], json!({"name": "张三", "phone": "025-83787000", "age": 30}), "trimmed, numbers as numbers, blanks left out");
    assert_eq!((e["activity"].as_i64(), e["status"].as_str()), (Some(id), Some("enrolled")));
    assert_eq!(counts(&pool, id).await, (1, 1));
}

#[tokio::test]
async fn the_window_opens_and_closes_enrolling_and_cancelling() {
    let pool = database().await;
    let clock = ManualClock::new(Utc::now());
    let app = TestApp::with_clock(pool.clone(), Arc::new(clock.clone()));
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let id = activity(&app, &admin, None, 2).await;
    let enroll = json!({"activity": id, "answers": good_answers()});

    clock.set(Utc::now() - Duration::hours(2));
    let (status, body) = app.post("/enrollments/", Some(&staff), enroll.clone()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "enrollment_closed");
    clock.set(Utc::now());
    let (status, e) = app.post("/enrollments/", Some(&staff), enroll.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let eid = e["id"].as_i64().expect("id");

    clock.set(Utc::now() + Duration::hours(3));
    let (status, body) = app.send(Method::DELETE, &format!("/enrollments/{eid}/"), Some(&staff), None).await;
    assert_error(status, &body, StatusCode::CONFLICT, "enrollment_closed");
    let other = app.login_or_create("wang").await;
    let (status, body) = app.post("/enrollments/", Some(&other), enroll).await;
    assert_error(status, &body, StatusCode::CONFLICT, "enrollment_closed");
    assert_eq!(counts(&pool, id).await, (1, 1), "the enrollment stands after the window");
    let (status, e) = app.get(&format!("/enrollments/{eid}/"), Some(&staff)).await;
    assert_eq!((status, e["status"].as_str()), (StatusCode::OK, Some("enrolled")), "{e}");
}

#[tokio::test]
async fn one_live_enrollment_per_user_and_cancelling_frees_the_place() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let other = app.login_or_create("wang").await;
    let third = app.login_or_create("zhao").await;
    let id = activity(&app, &admin, Some(2), 24).await;
    let enroll = json!({"activity": id, "answers": good_answers()});

    let (status, first) = app.post("/enrollments/", Some(&staff), enroll.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let eid = first["id"].as_i64().expect("id");
    let (status, body) = app.post("/enrollments/", Some(&staff), enroll.clone()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_enrolled");
    let (status, body) = app.post("/enrollments/", Some(&other), enroll.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app.post("/enrollments/", Some(&third), enroll.clone()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "activity_full");
    assert_eq!(counts(&pool, id).await, (2, 2));

    // Someone else's enrollment is not found, to show or to cancel.
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = app.send(method, &format!("/enrollments/{eid}/"), Some(&other), None).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, body) = app.get("/enrollments/abc/", Some(&staff)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, detail) = app.get(&format!("/activities/{id}"), Some(&staff)).await;
    assert_eq!((status, detail["my_enrollment"]["id"].as_i64()), (StatusCode::OK, Some(eid)), "{detail}");
    for _ in 0..2 {
        let (status, body) = app.send(Method::DELETE, &format!("/enrollments/{eid}/"), Some(&staff), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "cancelling again changes nothing: {body}");
    }
    assert_eq!(counts(&pool, id).await, (1, 1), "one place freed, once");
    let (status, e) = app.get(&format!("/enrollments/{eid}/"), Some(&staff)).await;
    assert_eq!((status, e["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{e}");
    assert!(e["cancelled_at"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{e}");
    let (_, detail) = app.get(&format!("/activities/{id}/"), Some(&staff)).await;
    assert!(detail["my_enrollment"].is_null(), "{detail}");

    let (status, body) = app.post("/enrollments/", Some(&third), enroll.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "the freed place is taken: {body}");
    let (status, again) = app.post("/enrollments/", Some(&staff), enroll).await;
    assert_error(status, &again, StatusCode::CONFLICT, "activity_full");

    let (status, page) = app.get("/enrollments/", Some(&staff)).await;
    assert_eq!((status, page["count"].as_i64()), (StatusCode::OK, Some(0)), "{page}");
    let (_, page) = app.get("/enrollments/?cancelled=yes", Some(&staff)).await;
    assert_eq!(page["results"][0]["id"].as_i64(), Some(eid), "{page}");
    let (_, page) = app.get("/enrollments/", Some(&other)).await;
    assert_eq!(page["count"].as_i64(), Some(1), "{page}");
}

/// 200 users with tokens, made without the API (200 password hashes would take long).
async fn many_tokens(pool: &PgPool, n: usize) -> Vec<String> {
    let mut conn = pool.acquire().await.expect("conn");
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let new = NewUser { username: format!("many-{i}"), password_hash: None, name: String::new(), phone: None, email: None, roles: vec![Role::Staff] };
        let user = users::create(&mut conn, &new).await.expect("user");
        tokens.push(users::issue(&mut conn, user.id, Utc::now() + Duration::hours(1)).await.expect("token"));
    }
    tokens
}

#[tokio::test]
async fn two_hundred_simultaneous_enrollments_for_fifty_places_take_exactly_fifty() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let id = activity(&app, &admin, Some(50), 24).await;
    let tokens = many_tokens(&pool, 200).await;

    let calls = tokens.iter().map(|t| {
        let app = &app;
        async move { app.post("/enrollments/", Some(t), json!({"activity": id, "answers": good_answers()})).await }
    });
    let answers = futures::future::join_all(calls).await;
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let full = answers.iter().filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "activity_full").count();
    let other: Vec<_> = answers.iter().filter(|(s, b)| *s != StatusCode::CREATED && b["error"]["code"] != "activity_full").collect();
    assert!(other.is_empty(), "unexpected answers: {other:?}");
    assert_eq!((created, full), (50, 150));
    assert_eq!(counts(&pool, id).await, (50, 50));
}

#[tokio::test]
async fn simultaneous_cancels_give_the_place_back_once() {
    let pool = database().await;
    let app = TestApp::new(pool.clone());
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let id = activity(&app, &admin, Some(5), 24).await;
    let others = many_tokens(&pool, 2).await;
    for token in others.iter().chain([&staff]) {
        let (status, body) = app.post("/enrollments/", Some(token), json!({"activity": id, "answers": good_answers()})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, mine) = app.get("/enrollments/", Some(&staff)).await;
    let eid = mine["results"][0]["id"].as_i64().expect("id");
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'li'").fetch_one(&pool).await.expect("user");
    // Straight to the cancel, each in its own transaction, so the ten overlap in PostgreSQL.
    let cancels = (0..10).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.expect("begin");
            let done = enrollments::cancel(&mut tx, eid, user, Utc::now()).await.expect("cancel");
            tx.commit().await.expect("commit");
            done.map(|e| e.cancelled_at.is_some())
        })
    });
    let answers: Vec<_> = futures::future::join_all(cancels).await.into_iter().map(|r| r.expect("task")).collect();
    assert!(answers.iter().all(|a| *a == Ok(true)), "{answers:?}");
    assert_eq!(counts(&pool, id).await, (2, 2), "the place is given back once");
    let (status, _) = app.send(Method::DELETE, &format!("/enrollments/{eid}/"), Some(&staff), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "and again over HTTP");
}
