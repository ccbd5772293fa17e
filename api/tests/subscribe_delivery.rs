//! A booking with accepted subscribe grants, followed in this process from the request to the
//! message WeChat (the simulator) delivers: the wxCode exchange and the subscribe send run through
//! `run_pending_jobs`, without a worker process.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::clinic::{book, clinic, patient, schedule};
use support::sim::Sim;
use yizhan_common::jobs::kinds::{ExchangeWxCode, SendSubscribeMessage};
use yizhan_common::testing::{assert_enqueued, database};

#[tokio::test]
async fn a_booking_with_an_accepted_grant_reaches_the_patient_once_its_jobs_run() {
    let sim = Sim::start().await;
    let app = sim.app(database().await);
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("wang", &["patient"]).await;
    let p = patient(&app, &user, "王五").await;
    let (openid, code) = sim.code(None).await;
    sim.grant(&openid, "模板ID1", 1).await;

    let accepted = json!({"wxCode": code, "subscribeAuthResult": {"模板ID1": "accept"}, "subscribeScene": "appointment"});
    let (status, v) = book(&app, &user, s, p, accepted).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(assert_enqueued::<ExchangeWxCode>(&app.pool).await.len(), 1);
    assert_eq!(assert_enqueued::<SendSubscribeMessage>(&app.pool).await.len(), 1);
    assert!(sim.messages_to(&openid).await.is_empty(), "nothing is sent before the jobs run");

    app.run_pending_jobs().await;
    let delivered = sim.messages_to(&openid).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["templateId"], "模板ID1");
    let status: String = sqlx::query_scalar("SELECT status FROM subscribe_sends").fetch_one(&app.pool).await.expect("send");
    assert_eq!(status, "sent");

    app.run_pending_jobs().await;
    assert_eq!(sim.messages_to(&openid).await.len(), 1, "running the queues again sends nothing twice");
}
