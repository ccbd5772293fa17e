//! Seed 001: catalogue, patients, booking with capacity under concurrency, waitlist promotion,
//! reschedule, cancel, and the subscribe fields recorded with each business change.

mod support;

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::json;
use yizhan_common::jobs::kinds::{ExchangeWxCode, SendSubscribeMessage};
use yizhan_common::jobs::Job;
use support::clinic::{book, clinic, future_date, keys, patient, schedule};
use support::{assert_error, TestApp};

#[tokio::test]
async fn booking_answers_the_seed_shape_once_per_patient() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 50).await;
    let user = app.user_token("zhang", &["patient"]).await;
    let p = patient(&app, &user, "张三").await;
    let (status, v) = book(&app, &user, s, p, json!({"hospitalId": c.hospital, "departmentId": c.department})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let want: BTreeSet<String> = ["id", "orderNo", "appointmentDate", "appointmentTime", "queueNumber", "payAmount", "needPay", "status", "paymentStatus"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(keys(&v), want);
    // `AP` + the service zone's date + the sequence's number, at least three digits: exactly.
    let seq: i64 = sqlx::query_scalar("SELECT last_value FROM appointment_order_seq").fetch_one(&app.pool).await.expect("seq");
    let today = yizhan_common::time::today().format("%Y%m%d");
    assert_eq!(v["orderNo"], format!("AP{today}{seq:03}"));
    assert_eq!(v["appointmentTime"], "上午 08:00-12:00");
    // The schedule's date (not the date computed again now: under scripts/test-clock the run can
    // cross midnight between creating the schedule and this line).
    let date: String = sqlx::query_scalar("SELECT date::text FROM schedules WHERE id = $1").bind(s).fetch_one(&app.pool).await.expect("date");
    assert_eq!(v["appointmentDate"], date);
    assert_eq!((v["queueNumber"].clone(), v["payAmount"].clone(), v["needPay"].clone()), (json!(1), json!(10.0), json!(true)));
    assert_eq!((v["status"].clone(), v["paymentStatus"].clone()), (json!("pending"), json!("pending")));

    let (status, err) = book(&app, &user, s, p, json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_booked");
    let (status, err) = book(&app, &user, s, p, json!({"departmentId": c.department + 99})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = book(&app, &user, s + 1_000_000, p, json!({})).await;
    assert_eq!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["scheduleId"], "no such schedule");

    let (_, schedules) = app.get(&format!("/patient/schedules?departmentId={}", c.department), Some(&user)).await;
    assert_eq!(schedules["results"][0]["remaining"], 49);
    let (_, mine) = app.get("/patient/appointments", Some(&user)).await;
    assert_eq!(mine["count"], 1);
    assert_eq!(mine["results"][0]["patientId"], p);
}

#[tokio::test]
async fn one_patient_booking_one_schedule_twenty_times_at_once_gets_one_place() {
    let pool = yizhan_common::testing::database().await;
    let app = std::sync::Arc::new(TestApp::new(pool.clone()));
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 50).await;
    let user = app.user_token("twenty", &["patient"]).await;
    let p = patient(&app, &user, "重复").await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, user) = (app.clone(), user.clone());
            tokio::spawn(async move { book(&app, &user, s, p, json!({})).await })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for task in tasks {
        let (status, v) = task.await.expect("task");
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert_eq!(v["error"]["code"], "already_booked", "{v}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((ok, refused), (1, 19));
    // The refused bookings' places (taken, then refused by the unique index) went back.
    let (booked, appointments): (i32, i64) = sqlx::query_as("SELECT booked, (SELECT count(*) FROM appointments) FROM schedules WHERE id = $1")
        .bind(s)
        .fetch_one(&pool)
        .await
        .expect("schedule");
    assert_eq!((booked, appointments), (1, 1));
}

#[tokio::test]
async fn patients_act_only_on_their_own() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool);
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let alice = app.user_token("alice", &["patient"]).await;
    let bob = app.user_token("bob", &["patient"]).await;
    let alices = patient(&app, &alice, "Alice").await;
    let (status, err) = book(&app, &bob, s, alices, json!({})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["patientId"], "is not one of your patients");
    let (_, v) = book(&app, &alice, s, alices, json!({})).await;
    let id = v["id"].as_i64().expect("id");
    let (status, err) = app.get(&format!("/patient/appointments/{id}"), Some(&bob)).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.send(Method::DELETE, &format!("/patient/appointments/{id}"), Some(&bob), None).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let (status, err) = app.get("/patient/appointments", Some(&c.admin)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn two_hundred_simultaneous_bookings_fill_fifty_places_exactly() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "下午", 50).await;
    let user = app.user_token("crowd", &["patient"]).await;
    let (_, me) = app.get("/current-user/", Some(&user)).await;
    let patients: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO patients (user_id, name, phone) SELECT $1, 'p' || g, '13800000000' FROM generate_series(1, 200) g RETURNING id",
    )
    .bind(me["id"].as_i64().expect("id"))
    .fetch_all(&pool)
    .await
    .expect("patients");
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = patients
        .into_iter()
        .map(|p| {
            let (app, user) = (app.clone(), user.clone());
            tokio::spawn(async move { book(&app, &user, s, p, json!({})).await })
        })
        .collect();
    let (mut ok, mut full, mut queue_numbers) = (0, 0, BTreeSet::new());
    for task in tasks {
        let (status, v) = task.await.expect("task");
        match status {
            StatusCode::OK => {
                ok += 1;
                queue_numbers.insert(v["queueNumber"].as_i64().expect("number"));
            }
            StatusCode::CONFLICT => {
                assert_eq!(v["error"]["code"], "schedule_full", "{v}");
                full += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((ok, full), (50, 150));
    assert_eq!(queue_numbers, (1..=50).collect::<BTreeSet<i64>>());
    let (booked, rows): (i32, i64) = sqlx::query_as(
        "SELECT s.booked, (SELECT count(*) FROM appointments a WHERE a.schedule_id = s.id) FROM schedules s WHERE s.id = $1",
    )
    .bind(s)
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!((booked, rows), (50, 50));
}

#[tokio::test]
async fn a_cancel_promotes_the_first_waiting_patient() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 1).await;
    let first = app.user_token("first", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    let (fp, wp1, wp2) = (patient(&app, &first, "F").await, patient(&app, &waiter, "W1").await, patient(&app, &waiter, "W2").await);

    let (status, err) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": wp1})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_available");
    let (_, booked) = book(&app, &first, s, fp, json!({})).await;
    let (status, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": wp1, "subscribeScene": "waitlist"})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    let want: BTreeSet<String> = ["id", "scheduleId", "queueNumber", "position", "status", "createdAt"].into_iter().map(String::from).collect();
    assert_eq!(keys(&w), want);
    assert_eq!((w["queueNumber"].clone(), w["position"].clone(), w["status"].clone()), (json!(1), json!(1), json!("waiting")));
    let (_, w2) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": wp2})).await;
    assert_eq!((w2["queueNumber"].clone(), w2["position"].clone()), (json!(2), json!(2)));
    let (status, err) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": wp1})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_waiting");

    // DELETE without a body, as most clients send it.
    let id = booked["id"].as_i64().expect("id");
    let (status, v) = app.send(Method::DELETE, &format!("/patient/appointments/{id}"), Some(&first), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"success": true, "refundAmount": 0.0}));
    let (status, err) = app.post(&format!("/patient/appointments/{id}/cancel"), Some(&first), json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "already_cancelled");

    let statuses: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT patient_id, status, appointment_id FROM waitlist_entries ORDER BY queue_number")
            .fetch_all(&pool)
            .await
            .expect("entries");
    assert_eq!(statuses[0].0, wp1);
    assert_eq!(statuses[0].1, "promoted");
    assert_eq!(statuses[1].1, "waiting");
    let (_, mine) = app.get("/patient/appointments", Some(&waiter)).await;
    assert_eq!(mine["count"], 1);
    assert_eq!(mine["results"][0]["id"], statuses[0].2.expect("appointment"));
    let booked: i32 = sqlx::query_scalar("SELECT booked FROM schedules WHERE id = $1").bind(s).fetch_one(&pool).await.expect("booked");
    assert_eq!(booked, 1);
}

