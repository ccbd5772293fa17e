//! WeChat failures as the job pipeline sees them, through the simulator's injected faults:
//! -1 (busy) is retried with backoff and delivered; 45011 (minute quota) reschedules without
//! spending an attempt; 43101 (no grant left at WeChat) is recorded and never retried. And the
//! send's exactly-once rules: a job delivered twice sends once; a send re-checks its appointment;
//! a send without an openid waits on the code exchange's own outcome.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Connection;
use yizhan_common::jobs::kinds::SendSubscribeMessage;
use yizhan_common::jobs::{Job, QueueName};
use yizhan_common::queue::Keys;
use yizhan_system_tests::system::System;

struct Booking {
    admin: String,
    user: String,
    schedule: i64,
    openid: String,
    /// The schedule's hospital and department ids.
    place: (Value, Value),
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
    Booking { admin, user, schedule: s["id"].as_i64().expect("id"), openid, place: (h["id"].clone(), d["id"].clone()) }
}

/// Books for a new patient with an accepted grant; returns the appointment id.
async fn book(sys: &System, b: &Booking, name: &str) -> i64 {
    let (_, p) = sys.post("/patient/patients", Some(&b.user), json!({"name": name, "phone": "13900000001"})).await;
    let accepted = json!({"模板ID1": "accept"});
    sys.accept(&b.openid, &accepted).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&b.user), json!({"scheduleId": b.schedule, "patientId": p["id"],
              "subscribeAuthResult": accepted}))
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

/// The send row once it reached a final state (not `pending`, not claimed as `sending`).
async fn final_row(sys: &System, appointment: i64) -> Option<(String, Option<i32>, i32)> {
    send_row(sys, appointment).await.filter(|r| r.0 != "pending" && r.0 != "sending")
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
    assert_eq!((row.0.as_str(), row.2), ("pending", 1), "one WeChat call recorded, the row released for the retry");
    let queues = sys
        .eventually("the job waiting for the next minute", Duration::from_secs(10), || async {
            let (_, v) = sys.call(reqwest::Method::GET, "/admin/queues", Some(&b.admin), None).await;
            let wechat = v["queues"].as_array()?.iter().find(|q| q["queue"] == "wechat")?.clone();
            (wechat["scheduled"] == 1).then_some(wechat)
        })
        .await;
    assert_eq!(queues["dead"], 0, "{queues}");
    let jobs = queued_jobs(&sys, QueueName::Wechat).await;
    let attempts: Vec<(String, String)> =
        jobs.iter().filter(|j| j.0 == SendSubscribeMessage::KIND).map(|j| (j.0.clone(), j.1.clone())).collect();
    assert_eq!(attempts, vec![(SendSubscribeMessage::KIND.to_owned(), "0".to_owned())], "no attempt spent: {jobs:?}");
}

/// `(kind, attempts)` of every job hash of `queue` in Redis.
async fn queued_jobs(sys: &System, queue: QueueName) -> Vec<(String, String)> {
    let url = secrecy::SecretString::from(sys.env.get("REDIS_URL"));
    let mut conn = yizhan_common::redis_conn::connect(&url, Default::default()).await.expect("redis");
    let pattern = Keys::new(sys.env.get("REDIS_PREFIX")).job(queue, "*");
    let keys = yizhan_common::redis_scan::keys_matching(&mut conn, &pattern).await.expect("keys");
    let mut jobs = Vec::new();
    for key in keys {
        let (kind, attempts): (Option<String>, Option<String>) =
            redis::cmd("HMGET").arg(&key).arg("kind").arg("attempts").query_async(&mut conn).await.expect("hmget");
        jobs.push((kind.unwrap_or_default(), attempts.unwrap_or_default()));
    }
    jobs
}

async fn pool(sys: &System) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&sys.env.get("DATABASE_URL")).await.expect("db")
}

/// Pushes envelopes straight to the system's Redis queues (a duplicate delivery, a redelivery).
async fn push(sys: &System, envelopes: &[yizhan_common::jobs::JobEnvelope]) {
    use yizhan_common::jobs::JobSink;
    let redis = yizhan_common::redis_conn::connect(&secrecy::SecretString::from(sys.env.get("REDIS_URL")), Default::default())
        .await
        .expect("redis");
    let queue = yizhan_common::queue::RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), Default::default());
    queue.push_many(envelopes).await.expect("push");
}

