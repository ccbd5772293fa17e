//! Seed 001's booking rules: payment follows a reschedule, refunds tell the truth, only open
//! appointments and sessions change, and the races between moves, cancels, promotions and the
//! sweep neither deadlock nor fail the person acting.

mod support;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::clinic::{book, clinic, patient, schedule, schedule_with, Clinic};
use support::{assert_error, TestApp};
use yizhan_common::hospital::booking::{self, Expected};
use yizhan_common::hospital::waitlist;
use yizhan_common::jobs::kinds::RefundPayment;
use yizhan_common::time;

async fn reschedule(app: &TestApp, token: &str, id: i64, schedule: i64) -> (StatusCode, Value) {
    app.send(Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(token), Some(json!({"scheduleId": schedule}))).await
}

async fn cancel(app: &TestApp, token: &str, id: i64) -> (StatusCode, Value) {
    app.send(Method::DELETE, &format!("/patient/appointments/{id}"), Some(token), None).await
}

async fn detail(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, v) = app.get(&format!("/patient/appointments/{id}"), Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

fn payment(v: &Value) -> (Value, Value, Value) {
    (v["paymentStatus"].clone(), v["needPay"].clone(), v["payAmount"].clone())
}

/// Patients of `user` inserted directly (past the per-user cap), for crowds.
async fn crowd(app: &TestApp, token: &str, n: i64) -> Vec<i64> {
    let (_, me) = app.get("/current-user/", Some(token)).await;
    sqlx::query_scalar("INSERT INTO patients (user_id, name, phone) SELECT $1, 'p' || g, '13800000000' FROM generate_series(1, $2) g RETURNING id")
        .bind(me["id"].as_i64().expect("id"))
        .bind(n)
        .fetch_all(&app.pool)
        .await
        .expect("patients")
}

#[tokio::test]
async fn reschedule_recomputes_an_unpaid_fee_and_keeps_a_paid_one() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let free = schedule_with(&app, &c, json!({"period": "免费", "fee": 0})).await;
    let paid = schedule_with(&app, &c, json!({"period": "收费", "fee": 25.5})).await;
    let same_fee = schedule_with(&app, &c, json!({"period": "同价", "fee": 25.5})).await;
    let user = app.user_token("pay", &["patient"]).await;
    let p = patient(&app, &user, "付款").await;
    let (_, v) = book(&app, &user, free, p, json!({})).await;
    assert_eq!(payment(&v), (json!("free"), json!(false), json!(0.0)));
    let id = v["id"].as_i64().expect("id");

    let (status, v) = reschedule(&app, &user, id, paid).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(payment(&detail(&app, &user, id).await), (json!("pending"), json!(true), json!(25.5)));
    let (status, _) = reschedule(&app, &user, id, free).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(payment(&detail(&app, &user, id).await), (json!("free"), json!(false), json!(0.0)));

    // Paid: it may move to the same fee only.
    reschedule(&app, &user, id, paid).await;
    sqlx::query("UPDATE appointments SET payment_status = 'paid' WHERE id = $1").bind(id).execute(&pool).await.expect("paid");
    let (status, err) = reschedule(&app, &user, id, free).await;
    assert_error(status, &err, StatusCode::CONFLICT, "fee_differs");
    let (status, v) = reschedule(&app, &user, id, same_fee).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(payment(&detail(&app, &user, id).await), (json!("paid"), json!(false), json!(25.5)));
}

