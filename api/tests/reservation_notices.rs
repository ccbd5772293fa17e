//! Seed 002 预约 notices by WeChat: an owner who granted the reservation templates (the optional
//! `subscribe_auth_result` of `POST /reservations/`) and is bound in the Mini Program gets the
//! confirmation and an admin's change as subscribe messages (the simulator delivers them), one per
//! event; a notice whose template was not granted, or an owner WeChat cannot reach, gets e-mail.

mod support;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use support::college::room_and_staff;
use support::sim::Sim;
use support::{config, redis_url, TestApp};
use yizhan_api::enqueued::Enqueued;
use yizhan_common::college::reservations::decide::{decide, Decided};
use yizhan_common::jobs::kinds::{SendEmail, SendSubscribeMessage};
use yizhan_common::testing::{database, enqueued, eventually};

/// Binds `token`'s user to a new Mini Program user of the simulator: its openid.
async fn bind(app: &TestApp, sim: &Sim, token: &str) -> String {
    let (openid, code) = sim.code(None).await;
    let (status, v) = app.send(Method::PUT, "/auth/wechat-auth/", Some(token), Some(json!({"code": code}))).await;
    assert!(status.is_success(), "{status} {v}");
    openid
}

fn reserve(room: i64, granted: &[&str], description: &str) -> Value {
    let decisions: serde_json::Map<String, Value> = granted.iter().map(|t| ((*t).to_owned(), json!("accept"))).collect();
    json!({
        "reserve_from": "2027-03-01T09:00:00+08:00", "reserve_to": "2027-03-01T10:00:00+08:00",
        "description": description, "meetingroom": room,
        "subscribe_auth_result": decisions, "subscribe_scene": "reservation",
    })
}

/// Reserves while a worker decides (201), then stops the worker: the reservation.
async fn reserved(app: &TestApp, staff: &str, body: Value) -> Value {
    let worker = app.start_worker().await;
    let (status, r) = app.post("/reservations/", Some(staff), body).await;
    worker.stop().await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r
}

async fn mail_kinds(app: &TestApp) -> Vec<String> {
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM mail_sends ORDER BY id").fetch_all(&app.pool).await.expect("mails");
    assert_eq!(enqueued::<SendEmail>(&app.pool).await.len(), kinds.len(), "a job per mail");
    kinds
}