#[tokio::test]
async fn a_send_job_delivered_several_times_at_once_sends_once() {
    use yizhan_common::jobs::{kinds::SendSubscribeMessage, Job};
    let sys = System::start().await;
    let b = prepare(&sys).await;
    // WeChat holds more grants than the booking accepted, so only our claim can stop a second send;
    // each call is slow, so the duplicates run while the first is still in flight.
    sys.sim_post("/_sim/grants", json!({"openid": b.openid, "templateId": "模板ID1", "count": 4})).await;
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "subscribe_send", "latencyMs": 1500}]})).await;
    let id = book(&sys, &b, "重复").await;
    let send_id: i64 = sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE appointment_id = $1")
        .bind(id)
        .fetch_one(&pool(&sys).await)
        .await
        .expect("send");
    let dupes: Vec<_> = (0..4)
        .map(|n| SendSubscribeMessage { send_id }.envelope(format!("duplicate-{n}"), chrono::Utc::now()).expect("envelope"))
        .collect();
    push(&sys, &dupes).await;
    sys.eventually("the sent row", Duration::from_secs(20), || async { send_row(&sys, id).await.filter(|r| r.0 == "sent") }).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sys.sim_get("/_sim/stats").await["calls"]["subscribe_send"], 1, "one call for five deliveries of the job");
    let delivered: Value = sys.sim_get(&format!("/_sim/messages?touser={}", b.openid)).await;
    assert_eq!(delivered["count"], 1);
}

/// Stops the worker: pushed jobs wait in Redis until [`start_worker`].
fn stop_worker(sys: &mut System) {
    let mut worker = sys.procs().remove(2);
    assert!(worker.terminate(Duration::from_secs(10)).is_some(), "worker stopped");
}

fn start_worker(sys: &mut System) {
    let worker = sys.env.spawn("yizhan-worker", &[]);
    sys.procs().push(worker);
}

#[tokio::test]
async fn a_send_waiting_in_the_queue_skips_a_cancelled_appointment() {
    let mut sys = System::start().await;
    let b = prepare(&sys).await;
    stop_worker(&mut sys);
    let id = book(&sys, &b, "取消").await;
    let (status, v) = sys.call(reqwest::Method::DELETE, &format!("/patient/appointments/{id}"), Some(&b.user), None).await;
    assert_eq!(status, 200, "{v}");
    start_worker(&mut sys);
    skipped_as_cancelled(&sys, &b, id).await;
}

/// The appointment's send ends `skipped` for its cancel, and nothing reached the patient.
async fn skipped_as_cancelled(sys: &System, b: &Booking, id: i64) {
    let row = sys
        .eventually("the skipped send", Duration::from_secs(20), || async { final_row(sys, id).await })
        .await;
    assert_eq!(row.0, "skipped");
    let error: Option<String> = sqlx::query_scalar("SELECT error FROM subscribe_sends WHERE appointment_id = $1")
        .bind(id)
        .fetch_one(&pool(sys).await)
        .await
        .expect("row");
    assert_eq!(error.as_deref(), Some("the appointment was cancelled"));
    assert_eq!(sys.sim_get(&format!("/_sim/messages?touser={}", b.openid)).await["count"], 0);
}

/// Sessions of the system's database blocked on a lock.
async fn lock_waiters(db: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        .fetch_one(db)
        .await
        .expect("activity")
}

/// A patient's change (`request`) in flight: `schedule`'s row is held by the transaction
/// returned, and the request, sent meanwhile, waits for it holding its appointment. The task
/// answers the request's status once the hold is released.
async fn in_flight(
    sys: &System,
    db: &sqlx::PgPool,
    schedule: i64,
    request: reqwest::RequestBuilder,
) -> (sqlx::Transaction<'static, sqlx::Postgres>, tokio::task::JoinHandle<u16>) {
    let mut hold = db.begin().await.expect("tx");
    sqlx::query("SELECT id FROM schedules WHERE id = $1 FOR UPDATE").bind(schedule).execute(&mut *hold).await.expect("hold");
    let answer = tokio::spawn(async move { request.send().await.expect("request").status().as_u16() });
    sys.eventually("the change in flight", Duration::from_secs(10), || async { (lock_waiters(db).await >= 1).then_some(()) }).await;
    (hold, answer)
}

