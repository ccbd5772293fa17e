//! Check-in (打卡) with the rotating QR code: the token's validity windows under an injected
//! clock, one check-in per user and item however often it is scanned, refused codes (forged,
//! another activity's, another key's, a deleted item's) with their codes, only enrolled users,
//! only inside the item's window, and who may fetch the code (admins and the activity's
//! operators).

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use support::checkin::{self as fx, activity, enroll, user_id};
use support::{assert_error, TestApp};
use yizhan_common::college::activities::checkin_token::{CheckinKeys, WINDOW_SECS};
use yizhan_common::testing::database;
use yizhan_common::time::ManualClock;

/// Three seconds into a window, so `seconds_left` is 22.
fn window_start_plus_3() -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp(now - now.rem_euclid(WINDOW_SECS) + 3, 0).expect("time")
}

struct Setup {
    app: TestApp,
    clock: ManualClock,
    admin: String,
    activity: i64,
    item: i64,
}

/// An activity with a 签到 item open from an hour ago to an hour from now (by the test clock).
async fn setup() -> Setup {
    let t0 = window_start_plus_3();
    let clock = ManualClock::new(t0);
    let app = TestApp::with_clock(database().await, Arc::new(clock.clone()));
    let admin = app.user_token("root", &[]).await;
    let activity = activity(&app.pool, "迎新晚会", json!([])).await;
    let body = json!({"label": "签到", "start": (t0 - Duration::hours(1)).to_rfc3339(), "end": (t0 + Duration::hours(1)).to_rfc3339()});
    let (status, item) = app.post(&format!("/admin/activities/{activity}/clockin-items/"), Some(&admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["label"], "签到");
    Setup { app, clock, admin, activity, item: item["id"].as_i64().expect("id") }
}

async fn enrolled_staff(s: &Setup, name: &str) -> String {
    let token = s.app.login_or_create(name).await;
    enroll(&s.app.pool, s.activity, user_id(&s.app.pool, name).await, json!({})).await;
    token
}

async fn code(s: &Setup, item: i64) -> Value {
    let (status, body) = s.app.get(&format!("/admin/activities/{}/clockin-items/{item}/token", s.activity), Some(&s.admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn scan(s: &Setup, activity: i64, who: &str, token: &str) -> (StatusCode, Value) {
    s.app.post(&format!("/activities/clockins/{activity}"), Some(who), json!({"token": token})).await
}

#[tokio::test]
async fn a_code_counts_in_its_window_and_the_next_and_then_expires() {
    let s = setup().await;
    let (li, wang, zhao) = (enrolled_staff(&s, "li").await, enrolled_staff(&s, "wang").await, enrolled_staff(&s, "zhao").await);
    let t0 = s.clock.now_for_test();
    let shown = code(&s, s.item).await;
    assert_eq!(shown["seconds_left"], 22, "{shown}");
    assert_eq!(shown["window"], t0.timestamp() / WINDOW_SECS);
    let expires = DateTime::parse_from_rfc3339(shown["expires_at"].as_str().expect("expires_at")).expect("time");
    assert_eq!(expires.timestamp(), (t0.timestamp() / WINDOW_SECS + 2) * WINDOW_SECS, "the end of the next window");
    assert!(expires.to_rfc3339().ends_with("+08:00"), "{expires}");
    let token = shown["token"].as_str().expect("token").to_owned();

    let (status, first) = scan(&s, s.activity, &li, &token).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!((first["already"].clone(), first["label"].clone(), first["item_id"].clone()), (json!(false), json!("签到"), json!(s.item)));

    // The next window: the code still counts (a scan just after the display turned over).
    s.clock.advance(Duration::seconds(WINDOW_SECS));
    let (status, body) = scan(&s, s.activity, &wang, &token).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The window after that: expired.
    s.clock.advance(Duration::seconds(WINDOW_SECS));
    let (status, body) = scan(&s, s.activity, &zhao, &token).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "expired");
    // A fresh code works again; a code from the future (a fast clock) does not.
    let fresh = code(&s, s.item).await["token"].as_str().expect("token").to_owned();
    s.clock.advance(Duration::seconds(-2 * WINDOW_SECS));
    let (status, body) = scan(&s, s.activity, &zhao, &fresh).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "expired");
    s.clock.advance(Duration::seconds(2 * WINDOW_SECS));
    let (status, body) = scan(&s, s.activity, &zhao, &fresh).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, mine) = s.app.get(&format!("/activities/clockins/{}", s.activity), Some(&li)).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["label"], "签到");
    assert!(mine[0].get("already").is_none(), "{mine}");
}

