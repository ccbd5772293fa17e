//! A cancelled paid appointment's refund, through the worker: the cancel answers `refunded` with
//! its amount and writes a `refund_payment` job; the worker runs it and the refund moves
//! `requested → recorded`. Redelivered (a duplicate push, a retry after a lost acknowledgement),
//! the job changes nothing, also once a payment integration has moved the refund on.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use yizhan_common::jobs::kinds::RefundPayment;
use yizhan_common::jobs::{Job, JobSink};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_system_tests::system::System;

type Refund = (i64, String, i64, Option<chrono::DateTime<chrono::Utc>>);

async fn default_queue(sys: &System, admin: &str) -> Value {
    let (_, v) = sys.call(reqwest::Method::GET, "/admin/queues", Some(admin), None).await;
    v["queues"].as_array().and_then(|qs| qs.iter().find(|q| q["queue"] == "default").cloned()).unwrap_or_default()
}

#[tokio::test]
async fn a_paid_cancel_is_refunded_by_the_worker_and_a_redelivery_changes_nothing() {
    let sys = System::start().await;
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "退款医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let date = (chrono::Utc::now() + chrono::Duration::days(21)).format("%Y-%m-%d").to_string();
    let (_, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date,
              "period": "上午", "startTime": "08:00", "endTime": "12:00", "capacity": 5, "fee": 25.5}))
        .await;
    let user = sys.user(&admin, "payer", &["patient"]).await;
    let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": "付款", "phone": "13800000000"})).await;
    let (status, a) = sys.post("/patient/appointments", Some(&user), json!({"scheduleId": s["id"], "patientId": p["id"]})).await;
    assert_eq!(status, 200, "{a}");
    let pool = PgPoolOptions::new().max_connections(2).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
    // Paid (the payment flow is outside this system).
    sqlx::query("UPDATE appointments SET payment_status = 'paid' WHERE id = $1").bind(a["id"].as_i64()).execute(&pool).await.expect("paid");

    let (status, v) = sys.call(reqwest::Method::DELETE, &format!("/patient/appointments/{}", a["id"]), Some(&user), None).await;
    assert_eq!((status, v), (200, json!({"success": true, "refundAmount": 25.5})));
    let refund = |pool: sqlx::PgPool| async move {
        sqlx::query_as::<_, Refund>("SELECT id, status, amount_cents, recorded_at FROM refunds").fetch_one(&pool).await.ok()
    };
    let recorded = sys
        .eventually("the refund recorded by the worker", Duration::from_secs(20), || {
            let pool = pool.clone();
            async move { refund(pool).await.filter(|r| r.1 == "recorded") }
        })
        .await;
    assert_eq!(recorded.2, 2550);
    assert!(recorded.3.is_some(), "recorded_at set");
    let (_, detail) = sys.call(reqwest::Method::GET, &format!("/patient/appointments/{}", a["id"]), Some(&user), None).await;
    assert_eq!((detail["paymentStatus"].clone(), detail["payAmount"].clone()), (json!("refunded"), json!(25.5)));
    sys.eventually("the job acknowledged", Duration::from_secs(10), || async {
        (default_queue(&sys, &admin).await["done"] == 1).then_some(())
    })
    .await;

    // Redelivered twice: once while recorded, once after a payment integration moved it on.
    let redis = connect(&secrecy::SecretString::from(sys.env.get("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let queue = RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default());
    let again = |n: u32| RefundPayment { refund_id: recorded.0 }.envelope(format!("refund-again-{n}"), chrono::Utc::now()).expect("envelope");
    queue.push_many(&[again(1)]).await.expect("push");
    sys.eventually("the redelivery done", Duration::from_secs(10), || async {
        (default_queue(&sys, &admin).await["done"] == 2).then_some(())
    })
    .await;
    assert_eq!(refund(pool.clone()).await, Some(recorded.clone()), "a second run records nothing again");
    sqlx::query("UPDATE refunds SET status = 'refunded' WHERE id = $1").bind(recorded.0).execute(&pool).await.expect("integration");
    queue.push_many(&[again(2)]).await.expect("push");
    sys.eventually("the late redelivery done", Duration::from_secs(10), || async {
        (default_queue(&sys, &admin).await["done"] == 3).then_some(())
    })
    .await;
    let after = refund(pool.clone()).await.expect("refund");
    assert_eq!((after.1.as_str(), after.3), ("refunded", recorded.3), "a late run never moves a refund back");
    assert_eq!(default_queue(&sys, &admin).await["dead"], 0);
}