/// Waits until the send waits for the change in flight (a second lock waiter), or has sent to
/// `openid` without waiting (which the caller's assertions then catch).
async fn send_waits_for_it(sys: &System, db: &sqlx::PgPool, openid: &str) {
    sys.eventually("the send waiting for the change in flight, or a message", Duration::from_secs(20), || async {
        let sent = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await["count"] == 1;
        (sent || lock_waiters(db).await >= 2).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_send_waiting_in_the_queue_shows_the_rescheduled_time() {
    let mut sys = System::start().await;
    let b = prepare(&sys).await;
    let out = std::process::Command::new("date").args(["-d", "+12 days", "+%Y-%m-%d"]).output().expect("date");
    let later = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (status, moved) = sys
        .post("/admin/schedules", Some(&b.admin), json!({"hospitalId": b.place.0, "departmentId": b.place.1,
              "date": later, "period": "上午", "startTime": "08:00", "endTime": "12:00", "capacity": 20, "fee": 0}))
        .await;
    assert_eq!(status, 201, "{moved}");
    stop_worker(&mut sys);
    let id = book(&sys, &b, "改约").await;
    // The reschedule is in flight when the send's turn comes (past the queue and the rate limit):
    // it holds the appointment and waits for the new schedule's row, held here.
    let db = pool(&sys).await;
    let request = sys
        .http
        .put(format!("{}/patient/appointments/{id}/reschedule", sys.api))
        .bearer_auth(&b.user)
        .json(&json!({"scheduleId": moved["id"]}));
    let (hold, rescheduling) = in_flight(&sys, &db, moved["id"].as_i64().expect("schedule"), request).await;
    start_worker(&mut sys);
    // The send reads the appointment settled: it waits for the reschedule in flight (a second
    // waiter). Sending from what it read before (the old schedule) fails below instead.
    send_waits_for_it(&sys, &db, &b.openid).await;
    hold.commit().await.expect("release");
    assert_eq!(rescheduling.await.expect("reschedule"), 200);
    let delivered = sys
        .eventually("the message", Duration::from_secs(20), || async {
            let m: Value = sys.sim_get(&format!("/_sim/messages?touser={}", b.openid)).await;
            (m["count"] == 1).then_some(m)
        })
        .await;
    let time = delivered["messages"][0]["data"]["time3"]["value"].as_str().expect("time3").to_owned();
    assert_eq!(time, format!("{later} 08:00~12:00"), "the message shows the schedule the appointment moved to");
}

#[tokio::test]
async fn a_send_reading_an_appointment_cancelled_in_flight_skips_it() {
    let mut sys = System::start().await;
    let b = prepare(&sys).await;
    stop_worker(&mut sys);
    let id = book(&sys, &b, "取消中").await;
    // The cancel is in flight when the send's turn comes: it has marked the appointment cancelled
    // (not committed) and waits for the schedule's row, held here, to give the place back.
    let db = pool(&sys).await;
    let request = sys.http.delete(format!("{}/patient/appointments/{id}", sys.api)).bearer_auth(&b.user);
    let (hold, cancelling) = in_flight(&sys, &db, b.schedule, request).await;
    start_worker(&mut sys);
    // The claim sees the appointment booked (the cancel has not committed); the read before the
    // call waits for the cancel (a second waiter) and sees it. Sending from the claim's view
    // sends the message below instead.
    send_waits_for_it(&sys, &db, &b.openid).await;
    hold.commit().await.expect("release");
    assert_eq!(cancelling.await.expect("cancel"), 200);
    skipped_as_cancelled(&sys, &b, id).await;
}

/// A first-time user (no openid yet) books with a fresh code and an accepted grant.
async fn first_time_booking(sys: &System, b: &Booking, username: &str, code: &Value) -> i64 {
    let user = sys.user(&b.admin, username, &["patient"]).await;
    let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": "初诊", "phone": "13900000002"})).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&user), json!({"scheduleId": b.schedule, "patientId": p["id"], "wxCode": code,
              "subscribeAuthResult": {"模板ID1": "accept"}}))
        .await;
    assert_eq!(status, 200, "{v}");
    v["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_send_planned_long_ago_still_waits_for_its_slow_code_exchange() {
    let mut sys = System::start().await;
    let b = prepare(&sys).await;
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    sys.accept(&openid, &json!({"模板ID1": "accept"})).await;
    stop_worker(&mut sys);
    let id = first_time_booking(&sys, &b, "firsttime", &wx["code"]).await;
    // Planned two minutes ago (the exchange stuck behind a burst), and the exchange itself is slow.
    sqlx::query("UPDATE subscribe_sends SET created_at = now() - interval '2 minutes' WHERE appointment_id = $1")
        .bind(id)
        .execute(&pool(&sys).await)
        .await
        .expect("backdate");
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "jscode2session", "latencyMs": 1000}]})).await;
    start_worker(&mut sys);
    let row = sys
        .eventually("the send's outcome", Duration::from_secs(20), || async { final_row(&sys, id).await })
        .await;
    assert_eq!(row.0, "sent", "waited for the exchange instead of skipping");
    assert_eq!(sys.sim_get(&format!("/_sim/messages?touser={openid}")).await["count"], 1);
}