#[tokio::test]
async fn scanning_again_finds_the_first_check_in_and_adds_none() {
    let s = setup().await;
    let li = enrolled_staff(&s, "li").await;
    let token = code(&s, s.item).await["token"].as_str().expect("token").to_owned();
    let (status, first) = scan(&s, s.activity, &li, &token).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    s.clock.advance(Duration::seconds(10));
    for _ in 0..3 {
        let (status, again) = scan(&s, s.activity, &li, &token).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["already"], true);
        assert_eq!((again["id"].clone(), again["created_at"].clone()), (first["id"].clone(), first["created_at"].clone()), "the first check-in, unchanged");
    }
    // Concurrent scans of one user: still one row.
    let wang = enrolled_staff(&s, "wang").await;
    let scans = (0..8).map(|_| scan(&s, s.activity, &wang, &token));
    let answers = futures::future::join_all(scans).await;
    assert_eq!(answers.iter().filter(|(st, _)| *st == StatusCode::CREATED).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|(st, _)| *st == StatusCode::CREATED || *st == StatusCode::OK), "{answers:?}");
    assert_eq!(fx::clockin_count(&s.app.pool, s.activity).await, 2);
}

#[tokio::test]
async fn forged_foreign_and_other_key_codes_are_refused_with_their_codes() {
    let s = setup().await;
    let li = enrolled_staff(&s, "li").await;
    let token = code(&s, s.item).await["token"].as_str().expect("token").to_owned();

    // One character of the MAC changed.
    let mut forged: Vec<char> = token.chars().collect();
    let at = forged.len() - 5;
    forged[at] = if forged[at] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let (status, body) = scan(&s, s.activity, &li, &forged).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "forged");

    // Another activity's genuine code.
    let other = activity(&s.app.pool, "篮球赛", json!([])).await;
    let (status, item) = s
        .app
        .post(&format!("/admin/activities/{other}/clockin-items/"), Some(&s.admin), json!({"label": "签到", "start": "2020-01-01T00:00:00+08:00", "end": "2099-01-01T00:00:00+08:00"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    let (_, theirs) = s.app.get(&format!("/admin/activities/{other}/clockin-items/{}/token", item["id"]), Some(&s.admin)).await;
    let (status, body) = scan(&s, s.activity, &li, theirs["token"].as_str().expect("token")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "wrong_activity");
    // And this activity's code sent for the other one.
    let (status, body) = scan(&s, other, &li, &token).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "wrong_activity");

    // Signed with a key this server does not have, or with another secret under the same id.
    let now = s.clock.now_for_test();
    let stranger = CheckinKeys::parse("k2:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0", None).expect("keys");
    let (status, body) = scan(&s, s.activity, &li, &stranger.sign(s.activity, s.item, now)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_key");
    let impostor = CheckinKeys::parse("dev:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0", None).expect("keys");
    let (status, body) = scan(&s, s.activity, &li, &impostor.sign(s.activity, s.item, now)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "forged");

    for junk in ["hello", "!!!", &"A".repeat(600)] {
        let (status, body) = scan(&s, s.activity, &li, junk).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "malformed");
    }
    let (status, body) = s.app.post(&format!("/activities/clockins/{}", s.activity), Some(&li), json!({})).await;
    assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // A genuine code of an item deleted since.
    let gone = fx::item(&s.app.pool, s.activity, "临时", now - Duration::hours(1), now + Duration::hours(1)).await;
    let gone_token = code(&s, gone).await["token"].as_str().expect("token").to_owned();
    sqlx::query("DELETE FROM activity_clockin_items WHERE id = $1").bind(gone).execute(&s.app.pool).await.expect("delete");
    let (status, body) = scan(&s, s.activity, &li, &gone_token).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "unknown_item");

    assert_eq!(fx::clockin_count(&s.app.pool, s.activity).await, 0, "nothing refused was recorded");
    let (status, body) = scan(&s, s.activity, &li, &token).await;
    assert_eq!(status, StatusCode::CREATED, "the genuine code still works: {body}");
}

