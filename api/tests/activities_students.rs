//! Seed 004's 讲座报名 on seed 002's activities: an admin opens an activity to students; a
//! student sees only those (list, detail, enrollment, check-in), enrolls with its form and checks
//! in with its rotating code, while an activity left to staff is a 404 to them; staff see both.

mod support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use support::{assert_error, TestApp};
use yizhan_common::testing::database;

fn body(title: &str, open_to_students: Option<bool>) -> Value {
    let now = Utc::now();
    let mut b = json!({
        "title": title, "place": "报告厅",
        "starts_at": (now - Duration::hours(1)).to_rfc3339(), "ends_at": (now + Duration::hours(2)).to_rfc3339(),
        "enroll_from": (now - Duration::hours(2)).to_rfc3339(), "enroll_until": (now + Duration::hours(1)).to_rfc3339(),
        "form": [{"id": "major", "kind": "text", "label": "专业", "required": true}]
    });
    if let Some(open) = open_to_students {
        b["open_to_students"] = json!(open);
    }
    b
}

fn titles(page: &Value) -> Vec<&str> {
    page["results"].as_array().expect("results").iter().filter_map(|a| a["title"].as_str()).collect()
}

#[tokio::test]
async fn students_see_enroll_in_and_check_in_to_only_the_activities_opened_to_them() {
    let app = TestApp::new(database().await);
    let admin = app.user_token("root", &[]).await;
    let (status, lecture) = app.post("/admin/activities/", Some(&admin), body("就业讲座", Some(true))).await;
    assert_eq!((status, &lecture["open_to_students"]), (StatusCode::CREATED, &json!(true)), "{lecture}");
    let (_, staff_only) = app.post("/admin/activities/", Some(&admin), body("教工运动会", None)).await;
    assert_eq!(staff_only["open_to_students"], false, "{staff_only}");
    let (lecture, staff_only) = (lecture["id"].as_i64().expect("id"), staff_only["id"].as_i64().expect("id"));
    let (status, bad) = app.send(axum::http::Method::PATCH, &format!("/admin/activities/{staff_only}/"), Some(&admin), Some(json!({"open_to_students": "yes"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

    let student = app.user_token("xiaoming", &["student"]).await;
    let staff = app.login_or_create("teacher").await;

    // The lists: a student's has only the lecture; staff see both.
    let (status, mine) = app.get("/activities/", Some(&student)).await;
    assert_eq!((status, titles(&mine)), (StatusCode::OK, vec!["就业讲座"]), "{mine}");
    assert_eq!(mine["count"], 1, "{mine}");
    let (_, all) = app.get("/activities/", Some(&staff)).await;
    assert_eq!(all["count"], 2, "{all}");

    // Detail and enrollment: the staff-only activity does not exist for the student.
    assert_eq!(app.get(&format!("/activities/{staff_only}/"), Some(&student)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/activities/{lecture}/"), Some(&student)).await.0, StatusCode::OK);
    let (status, e) = app.post("/enrollments/", Some(&student), json!({"activity": staff_only, "answers": {"major": "计算机"}})).await;
    let e = assert_error(status, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(e["fields"]["activity"].is_string(), "{e}");
    let enrolled: i64 = sqlx::query_scalar("SELECT count(*) FROM activity_enrollments").fetch_one(&app.pool).await.expect("count");
    assert_eq!(enrolled, 0);
    let (status, en) = app.post("/enrollments/", Some(&student), json!({"activity": lecture, "answers": {"major": "计算机"}})).await;
    assert_eq!(status, StatusCode::CREATED, "{en}");
    assert_eq!(app.post("/enrollments/", Some(&staff), json!({"activity": staff_only, "answers": {"major": "体育"}})).await.0, StatusCode::CREATED);

    // Check-in with the lecture's rotating code; the staff-only activity's code is a 404 to the student.
    let window = json!({"label": "签到", "start": (Utc::now() - Duration::hours(1)).to_rfc3339(), "end": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let mut codes = Vec::new();
    for id in [lecture, staff_only] {
        let (status, item) = app.post(&format!("/admin/activities/{id}/clockin-items/"), Some(&admin), window.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{item}");
        let (_, code) = app.get(&format!("/admin/activities/{id}/clockin-items/{}/token", item["id"]), Some(&admin)).await;
        codes.push(code["token"].as_str().expect("token").to_owned());
    }
    let (status, c) = app.post(&format!("/activities/clockins/{lecture}"), Some(&student), json!({"token": codes[0]})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(app.post(&format!("/activities/clockins/{staff_only}"), Some(&student), json!({"token": codes[1]})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/activities/clockins/{staff_only}"), Some(&student)).await.0, StatusCode::NOT_FOUND);
    let (_, mine) = app.get(&format!("/activities/clockins/{lecture}"), Some(&student)).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
}
