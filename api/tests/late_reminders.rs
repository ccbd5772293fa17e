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

#[tokio::test]
async fn the_planning_walks_the_day_in_batches_spends_one_grant_each_and_a_second_run_plans_nothing() {
    let pool = yizhan_common::testing::database().await;
    let (clock, tomorrow) = at(19, 59);
    let app = TestApp::with_clock(pool.clone(), Arc::new(clock));
    let c = clinic(&app).await;
    let s = schedule_with(&app, &c, json!({"date": tomorrow.to_string(), "period": "上午", "capacity": 20})).await;
    let later = schedule_with(&app, &c, json!({"date": tomorrow.succ_opt().expect("day").to_string(), "capacity": 20})).await;
    let remind = json!({"subscribeAuthResult": {"模板ID2": "accept"}});
    // Ann: three appointments tomorrow, a grant with each; one the day after (not tomorrow's).
    // Ben: two tomorrow, one grant. Cid: one tomorrow, no grant. Dee: a grant, but cancelled.
    let mut reminded = Vec::new();
    let ann = app.user_token("ann", &["patient"]).await;
    for name in ["A1", "A2", "A3"] {
        let (status, v) = book(&app, &ann, s, patient(&app, &ann, name).await, remind.clone()).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        reminded.push(v["id"].as_i64().expect("id"));
    }
    let (status, _) = book(&app, &ann, later, patient(&app, &ann, "A4").await, remind.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let ben = app.user_token("ben", &["patient"]).await;
    let (_, v) = book(&app, &ben, s, patient(&app, &ben, "B1").await, remind.clone()).await;
    reminded.push(v["id"].as_i64().expect("id"));
    let (status, _) = book(&app, &ben, s, patient(&app, &ben, "B2").await, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let cid = app.user_token("cid", &["patient"]).await;
    let (status, _) = book(&app, &cid, s, patient(&app, &cid, "C1").await, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let dee = app.user_token("dee", &["patient"]).await;
    let (_, v) = book(&app, &dee, s, patient(&app, &dee, "D1").await, remind.clone()).await;
    let (status, _) = app.send(Method::DELETE, &format!("/patient/appointments/{}", v["id"]), Some(&dee), None).await;
    assert_eq!(status, StatusCode::OK);

    // Batches of two walk the seven appointments of tomorrow in four statements.
    let plan = |pool: PgPool, templates: yizhan_common::subscribe::TemplateConfig| async move {
        let (mut after, mut outbox, mut planned, mut batches) = (0, Vec::new(), 0, 0);
        loop {
            let mut tx = pool.begin().await.expect("tx");
            let batch = yizhan_common::subscribe::plan_reminder_batch(&mut tx, &templates, tomorrow, after, 2).await.expect("batch");
            tx.commit().await.expect("commit");
            batches += 1;
            outbox.extend(batch.outbox_ids);
            planned += batch.planned;
            match batch.last_id {
                Some(last) if batch.seen == 2 => after = last,
                _ => return (outbox, planned, batches),
            }
        }
    };
    let templates = app.state.config.templates.clone();
    let (outbox, sends, batches) = plan(pool.clone(), templates.clone()).await;
    assert_eq!((sends, batches), (reminded.len() as i64, 4));
    // One chunk job per statement that planned any: a chunk never spans two statements.
    assert_eq!(outbox.len(), 2, "the batches planned 2 + 2 + 0 + 0 reminders: {outbox:?}");
    for id in &reminded {
        let key = format!("visit_reminder:appointment:{id}:reminder:{tomorrow}");
        assert!(planned(&pool, *id).await.contains(&("visit_reminder".to_owned(), key)), "appointment {id} reminded under the shared key");
    }
    // Each send is named by one chunk job; every grant of tomorrow's reminders is spent, once.
    let jobs = yizhan_common::testing::enqueued::<yizhan_common::jobs::kinds::SendSubscribeBatch>(&pool).await;
    let mut chunked: Vec<i64> = jobs.iter().flat_map(|j| j.send_ids.clone()).collect();
    chunked.sort_unstable();
    let reminder_sends: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE kind = 'visit_reminder' ORDER BY id").fetch_all(&pool).await.expect("sends");
    assert_eq!(chunked, reminder_sends);
    let unspent: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_grants WHERE template_id = '模板ID2' AND spent_at IS NULL")
        .fetch_one(&pool)
        .await
        .expect("grants");
    assert_eq!(unspent, 2, "Ann's grant for the day after and Dee's (cancelled) stay");

    let (again, planned_again, _) = plan(pool.clone(), templates).await;
    assert!(again.is_empty() && planned_again == 0, "a second run planned {again:?}");
}