#[tokio::test]
async fn only_enrolled_users_check_in_and_only_inside_the_items_window() {
    let s = setup().await;
    let now = s.clock.now_for_test();
    let token = code(&s, s.item).await["token"].as_str().expect("token").to_owned();
    let outsider = s.app.login_or_create("outsider").await;
    let (status, body) = scan(&s, s.activity, &outsider, &token).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "not_enrolled");
    // A cancelled enrollment is no enrollment.
    let quitter = s.app.login_or_create("quitter").await;
    let enrollment = enroll(&s.app.pool, s.activity, user_id(&s.app.pool, "quitter").await, json!({})).await;
    fx::cancel(&s.app.pool, enrollment).await;
    let (status, body) = scan(&s, s.activity, &quitter, &token).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "not_enrolled");
    // A patient cannot use the route at all.
    let patient = s.app.user_token("pat", &["patient"]).await;
    let (status, _) = scan(&s, s.activity, &patient, &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let li = enrolled_staff(&s, "li").await;
    let later = fx::item(&s.app.pool, s.activity, "签退", now + Duration::minutes(30), now + Duration::hours(2)).await;
    let earlier = fx::item(&s.app.pool, s.activity, "午餐", now - Duration::hours(2), now - Duration::minutes(1)).await;
    let (status, body) = scan(&s, s.activity, &li, code(&s, later).await["token"].as_str().expect("token")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "item_not_open");
    let (status, body) = scan(&s, s.activity, &li, code(&s, earlier).await["token"].as_str().expect("token")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "item_closed");
    assert_eq!(fx::clockin_count(&s.app.pool, s.activity).await, 0);
    // When 签退 opens, the same user checks in to it, separately from 签到.
    s.clock.advance(Duration::minutes(31));
    let (status, body) = scan(&s, s.activity, &li, code(&s, later).await["token"].as_str().expect("token")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = scan(&s, s.activity, &li, code(&s, s.item).await["token"].as_str().expect("token")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, mine) = s.app.get(&format!("/activities/clockins/{}", s.activity), Some(&li)).await;
    let labels: Vec<&str> = mine.as_array().expect("list").iter().filter_map(|c| c["label"].as_str()).collect();
    assert_eq!(labels, ["签退", "签到"], "oldest first");
}

#[tokio::test]
async fn admins_and_the_activitys_operators_fetch_the_code_and_no_one_else() {
    let s = setup().await;
    let path = format!("/admin/activities/{}/clockin-items/{}/token", s.activity, s.item);
    let wang = s.app.login_or_create("wang").await;
    let li = s.app.login_or_create("li").await;
    let counselor = s.app.user_token("guide", &["counselor"]).await;
    for who in [&wang, &li, &counselor] {
        let (status, body) = s.app.get(&path, Some(who)).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let ops = format!("/admin/activities/{}/operators/", s.activity);
    let ids = json!({"user_ids": [user_id(&s.app.pool, "wang").await, user_id(&s.app.pool, "guide").await]});
    let (status, body) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(ids)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.app.send(Method::PUT, &ops, Some(&wang), Some(json!({"user_ids": []}))).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for who in [&wang, &counselor] {
        let (status, body) = s.app.get(&path, Some(who)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
        assert!(body["display_url"].as_str().is_some_and(|u| u.contains("/display?pass=")), "{body}");
    }
    let (status, body) = s.app.get(&path, Some(&li)).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // An operator of this activity is not one of another's.
    let other = activity(&s.app.pool, "篮球赛", json!([])).await;
    let other_item = fx::item(&s.app.pool, other, "签到", Utc::now(), Utc::now() + Duration::hours(1)).await;
    let (status, _) = s.app.get(&format!("/admin/activities/{other}/clockin-items/{other_item}/token"), Some(&wang)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nor does an item of another activity open through this one.
    let (status, _) = s.app.get(&format!("/admin/activities/{}/clockin-items/{other_item}/token", s.activity), Some(&s.admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Unknown users are refused and change nothing; the set is replaced, not added to.
    let (status, body) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(json!({"user_ids": [999_999, 1]}))).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["user_ids"].as_str().is_some_and(|m| m.contains("999999")), "{err}");
    let patient = s.app.user_token("pat", &["patient"]).await;
    let (status, body) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(json!({"user_ids": [user_id(&s.app.pool, "pat").await]}))).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(err["fields"]["user_ids"].as_str().is_some_and(|m| m.contains("need the role")), "{err}");
    let (status, _) = s.app.get(&path, Some(&patient)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, now) = s.app.get(&ops, Some(&s.admin)).await;
    assert_eq!(now["user_ids"].as_array().map(Vec::len), Some(2), "{now}");
    let only_guide = json!({"user_ids": [user_id(&s.app.pool, "guide").await]});
    let (status, _) = s.app.send(Method::PUT, &ops, Some(&s.admin), Some(only_guide)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.app.get(&path, Some(&wang)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "taken off the operators");
    let (status, _) = s.app.get(&path, Some(&counselor)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn items_are_checked_before_they_are_written() {
    let s = setup().await;
    let path = format!("/admin/activities/{}/clockin-items/", s.activity);
    let (start, end) = ("2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00");
    for (label, why) in [("签 到", "whitespace"), ("签到(一)", "parentheses"), ("签到（一）", "parentheses"), ("", "required"), (&"长".repeat(21), "20")] {
        let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": label, "start": start, "end": end})).await;
        let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"]["label"].as_str().is_some_and(|m| m.contains(why)), "{label}: {err}");
    }
    let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": "签退", "start": end, "end": start})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(err["fields"]["end"], "must be after start");
    let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": "签退"})).await;
    let err = assert_error(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!((err["fields"]["start"].clone(), err["fields"]["end"].clone()), (json!("is required"), json!("is required")));
    let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": "签到", "start": start, "end": end})).await;
    assert_error(status, &body, StatusCode::CONFLICT, "label_exists");
    let (status, body) = s.app.post("/admin/activities/999999/clockin-items/", Some(&s.admin), json!({"label": "签到", "start": start, "end": end})).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    // A label may hold the filter's words (且, 的) and be 20 characters long.
    let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": "到达目的地且拍照", "start": start, "end": end})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = s.app.post(&path, Some(&s.admin), json!({"label": "长".repeat(20), "start": start, "end": end})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, items) = s.app.get(&path, Some(&s.admin)).await;
    let labels: Vec<&str> = items.as_array().expect("list").iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels.len(), 3, "{items}");
    assert_eq!(labels[0], "签到", "by opening time");
    assert_eq!(items[1]["start"], start);
}

#[tokio::test]
async fn without_keys_the_check_in_routes_say_so() {
    let mut config = support::config(&support::redis_url());
    config.checkin_keys = None;
    let app = TestApp::with_config(database().await, config);
    let admin = app.user_token("root", &[]).await;
    let act = activity(&app.pool, "迎新晚会", json!([])).await;
    let item = fx::item(&app.pool, act, "签到", Utc::now(), Utc::now() + Duration::hours(1)).await;
    let (status, body) = app.get(&format!("/admin/activities/{act}/clockin-items/{item}/token"), Some(&admin)).await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "checkin_not_configured");
    let (status, body) = app.post(&format!("/activities/clockins/{act}"), Some(&admin), json!({"token": "abc"})).await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "checkin_not_configured");
    let (status, body) = app.get(&format!("/admin/activities/{act}/clockin-items/{item}/display?pass=x"), None).await;
    assert_error(status, &body, StatusCode::SERVICE_UNAVAILABLE, "checkin_not_configured");
}

trait NowForTest {
    fn now_for_test(&self) -> DateTime<Utc>;
}

impl NowForTest for ManualClock {
    fn now_for_test(&self) -> DateTime<Utc> {
        yizhan_common::time::Clock::now(self)
    }
}
