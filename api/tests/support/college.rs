//! Seed 002 fixtures shared by the reservation test files.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::TestApp;

/// An admin token, a room (`行政楼 301`, 10 seats) and a staff user `li` with an e-mail address:
/// (admin token, room id, staff token).
pub async fn room_and_staff(app: &TestApp) -> (String, i64, String) {
    let admin = app.user_token("root", &[]).await;
    let (status, room) = app.post("/admin/meetingrooms/", Some(&admin), json!({"name": "301", "location": "行政楼", "capacity": 10})).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    let staff = app.login_or_create("li").await;
    let (status, v) = app.send(Method::PATCH, "/current-user/meta/", Some(&staff), Some(json!({"email": "li@example.edu"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    (admin, room["id"].as_i64().expect("id"), staff)
}