#[tokio::test]
async fn granted_notices_reach_wechat_once_and_the_rest_go_by_mail() {
    let sim = Sim::start().await;
    let app = sim.app(database().await);
    let (admin, room, staff) = room_and_staff(&app).await;
    let openid = bind(&app, &sim, &staff).await;
    sim.grant(&openid, "模板ID7", 1).await;
    sim.grant(&openid, "模板ID8", 1).await;

    let description = "第三季度预算评审会议（请各部门负责人准时参加）";
    let r = reserved(&app, &staff, reserve(room, &["模板ID7", "模板ID8"], description)).await;
    let id = r["id"].as_i64().expect("id");
    assert!(mail_kinds(&app).await.is_empty(), "a granted confirmation is not mailed too");
    app.run_pending_jobs().await;
    let delivered = sim.messages_to(&openid).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let m = &delivered[0];
    assert_eq!(m["templateId"], "模板ID7");
    assert_eq!(m["page"], format!("pages/reservations/detail?id={id}"));
    assert_eq!(m["data"]["thing1"]["value"], "301");
    assert_eq!(m["data"]["thing2"]["value"], "行政楼");
    assert_eq!(m["data"]["time3"]["value"], "2027-03-01 09:00~10:00");
    let cut: String = description.chars().take(20).collect();
    assert_eq!(m["data"]["thing4"]["value"], cut, "a long description is cut to what WeChat takes");

    let (status, moved) = app
        .send(Method::PATCH, &format!("/admin/reservations/{id}/"), Some(&admin), Some(json!({"reserve_from": "2027-03-01T14:00:00+08:00", "reserve_to": "2027-03-01T15:30:00+08:00"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    app.run_pending_jobs().await;
    let delivered = sim.messages_to(&openid).await;
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    assert_eq!(delivered[1]["templateId"], "模板ID8");
    assert_eq!(delivered[1]["data"]["time3"]["value"], "2027-03-01 14:00~15:30", "the message tells the new time");
    assert!(mail_kinds(&app).await.is_empty());

    // 模板ID9 (cancelled) was never granted: the admin's cancel is mailed.
    let (status, _) = app.send(Method::DELETE, &format!("/reservations/{id}/"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(mail_kinds(&app).await, ["reservation_cancelled"]);
    app.run_pending_jobs().await;
    assert_eq!(sim.messages_to(&openid).await.len(), 2, "nothing more by WeChat, and nothing twice");
    let sends: Vec<(String, String)> = sqlx::query_as("SELECT kind, status FROM subscribe_sends WHERE reservation_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .expect("sends");
    assert_eq!(sends, [("reservation_confirmed".into(), "sent".into()), ("reservation_changed".into(), "sent".into())]);
}

#[tokio::test]
async fn an_owner_wechat_cannot_reach_is_mailed_and_keeps_the_grant() {
    let sim = Sim::start().await;
    let app = sim.app(database().await);
    let (_, room, staff) = room_and_staff(&app).await;

    reserved(&app, &staff, reserve(room, &["模板ID7"], "组会")).await;
    assert_eq!(mail_kinds(&app).await, ["reservation_confirmed"], "no openid: e-mail");
    assert!(enqueued::<SendSubscribeMessage>(&app.pool).await.is_empty());
    let unspent: i64 = sqlx::query_scalar("SELECT count(*) FROM subscribe_grants WHERE template_id = '模板ID7' AND decision = 'accept' AND spent_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .expect("grants");
    assert_eq!(unspent, 1, "the grant is recorded and not spent on a message nobody could receive");
}

#[tokio::test]
async fn a_pending_confirmation_of_a_reservation_cancelled_meanwhile_is_skipped_and_an_empty_description_reads_none() {
    let sim = Sim::start().await;
    let mut cfg = config(&redis_url());
    cfg.wechat = Some(sim.wechat_config());
    cfg.reservation_wait = Duration::from_millis(50);
    let app = TestApp::with_config(database().await, cfg);
    let (_, room, staff) = room_and_staff(&app).await;
    let openid = bind(&app, &sim, &staff).await;
    sim.grant(&openid, "模板ID7", 2).await;

    // No worker: the request waits (202); decided here, its confirmation planned but not sent.
    let (status, pending) = app.post("/reservations/", Some(&staff), reserve(room, &["模板ID7"], "组会")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    let mut tx = app.pool.begin().await.expect("tx");
    let decided = decide(&mut tx, app.state.reservation_channels(), pending["id"].as_i64().expect("id")).await.expect("decide");
    let Decided::Accepted { reservation, notice: Some(notice) } = decided else { panic!("accepted with a notice: {decided:?}") };
    let mut planned = Enqueued::default();
    planned.add([notice]);
    planned.commit(tx, &app.state).await.expect("commit");
    assert_eq!(enqueued::<SendSubscribeMessage>(&app.pool).await.len(), 1);

    let (status, _) = app.send(Method::DELETE, &format!("/reservations/{}/", reservation.id), Some(&staff), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.run_pending_jobs().await;
    assert!(sim.messages_to(&openid).await.is_empty(), "a cancelled reservation is not confirmed");
    let (status, error): (String, String) = sqlx::query_as("SELECT status, error FROM subscribe_sends").fetch_one(&app.pool).await.expect("send");
    assert_eq!((status.as_str(), error.as_str()), ("skipped", "the reservation was cancelled"));

    // The period is free again; an empty description reads 无 (WeChat refuses an empty value).
    let worker = app.start_worker().await;
    let (status, again) = app.post("/reservations/", Some(&staff), reserve(room, &["模板ID7"], "")).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    eventually("the confirmation is delivered", Duration::from_secs(10), || async { !sim.messages_to(&openid).await.is_empty() }).await;
    worker.stop().await;
    let delivered = sim.messages_to(&openid).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["data"]["thing4"]["value"], "无");
}
