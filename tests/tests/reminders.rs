//! The 20:00 visit reminder end to end, at a simulated 20:00: two schedulers tick at the same
//! moment (one firing), the worker plans one reminder per appointment of tomorrow whose user
//! holds a reminder grant, and the simulator receives exactly one message per such appointment —
//! also when the planning job runs a second time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use secrecy::SecretString;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use yizhan_common::jobs::kinds::PlanVisitReminders;
use yizhan_common::jobs::{Job, JobSink};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_scheduler::{registry, ManualClock, Outcome, Scheduler};
use yizhan_system_tests::system::System;

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

async fn book(sys: &System, admin: &str, username: &str, schedule: i64, extra: serde_json::Value) -> String {
    let user = sys.user(admin, username, &["patient"]).await;
    let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": username, "phone": "13700000000"})).await;
    let mut body = json!({"scheduleId": schedule, "patientId": p["id"]});
    if let (Some(b), serde_json::Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    let (status, v) = sys.post("/patient/appointments", Some(&user), body).await;
    assert_eq!(status, 200, "{v}");
    user
}

async fn schedule(sys: &System, admin: &str, h: &serde_json::Value, d: &serde_json::Value, day: NaiveDate) -> i64 {
    let (status, s) = sys
        .post("/admin/schedules", Some(admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": day.to_string(),
              "period": "上午", "startTime": "08:00", "endTime": "12:00", "capacity": 10, "fee": 10.0}))
        .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().expect("id")
}

/// The admin's token, a hospital and a department, and today in Shanghai.
async fn clinic(sys: &System) -> (String, serde_json::Value, serde_json::Value, NaiveDate) {
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "校医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    (admin, h, d, Utc::now().with_timezone(&SHANGHAI).date_naive())
}