#[tokio::test]
async fn reschedule_moves_the_place_and_answers_the_seed_shape() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (am, pm) = (schedule(&app, &c, "上午", 3).await, schedule(&app, &c, "下午", 3).await);
    let user = app.user_token("li", &["patient"]).await;
    let p = patient(&app, &user, "李四").await;
    let (_, booked) = book(&app, &user, am, p, json!({})).await;
    let id = booked["id"].as_i64().expect("id");
    let (status, v) = app
        .send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&user), Some(json!({"scheduleId": pm, "subscribeScene": "reschedule"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let want: BTreeSet<String> = ["id", "orderNo", "appointmentDate", "appointmentTime", "queueNumber", "status"].into_iter().map(String::from).collect();
    assert_eq!(keys(&v), want);
    assert_eq!(v["orderNo"], booked["orderNo"]);
    assert_eq!(v["appointmentTime"], "下午 08:00-12:00");
    let counts: Vec<i32> = sqlx::query_scalar("SELECT booked FROM schedules ORDER BY id").fetch_all(&pool).await.expect("counts");
    assert_eq!(counts, vec![0, 1]);
    let (status, err) = app
        .send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&user), Some(json!({"scheduleId": pm})))
        .await;
    assert_error(status, &err, StatusCode::CONFLICT, "same_schedule");
}