#[tokio::test]
async fn a_first_time_send_follows_the_exchange_not_a_timer() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    // The exchange takes 300 ms: the send runs first, finds no openid, and must be woken by it.
    let (wx, openid) = first_time_user_with_slow_exchange(&sys).await;
    let started = std::time::Instant::now();
    first_time_booking(&sys, &b, "firstfast", &wx["code"]).await;
    first_time_message(&sys, &openid).await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1800), "the send waited out a timer: {took:?}");
}

#[tokio::test]
async fn a_send_whose_code_exchange_failed_is_skipped_at_once() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    let id = first_time_booking(&sys, &b, "badcode", &json!("expired-or-fake-code")).await;
    let row = sys
        .eventually("the skipped send", Duration::from_secs(15), || async { final_row(&sys, id).await })
        .await;
    assert_eq!(row.0, "skipped");
}

#[tokio::test]
async fn a_first_time_send_is_started_by_its_exchange_and_not_run_before_it() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    // A slow exchange: a send run at booking time would surely find no openid yet.
    let (wx, openid) = first_time_user_with_slow_exchange(&sys).await;
    let id = first_time_booking(&sys, &b, "firstwake", &wx["code"]).await;
    first_time_message(&sys, &openid).await;
    let db = pool(&sys).await;
    // The send planned with the booking, and the one the exchange's completion wrote.
    let jobs: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT o.id, extract(epoch FROM o.run_at - o.created_at)::FLOAT8 FROM outbox o JOIN subscribe_sends s ON (o.payload->>'sendId')::BIGINT = s.id
          WHERE o.kind = 'send_subscribe_message' AND s.appointment_id = $1 ORDER BY o.id",
    )
    .bind(id)
    .fetch_all(&db)
    .await
    .expect("jobs");
    assert_eq!(jobs.len(), 2, "the planned job and the exchange's wake-up: {jobs:?}");
    assert!(jobs[0].1 >= 25.0, "the planned job is only the fallback, due later: {jobs:?}");
    let url = secrecy::SecretString::from(sys.env.get("REDIS_URL"));
    let mut conn = yizhan_common::redis_conn::connect(&url, Default::default()).await.expect("redis");
    let key = Keys::new(sys.env.get("REDIS_PREFIX")).job(QueueName::Wechat, &yizhan_common::outbox::envelope_id(jobs[0].0));
    let lease: Option<String> = redis::cmd("HGET").arg(&key).arg("lease").query_async(&mut conn).await.expect("hget");
    assert_eq!(lease, None, "the planned job never ran: the exchange's completion started the send");
}

