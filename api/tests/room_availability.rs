//! Seed 002 `GET /meetingrooms/available/`: bookable rooms free for the whole range, by building,
//! with seats, label and building filters; and the exclusion constraint that refuses two live
//! reservations of one room whose periods overlap, whatever the code above it does.

mod support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{assert_error, TestApp};
use yizhan_common::testing::database;

async fn room(app: &TestApp, admin: &str, body: Value) -> i64 {
    let (status, v) = app.post("/admin/meetingrooms/", Some(admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

async fn reserve(pool: &PgPool, room: i64, from: &str, to: &str, status: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO room_reservations (room_id, user_id, period, status)
         VALUES ($1, (SELECT min(id) FROM users), tstzrange($2::TIMESTAMPTZ, $3::TIMESTAMPTZ, '[)'), $4)",
    )
    .bind(room)
    .bind(from)
    .bind(to)
    .bind(status)
    .execute(pool)
    .await
    .map(|_| ())
}

/// `{building: [room names]}` of an answer.
fn names(v: &Value) -> Vec<(String, Vec<String>)> {
    let groups = v.as_array().unwrap_or_else(|| panic!("a list of buildings: {v}"));
    groups
        .iter()
        .map(|g| {
            let rooms = g["meetingrooms"].as_array().expect("rooms").iter().map(|r| r["name"].as_str().expect("name").to_owned()).collect();
            (g["location"].as_str().expect("location").to_owned(), rooms)
        })
        .collect()
}

fn q(from: &str, to: &str, extra: &str) -> String {
    let enc = |t: &str| t.replace('+', "%2B").replace(':', "%3A");
    format!("/meetingrooms/available/?time_from={}&time_to={}{extra}", enc(from), enc(to))
}

#[tokio::test]
async fn free_rooms_are_grouped_by_building_and_reservations_never_overlap() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let staff = app.login_or_create("li").await;
    let big = room(&app, &admin, json!({"name": "301", "location": "行政楼", "capacity": 40, "labels": ["多媒体", "大会议室"]})).await;
    room(&app, &admin, json!({"name": "302", "location": "行政楼", "capacity": 10})).await;
    room(&app, &admin, json!({"name": "102", "location": "图书馆", "capacity": 8, "labels": ["多媒体"]})).await;
    let archived = room(&app, &admin, json!({"name": "999", "location": "图书馆", "capacity": 100})).await;
    app.send(axum::http::Method::DELETE, &format!("/admin/meetingrooms/{archived}/"), Some(&admin), None).await;
    reserve(&app.pool, big, "2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", "confirmed").await.expect("reservation");

    let (status, v) = app.get(&q("2027-03-01T09:30:00+08:00", "2027-03-01T10:30:00+08:00", "&people_count=5"), Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(names(&v), vec![("图书馆".into(), vec!["102".into()]), ("行政楼".into(), vec!["302".into()])], "301 is taken, 999 archived");
    let (_, v) = app.get(&q("2027-03-01T10:00:00+08:00", "2027-03-01T11:00:00+08:00", "&people_count=20"), Some(&staff)).await;
    assert_eq!(names(&v), vec![("行政楼".into(), vec!["301".into()])], "free from the minute the reservation ends; only 301 seats 20");
    let label = format!("&label={}&location={}", "%E5%A4%9A%E5%AA%92%E4%BD%93", "%E5%9B%BE%E4%B9%A6%E9%A6%86");
    let (_, v) = app.get(&q("2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", &label), Some(&staff)).await;
    assert_eq!(names(&v), vec![("图书馆".into(), vec!["102".into()])]);

    let overlap = reserve(&app.pool, big, "2027-03-01T09:59:00+08:00", "2027-03-01T11:00:00+08:00", "confirmed").await;
    let code = overlap.expect_err("an overlapping reservation is refused").as_database_error().and_then(|e| e.code().map(|c| c.into_owned()));
    assert_eq!(code.as_deref(), Some("23P01"), "exclusion violation");
    reserve(&app.pool, big, "2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", "cancelled").await.expect("a cancelled one does not count");
    reserve(&app.pool, big, "2027-03-01T10:00:00+08:00", "2027-03-01T11:00:00+08:00", "confirmed").await.expect("back to back is fine");
}

#[tokio::test]
async fn bad_searches_name_their_fields() {
    let app = TestApp::new(database().await);
    let staff = app.user_token("li", &["staff"]).await;
    let patient = app.user_token("zhao", &["patient"]).await;
    let cases = [
        (q("2027-03-01T10:00:00+08:00", "2027-03-01T09:00:00+08:00", ""), "time_to"),
        (q("2027-03-01T10:00:00+08:00", "2027-05-01T09:00:00+08:00", ""), "time_to"),
        (q("2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", "&people_count=0"), "people_count"),
        (q("2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", "&length=90"), "length"),
        ("/meetingrooms/available/".to_owned(), "time_from"),
    ];
    for (path, field) in cases {
        let (status, err) = app.get(&path, Some(&staff)).await;
        let err = assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(err["fields"][field].is_string(), "{path}: {err}");
    }
    let (status, err) = app.get("/meetingrooms/available/?time_from=tomorrow", Some(&staff)).await;
    assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (status, err) = app.get(&q("2027-03-01T09:00:00+08:00", "2027-03-01T10:00:00+08:00", ""), Some(&patient)).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
}
