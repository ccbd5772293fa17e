//! The visit reminder of an appointment that appears after tonight's 20:00 planning for tomorrow
//! ran: a booking then, and a waitlist promotion then, are reminded at once; before 20:00 the
//! planning will remind them. The API's clock is injected, so the test stands at 19:59 and 20:30
//! in Shanghai whatever the hour it runs at.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use sqlx::PgPool;
use support::clinic::{book, clinic, patient, schedule_with, Clinic};
use support::TestApp;
use yizhan_common::time::ManualClock;

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// `hh:mm` today in Shanghai (by the wall clock's date), and tomorrow's date.
fn at(hour: u32, minute: u32) -> (ManualClock, NaiveDate) {
    let today = Utc::now().with_timezone(&SHANGHAI).date_naive();
    let local = today.and_hms_opt(hour, minute, 0).expect("time");
    let instant = SHANGHAI.from_local_datetime(&local).single().expect("unambiguous").with_timezone(&Utc);
    (ManualClock::new(instant), today.succ_opt().expect("tomorrow"))
}

/// The kinds of the messages planned for `appointment`, with the reminder's key.
async fn planned(pool: &PgPool, appointment: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, idempotency_key FROM subscribe_sends WHERE appointment_id = $1 ORDER BY kind")
        .bind(appointment)
        .fetch_all(pool)
        .await
        .expect("sends")
}

/// A full schedule on `day`, a patient waiting on it who accepted the promotion and reminder
/// messages, and the holder's cancel: returns the promoted appointment's id.
async fn promote_by_cancel(app: &TestApp, c: &Clinic, day: NaiveDate, tag: &str) -> i64 {
    let s = schedule_with(app, c, json!({"date": day.to_string(), "period": tag, "capacity": 1})).await;
    let holder = app.user_token(&format!("holder{tag}"), &["patient"]).await;
    let waiter = app.user_token(&format!("waiter{tag}"), &["patient"]).await;
    let (hp, wp) = (patient(app, &holder, "H").await, patient(app, &waiter, "W").await);
    let (status, v) = book(app, &holder, s, hp, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let accepted = json!({"模板ID2": "accept", "模板ID4": "accept"});
    let (status, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": wp, "subscribeAuthResult": accepted})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    let (status, v) = app.send(Method::DELETE, &format!("/patient/appointments/{}", v["id"]), Some(&holder), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, mine) = app.get("/patient/appointments", Some(&waiter)).await;
    assert_eq!(mine["count"], 1, "promoted: {mine}");
    mine["results"][0]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_promotion_into_tomorrow_after_20_00_is_reminded_at_once() {
    let pool = yizhan_common::testing::database().await;
    let (clock, tomorrow) = at(20, 30);
    let app = TestApp::with_clock(pool.clone(), Arc::new(clock));
    let c = clinic(&app).await;
    let promoted = promote_by_cancel(&app, &c, tomorrow, "晚").await;
    let reminder = format!("visit_reminder:appointment:{promoted}:reminder:{tomorrow}");
    assert_eq!(
        planned(&pool, promoted).await,
        vec![("visit_reminder".to_owned(), reminder), ("waitlist_promoted".to_owned(), format!("waitlist_promoted:appointment:{promoted}:promoted"))],
    );
    // Two days ahead: tomorrow's planning will see it.
    let later = promote_by_cancel(&app, &c, tomorrow.succ_opt().expect("day"), "后").await;
    assert_eq!(planned(&pool, later).await.len(), 1, "only the promotion message");
}

#[tokio::test]
async fn a_promotion_into_tomorrow_before_20_00_waits_for_the_planning() {
    let pool = yizhan_common::testing::database().await;
    let (clock, tomorrow) = at(19, 59);
    let app = TestApp::with_clock(pool.clone(), Arc::new(clock.clone()));
    let c = clinic(&app).await;
    let promoted = promote_by_cancel(&app, &c, tomorrow, "早").await;
    let kinds: Vec<String> = planned(&pool, promoted).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["waitlist_promoted"], "the 20:00 planning will remind it");
    // A booking at 20:30 by the same clock is reminded at once (the rule promotions now share).
    clock.advance(chrono::Duration::minutes(31));
    let s = schedule_with(&app, &c, json!({"date": tomorrow.to_string(), "period": "夜"})).await;
    let user = app.user_token("booker", &["patient"]).await;
    let p = patient(&app, &user, "B").await;
    let (status, v) = book(&app, &user, s, p, json!({"subscribeAuthResult": {"模板ID2": "accept"}})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let kinds: Vec<String> = planned(&pool, v["id"].as_i64().expect("id")).await.into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec!["visit_reminder"]);
}
