//! Seed 002 预约: `POST /reservations/` decided by the single-consumer queue while the request
//! waits (201, or 409 `room_taken` naming the period in the way), 202 with a status URL when the
//! decision takes longer; one's own list, cancel (owner or admin, who mails the owner), the
//! admins' 冲突查询 with contact cards and their moves; free slots of a length.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::college::room_and_staff;
use support::{assert_error, config, redis_url, TestApp};
use yizhan_common::jobs::kinds::SendEmail;
use yizhan_common::testing::{database, enqueued};

fn at(hm: &str) -> String {
    format!("2027-03-01T{hm}:00+08:00")
}

fn body(room: i64, from: &str, to: &str) -> Value {
    json!({"reserve_from": at(from), "reserve_to": at(to), "description": "组会", "meetingroom": room})
}

/// The e-mails planned, as `kind to` (each planned mail has its `send_email` job).
async fn mails(app: &TestApp) -> Vec<String> {
    let planned: Vec<String> =
        sqlx::query_scalar("SELECT kind || ' ' || array_to_string(recipients, ',') FROM mail_sends ORDER BY id").fetch_all(&app.pool).await.expect("mails");
    assert_eq!(enqueued::<SendEmail>(&app.pool).await.len(), planned.len(), "a job per mail");
    planned
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.expect(sql)
}

#[tokio::test]
async fn a_request_is_decided_while_it_waits_and_a_conflict_names_the_period() {
    let app = TestApp::new(database().await);
    let (_, room, staff) = room_and_staff(&app).await;
    let worker = app.start_worker().await;

    let (status, first) = app.post("/reservations/", Some(&staff), body(room, "09:00", "10:00")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["meetingroom"], room);
    assert_eq!(first["meetingroom_name"], "301");
    assert_eq!(first["location"], "行政楼");
    assert_eq!(first["reserve_from"], at("09:00"));
    assert_eq!(first["reserve_to"], at("10:00"));
    assert_eq!(first["status"], "confirmed");

    let (status, err) = app.post("/reservations/", Some(&staff), body(room, "09:30", "10:30")).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "room_taken");
    assert_eq!(err["conflict"], json!({"reserve_from": at("09:00"), "reserve_to": at("10:00")}), "{err}");

    let (status, next) = app.post("/reservations/", Some(&staff), body(room, "10:00", "11:00")).await;
    assert_eq!(status, StatusCode::CREATED, "back to back is free: {next}");
    worker.stop().await;

    let (status, mine) = app.get("/reservations/", Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["count"], 2);
    let starts: Vec<&Value> = mine["results"].as_array().expect("results").iter().map(|r| &r["reserve_from"]).collect();
    assert_eq!(starts, [&json!(at("09:00")), &json!(at("10:00"))], "soonest first");
    assert_eq!(count(&app, "SELECT count(*) FROM reservation_requests WHERE status = 'refused' AND refusal = 'room_taken'").await, 1);
    let confirmations = mails(&app).await;
    assert_eq!(confirmations, ["reservation_confirmed li@example.edu"; 2], "one confirmation per accepted request");
}

#[tokio::test]
async fn past_the_wait_the_answer_is_202_and_the_status_url_tells_the_decision() {
    let mut cfg = config(&redis_url());
    cfg.reservation_wait = std::time::Duration::from_millis(200);
    let app = TestApp::with_config(database().await, cfg);
    let (_, room, staff) = room_and_staff(&app).await;
    let other = app.login_or_create("wang").await;

    let (status, pending) = app.post("/reservations/", Some(&staff), body(room, "14:00", "15:00")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "no worker, so no decision yet: {pending}");
    assert_eq!(pending["status"], "pending");
    let url = pending["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/reservations/requests/{}/", pending["id"]));
    assert!(pending["reservation"].is_null());
    let (status, v) = app.get(&url, Some(&other)).await;
    assert_error(status, &v, StatusCode::NOT_FOUND, "not_found");

    app.run_pending_jobs().await;
    let (status, decided) = app.get(&url, Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "accepted");
    assert_eq!(decided["reservation"]["reserve_from"], at("14:00"));
    assert!(decided["conflict"].is_null() && decided["refusal"].is_null(), "{decided}");

    // A second request for the same hour, decided later, is refused with the period it lost to.
    let (status, second) = app.post("/reservations/", Some(&other), body(room, "14:30", "15:30")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{second}");
    app.run_pending_jobs().await;
    let (_, refused) = app.get(second["url"].as_str().expect("url"), Some(&other)).await;
    assert_eq!(refused["status"], "refused", "{refused}");
    assert_eq!(refused["refusal"], "room_taken");
    assert_eq!(refused["conflict"]["reserve_from"], at("14:00"));
    assert_eq!(count(&app, "SELECT count(*) FROM room_reservations").await, 1);
}

