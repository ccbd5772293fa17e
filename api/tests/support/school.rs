//! Seed 004's people, made through the API: counselors with their accounts, classes, students.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::TestApp;

/// An admin's token (the `root` account).
pub async fn admin(app: &TestApp) -> String {
    app.user_token("root", &["admin"]).await
}

/// A counselor: a user with the role and the counselor record tied to it → (token, counselor id).
pub async fn counselor(app: &TestApp, admin: &str, username: &str, name: &str) -> (String, i64) {
    let token = app.user_token(username, &["counselor"]).await;
    let (_, me) = app.get("/current-user/", Some(&token)).await;
    let (status, c) = app.post("/school/counselors", Some(admin), json!({"name": name, "userId": me["id"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    (token, c["id"].as_i64().expect("counselor id"))
}

/// A class looked after by `counselor` → its id.
pub async fn class(app: &TestApp, admin: &str, name: &str, counselor: Option<i64>) -> i64 {
    let (status, c) = app.post("/school/classes", Some(admin), json!({"name": name, "grade": "2024", "major": "计算机", "counselorId": counselor})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_i64().expect("class id")
}

/// A student → the answer.
pub async fn student(app: &TestApp, token: &str, no: &str, name: &str, class_id: i64, phone: Option<&str>) -> Value {
    let (status, s) = app.post("/school/students", Some(token), json!({"studentNo": no, "name": name, "classId": class_id, "phone": phone})).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s
}

/// A student of `class_id` who follows the Official Account and binds with their counselor's
/// code → (token, openid, student id).
pub async fn bound_student(v: &super::visitors::Visits, counselor: &str, no: &str, name: &str, class_id: i64) -> (String, String, i64) {
    let id = student(&v.app, counselor, no, name, class_id, None).await["id"].as_i64().expect("id");
    let (token, openid) = v.sign_in(name, None).await;
    super::callbacks::event(&v.app, &openid, "subscribe", None).await;
    let (status, issued) = v.app.post(&format!("/school/students/{id}/bind-code"), Some(counselor), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let (status, b) = v.app.post("/school/binding", Some(&token), json!({"studentNo": no, "code": issued["code"]})).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    (token, openid, id)
}
