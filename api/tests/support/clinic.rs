//! Seed 001 fixtures shared by the hospital test files: a hospital with one department, its
//! schedules, patients and bookings through the API.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::TestApp;

pub struct Clinic {
    pub admin: String,
    pub hospital: i64,
    pub department: i64,
}

pub async fn clinic(app: &TestApp) -> Clinic {
    let admin = app.user_token("root", &[]).await;
    let (s, h) = app.post("/admin/hospitals", Some(&admin), json!({"name": "北交大校医院"})).await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    let hospital = h["id"].as_i64().expect("id");
    let (s, d) = app.post("/admin/departments", Some(&admin), json!({"hospitalId": hospital, "name": "内科"})).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    Clinic { admin, hospital, department: d["id"].as_i64().expect("id") }
}

pub fn future_date() -> String {
    (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string()
}

pub async fn schedule(app: &TestApp, c: &Clinic, period: &str, capacity: i64) -> i64 {
    schedule_with(app, c, json!({"period": period, "capacity": capacity})).await
}

/// A schedule 30 days ahead, 08:00-12:00, fee 10.0, with `fields` overriding any of those.
pub async fn schedule_with(app: &TestApp, c: &Clinic, fields: Value) -> i64 {
    let mut body = json!({"hospitalId": c.hospital, "departmentId": c.department, "date": future_date(), "period": "上午",
                          "startTime": "08:00", "endTime": "12:00", "capacity": 5, "fee": 10.0});
    merge(&mut body, fields);
    let (s, v) = app.post("/admin/schedules", Some(&c.admin), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

pub async fn patient(app: &TestApp, token: &str, name: &str) -> i64 {
    let (s, v) = app.post("/patient/patients", Some(token), json!({"name": name, "phone": "13812345678"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

pub async fn book(app: &TestApp, token: &str, schedule: i64, patient: i64, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"scheduleId": schedule, "patientId": patient, "symptoms": "头痛"});
    merge(&mut body, extra);
    app.post("/patient/appointments", Some(token), body).await
}

pub fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

/// Sets `extra`'s fields on the object `body`.
pub fn merge(body: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
        b.extend(extra);
    }
}