#[tokio::test]
async fn reminders_at_20_00_reach_each_granted_appointment_once() {
    let sys = System::start().await;
    let (admin, h, d, today) = clinic(&sys).await;
    let tomorrow = today.succ_opt().expect("tomorrow");
    let (tomorrow_s, later_s) = (schedule(&sys, &admin, &h, &d, tomorrow).await, schedule(&sys, &admin, &h, &d, tomorrow.succ_opt().expect("day")).await);

    let granted = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let later = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let grants = json!({"模板ID1": "reject", "模板ID2": "accept"});
    for user in [&granted, &later] {
        sys.accept(user["openid"].as_str().expect("openid"), &grants).await;
    }
    book(&sys, &admin, "granted", tomorrow_s, json!({"wxCode": granted["code"], "subscribeAuthResult": grants})).await;
    book(&sys, &admin, "nogrant", tomorrow_s, json!({})).await;
    book(&sys, &admin, "later", later_s, json!({"wxCode": later["code"], "subscribeAuthResult": grants})).await;

    let pool = PgPoolOptions::new().max_connections(4).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
    sys.eventually("both openids bound", Duration::from_secs(20), || {
        let pool = pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM wechat_identities").fetch_one(&pool).await.ok()?;
            (n == 2).then_some(())
        }
    })
    .await;

    let redis = connect(&SecretString::from(sys.env.get("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let queue = Arc::new(RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default()));
    let eight_pm = SHANGHAI.from_local_datetime(&today.and_hms_opt(20, 0, 0).expect("time")).single().expect("time").with_timezone(&Utc);
    let clock = ManualClock::new(eight_pm - chrono::Duration::seconds(1));
    let make = || {
        let only_reminders: Vec<_> = registry::registry("0 0 0 1 1 *").expect("registry").into_iter().filter(|s| s.name == "visit_reminders").collect();
        Scheduler::new(pool.clone(), only_reminders, SHANGHAI, Duration::from_secs(3600), Arc::new(clock.clone())).with_sink(queue.clone())
    };
    let (a, b) = (make(), make());
    assert!(matches!(a.tick().await[0].1, Ok(Outcome::Started)));
    assert!(matches!(b.tick().await[0].1, Ok(Outcome::Idle)));
    clock.set(eight_pm + chrono::Duration::milliseconds(5));
    let (x, y) = tokio::join!(a.tick(), b.tick());
    let fired = [&x[0].1, &y[0].1].iter().filter(|o| matches!(o, Ok(Outcome::Enqueued(_)))).count();
    assert_eq!(fired, 1, "one firing for two schedulers: {x:?} {y:?}");

    let reminders = |openid: String| {
        let sys = &sys;
        async move {
            let v = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
            v["messages"].as_array().map(|m| m.iter().filter(|m| m["templateId"] == "模板ID2").count()).unwrap_or(0)
        }
    };
    let granted_openid = granted["openid"].as_str().expect("openid").to_owned();
    sys.eventually("the reminder", Duration::from_secs(20), || {
        let o = granted_openid.clone();
        let r = &reminders;
        async move { (r(o).await == 1).then_some(()) }
    })
    .await;

    // The planning job running again (a retry, a second scheduler's duplicate) sends nothing more.
    let again = PlanVisitReminders { day: tomorrow }.envelope("rerun", Utc::now()).expect("envelope");
    queue.push_many(&[again]).await.expect("push");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(reminders(granted_openid).await, 1);
    assert_eq!(reminders(later["openid"].as_str().expect("openid").to_owned()).await, 0, "not tomorrow: no reminder yet");
    let sends: Vec<(String, String)> = sqlx::query_as("SELECT kind, status FROM subscribe_sends WHERE kind = 'visit_reminder'")
        .fetch_all(&pool)
        .await
        .expect("sends");
    assert_eq!(sends, vec![("visit_reminder".to_owned(), "sent".to_owned())]);
}

/// Runs the planning for `day` as the 20:00 firing would (a job pushed straight to Redis).
async fn plan_day(sys: &System, day: NaiveDate) {
    let redis = connect(&SecretString::from(sys.env.get("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let queue = RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default());
    let job = PlanVisitReminders { day }.envelope(format!("plan-{day}"), Utc::now()).expect("envelope");
    queue.push_many(&[job]).await.expect("push");
}

/// The `time3` values of the reminders `openid` received.
async fn reminder_times(sys: &System, openid: &str) -> Vec<String> {
    let v = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
    let messages = v["messages"].as_array().cloned().unwrap_or_default();
    messages.iter().filter(|m| m["templateId"] == "模板ID2").filter_map(|m| m["data"]["time3"]["value"].as_str().map(String::from)).collect()
}

#[tokio::test]
async fn a_rescheduled_appointment_is_reminded_again_for_its_new_day() {
    let sys = System::start().await;
    let (admin, h, d, today) = clinic(&sys).await;
    let (first_day, second_day) = (today + chrono::Days::new(3), today + chrono::Days::new(4));
    let (first, second) = (schedule(&sys, &admin, &h, &d, first_day).await, schedule(&sys, &admin, &h, &d, second_day).await);
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    // Two acceptances of the reminder template: one with the booking, one with the reschedule.
    let grants = json!({"模板ID2": "accept"});
    sys.accept(&openid, &grants).await;
    let user = book(&sys, &admin, "moving", first, json!({"wxCode": wx["code"], "subscribeAuthResult": grants})).await;
    plan_day(&sys, first_day).await;
    sys.eventually("the first reminder", Duration::from_secs(20), || async {
        (reminder_times(&sys, &openid).await.len() == 1).then_some(())
    })
    .await;
    let (_, mine) = sys.call(reqwest::Method::GET, "/patient/appointments", Some(&user), None).await;
    let id = mine["results"][0]["id"].as_i64().expect("appointment id");
    sys.accept(&openid, &grants).await;
    let (status, v) = sys
        .call(reqwest::Method::PUT, &format!("/patient/appointments/{id}/reschedule"), Some(&user),
              Some(json!({"scheduleId": second, "subscribeAuthResult": grants})))
        .await;
    assert_eq!(status, 200, "{v}");
    plan_day(&sys, second_day).await;
    let times = sys
        .eventually("the reminder for the new day", Duration::from_secs(20), || async {
            let t = reminder_times(&sys, &openid).await;
            (t.len() == 2).then_some(t)
        })
        .await;
    assert!(times[0].starts_with(&first_day.to_string()) && times[1].starts_with(&second_day.to_string()), "{times:?}");
}

#[tokio::test]
async fn a_booking_for_tomorrow_after_20_00_is_reminded_at_once() {
    // Runs at any hour (scripts/test-clock moves it to 19:59, 20:01 and 23:59 in Shanghai): after
    // 20:00 the reminder comes with the booking, before it nothing is planned yet.
    let sys = System::start().await;
    let (admin, h, d, today) = clinic(&sys).await;
    let tomorrow = today.succ_opt().expect("tomorrow");
    let s = schedule(&sys, &admin, &h, &d, tomorrow).await;
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    let grants = json!({"模板ID2": "accept"});
    sys.accept(&openid, &grants).await;
    // Tonight's 20:00 planning for tomorrow has already run from 20:00 on.
    let after_planning = chrono::Timelike::hour(&Utc::now().with_timezone(&SHANGHAI)) >= 20;
    book(&sys, &admin, "late", s, json!({"wxCode": wx["code"], "subscribeAuthResult": grants})).await;
    if after_planning {
        sys.eventually("the reminder at once", Duration::from_secs(20), || async {
            (reminder_times(&sys, &openid).await.len() == 1).then_some(())
        })
        .await;
    } else {
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(reminder_times(&sys, &openid).await.is_empty(), "before 20:00 the planning will remind");
    }
}

/// The 20:00 planning sends in chunks (`send_subscribe_batch`, 50 reminders a job): 120
/// reminders under a 30/s limit arrive once each and as spread as the limit says, though three
/// calls fail on the way (retried alone) and an appointment cancelled as they go out is skipped;
/// a chunk's job run again sends nothing more.
#[tokio::test]
async fn reminders_go_out_in_chunks_once_each_within_the_rate_limit() {
    let sys = System::start_with(&[("RATE_LIMITS", "wechat.subscribe_send=30/s")]).await;
    let (admin, h, d, today) = clinic(&sys).await;
    let day = today + chrono::Days::new(3);
    let (status, s) = sys
        .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": day.to_string(),
              "period": "上午", "startTime": "08:00", "endTime": "12:00", "capacity": 130, "fee": 0}))
        .await;
    assert_eq!(status, 201, "{s}");
    let grants = json!({"模板ID2": "accept"});
    let (mut openids, mut last) = (Vec::new(), (String::new(), 0));
    for u in 0..12 {
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let openid = wx["openid"].as_str().expect("openid").to_owned();
        // More acceptances at WeChat than reminders: a second send of one would arrive too.
        sys.sim_post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID2", "count": 20})).await;
        let user = sys.user(&admin, &format!("chunk{u}"), &["patient"]).await;
        for i in 0..10 {
            let (_, p) = sys.post("/patient/patients", Some(&user), json!({"name": format!("病人{u}-{i}"), "phone": "13700000000"})).await;
            let mut body = json!({"scheduleId": s["id"], "patientId": p["id"], "subscribeAuthResult": grants});
            if i == 0 {
                body["wxCode"] = wx["code"].clone();
            }
            let (status, v) = sys.post("/patient/appointments", Some(&user), body).await;
            assert_eq!(status, 200, "{v}");
            last = (user.clone(), v["id"].as_i64().expect("id"));
        }
        openids.push(openid);
    }
    let pool = PgPoolOptions::new().max_connections(4).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
    sys.eventually("every openid bound", Duration::from_secs(30), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM wechat_identities").fetch_one(&pool).await.ok()?;
        (n == 12).then_some(())
    })
    .await;
    sys.sim_post("/_sim/faults", json!({"rules": [{"op": "subscribe_send", "httpStatus": 502, "times": 3}]})).await;

    plan_day(&sys, day).await;
    let count = |openid: String| {
        let sys = &sys;
        async move {
            let v = sys.sim_get(&format!("/_sim/messages?touser={openid}")).await;
            v["messages"].as_array().map(|m| m.iter().filter(|m| m["templateId"] == "模板ID2").count()).unwrap_or(0)
        }
    };
    sys.eventually("the first reminder", Duration::from_secs(20), || async { (count(openids[0].clone()).await > 0).then_some(()) }).await;
    // The last appointment's reminder is the last to go: at 30/s, seconds after the first.
    let (status, v) = sys.call(reqwest::Method::DELETE, &format!("/patient/appointments/{}", last.1), Some(&last.0), None).await;
    assert_eq!(status, 200, "{v}");

    let settled = sys
        .eventually("every reminder settled", Duration::from_secs(60), || async {
            let rows: Vec<(String, i64)> = sqlx::query_as("SELECT status, count(*) FROM subscribe_sends WHERE kind = 'visit_reminder' GROUP BY status ORDER BY status")
                .fetch_all(&pool)
                .await
                .ok()?;
            rows.iter().all(|(status, _)| status == "sent" || status == "skipped").then_some(rows)
        })
        .await;
    assert_eq!(settled, vec![("sent".to_owned(), 119), ("skipped".to_owned(), 1)]);
    let skipped: (i64, String) = sqlx::query_as("SELECT appointment_id, error FROM subscribe_sends WHERE status = 'skipped'").fetch_one(&pool).await.expect("skipped");
    assert_eq!(skipped, (last.1, "the appointment was cancelled".to_owned()));
    for (i, openid) in openids.iter().enumerate() {
        assert_eq!(count(openid.clone()).await, if i == 11 { 9 } else { 10 }, "user {i}");
    }
    // The three failed calls were made again, each alone; no other send was called twice.
    let called: Vec<(i32, i64)> = sqlx::query_as("SELECT attempts, count(*) FROM subscribe_sends WHERE status = 'sent' GROUP BY attempts ORDER BY attempts")
        .fetch_all(&pool)
        .await
        .expect("attempts");
    assert_eq!(called, vec![(1, 116), (2, 3)]);
    let v = sys.sim_get("/_sim/messages").await;
    let at: Vec<i64> = v["messages"].as_array().expect("messages").iter().filter(|m| m["templateId"] == "模板ID2").filter_map(|m| m["atMs"].as_i64()).collect();
    let spread = at.iter().max().expect("sent") - at.iter().min().expect("sent");
    assert!(spread >= 2000, "119 reminders at 30/s take seconds, not {spread} ms");

    // Three chunk jobs (50 + 50 + 20); one run again finds its rows final and calls nothing.
    let chunks: Vec<serde_json::Value> = sqlx::query_scalar("SELECT payload FROM outbox WHERE kind = 'send_subscribe_batch' ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("chunks");
    let sizes: Vec<usize> = chunks.iter().map(|c| c["sendIds"].as_array().map_or(0, Vec::len)).collect();
    assert_eq!(sizes, vec![50, 50, 20]);
    let again: yizhan_common::jobs::kinds::SendSubscribeBatch = serde_json::from_value(chunks[0].clone()).expect("payload");
    let redis = connect(&SecretString::from(sys.env.get("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let queue = RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default());
    queue.push_many(&[again.envelope("chunk-again", Utc::now()).expect("envelope")]).await.expect("push");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let total = v["messages"].as_array().map_or(0, Vec::len);
    assert_eq!(sys.sim_get("/_sim/messages").await["messages"].as_array().map_or(0, Vec::len), total, "the chunk run again sent more");
}