#[tokio::test]
async fn a_burst_of_slow_sends_does_not_hold_back_a_code_exchange() {
    let sys = System::start().await;
    let b = prepare(&sys).await;
    // Every send now takes 5 s at WeChat: 18 of them fill the `wechat` queue's 16 slots.
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "subscribe_send", "latencyMs": 5000}]})).await;
    for i in 0..18 {
        book(&sys, &b, &format!("忙{i}")).await;
    }
    let db = pool(&sys).await;
    sys.eventually("the wechat slots busy", Duration::from_secs(10), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_sends WHERE status = 'sending'").fetch_one(&db).await.ok()?;
        (n >= 16).then_some(())
    })
    .await;
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let started = std::time::Instant::now();
    first_time_booking(&sys, &b, "notstarved", &wx["code"]).await;
    sys.eventually("the code exchange", Duration::from_secs(20), || async {
        let done: Option<bool> = sqlx::query_scalar("SELECT status = 'done' FROM wx_code_exchanges ORDER BY id DESC LIMIT 1")
            .fetch_optional(&db)
            .await
            .ok()?;
        done.filter(|d| *d)
    })
    .await;
    let took = started.elapsed();
    // On the `wechat` queue it would wait for a slot: at least one 5 s send.
    assert!(took < Duration::from_millis(2500), "the exchange waited behind the sends: {took:?}");
}

/// A new mini-program user who accepted template 模板ID1, and a code exchange that takes 300 ms.
async fn first_time_user_with_slow_exchange(sys: &System) -> (Value, String) {
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    sys.accept(&openid, &json!({"模板ID1": "accept"})).await;
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "jscode2session", "latencyMs": 300}]})).await;
    (wx, openid)
}

/// Waits for the one message WeChat delivered to `openid`.
async fn first_time_message(sys: &System, openid: &str) {
    sys.eventually("the first-time message", Duration::from_secs(20), || async {
        let m: Value = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
        (m["count"] == 1).then_some(())
    })
    .await;
}

/// The morning's release of places: many single sends due at once. Each message goes out once —
/// a send delivered four times at once among them too — while the worker's runs share their
/// claims, reads and records in batches (the worker's counters show fewer batches than calls).
#[tokio::test]
async fn a_burst_of_single_sends_goes_once_each_with_its_statements_coalesced() {
    use yizhan_common::jobs::{kinds::SendSubscribeMessage, Job};
    let mut sys = System::start().await;
    let b = prepare(&sys).await;
    stop_worker(&mut sys);
    let bookings = 16;
    let mut ids = Vec::new();
    for n in 0..bookings {
        ids.push(book(&sys, &b, &format!("患者{n}")).await);
    }
    let db = pool(&sys).await;
    let send_id: i64 = sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE appointment_id = $1").bind(ids[3]).fetch_one(&db).await.expect("send");
    let dupes: Vec<_> = (0..3)
        .map(|n| SendSubscribeMessage { send_id }.envelope(format!("burst-duplicate-{n}"), chrono::Utc::now()).expect("envelope"))
        .collect();
    push(&sys, &dupes).await;
    // WeChat holds more grants than were spent, so only the claims can stop a second send.
    sys.sim_post("/_sim/grants", json!({"openid": b.openid, "templateId": "模板ID1", "count": 4})).await;
    let metrics_addr = format!("127.0.0.1:{}", yizhan_system_tests::free_port());
    let worker = sys.env.clone().with("WORKER_METRICS_ADDR", &metrics_addr).spawn("yizhan-worker", &[]);
    sys.procs().push(worker);
    sys.eventually("every send recorded sent", Duration::from_secs(30), || async {
        let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_sends WHERE status = 'sent'").fetch_one(&db).await.ok()?;
        (sent == bookings).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sys.sim_get("/_sim/stats").await["calls"]["subscribe_send"], bookings, "one call per message");
    assert_eq!(sys.sim_get(&format!("/_sim/messages?touser={}", b.openid)).await["count"], bookings);
    let metrics = yizhan_system_tests::prometheus::scrape(&metrics_addr).await.expect("metrics");
    let counts = |statement: &str| {
        let of = |name| yizhan_system_tests::prometheus::sample(&metrics, name, ("statement", statement));
        (of("yizhan_coalesced_calls_total"), of("yizhan_coalesced_batches_total"))
    };
    for statement in ["subscribe_claim", "subscribe_facts", "subscribe_sent"] {
        let (calls, batches) = counts(statement);
        eprintln!("{statement}: {calls} calls in {batches} batches");
        assert!(calls >= bookings as f64, "{statement}: {calls} calls\n{metrics}");
    }
    let (calls, batches) = counts("subscribe_claim");
    assert!(batches < calls, "the claims went in batches: {calls} calls in {batches} batches");
}
