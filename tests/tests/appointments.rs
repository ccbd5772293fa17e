//! Seed 001 end to end through the simulator: booking with wxCode + accept delivers one subscribe
//! message; reject or a bad code still books and sends nothing; a cancel promotes the waitlist and
//! the promoted patient gets their message.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use yizhan_system_tests::system::System;

struct Setup {
    admin: String,
    schedule: i64,
}

async fn setup(sys: &System, capacity: i64) -> Setup {
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "北交大校医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let date = (three_weeks_ahead()).to_owned();
    let (status, s) = sys
        .post(
            "/admin/schedules",
            Some(&admin),
            json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date, "period": "上午",
                   "startTime": "08:00", "endTime": "12:00", "capacity": capacity, "fee": 10.0}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    Setup { admin, schedule: s["id"].as_i64().expect("id") }
}

/// A date three weeks ahead, as `YYYY-MM-DD`.
fn three_weeks_ahead() -> String {
    (chrono::Utc::now() + chrono::Duration::days(21)).format("%Y-%m-%d").to_string()
}

async fn patient(sys: &System, token: &str, name: &str) -> i64 {
    let (status, v) = sys.post("/patient/patients", Some(token), json!({"name": name, "phone": "13812345678"})).await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().expect("id")
}

async fn wechat_user(sys: &System) -> (String, String) {
    let v = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    (v["openid"].as_str().expect("openid").to_owned(), v["code"].as_str().expect("code").to_owned())
}

async fn messages_to(sys: &System, openid: &str) -> Vec<Value> {
    sys.sim_get(&format!("/_sim/messages?touser={openid}")).await["messages"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn accepted_booking_delivers_one_subscribe_message() {
    let sys = System::start().await;
    let s = setup(&sys, 10).await;
    let user = sys.user(&s.admin, "zhang", &["patient"]).await;
    let p = patient(&sys, &user, "张三").await;
    let (openid, code) = wechat_user(&sys).await;
    let accepted = json!({"模板ID1": "accept", "模板ID2": "accept"});
    sys.accept(&openid, &accepted).await;
    let started = std::time::Instant::now();
    let (status, v) = sys
        .post(
            "/patient/appointments",
            Some(&user),
            json!({"scheduleId": s.schedule, "patientId": p, "symptoms": "头痛", "wxCode": code,
                   "subscribeAuthResult": accepted, "subscribeScene": "appointment"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(started.elapsed() < Duration::from_secs(2), "the business request must not wait on WeChat");
    let delivered = sys
        .eventually("the subscribe message", Duration::from_secs(20), || async {
            let m = messages_to(&sys, &openid).await;
            (!m.is_empty()).then_some(m)
        })
        .await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["templateId"], "模板ID1");
    assert_eq!(delivered[0]["data"]["thing1"]["value"], "张三");
    assert_eq!(delivered[0]["data"]["thing2"]["value"], "内科");
    assert_eq!(delivered[0]["data"]["thing4"]["value"], "北交大校医院");
    assert!(delivered[0]["data"]["time3"]["value"].as_str().expect("time").ends_with("08:00~12:00"));
    assert_eq!(delivered[0]["page"], format!("pages/profile/appointments?id={}", v["id"]));
    // Nothing more arrives (one grant, one send).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(messages_to(&sys, &openid).await.len(), 1);
}

#[tokio::test]
async fn rejected_or_bad_codes_book_normally_and_send_nothing() {
    let sys = System::start().await;
    let s = setup(&sys, 10).await;
    let user = sys.user(&s.admin, "li", &["patient"]).await;
    let (p1, p2) = (patient(&sys, &user, "李四").await, patient(&sys, &user, "王五").await);
    let (openid, code) = wechat_user(&sys).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&user), json!({"scheduleId": s.schedule, "patientId": p1, "wxCode": code,
              "subscribeAuthResult": {"模板ID1": "reject"}}))
        .await;
    assert_eq!(status, 200, "{v}");
    let accepted = json!({"模板ID1": "accept"});
    sys.accept(&openid, &accepted).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&user), json!({"scheduleId": s.schedule, "patientId": p2, "wxCode": "expired-or-fake-code",
              "subscribeAuthResult": accepted}))
        .await;
    assert_eq!(status, 200, "{v}");
    // The accepted grant of the second booking has an openid (from the first exchange) and is sent;
    // the rejected one never is.
    let delivered = sys
        .eventually("the accepted message", Duration::from_secs(20), || async {
            let m = messages_to(&sys, &openid).await;
            (!m.is_empty()).then_some(m)
        })
        .await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["data"]["thing1"]["value"], "王五");
    // The second code's exchange runs on its own queue, apart from the send (the user already had
    // an openid): wait for it, then make sure nothing exchanges either code again.
    sys.eventually("both codes exchanged", Duration::from_secs(20), || async {
        (sys.sim_get("/_sim/stats").await["calls"]["jscode2session"] == 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stats = sys.sim_get("/_sim/stats").await;
    assert_eq!(stats["calls"]["jscode2session"], 2, "each code is exchanged exactly once: {stats}");
}

#[tokio::test]
async fn a_cancel_promotes_the_waitlist_and_notifies_the_promoted_patient() {
    let sys = System::start().await;
    let s = setup(&sys, 1).await;
    let first = sys.user(&s.admin, "first", &["patient"]).await;
    let waiter = sys.user(&s.admin, "waiter", &["patient"]).await;
    let (fp, wp) = (patient(&sys, &first, "先来").await, patient(&sys, &waiter, "候补").await);
    let (_, booked) = sys.post("/patient/appointments", Some(&first), json!({"scheduleId": s.schedule, "patientId": fp})).await;
    let (openid, code) = wechat_user(&sys).await;
    let accepted = json!({"模板ID3": "accept", "模板ID4": "accept"});
    sys.accept(&openid, &accepted).await;
    let (status, w) = sys
        .post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s.schedule, "patientId": wp, "wxCode": code,
              "subscribeAuthResult": accepted, "subscribeScene": "waitlist"}))
        .await;
    assert_eq!(status, 200, "{w}");
    let (status, c) = sys.call(Method::DELETE, &format!("/patient/appointments/{}", booked["id"]), Some(&first), None).await;
    assert_eq!(status, 200, "{c}");
    let delivered = sys
        .eventually("waitlist and promoted messages", Duration::from_secs(20), || async {
            let m = messages_to(&sys, &openid).await;
            (m.len() >= 2).then_some(m)
        })
        .await;
    let templates: Vec<&str> = delivered.iter().filter_map(|m| m["templateId"].as_str()).collect();
    assert!(templates.contains(&"模板ID3") && templates.contains(&"模板ID4"), "{templates:?}");
    let (_, mine) = sys.call(Method::GET, "/patient/appointments", Some(&waiter), None).await;
    assert_eq!(mine["count"], 1);
}