#[tokio::test]
async fn subscribe_fields_record_grants_and_plan_one_send() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("wang", &["patient"]).await;
    let (p1, p2, p3) = (patient(&app, &user, "王五").await, patient(&app, &user, "赵六").await, patient(&app, &user, "钱七").await);

    let accepted = json!({"wxCode": "071aBcDe1f23g4", "subscribeAuthResult": {"模板ID1": "accept", "模板ID2": "accept"}, "subscribeScene": "appointment"});
    let (status, v) = book(&app, &user, s, p1, accepted).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let sends: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT kind, template_id, appointment_id FROM subscribe_sends").fetch_all(&pool).await.expect("sends");
    assert_eq!(sends, vec![("appointment_success".into(), "模板ID1".into(), Some(v["id"].as_i64().expect("id")))]);
    let jobs: Vec<(String, String)> = sqlx::query_as("SELECT queue, kind FROM outbox ORDER BY id").fetch_all(&pool).await.expect("outbox");
    assert_eq!(jobs, vec![("wechat_login".into(), ExchangeWxCode::KIND.into()), ("wechat".into(), SendSubscribeMessage::KIND.into())]);
    let unspent: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_grants WHERE spent_at IS NULL AND decision = 'accept'")
        .fetch_one(&pool)
        .await
        .expect("grants");
    assert_eq!(unspent, 1, "the reminder grant (模板ID2) stays for the 20:00 reminder");

    // A rejection is recorded and sends nothing; malformed fields are ignored; both still book.
    let (status, _) = book(&app, &user, s, p2, json!({"subscribeAuthResult": {"模板ID1": "reject"}})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = book(&app, &user, s, p3, json!({"wxCode": 12, "subscribeAuthResult": "yes", "subscribeScene": []})).await;
    assert_eq!(status, StatusCode::OK);
    let sends: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_sends").fetch_one(&pool).await.expect("sends");
    assert_eq!(sends, 1);
    let rejects: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_grants WHERE decision = 'reject'").fetch_one(&pool).await.expect("n");
    assert_eq!(rejects, 1);
}

#[tokio::test]
async fn bad_schedules_are_refused_and_write_nothing() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let bad = json!({"hospitalId": c.hospital, "departmentId": c.department, "date": "2026-13-01", "period": "",
                     "startTime": "12:00", "endTime": "08:00", "capacity": 0, "fee": -1.0});
    let (status, err) = app.post("/admin/schedules", Some(&c.admin), bad).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["date", "period", "endTime", "capacity", "fee"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    let (_, other) = app.post("/admin/hospitals", Some(&c.admin), json!({"name": "另一家"})).await;
    let wrong = json!({"hospitalId": other["id"], "departmentId": c.department, "date": future_date(), "period": "上午",
                       "startTime": "08:00", "endTime": "12:00", "capacity": 5, "fee": 0});
    let (status, err) = app.post("/admin/schedules", Some(&c.admin), wrong).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM schedules").fetch_one(&pool).await.expect("count");
    assert_eq!(count, 0);
}

async fn patch(app: &TestApp, token: &str, path: &str, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
    app.send(Method::PATCH, path, Some(token), Some(body)).await
}

