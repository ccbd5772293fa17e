//! Loss of Redis data loses no committed work: 20 bookings with accepted grants are made while no
//! worker runs (their jobs reach Redis), then Redis restarts empty (no persistence: the same as a
//! failover to a lagging replica or eviction). Once a worker and the scheduler start, the
//! reconciliation sweep finds the pushed outbox rows whose jobs Redis no longer knows and pushes
//! them again: every subscribe message arrives, exactly once, and every row settles.

use std::time::Duration;

use serde_json::json;
use yizhan_system_tests::free_port;
use yizhan_system_tests::redis_server::RedisServer;
use yizhan_system_tests::system::System;

const BOOKINGS: usize = 20;

async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect("count")
}

#[tokio::test]
async fn bookings_survive_redis_restarting_empty() {
    let port = free_port();
    let redis = RedisServer::start(port);
    let url = RedisServer::url(port);
    let mut sys = System::start_with(&[
        ("REDIS_URL", url.as_str()),
        ("SCHEDULER_RELAY_INTERVAL_MS", "200"),
        ("SCHEDULER_RECONCILE_INTERVAL_MS", "200"),
    ])
    .await;
    // No worker runs while the bookings are made: their jobs wait in Redis.
    let worker = sys.procs().remove(2);
    drop(worker);

    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "科室"})).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let (status, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": day, "period": "上午",
              "startTime": "08:00", "endTime": "12:00", "capacity": BOOKINGS + 5, "fee": 10.0}))
        .await;
    assert_eq!(status, 201, "{s}");
    let mut openids = Vec::new();
    for i in 0..BOOKINGS {
        let user = sys.user(&admin, &format!("lost{i}"), &["patient"]).await;
        let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": format!("病人{i}"), "phone": "13600000000"})).await;
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let grants = json!({"模板ID1": "accept"});
        sys.accept(wx["openid"].as_str().expect("openid"), &grants).await;
        let (status, v) = sys
            .post("/patient/appointments", Some(&user), json!({"scheduleId": s["id"], "patientId": p["id"], "wxCode": wx["code"],
                  "subscribeAuthResult": grants}))
            .await;
        assert_eq!(status, 200, "{v}");
        openids.push(wx["openid"].as_str().expect("openid").to_owned());
    }
    let db = sys.env.get("DATABASE_URL");
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db).await.expect("db");
    let rows = count(&pool, "SELECT count(*) FROM outbox").await;
    assert!(rows >= BOOKINGS as i64 * 2, "a code exchange and a send per booking: {rows}");
    assert_eq!(count(&pool, "SELECT count(*) FROM outbox WHERE pushed_at IS NULL").await, 0, "every job reached Redis");

    drop(redis);
    let _redis = RedisServer::start(port);
    let _worker = sys.env.spawn("yizhan-worker", &[]);
    let _scheduler = sys.env.spawn("yizhan-scheduler", &[]);

    sys.eventually("every message after Redis lost its data", Duration::from_secs(90), || async {
        let mut arrived = 0;
        for openid in &openids {
            let m = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
            arrived += usize::from(m["count"] != 0);
        }
        (arrived == BOOKINGS).then_some(())
    })
    .await;
    sys.eventually("every outbox row settled", Duration::from_secs(30), || async {
        (count(&pool, "SELECT count(*) FROM outbox WHERE settled_at IS NULL").await == 0).then_some(())
    })
    .await;
    // A few more sweeps: settled rows are never pushed again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for openid in &openids {
        let m = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
        assert_eq!(m["count"], 1, "exactly one message to {openid}: {m}");
    }
}
