//! Seed 004's 获取用户地理位置 through the callback: a student's position is kept only after they opt
//! in, only the newest (a late redelivery of an older report changes nothing), only within the
//! retention, shown to the counselor of their class and to no one else (not another counselor,
//! not an admin); opting out deletes it.

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::callbacks::{deliver, plain_codec};
use support::school::{bound_student, two_classes, TwoClasses};
use support::visitors::Visits;
use support::TestApp;
use yizhan_common::notices::locations::{prune, LOCATION_RETENTION};

async fn start() -> Visits {
    Visits::start_with(yizhan_common::testing::database().await, |cfg| cfg.wechat_callback = plain_codec()).await
}

/// A `LOCATION` event reported at `created` from `openid`.
async fn location_event(app: &TestApp, openid: &str, created: i64, latitude: f64, longitude: f64) -> String {
    let inner = format!(
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event>\
         <Latitude>{latitude}</Latitude><Longitude>{longitude}</Longitude><Precision>65.000000</Precision>"
    );
    deliver(app, openid, &inner, Some(created)).await
}

/// A location message sent at `created` from `openid`.
async fn location_message(app: &TestApp, openid: &str, created: i64, msg_id: i64, (latitude, longitude): (f64, f64), label: &str) -> String {
    let inner = format!(
        "<MsgType><![CDATA[location]]></MsgType><Location_X>{latitude}</Location_X>\
         <Location_Y>{longitude}</Location_Y><Scale>15</Scale><Label><![CDATA[{label}]]></Label><MsgId>{msg_id}</MsgId>"
    );
    deliver(app, openid, &inner, Some(created)).await
}

async fn stored(v: &Visits) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM student_locations").fetch_one(&v.app.pool).await.expect("count")
}

async fn positions(v: &Visits, token: &str) -> Value {
    let (status, page) = v.app.get("/school/locations", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

#[tokio::test]
async fn a_position_is_kept_after_opting_in_and_shown_to_the_students_counselor_only() {
    let v = start().await;
    let app = &v.app;
    let TwoClasses { root, wang, li, a, b } = two_classes(app).await;
    let (zhang_token, zhang_openid, zhang_id) = bound_student(&v, &wang, "2024001", "张三", a).await;
    let (_, zhao_openid, _) = bound_student(&v, &li, "2024101", "赵六", b).await;
    let now = chrono::Utc::now().timestamp();

    // Not opted in: the event is answered and nothing is stored.
    let (status, sharing) = app.get("/school/location-sharing", Some(&zhang_token)).await;
    assert_eq!((status, &sharing["share"]), (StatusCode::OK, &json!(false)), "{sharing}");
    assert_eq!(location_event(app, &zhang_openid, now - 100, 23.1, 113.3).await, "success");
    assert_eq!(stored(&v).await, 0);

    // Opted in: the event is the last known position.
    let (status, sharing) = app.send(Method::PUT, "/school/location-sharing", Some(&zhang_token), Some(json!({"share": true}))).await;
    assert_eq!((status, &sharing["share"], &sharing["retentionHours"]), (StatusCode::OK, &json!(true), &json!(24)), "{sharing}");
    assert_eq!(app.send(Method::PUT, "/school/location-sharing", Some(&zhang_token), Some(json!({"share": "yes"}))).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    location_event(app, &zhang_openid, now - 50, 23.1291, 113.2644).await;
    // Someone else's report (not opted in, another class) is not kept either.
    location_event(app, &zhao_openid, now - 50, 31.2, 121.4).await;
    let page = positions(&v, &wang).await;
    assert_eq!(page["count"], 1, "{page}");
    let p = &page["results"][0];
    assert_eq!((&p["studentNo"], &p["latitude"], &p["longitude"], &p["precision"], &p["source"]), (&json!("2024001"), &json!(23.1291), &json!(113.2644), &json!(65.0), &json!("event")), "{p}");
    assert!(p["reportedAt"].as_str().is_some_and(|t| t.ends_with("+08:00")), "{p}");

    // A location message the student sends is newer: it replaces the event's, with its label.
    location_message(app, &zhang_openid, now - 20, 9_001, (23.135, 113.27), "广州市天河区").await;
    // A late redelivery of an older report changes nothing; a report off the globe is dropped.
    location_event(app, &zhang_openid, now - 80, 10.0, 10.0).await;
    location_event(app, &zhang_openid, now - 10, 123.0, 113.27).await;
    let p = positions(&v, &wang).await["results"][0].clone();
    assert_eq!((&p["latitude"], &p["label"], &p["source"]), (&json!(23.135), &json!("广州市天河区"), &json!("message")), "{p}");

    // Another counselor sees nothing of it; an admin may not ask; a student neither.
    assert_eq!(positions(&v, &li).await["count"], 0);
    assert_eq!(app.get("/school/locations", Some(&root)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/school/locations", Some(&zhang_token)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/school/locations?studentId={zhang_id}"), Some(&li)).await.1["count"], 0);
    assert_eq!(app.get(&format!("/school/locations?studentId={zhang_id}"), Some(&wang)).await.1["count"], 1);

    // Past the retention it is not shown, and the prune deletes it.
    sqlx::query("UPDATE student_locations SET reported_at = now() - $1::interval")
        .bind(format!("{} hours 1 minute", LOCATION_RETENTION.num_hours()))
        .execute(&app.pool)
        .await
        .expect("age it");
    assert_eq!(positions(&v, &wang).await["count"], 0);
    let mut conn = app.pool.acquire().await.expect("conn");
    assert_eq!(prune(&mut conn, chrono::Utc::now() - LOCATION_RETENTION).await.expect("prune"), 1);

    // A fresh report, then opting out: it is deleted at once and nothing more is kept.
    location_event(app, &zhang_openid, now - 5, 23.1, 113.3).await;
    assert_eq!(stored(&v).await, 1);
    let (_, sharing) = app.send(Method::PUT, "/school/location-sharing", Some(&zhang_token), Some(json!({"share": false}))).await;
    assert_eq!(sharing["share"], false);
    assert_eq!(stored(&v).await, 0);
    location_event(app, &zhang_openid, now - 1, 23.1, 113.3).await;
    assert_eq!(stored(&v).await, 0);
}
