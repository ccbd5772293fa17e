//! Nothing committed is lost: a booking made while Redis is down still answers normally; its jobs
//! wait in the outbox, and once Redis is back the scheduler's relay pushes them and the worker
//! delivers the subscribe message.

use std::time::Duration;

use serde_json::json;
use yizhan_system_tests::free_port;
use yizhan_system_tests::redis_server::RedisServer as Redis;
use yizhan_system_tests::system::System;

#[tokio::test]
async fn jobs_committed_while_redis_is_down_run_once_it_is_back() {
    let port = free_port();
    let redis = Redis::start(port);
    let url = Redis::url(port);
    let sys = System::start_with(&[("REDIS_URL", url.as_str()), ("SCHEDULER_RELAY_INTERVAL_MS", "200")]).await;
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "科室"})).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let (_, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": day, "period": "上午",
              "startTime": "08:00", "endTime": "12:00", "capacity": 5, "fee": 10.0}))
        .await;
    let user = sys.user(&admin, "offline", &["patient"]).await;
    let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": "离线", "phone": "13600000000"})).await;
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;

    let accepted = json!({"模板ID1": "accept"});
    sys.accept(wx["openid"].as_str().expect("openid"), &accepted).await;
    drop(redis);
    let started = std::time::Instant::now();
    let (status, v) = sys
        .post("/patient/appointments", Some(&user), json!({"scheduleId": s["id"], "patientId": p["id"], "wxCode": wx["code"],
              "subscribeAuthResult": accepted}))
        .await;
    assert_eq!(status, 200, "the booking succeeds with Redis down: {v}");
    assert!(started.elapsed() < Duration::from_secs(10), "and does not hang");
    let db = sys.env.get("DATABASE_URL");
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db).await.expect("db");
    let unpushed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetch_one(&pool).await.expect("count");
    assert_eq!(unpushed, 2, "the code exchange and the send wait in the outbox");

    let _redis = Redis::start(port);
    let _scheduler = sys.env.spawn("yizhan-scheduler", &[]);
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    sys.eventually("the message after Redis came back", Duration::from_secs(60), || async {
        let m = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
        (m["count"] == 1).then_some(())
    })
    .await;
    let unpushed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetch_one(&pool).await.expect("count");
    assert_eq!(unpushed, 0);
}
