//! WeChat failures as the job pipeline sees them, through the simulator's injected faults:
//! -1 (busy) is retried with backoff and delivered; 45011 (minute quota) reschedules without
//! spending an attempt; 43101 (no grant left at WeChat) is recorded and never retried.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Connection;
use yizhan_system_tests::system::System;

struct Booking {
    admin: String,
    user: String,
    schedule: i64,
    openid: String,
}

/// A bookable schedule and a patient user whose openid is already bound.
async fn prepare(sys: &System) -> Booking {
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "协和医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "骨科"})).await;
    let out = std::process::Command::new("date").args(["-d", "+10 days", "+%Y-%m-%d"]).output().expect("date");
    let date = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (_, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date, "period": "下午",
              "startTime": "14:00", "endTime": "18:00", "capacity": 20, "fee": 0}))
        .await;
    let user = sys.user(&admin, "patient1", &["patient"]).await;
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let (_, me) = sys.post("/patient/patients", Some(&user), json!({"name": "绑定", "phone": "13900000000"})).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&user), json!({"scheduleId": s["id"], "patientId": me["id"], "wxCode": wx["code"]}))
        .await;
    assert_eq!(status, 200, "{v}");
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    let db = sys.env.get("DATABASE_URL");
    sys.eventually("the openid binding", Duration::from_secs(20), || {
        let db = db.clone();
        async move {
            let mut conn = sqlx::PgConnection::connect(&db).await.ok()?;
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM wechat_identities").fetch_one(&mut conn).await.ok()?;
            (n == 1).then_some(())
        }
    })
    .await;
    Booking { admin, user, schedule: s["id"].as_i64().expect("id"), openid }
}

/// Books for a new patient with an accepted grant; returns the appointment id.
async fn book(sys: &System, b: &Booking, name: &str) -> i64 {
    let (_, p) = sys.post("/patient/patients", Some(&b.user), json!({"name": name, "phone": "13900000001"})).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&b.user), json!({"scheduleId": b.schedule, "patientId": p["id"],
              "subscribeAuthResult": {"模板ID1": "accept"}}))
        .await;
    assert_eq!(status, 200, "{v}");
    v["id"].as_i64().expect("id")
}

async fn send_row(sys: &System, appointment: i64) -> Option<(String, Option<i32>, i32)> {
    let mut conn = sqlx::PgConnection::connect(&sys.env.get("DATABASE_URL")).await.ok()?;
    sqlx::query_as("SELECT status, errcode, attempts FROM subscribe_sends WHERE appointment_id = $1")
        .bind(appointment)
        .fetch_optional(&mut conn)
        .await
        .ok()?
}

async fn fault(sys: &System, errcode: i64) {
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "subscribe_send", "errcode": errcode, "times": 1}]})).await;
}

#[tokio::test]
async fn busy_is_retried_and_delivered() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    fault(&sys, -1).await;
    let id = book(&sys, &b, "重试").await;
    let row = sys
        .eventually("a sent message", Duration::from_secs(30), || async {
            send_row(&sys, id).await.filter(|r| r.0 == "sent")
        })
        .await;
    assert_eq!(row.2, 2, "one failed attempt, then success");
    let delivered: Value = sys.sim_get(&format!("/_sim/messages?touser={}", b.openid)).await;
    assert_eq!(delivered["count"], 1);
}

#[tokio::test]
async fn no_grant_at_wechat_is_recorded_and_not_retried() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    fault(&sys, 43101).await;
    let id = book(&sys, &b, "拒收").await;
    let row = sys
        .eventually("a failed send", Duration::from_secs(20), || async {
            send_row(&sys, id).await.filter(|r| r.0 == "failed")
        })
        .await;
    assert_eq!((row.1, row.2), (Some(43101), 1));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sys.sim_get("/_sim/stats").await["calls"]["subscribe_send"], 1, "never retried");
    let (_, dead) = sys.call(reqwest::Method::GET, "/admin/queues/wechat/dead", Some(&b.admin), None).await;
    assert_eq!(dead["count"], 0, "a refused grant is not a dead letter: {dead}");
}

#[tokio::test]
async fn minute_quota_reschedules_without_spending_an_attempt() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    fault(&sys, 45011).await;
    let id = book(&sys, &b, "限流").await;
    let row = sys
        .eventually("the rate-limited attempt", Duration::from_secs(20), || async {
            send_row(&sys, id).await.filter(|r| r.1 == Some(45011))
        })
        .await;
    assert_eq!(row.0, "pending");
    let queues = sys
        .eventually("the job waiting for the next minute", Duration::from_secs(10), || async {
            let (_, v) = sys.call(reqwest::Method::GET, "/admin/queues", Some(&b.admin), None).await;
            let wechat = v["queues"].as_array()?.iter().find(|q| q["queue"] == "wechat")?.clone();
            (wechat["scheduled"] == 1).then_some(wechat)
        })
        .await;
    assert_eq!(queues["dead"], 0, "{queues}");
}