#[tokio::test]
async fn a_cancelled_paid_appointment_is_refunded_through_a_refund_job() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("refund", &["patient"]).await;
    let (p1, p2) = (patient(&app, &user, "甲").await, patient(&app, &user, "乙").await);
    let (_, paid) = book(&app, &user, s, p1, json!({})).await;
    let (_, unpaid) = book(&app, &user, s, p2, json!({})).await;
    let (paid, unpaid) = (paid["id"].as_i64().expect("id"), unpaid["id"].as_i64().expect("id"));
    sqlx::query("UPDATE appointments SET payment_status = 'paid' WHERE id = $1").bind(paid).execute(&pool).await.expect("paid");

    let (status, v) = cancel(&app, &user, paid).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v, json!({"success": true, "refundAmount": 10.0}));
    assert_eq!(payment(&detail(&app, &user, paid).await), (json!("refunded"), json!(false), json!(10.0)));
    let (_, v) = cancel(&app, &user, unpaid).await;
    assert_eq!(v, json!({"success": true, "refundAmount": 0.0}));
    assert_eq!(detail(&app, &user, unpaid).await["paymentStatus"], "pending");

    let refunds: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT id, appointment_id, amount_cents, status FROM refunds").fetch_all(&pool).await.expect("refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!((refunds[0].1, refunds[0].2, refunds[0].3.as_str()), (paid, 1000, "requested"));
    let jobs = yizhan_common::testing::enqueued::<RefundPayment>(&pool).await;
    assert_eq!(jobs.iter().map(|j| serde_json::to_value(j).expect("encode")).collect::<Vec<_>>(), vec![json!({"refundId": refunds[0].0})]);
}

/// A schedule today that ended a minute ago, written directly (the admin route takes whole minutes).
async fn ended_today(app: &TestApp, c: &Clinic, capacity: i32) -> Option<i64> {
    let now = time::local_now();
    let end = now.time() - chrono::Duration::seconds(60);
    if end >= now.time() || end < chrono::NaiveTime::from_hms_opt(0, 0, 1).expect("time") {
        return None; // the first minute of the day: no session can have ended yet
    }
    let id = sqlx::query_scalar(
        "INSERT INTO schedules (hospital_id, department_id, date, period, start_time, end_time, capacity, fee_cents)
         VALUES ($1, $2, $3, '已结束', '00:00', $4, $5, 0) RETURNING id",
    )
    .bind(c.hospital)
    .bind(c.department)
    .bind(now.date())
    .bind(end)
    .bind(capacity)
    .fetch_one(&app.pool)
    .await
    .expect("schedule");
    Some(id)
}

#[tokio::test]
async fn an_ended_session_cannot_be_booked_waitlisted_or_promoted_into() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let Some(ended) = ended_today(&app, &c, 1).await else { return };
    let user = app.user_token("late", &["patient"]).await;
    let (p1, p2) = (patient(&app, &user, "迟").await, patient(&app, &user, "到").await);
    let (status, err) = book(&app, &user, ended, p1, json!({})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_closed");
    // The booking's statement takes the place before the schedule is checked: the refusal gave it back.
    let (booked, appointments): (i32, i64) = sqlx::query_as("SELECT booked, (SELECT count(*) FROM appointments) FROM schedules WHERE id = $1")
        .bind(ended)
        .fetch_one(&pool)
        .await
        .expect("schedule");
    assert_eq!((booked, appointments), (0, 0), "nothing of the refused booking stays");
    sqlx::query("UPDATE schedules SET booked = 1 WHERE id = $1").bind(ended).execute(&pool).await.expect("full");
    let (status, err) = app.post("/patient/waitlist", Some(&user), json!({"scheduleId": ended, "patientId": p2})).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_closed");

    // Someone waiting from before the session ended, and a place freed: nobody is promoted into it.
    let (_, me) = app.get("/current-user/", Some(&user)).await;
    sqlx::query("INSERT INTO waitlist_entries (schedule_id, patient_id, user_id, queue_number) VALUES ($1, $2, $3, 1)")
        .bind(ended)
        .bind(p2)
        .bind(me["id"].as_i64())
        .execute(&pool)
        .await
        .expect("entry");
    sqlx::query("UPDATE schedules SET booked = 0 WHERE id = $1").bind(ended).execute(&pool).await.expect("freed");
    let mut conn = pool.acquire().await.expect("conn");
    let now = time::local_now();
    assert!(waitlist::schedules_to_promote(&mut conn, now, 10).await.expect("sweep").is_empty());
    assert!(waitlist::promote(&mut conn, ended, now).await.expect("promote").is_empty());
    let other = schedule(&app, &c, "下午", 1).await;
    let (_, _) = book(&app, &user, other, p1, json!({})).await;
    let moved: i64 = sqlx::query_scalar("SELECT id FROM appointments").fetch_one(&pool).await.expect("a");
    let (status, err) = reschedule(&app, &user, moved, ended).await;
    assert_error(status, &err, StatusCode::CONFLICT, "schedule_closed");
}

