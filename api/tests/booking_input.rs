//! Seed 001's 容错要求 and caps: input that must never fail a booking, cancel bodies of any shape,
//! the per-user caps under parallel requests, the waitlist's ticket and position, and another
//! user's records.

mod support;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::clinic::{book, clinic, patient, schedule};
use support::{assert_error, TestApp};

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[tokio::test]
async fn control_characters_in_subscribe_fields_never_fail_a_booking() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("nul", &["patient"]).await;
    let (p1, p2) = (patient(&app, &user, "甲").await, patient(&app, &user, "乙").await);
    let fields = json!({"subscribeAuthResult": {"模板\u{0}ID1": "accept", "\u{0}": "accept"}, "subscribeScene": "appoint\u{0}ment"});
    let (status, v) = book(&app, &user, s, p1, fields.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let grants: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT template_id, scene FROM subscribe_grants").fetch_all(&pool).await.expect("grants");
    assert_eq!(grants, vec![("模板ID1".into(), Some("appointment".into()))]);

    let other = schedule(&app, &c, "下午", 1).await;
    book(&app, &user, other, p2, json!({})).await;
    let (status, w) = app.post("/patient/waitlist", Some(&user), json!({"scheduleId": other, "patientId": p1, "subscribeScene": "\u{0}"})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    let id = v["id"].as_i64().expect("id");
    let (status, r) = app
        .send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&user), Some(json!({"scheduleId": schedule(&app, &c, "晚上", 3).await, "subscribeAuthResult": {"\u{0}x": "accept"}})))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
}

#[tokio::test]
async fn bad_business_text_is_a_422_naming_the_field_and_null_symptoms_are_absent() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("text", &["patient"]).await;
    let p = patient(&app, &user, "丙").await;
    for symptoms in [json!("头\u{0}痛"), json!("痛".repeat(501))] {
        let (status, err) = book(&app, &user, s, p, json!({"symptoms": symptoms})).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"]["symptoms"].is_string(), "{err}");
    }
    for (name, phone, field) in [("张\u{0}三", "13812345678", "name"), ("张三", "138\u{0}12345678", "phone"), (&*"名".repeat(51), "13812345678", "name")] {
        let (status, err) = app.post("/patient/patients", Some(&user), json!({"name": name, "phone": phone})).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM patients").await, 1);

    let (status, v) = book(&app, &user, s, p, json!({"symptoms": null})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let symptoms: String = sqlx::query_scalar("SELECT symptoms FROM appointments").fetch_one(&pool).await.expect("row");
    assert_eq!(symptoms, "");
}

async fn cancel_with(app: &TestApp, token: &str, id: i64, content_type: Option<&str>, body: &'static str) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/patient/appointments/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(t) = content_type {
        req = req.header(header::CONTENT_TYPE, t);
    }
    app.raw(req.body(Body::from(body)).expect("request")).await
}

#[tokio::test]
async fn cancel_with_any_body_still_cancels() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 10).await;
    let user = app.user_token("cancel", &["patient"]).await;
    let bodies: [(Option<&str>, &'static str); 6] = [
        (Some("application/json"), ""),
        (Some("application/json"), "null"),
        (Some("application/json"), "{\"subscribeScene\": "),
        (Some("application/json"), "[1, 2]"),
        (Some("text/plain"), "hello"),
        (None, "{\"subscribeAuthResult\": {\"模板ID6\": \"accept\"}, \"subscribeScene\": \"cancel\"}"),
    ];
    for (i, (content_type, body)) in bodies.into_iter().enumerate() {
        let p = patient(&app, &user, &format!("病人{i}")).await;
        let (_, v) = book(&app, &user, s, p, json!({})).await;
        let id = v["id"].as_i64().expect("id");
        let (status, v) = cancel_with(&app, &user, id, content_type, body).await;
        assert_eq!(status, StatusCode::OK, "{content_type:?} {body:?}: {v}");
        assert_eq!(v, json!({"success": true, "refundAmount": 0.0}));
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM appointments WHERE status = 'cancelled'").await, 6);
    assert_eq!(count(&pool, "SELECT count(*) FROM subscribe_grants WHERE template_id = '模板ID6'").await, 1);
}

#[tokio::test]
async fn twenty_patients_per_user_hold_under_parallel_creates() {
    let pool = yizhan_common::testing::database().await;
    let app = std::sync::Arc::new(TestApp::new(pool.clone()));
    let user = app.user_token("many", &["patient"]).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (app, user) = (app.clone(), user.clone());
            tokio::spawn(async move { app.post("/patient/patients", Some(&user), json!({"name": format!("p{i}"), "phone": "13812345678"})).await })
        })
        .collect();
    let (mut created, mut refused) = (0, 0);
    for task in tasks {
        let (status, v) = task.await.expect("task");
        match status {
            StatusCode::CREATED => created += 1,
            _ => {
                assert_error(status, &v, StatusCode::CONFLICT, "too_many_patients");
                refused += 1;
            }
        }
    }
    assert_eq!((created, refused), (20, 10));
    assert_eq!(count(&pool, "SELECT count(*) FROM patients").await, 20);
}