#[tokio::test]
async fn the_sweep_promotes_a_place_freed_without_an_event() {
    use yizhan_common::jobs::{kinds::PromoteWaitlists, Job, JobSink};
    let sys = System::start().await;
    let s = setup(&sys, 1).await;
    let first = sys.user(&s.admin, "holder", &["patient"]).await;
    let waiter = sys.user(&s.admin, "patient_waiter", &["patient"]).await;
    let (fp, wp) = (patient(&sys, &first, "甲").await, patient(&sys, &waiter, "乙").await);
    sys.post("/patient/appointments", Some(&first), json!({"scheduleId": s.schedule, "patientId": fp})).await;
    let (status, _) = sys.post("/patient/waitlist", Some(&waiter), json!({"scheduleId": s.schedule, "patientId": wp})).await;
    assert_eq!(status, 200);
    // A place appears without a cancel (capacity raised directly): only the sweep can give it.
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
    sqlx::query("UPDATE schedules SET capacity = 2 WHERE id = $1").bind(s.schedule).execute(&pool).await.expect("raise");
    let redis = yizhan_common::redis_conn::connect(&secrecy::SecretString::from(sys.env.get("REDIS_URL")), Default::default()).await.expect("redis");
    let queue = yizhan_common::queue::RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), Default::default());
    queue.push_many(&[PromoteWaitlists {}.envelope("sweep-1", chrono::Utc::now()).expect("envelope")]).await.expect("push");
    sys.eventually("the promotion", Duration::from_secs(20), || async {
        let (_, mine) = sys.call(Method::GET, "/patient/appointments", Some(&waiter), None).await;
        (mine["count"] == 1).then_some(())
    })
    .await;
    let status: String = sqlx::query_scalar("SELECT status FROM waitlist_entries").fetch_one(&pool).await.expect("entry");
    assert_eq!(status, "promoted");
}

#[tokio::test]
async fn accepts_beyond_the_grant_cap_are_recorded_as_not_granted() {
    let sys = System::start_with(&[("SUBSCRIBE_GRANT_CAP", "2")]).await;
    let s = setup(&sys, 10).await;
    let user = sys.user(&s.admin, "hoarder", &["patient"]).await;
    // The reminder template is not spent at booking: each accept would pile up one more grant.
    for name in ["甲", "乙", "丙"] {
        let p = patient(&sys, &user, name).await;
        let (status, v) = sys
            .post("/patient/appointments", Some(&user), json!({"scheduleId": s.schedule, "patientId": p,
                  "subscribeAuthResult": {"模板ID2": "accept"}}))
            .await;
        assert_eq!(status, 200, "the cap never fails a booking: {v}");
    }
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&sys.env.get("DATABASE_URL")).await.expect("db");
    let decisions: Vec<String> =
        sqlx::query_scalar("SELECT decision FROM subscribe_grants ORDER BY id").fetch_all(&pool).await.expect("grants");
    assert_eq!(decisions, ["accept", "accept", "over_cap"]);
}