/// The schedule's stored row, as the tests compare it before and after a refusal.
async fn stored(pool: &sqlx::PgPool, id: i64) -> (String, String, String, String, i32, i32, i64) {
    sqlx::query_as("SELECT date::text, period, start_time::text, end_time::text, capacity, booked, fee_cents FROM schedules WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("schedule")
}

#[tokio::test]
async fn hospitals_are_renamed_with_the_create_checks() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let path = format!("/admin/hospitals/{}", c.hospital);
    let (status, v) = patch(&app, &c.admin, &path, json!({"name": " 北京交通大学校医院 "})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"id": c.hospital, "name": "北京交通大学校医院"}));
    let (status, v) = patch(&app, &c.admin, &path, json!({})).await;
    assert_eq!((status, v["name"].clone()), (StatusCode::OK, json!("北京交通大学校医院")), "an empty body changes nothing");

    let (status, err) = patch(&app, &c.admin, &path, json!({"name": "  "})).await;
    assert_eq!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["name"], "is required");
    let (status, err) = patch(&app, &c.admin, &path, json!({"name": "新名字", "city": "北京"})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (_, other) = app.post("/admin/hospitals", Some(&c.admin), json!({"name": "另一家"})).await;
    let (status, err) = patch(&app, &c.admin, &path, json!({"name": "另一家"})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "hospital_taken");
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM hospitals ORDER BY id").fetch_all(&pool).await.expect("names");
    assert_eq!(names, ["北京交通大学校医院", "另一家"], "refusals change nothing");
    let (status, err) = patch(&app, &c.admin, &format!("/admin/hospitals/{}", other["id"].as_i64().expect("id") + 99), json!({"name": "x"})).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
    let patient = app.user_token("zhang", &["patient"]).await;
    let (status, err) = patch(&app, &patient, &path, json!({"name": "x"})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn a_schedule_changes_only_what_is_sent_with_the_create_checks() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let path = format!("/admin/schedules/{s}");
    let (status, v) = patch(&app, &c.admin, &path, json!({"capacity": 8})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["capacity"].clone(), v["remaining"].clone(), v["fee"].clone(), v["startTime"].clone()), (json!(8), json!(8), json!(10.0), json!("08:00")));
    // The date it was created with, read back (a test that runs across midnight UTC would compute
    // another `future_date()` now).
    let date = stored(&pool, s).await.0;
    let (status, v) = patch(&app, &c.admin, &path, json!({"fee": 12.5, "startTime": "09:00", "period": "上午专家", "date": null})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["fee"].clone(), v["startTime"].clone(), v["period"].clone(), v["date"].clone()), (json!(12.5), json!("09:00"), json!("上午专家"), json!(date)));
    let before = stored(&pool, s).await;
    assert_eq!((before.4, before.6), (8, 1250));

    // Each bad field named, as on create; nothing written.
    let (status, err) = patch(&app, &c.admin, &path, json!({"date": "2026-13-01", "period": "", "capacity": 0, "fee": -1.0, "endTime": "25:00"})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for field in ["date", "period", "capacity", "fee", "endTime"] {
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    // The times as they would end up: a start after the stored end.
    let (status, err) = patch(&app, &c.admin, &path, json!({"startTime": "13:00", "capacity": 9})).await;
    assert_eq!(assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")["fields"]["endTime"], "must be after startTime");
    let (status, err) = patch(&app, &c.admin, &path, json!({"capacity": 9, "room": "3"})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (_, other) = app.post("/admin/hospitals", Some(&c.admin), json!({"name": "另一家"})).await;
    let (status, err) = patch(&app, &c.admin, &path, json!({"hospitalId": other["id"], "capacity": 9})).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["departmentId"], "the department does not belong to that hospital");
    let pm = schedule(&app, &c, "下午", 5).await;
    let (status, err) = patch(&app, &c.admin, &format!("/admin/schedules/{pm}"), json!({"period": "上午专家", "capacity": 9})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_taken");
    assert_eq!(stored(&pool, s).await, before, "refusals change nothing");
    assert_eq!(stored(&pool, pm).await.4, 5);
    let (status, err) = patch(&app, &c.admin, &format!("/admin/schedules/{}", pm + 99), json!({"capacity": 9})).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_booked_schedule_keeps_its_terms_and_never_drops_below_its_bookings() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 3).await;
    let path = format!("/admin/schedules/{s}");
    let user = app.user_token("zhang", &["patient"]).await;
    let (p1, p2) = (patient(&app, &user, "张三").await, patient(&app, &user, "李四").await);
    let (_, first) = book(&app, &user, s, p1, json!({})).await;
    let (_, second) = book(&app, &user, s, p2, json!({})).await;

    let (status, err) = patch(&app, &c.admin, &path, json!({"capacity": 1})).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "capacity_below_booked");
    assert_eq!(err["fields"]["capacity"], "cannot be below the 2 places already booked");
    let (status, err) = patch(&app, &c.admin, &path, json!({"date": "2030-01-02", "fee": 20.0, "capacity": 4})).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "schedule_in_use");
    let fields: BTreeSet<String> = err["fields"].as_object().expect("fields").keys().cloned().collect();
    assert_eq!(fields, ["date", "fee"].into_iter().map(String::from).collect(), "{err}");
    assert_eq!(stored(&pool, s).await.4, 3, "nothing written");

    // The values it has are no change; capacity down to exactly the bookings is allowed. (Its date
    // read back: `future_date()` would move on if the test ran across midnight UTC.)
    let date = stored(&pool, s).await.0;
    let (status, v) = patch(&app, &c.admin, &path, json!({"date": date, "fee": 10.0, "period": "上午", "capacity": 2})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["capacity"].clone(), v["remaining"].clone()), (json!(2), json!(0)));
    let (status, err) = book(&app, &user, s, patient(&app, &user, "王五").await, json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_full");

    // Cancelled appointments do not hold the terms.
    for id in [first["id"].as_i64().expect("id"), second["id"].as_i64().expect("id")] {
        let (status, v) = app.send(Method::DELETE, &format!("/patient/appointments/{id}"), Some(&user), None).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let (status, v) = patch(&app, &c.admin, &path, json!({"fee": 0, "capacity": 1})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = book(&app, &user, s, p1, json!({})).await;
    assert_eq!((status, v["payAmount"].clone(), v["paymentStatus"].clone()), (StatusCode::OK, json!(0.0), json!("free")), "{v}");
}

#[tokio::test]
async fn a_larger_capacity_promotes_the_waitlist_at_once() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 1).await;
    let first = app.user_token("first", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    book(&app, &first, s, patient(&app, &first, "F").await, json!({})).await;
    let (w1, w2) = (patient(&app, &waiter, "W1").await, patient(&app, &waiter, "W2").await);
    for p in [w1, w2] {
        let (status, v) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": p})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let (status, v) = patch(&app, &c.admin, &format!("/admin/schedules/{s}"), json!({"capacity": 2})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["capacity"].clone(), v["remaining"].clone()), (json!(2), json!(0)), "the new place went to the first waiting at once");
    let entries: Vec<(i64, String)> =
        sqlx::query_as("SELECT patient_id, status FROM waitlist_entries ORDER BY queue_number").fetch_all(&pool).await.expect("entries");
    assert_eq!(entries, vec![(w1, "promoted".to_owned()), (w2, "waiting".to_owned())]);
    let (_, mine) = app.get("/patient/appointments", Some(&waiter)).await;
    assert_eq!(mine["count"], 1);
}

/// The patient's user id, for calling the booking code directly.
async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/current-user/", Some(token)).await.1["id"].as_i64().expect("id")
}

fn local_now() -> chrono::NaiveDateTime {
    yizhan_common::time::local(chrono::Utc::now()).naive_local()
}

#[tokio::test]
async fn a_change_and_a_booking_at_the_same_time_take_turns_on_the_schedule() {
    use yizhan_common::hospital::booking::{self, Expected};
    use yizhan_common::hospital::catalog::{self, SchedulePatch};
    let pool = yizhan_common::testing::database().await;
    let app = std::sync::Arc::new(TestApp::new(pool.clone()));
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 2).await;
    let user = app.user_token("zhang", &["patient"]).await;
    let uid = user_id(&app, &user).await;
    let (p1, p2) = (patient(&app, &user, "张三").await, patient(&app, &user, "李四").await);
    book(&app, &user, s, p1, json!({})).await;
    let patch_later = |id: i64, body: serde_json::Value| {
        let (app, admin) = (app.clone(), c.admin.clone());
        tokio::spawn(async move { patch(&app, &admin, &format!("/admin/schedules/{id}"), body).await })
    };

    // A booking in flight (its transaction open) while the admin cuts capacity to the one place
    // booked before it: the change waits for it, then counts it.
    let mut tx = pool.begin().await.expect("tx");
    let id = booking::appointment_id_for(&mut tx, uid, p2).await.expect("id").expect("patient");
    booking::book(&mut tx, id, uid, p2, s, Expected::default(), "", local_now()).await.expect("book");
    let cut = patch_later(s, json!({"capacity": 1}));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!cut.is_finished(), "the change waits for the booking's transaction");
    tx.commit().await.expect("commit");
    let (status, err) = cut.await.expect("task");
    assert_eq!(assert_error(status, &err, StatusCode::CONFLICT, "capacity_below_booked")["fields"]["capacity"], "cannot be below the 2 places already booked");

    // The first booking of a schedule in flight while the admin changes its fee: the change sees it.
    let fresh = schedule(&app, &c, "下午", 2).await;
    let mut tx = pool.begin().await.expect("tx");
    let id = booking::appointment_id_for(&mut tx, uid, p1).await.expect("id").expect("patient");
    booking::book(&mut tx, id, uid, p1, fresh, Expected::default(), "", local_now()).await.expect("book");
    let fee = patch_later(fresh, json!({"fee": 20.0}));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tx.commit().await.expect("commit");
    let (status, err) = fee.await.expect("task");
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_in_use");

    // And the other way: a change in flight, then a booking, which books the new fee.
    let third = schedule(&app, &c, "晚上", 2).await;
    let mut tx = pool.begin().await.expect("tx");
    catalog::update_schedule(&mut tx, third, &SchedulePatch { fee_cents: Some(2000), ..SchedulePatch::default() }).await.expect("change");
    let (app2, user2) = (app.clone(), user.clone());
    let booking = tokio::spawn(async move { book(&app2, &user2, third, p2, json!({})).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!booking.is_finished(), "the booking waits for the change's transaction");
    tx.commit().await.expect("commit");
    let (status, v) = booking.await.expect("task");
    assert_eq!((status, v["payAmount"].clone()), (StatusCode::OK, json!(20.0)), "{v}");
}