#[tokio::test]
async fn waitlist_joins_per_user_are_capped_under_parallel_joins() {
    let pool = yizhan_common::testing::database().await;
    let mut config = support::config(&support::redis_url());
    config.waitlist_max_per_user = 2;
    let app = TestApp::with_config(pool.clone(), config);
    let c = clinic(&app).await;
    let filler = app.user_token("filler", &["patient"]).await;
    let fp = patient(&app, &filler, "F").await;
    let user = app.user_token("waiter", &["patient"]).await;
    let mut joins = Vec::new();
    for i in 0..12 {
        let period = format!("第{i}");
        let period = period.as_str();
        let s = schedule(&app, &c, period, 1).await;
        book(&app, &filler, s, fp, json!({})).await;
        joins.push((s, patient(&app, &user, period).await));
    }
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = joins
        .into_iter()
        .map(|(s, p)| {
            let (app, user) = (app.clone(), user.clone());
            tokio::spawn(async move { app.post("/patient/waitlist", Some(&user), json!({"scheduleId": s, "patientId": p})).await })
        })
        .collect();
    let mut joined = 0;
    for task in tasks {
        let (status, v) = task.await.expect("task");
        if status == StatusCode::OK {
            joined += 1;
        } else {
            assert_error(status, &v, StatusCode::CONFLICT, "too_many_waiting");
        }
    }
    assert_eq!(joined, 2);
    assert_eq!(count(&pool, "SELECT count(*) FROM waitlist_entries").await, 2);
}

#[tokio::test]
async fn waitlist_answers_its_ticket_and_its_position_now() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 1).await;
    let first = app.user_token("first", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    let fp = patient(&app, &first, "F").await;
    let (_, booked) = book(&app, &first, s, fp, json!({})).await;
    let mut answers = Vec::new();
    for name in ["W1", "W2"] {
        let p = patient(&app, &waiter, name).await;
        let (_, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": p})).await;
        answers.push((w["queueNumber"].clone(), w["position"].clone()));
    }
    let id = booked["id"].as_i64().expect("id");
    let (status, _) = app.send(Method::DELETE, &format!("/patient/appointments/{id}"), Some(&first), None).await;
    assert_eq!(status, StatusCode::OK);
    // W1 was promoted into the freed place: W3 holds ticket 3 and is second in line.
    let p = patient(&app, &waiter, "W3").await;
    let (_, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": p})).await;
    answers.push((w["queueNumber"].clone(), w["position"].clone()));
    assert_eq!(answers, vec![(json!(1), json!(1)), (json!(2), json!(2)), (json!(3), json!(2))]);
}

#[tokio::test]
async fn reschedule_and_waitlist_refuse_another_users_records() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (full, other) = (schedule(&app, &c, "上午", 1).await, schedule(&app, &c, "下午", 5).await);
    let alice = app.user_token("alice", &["patient"]).await;
    let bob = app.user_token("bob", &["patient"]).await;
    let (ap, ap2) = (patient(&app, &alice, "Alice").await, patient(&app, &alice, "Alice2").await);
    let (_, v) = book(&app, &alice, full, ap, json!({})).await;
    let id = v["id"].as_i64().expect("id");
    let before: Vec<(i64, i32)> = sqlx::query_as("SELECT id, booked FROM schedules ORDER BY id").fetch_all(&pool).await.expect("s");

    let (status, err) = app.send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&bob), Some(json!({"scheduleId": other}))).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.post("/patient/waitlist", Some(&bob), json!({"scheduleId": full, "patientId": ap2})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["patientId"], "is not one of your patients");
    let (status, err) = app.post("/patient/waitlist", Some(&c.admin), json!({"scheduleId": full, "patientId": ap2})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, err) = app.send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&c.admin), Some(json!({"scheduleId": other}))).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");

    let after: Vec<(i64, i32)> = sqlx::query_as("SELECT id, booked FROM schedules ORDER BY id").fetch_all(&pool).await.expect("s");
    assert_eq!(before, after);
    let moved: i64 = sqlx::query_scalar("SELECT schedule_id FROM appointments WHERE id = $1").bind(id).fetch_one(&pool).await.expect("a");
    assert_eq!(moved, full);
    assert_eq!(count(&pool, "SELECT count(*) FROM waitlist_entries").await, 0);
}