#[tokio::test]
async fn only_open_appointments_of_today_or_later_change() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (s, other) = (schedule(&app, &c, "上午", 5).await, schedule(&app, &c, "下午", 5).await);
    let user = app.user_token("past", &["patient"]).await;
    let (p1, p2) = (patient(&app, &user, "过去").await, patient(&app, &user, "完成").await);
    let (_, past) = book(&app, &user, s, p1, json!({})).await;
    let (_, done) = book(&app, &user, s, p2, json!({})).await;
    let (past, done) = (past["id"].as_i64().expect("id"), done["id"].as_i64().expect("id"));
    let yesterday = time::today() - chrono::Duration::days(1);
    sqlx::query("UPDATE schedules SET date = $2 WHERE id = $1").bind(s).bind(yesterday).execute(&pool).await.expect("past");
    let done_on = schedule(&app, &c, "晚上", 5).await;
    sqlx::query("UPDATE appointments SET status = 'completed', schedule_id = $2 WHERE id = $1").bind(done).bind(done_on).execute(&pool).await.expect("done");

    for id in [past, done] {
        let (status, err) = cancel(&app, &user, id).await;
        assert_error(status, &err, StatusCode::CONFLICT, "appointment_closed");
        let (status, err) = reschedule(&app, &user, id, other).await;
        assert_error(status, &err, StatusCode::CONFLICT, "appointment_closed");
    }
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM appointments ORDER BY id").fetch_all(&pool).await.expect("s");
    assert_eq!(statuses, vec!["pending", "completed"]);
    let booked: i32 = sqlx::query_scalar("SELECT booked FROM schedules WHERE id = $1").bind(other).fetch_one(&pool).await.expect("b");
    assert_eq!(booked, 0);
}