#[tokio::test]
async fn capacity_cuts_during_a_rush_of_bookings_never_oversell() {
    let pool = yizhan_common::testing::database().await;
    let app = std::sync::Arc::new(TestApp::new(pool.clone()));
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "下午", 60).await;
    let user = app.user_token("crowd", &["patient"]).await;
    let uid = user_id(&app, &user).await;
    let patients: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO patients (user_id, name, phone) SELECT $1, 'p' || g, '13800000000' FROM generate_series(1, 80) g RETURNING id",
    )
    .bind(uid)
    .fetch_all(&pool)
    .await
    .expect("patients");
    let mut bookings = Vec::new();
    let mut cuts = Vec::new();
    for (i, p) in patients.into_iter().enumerate() {
        let (booker, user) = (app.clone(), user.clone());
        bookings.push(tokio::spawn(async move { book(&booker, &user, s, p, json!({})).await }));
        if i % 16 == 8 {
            let (app, admin) = (app.clone(), c.admin.clone());
            let capacity = 10 + i64::try_from(i).expect("small") / 2;
            cuts.push(tokio::spawn(async move { (capacity, patch(&app, &admin, &format!("/admin/schedules/{s}"), json!({"capacity": capacity})).await) }));
        }
    }
    let mut ok = 0;
    for task in bookings {
        let (status, v) = task.await.expect("task");
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => assert_eq!(v["error"]["code"], "schedule_full", "{v}"),
            other => panic!("booking: unexpected {other}: {v}"),
        }
    }
    let mut accepted = Vec::new();
    for task in cuts {
        let (capacity, (status, v)) = task.await.expect("task");
        match status {
            StatusCode::OK => accepted.push(capacity),
            StatusCode::CONFLICT => assert_eq!(v["error"]["code"], "capacity_below_booked", "{v}"),
            other => panic!("capacity {capacity}: unexpected {other}: {v}"),
        }
    }
    let (capacity, booked, live): (i32, i32, i64) = sqlx::query_as(
        "SELECT s.capacity, s.booked, (SELECT count(*) FROM appointments a WHERE a.schedule_id = s.id AND a.status <> 'cancelled')
           FROM schedules s WHERE s.id = $1",
    )
    .bind(s)
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!((i64::from(booked), live), (ok, ok), "every answered booking holds one place");
    assert!(booked <= capacity, "{booked} booked of {capacity}");
    if !accepted.is_empty() {
        assert!(accepted.contains(&i64::from(capacity)), "the capacity is one that was accepted: {capacity} of {accepted:?}");
    }
}
