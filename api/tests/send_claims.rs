//! The send log's claim (`pending → sending`) taken before WeChat is called: a claim left behind
//! by a run that died mid-send (its worker killed) is taken over once older than the bound (the
//! send job's timeout, which no live run outlasts), a live claim is left alone, and the dead
//! run, should it wake, can neither finish nor release what is no longer its claim.

mod support;

use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use support::clinic::{book, clinic, patient, schedule};
use support::TestApp;
use yizhan_common::jobs::kinds::SendSubscribeMessage;
use yizhan_common::jobs::Job;
use yizhan_common::subscribe::{Claimed, SendLog};

async fn row(pool: &PgPool, id: i64) -> (String, Option<i32>) {
    sqlx::query_as("SELECT status, claim_attempt FROM subscribe_sends WHERE id = $1").bind(id).fetch_one(pool).await.expect("row")
}

#[tokio::test]
async fn a_dead_sending_claim_is_taken_over_and_a_live_one_left_alone() {
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("claims", &["patient"]).await;
    let p = patient(&app, &user, "认领").await;
    let (_, v) = book(&app, &user, s, p, json!({"subscribeAuthResult": {"模板ID1": "accept"}})).await;
    let send_id: i64 = sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE appointment_id = $1")
        .bind(v["id"].as_i64())
        .fetch_one(&pool)
        .await
        .expect("planned send");
    let bound = SendSubscribeMessage::TIMEOUT;
    assert_eq!(bound, Duration::from_secs(60));
    let mut conn = pool.acquire().await.expect("conn");

    // Run 1 claims the row and dies before calling WeChat: nothing releases its claim.
    let Claimed::Mine(dead) = SendLog::claim(&mut conn, send_id, 1, bound, None).await.expect("claim") else { panic!("pending row not claimed") };
    // Run 2 comes while the claim is live: busy until the claim's bound, the row untouched.
    match SendLog::claim(&mut conn, send_id, 2, bound, None).await.expect("claim") {
        Claimed::Busy { until } => assert_eq!(until, dead.claimed_at + chrono::Duration::seconds(60)),
        other => panic!("a live claim was not left alone: {other:?}"),
    }
    assert_eq!(row(&pool, send_id).await, ("sending".to_owned(), Some(1)));

    // The claim ages past the bound: run 3 takes it over.
    sqlx::query("UPDATE subscribe_sends SET claimed_at = claimed_at - interval '61 seconds' WHERE id = $1")
        .bind(send_id)
        .execute(&pool)
        .await
        .expect("age the claim");
    let Claimed::Mine(taken) = SendLog::claim(&mut conn, send_id, 3, bound, None).await.expect("claim") else { panic!("a dead claim was not taken over") };
    assert_eq!(row(&pool, send_id).await, ("sending".to_owned(), Some(3)));

    // Run 1 wakes up late: its writes match no claim and change nothing.
    SendLog::sent(&mut conn, &dead, "o-dead", &json!({})).await.expect("late write");
    SendLog::release(&mut conn, &dead, None).await.expect("late release");
    assert_eq!(row(&pool, send_id).await, ("sending".to_owned(), Some(3)));
    SendLog::sent(&mut conn, &taken, "o-live", &json!({})).await.expect("sent");
    assert_eq!(row(&pool, send_id).await.0, "sent");
    assert!(matches!(SendLog::claim(&mut conn, send_id, 4, bound, None).await.expect("claim"), Claimed::Finished));
}