#[tokio::test]
async fn opposite_reschedules_at_once_do_not_deadlock() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (a, b) = (schedule(&app, &c, "上午", 40).await, schedule(&app, &c, "下午", 40).await);
    let user = app.user_token("swap", &["patient"]).await;
    let patients = crowd(&app, &user, 40).await;
    let mut moves = Vec::new();
    for (i, p) in patients.into_iter().enumerate() {
        let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
        let (status, v) = book(&app, &user, from, p, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        moves.push((v["id"].as_i64().expect("id"), to));
    }
    let app = Arc::new(app);
    let tasks: Vec<_> = moves
        .into_iter()
        .map(|(id, to)| {
            let (app, user) = (app.clone(), user.clone());
            tokio::spawn(async move { reschedule(&app, &user, id, to).await })
        })
        .collect();
    for task in tasks {
        let (status, v) = task.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let counts: Vec<i32> = sqlx::query_scalar("SELECT booked FROM schedules ORDER BY id").fetch_all(&pool).await.expect("counts");
    assert_eq!(counts, vec![20, 20]);
}

#[tokio::test]
async fn a_reschedule_promotes_the_old_schedules_waitlist() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let (full, other) = (schedule(&app, &c, "上午", 1).await, schedule(&app, &c, "下午", 5).await);
    let mover = app.user_token("mover", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    let (mp, wp) = (patient(&app, &mover, "M").await, patient(&app, &waiter, "W").await);
    let (_, v) = book(&app, &mover, full, mp, json!({})).await;
    let (status, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": full, "patientId": wp})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    let (status, v) = reschedule(&app, &mover, v["id"].as_i64().expect("id"), other).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, appointment): (String, Option<i64>) =
        sqlx::query_as("SELECT status, appointment_id FROM waitlist_entries").fetch_one(&pool).await.expect("entry");
    assert_eq!(status, "promoted");
    let (_, mine) = app.get("/patient/appointments", Some(&waiter)).await;
    assert_eq!((mine["count"].clone(), mine["results"][0]["id"].clone()), (json!(1), json!(appointment.expect("id"))));
    assert_eq!(mine["results"][0]["scheduleId"], full);
}

/// An app whose users may wait on many schedules at once.
fn roomy_app(pool: PgPool) -> Arc<TestApp> {
    let mut config = support::config(&support::redis_url());
    config.waitlist_max_per_user = 100;
    Arc::new(TestApp::with_config(pool, config))
}

/// Runs `waitlist::promote` for `schedule` in its own transaction, as the sweep does; how many
/// it promoted, or the error the promotion failed with.
async fn sweep_once(pool: PgPool, schedule: i64) -> Result<usize, String> {
    let mut tx = pool.begin().await.expect("tx");
    let promoted = waitlist::promote(&mut tx, schedule, time::local_now()).await.map_err(|e| format!("{e:?}"))?;
    tx.commit().await.expect("commit");
    Ok(promoted.len())
}

/// Waits until `n` sessions of this test's database are blocked on a lock (an interleaving the
/// test set up has reached its pause).
async fn blocked_on_locks(pool: &PgPool, n: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .expect("activity");
        if waiting >= n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} of {n} sessions reached their lock wait");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Holds the message key `key` (a send row of `user_id`'s under it, not committed) until the
/// returned transaction ends: `plan_send`, writing that message for a user holding its grant,
/// waits at the key's unique index meanwhile. Rolled back, it lets the waiting one plan it.
async fn hold_message_key(pool: &PgPool, key: &str, user_id: i64) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.expect("tx");
    sqlx::query("INSERT INTO subscribe_sends (idempotency_key, kind, user_id, template_id) VALUES ($1, 'cancelled', $2, '模板ID6')")
        .bind(key)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .expect("hold the key");
    tx
}

#[tokio::test]
async fn cancels_racing_the_sweep_promote_once_and_never_fail() {
    let pool = yizhan_common::testing::database().await;
    let app = roomy_app(pool.clone());
    let c = clinic(&app).await;
    let holder = app.user_token("holder", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    let hp = patient(&app, &holder, "H").await;
    let waiting = crowd(&app, &waiter, 2).await;
    let s = schedule(&app, &c, "上午", 1).await;
    // The holder accepts the cancel's message, so the cancel plans it (and pauses on its key).
    let (_, v) = book(&app, &holder, s, hp, json!({"subscribeAuthResult": {"模板ID6": "accept"}})).await;
    let id = v["id"].as_i64().expect("id");
    for p in &waiting {
        let (status, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": p})).await;
        assert_eq!(status, StatusCode::OK, "{w}");
    }
    // One interleaving, made certain: the cancel has given its place back (it holds the schedule
    // row) and pauses before promoting, where it plans its own message under that message's key.
    let holder_id: i64 = sqlx::query_scalar("SELECT user_id FROM appointments WHERE id = $1").bind(id).fetch_one(&pool).await.expect("user");
    let pause = hold_message_key(&pool, &format!("cancelled:appointment:{id}:cancelled"), holder_id).await;
    let cancelling = {
        let (app, holder) = (app.clone(), holder.clone());
        tokio::spawn(async move { cancel(&app, &holder, id).await })
    };
    blocked_on_locks(&pool, 1).await;
    // The sweep arrives meanwhile and waits for the schedule row. Without the schedule lock
    // first, it would already hold the first waiting entry, and the cancel, skipping a locked
    // entry, would promote the second: first come, first served broken.
    let sweep = tokio::spawn(sweep_once(pool.clone(), s));
    blocked_on_locks(&pool, 2).await;
    pause.rollback().await.expect("release the cancel");
    let (status, v) = cancelling.await.expect("cancel");
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(sweep.await.expect("sweep"), Ok(0), "the cancel promoted into the one place");
    let entries: Vec<(i32, String)> =
        sqlx::query_as("SELECT queue_number, status FROM waitlist_entries ORDER BY queue_number").fetch_all(&pool).await.expect("entries");
    assert_eq!(entries, vec![(1, "promoted".to_owned()), (2, "waiting".to_owned())], "the first in line is promoted, once");
    let (booked, active): (i32, i64) = sqlx::query_as(
        "SELECT booked, (SELECT count(*) FROM appointments WHERE schedule_id = $1 AND status <> 'cancelled') FROM schedules WHERE id = $1",
    )
    .bind(s)
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!((booked, active), (1, 1));
}

#[tokio::test]
async fn a_promotion_racing_the_same_patients_booking_fails_neither_the_sweep_nor_the_canceller() {
    let pool = yizhan_common::testing::database().await;
    let app = roomy_app(pool.clone());
    let c = clinic(&app).await;
    let holder = app.user_token("holder", &["patient"]).await;
    let waiter = app.user_token("waiter", &["patient"]).await;
    let (_, me) = app.get("/current-user/", Some(&waiter)).await;
    let waiter_id = me["id"].as_i64().expect("id");
    let hp = patient(&app, &holder, "H").await;
    let waiting = crowd(&app, &waiter, 2).await;
    let (swept, cancelled) = (schedule(&app, &c, "上午", 1).await, schedule(&app, &c, "下午", 1).await);
    let mut holds = Vec::new();
    for (s, p) in [(swept, waiting[0]), (cancelled, waiting[1])] {
        let (_, v) = book(&app, &holder, s, hp, json!({})).await;
        holds.push(v["id"].as_i64().expect("id"));
        let (status, w) = app.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s, "patientId": p})).await;
        assert_eq!(status, StatusCode::OK, "{w}");
    }
    // The waiting patient books the same schedule directly in a transaction left open: it holds
    // the schedule row and a place, its appointment not yet visible to anyone.
    let direct = |s: i64, p: i64| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await.expect("tx");
            let id = booking::appointment_id_for(&mut tx, waiter_id, p).await.expect("id").expect("patient");
            booking::book(&mut tx, id, waiter_id, p, s, Expected::default(), "", time::local_now()).await.expect("direct booking");
            tx
        }
    };

    // 1. The sweep (a place freed without an event: capacity raised) promotes the same patient.
    sqlx::query("UPDATE schedules SET capacity = 3 WHERE id = $1").bind(swept).execute(&pool).await.expect("capacity");
    let booking = direct(swept, waiting[0]).await;
    let sweep = tokio::spawn(sweep_once(pool.clone(), swept));
    blocked_on_locks(&pool, 1).await;
    booking.commit().await.expect("booked");
    // Without the schedule lock first the sweep had already read the entry as still waiting, and
    // its insert would hit the patient's new appointment (AlreadyBooked: the sweep fails).
    assert_eq!(sweep.await.expect("sweep"), Ok(0), "the entry is dropped, not promoted twice");

    // 2. The holder's cancel promotes while the same patient's booking (of a place added
    // meanwhile) is in flight.
    sqlx::query("UPDATE schedules SET capacity = 2 WHERE id = $1").bind(cancelled).execute(&pool).await.expect("capacity");
    let booking = direct(cancelled, waiting[1]).await;
    let cancelling = {
        let (app, holder, id) = (app.clone(), holder.clone(), holds[1]);
        tokio::spawn(async move { cancel(&app, &holder, id).await })
    };
    blocked_on_locks(&pool, 1).await;
    booking.commit().await.expect("booked");
    let (status, v) = cancelling.await.expect("cancel");
    assert_eq!(status, StatusCode::OK, "cancel: {v}");

    for (s, p) in [(swept, waiting[0]), (cancelled, waiting[1])] {
        let (mine, entry): (i64, String) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM appointments a WHERE a.schedule_id = $1 AND a.patient_id = $2 AND a.status <> 'cancelled'),
                    (SELECT status FROM waitlist_entries WHERE schedule_id = $1 AND patient_id = $2)",
        )
        .bind(s)
        .bind(p)
        .fetch_one(&pool)
        .await
        .expect("counts");
        assert_eq!((mine, entry.as_str()), (1, "cancelled"), "schedule {s}: one appointment, the entry dropped");
    }
}