#[tokio::test]
async fn a_redelivered_decision_changes_nothing() {
    let app = TestApp::new(database().await);
    let (_, room, staff) = room_and_staff(&app).await;
    // No worker runs: the request waits in the queue (202 after the test's 2 s bound).
    let (status, pending) = app.post("/reservations/", Some(&staff), body(room, "16:00", "17:00")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    let id = pending["id"].as_i64().expect("id");
    app.run_pending_jobs().await;
    // The same job again (a redelivery after a lost acknowledgement).
    let job = yizhan_common::jobs::kinds::DecideReservation { request_id: id };
    let mut tx = app.pool.begin().await.expect("tx");
    yizhan_common::outbox::Enqueue::enqueue(&job, &mut tx).await.expect("enqueue");
    tx.commit().await.expect("commit");
    app.run_pending_jobs().await;
    assert_eq!(count(&app, "SELECT count(*) FROM room_reservations").await, 1);
    assert_eq!(mails(&app).await.len(), 1, "one confirmation");
}

#[tokio::test]
async fn bad_requests_name_their_fields_and_write_nothing() {
    let app = TestApp::new(database().await);
    let (admin, room, staff) = room_and_staff(&app).await;
    let (status, archived) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "999", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, StatusCode::CREATED);
    app.send(Method::DELETE, &format!("/admin/meetingrooms/{}/", archived["id"]), Some(&admin), None).await;
    let cases = [
        (json!({"reserve_to": at("10:00"), "meetingroom": room}), "reserve_from"),
        (json!({"reserve_from": at("10:00"), "reserve_to": at("09:00"), "meetingroom": room}), "reserve_to"),
        (json!({"reserve_from": "2027-03-01T09:00:00+08:00", "reserve_to": "2027-03-03T09:00:00+08:00", "meetingroom": room}), "reserve_to"),
        (json!({"reserve_from": "2020-03-01T09:00:00+08:00", "reserve_to": "2020-03-01T10:00:00+08:00", "meetingroom": room}), "reserve_to"),
        (json!({"reserve_from": at("09:00"), "reserve_to": at("10:00")}), "meetingroom"),
        (json!({"reserve_from": at("09:00"), "reserve_to": at("10:00"), "meetingroom": 424242}), "meetingroom"),
        (json!({"reserve_from": at("09:00"), "reserve_to": at("10:00"), "meetingroom": archived["id"]}), "meetingroom"),
        (json!({"reserve_from": at("09:00"), "reserve_to": at("10:00"), "meetingroom": room, "description": "长".repeat(501)}), "description"),
    ];
    for (b, field) in cases {
        let (status, err) = app.post("/reservations/", Some(&staff), b.clone()).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{b}: {err}");
    }
    let (status, err) = app.post("/reservations/", Some(&staff), json!({"reserve_from": "tomorrow"})).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let patient = app.user_token("zhao", &["patient"]).await;
    let (status, err) = app.post("/reservations/", Some(&patient), body(room, "09:00", "10:00")).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, _) = app.post("/reservations/", None, body(room, "09:00", "10:00")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app, "SELECT count(*) FROM reservation_requests").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn owners_and_admins_cancel_and_only_an_admins_cancel_is_mailed() {
    let app = TestApp::new(database().await);
    let (admin, room, staff) = room_and_staff(&app).await;
    let other = app.login_or_create("wang").await;
    let worker = app.start_worker().await;
    let (_, mine) = app.post("/reservations/", Some(&staff), body(room, "09:00", "10:00")).await;
    let (_, second) = app.post("/reservations/", Some(&staff), body(room, "11:00", "12:00")).await;
    worker.stop().await;
    let (mine, second) = (format!("/reservations/{}/", mine["id"]), format!("/reservations/{}/", second["id"]));

    let (status, v) = app.get(&mine, Some(&other)).await;
    assert_error(status, &v, StatusCode::NOT_FOUND, "not_found");
    let (status, v) = app.send(Method::DELETE, &mine, Some(&other), None).await;
    assert_error(status, &v, StatusCode::NOT_FOUND, "not_found");
    let before = mails(&app).await.len();
    for _ in 0..2 {
        let (status, v) = app.send(Method::DELETE, &mine, Some(&staff), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "cancelling twice is fine: {v}");
    }
    let (_, v) = app.get(&mine, Some(&staff)).await;
    assert_eq!(v["status"], "cancelled");
    assert_eq!(mails(&app).await.len(), before, "the owner's own cancel is not mailed");
    let (status, v) = app.send(Method::DELETE, &second, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    let after = mails(&app).await;
    assert_eq!(after.len(), before + 1, "the admin's cancel is mailed to the owner: {after:?}");
    assert_eq!(after.last().map(String::as_str), Some("reservation_cancelled li@example.edu"));
    let (_, listed) = app.get("/reservations/", Some(&staff)).await;
    assert_eq!(listed["count"], 0, "cancelled ones are left out: {listed}");
    let (_, listed) = app.get("/reservations/?cancelled=yes", Some(&staff)).await;
    assert_eq!(listed["count"], 2, "{listed}");
    // The hour is free again.
    let worker = app.start_worker().await;
    let (status, v) = app.post("/reservations/", Some(&other), body(room, "09:00", "10:00")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    worker.stop().await;
}

#[tokio::test]
async fn admins_see_conflicts_with_contact_cards_and_move_reservations() {
    let app = TestApp::new(database().await);
    let (admin, room, staff) = room_and_staff(&app).await;
    let (_, other_room) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "302", "location": "行政楼", "capacity": 10})).await;
    let worker = app.start_worker().await;
    let (_, a) = app.post("/reservations/", Some(&staff), body(room, "09:00", "10:00")).await;
    let (_, b) = app.post("/reservations/", Some(&staff), body(room, "10:00", "11:00")).await;
    let (_, c) = app.post("/reservations/", Some(&staff), body(other_room["id"].as_i64().expect("id"), "09:30", "10:30")).await;
    worker.stop().await;

    let enc = |t: String| t.replace('+', "%2B");
    let path = format!("/admin/reservations/conflicts/?time_from={}&time_to={}", enc(at("09:45")), enc(at("10:15")));
    let (status, v) = app.get(&path, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 3, "{v}");
    let ids: Vec<&Value> = v["results"].as_array().expect("results").iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, [&a["id"], &c["id"], &b["id"]], "by start");
    assert_eq!(v["results"][0]["owner"]["email"], "li@example.edu", "{v}");
    let (_, one_room) = app.get(&format!("{path}&meetingroom={room}"), Some(&admin)).await;
    assert_eq!(one_room["count"], 2);
    let (status, v) = app.get(&path, Some(&staff)).await;
    assert_error(status, &v, StatusCode::FORBIDDEN, "forbidden");

    let before = mails(&app).await.len();
    let moving = format!("/admin/reservations/{}/", a["id"]);
    let (status, err) = app.send(Method::PATCH, &moving, Some(&admin), Some(json!({"reserve_to": at("10:30")}))).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "room_taken");
    assert_eq!(err["conflict"]["reserve_from"], at("10:00"));
    let (status, moved) = app.send(Method::PATCH, &moving, Some(&admin), Some(json!({"reserve_from": at("08:00"), "reserve_to": at("09:30")}))).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!((&moved["reserve_from"], &moved["reserve_to"]), (&json!(at("08:00")), &json!(at("09:30"))));
    let into_other = json!({"meetingroom": other_room["id"], "reserve_to": at("10:00")});
    let (status, err) = app.send(Method::PATCH, &moving, Some(&admin), Some(into_other)).await;
    let err = assert_error(status, &err, StatusCode::CONFLICT, "room_taken");
    assert_eq!(err["conflict"]["reserve_from"], at("09:30"), "302's reservation is in the way");
    let planned = mails(&app).await;
    assert_eq!(planned.len(), before + 1, "the owner is told of the one move: {planned:?}");
    assert_eq!(planned.last().map(String::as_str), Some("reservation_changed li@example.edu"));
    let (status, v) = app.send(Method::PATCH, &moving, Some(&staff), Some(json!({"reserve_from": at("07:00")}))).await;
    assert_error(status, &v, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn free_slots_of_a_length_start_on_the_grid_around_reservations() {
    let app = TestApp::new(database().await);
    let (admin, room, staff) = room_and_staff(&app).await;
    app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "102", "location": "图书馆", "capacity": 4})).await;
    let worker = app.start_worker().await;
    let (status, _) = app.post("/reservations/", Some(&staff), body(room, "09:30", "10:15")).await;
    assert_eq!(status, StatusCode::CREATED);
    worker.stop().await;

    let enc = |t: String| t.replace('+', "%2B");
    let path = |from: &str, to: &str, extra: &str| format!("/meetingrooms/available/?time_from={}&time_to={}{extra}", enc(at(from)), enc(at(to)));
    let (status, v) = app.get(&path("09:00", "11:00", "&length=30&people_count=5"), Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().expect("buildings").len(), 1, "102 seats 4: {v}");
    assert_eq!(v[0]["location"], "行政楼");
    let slots: Vec<(&Value, &Value)> = v[0]["meetingrooms"][0]["slots"].as_array().expect("slots").iter().map(|s| (&s["reserve_from"], &s["reserve_to"])).collect();
    let want = [("09:00", "09:30"), ("10:15", "10:45"), ("10:30", "11:00")].map(|(f, t)| (json!(at(f)), json!(at(t))));
    assert_eq!(slots, want.iter().map(|(f, t)| (f, t)).collect::<Vec<_>>(), "{v}");
    assert_eq!(v[0]["meetingrooms"][0]["name"], "301");

    for (extra, field) in [("&length=0", "length"), ("&length=180", "length")] {
        let (status, err) = app.get(&path("09:00", "11:00", extra), Some(&staff)).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{extra}: {err}");
    }
    let week = format!("/meetingrooms/available/?time_from={}&time_to={}&length=30", enc(at("09:00")), enc("2027-03-10T09:00:00+08:00".into()));
    let (status, err) = app.get(&week, Some(&staff)).await;
    let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["time_to"].is_string(), "{err}");
}
