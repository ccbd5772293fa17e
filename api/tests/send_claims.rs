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

/// The single send's claims coalesced across the runs of one worker (`SendStatements`): claims
/// that queue behind a running batch go together in the next, each send claimed once with its
/// first asker's attempt — a second asker of the same send in that batch finds it held — and the
/// batch's reads and records answer each run for its own send.
#[tokio::test]
async fn claims_asked_together_claim_each_send_once_with_its_own_attempt() {
    use yizhan_common::subscribe::{ClaimCall, SendStatements, SentCall};
    let pool = yizhan_common::testing::database().await;
    let app = TestApp::new(pool.clone());
    let c = clinic(&app).await;
    let s = schedule(&app, &c, "上午", 5).await;
    let user = app.user_token("batched", &["patient"]).await;
    let (mut sends, mut appointments) = (Vec::new(), Vec::new());
    for name in ["甲", "乙", "丙"] {
        let p = patient(&app, &user, name).await;
        let (_, v) = book(&app, &user, s, p, json!({"subscribeAuthResult": {"模板ID1": "accept"}})).await;
        let id: i64 = sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE appointment_id = $1").bind(v["id"].as_i64()).fetch_one(&pool).await.expect("send");
        sends.push(id);
        appointments.push(v["id"].as_i64());
    }
    let (a, b, c) = (sends[0], sends[1], sends[2]);
    let statements = std::sync::Arc::new(SendStatements::new(pool.clone()));
    let bound = SendSubscribeMessage::TIMEOUT;
    let claim = |send_id: i64, attempt: u32| {
        let statements = statements.clone();
        tokio::spawn(async move { statements.claim(ClaimCall { send_id, attempt, timeout: bound, appid: None }).await.expect("claim") })
    };
    // A's claim waits on a lock this test holds, so the claims after it queue into one batch.
    let mut lock = pool.begin().await.expect("tx");
    sqlx::query("SELECT 1 FROM subscribe_sends WHERE id = $1 FOR UPDATE").bind(a).execute(&mut *lock).await.expect("lock");
    let first = claim(a, 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut queued = Vec::new();
    for (send, attempt) in [(b, 2), (b, 3), (c, 4), (b, 5)] {
        queued.push(claim(send, attempt));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!first.is_finished(), "the first batch waits on the lock");
    lock.rollback().await.expect("unlock");
    assert!(matches!(first.await.expect("join"), Claimed::Mine(_)));
    let mut answers = Vec::new();
    for q in queued {
        answers.push(q.await.expect("join"));
    }
    let Claimed::Mine(b_send) = &answers[0] else { panic!("B's first asker did not get it: {answers:?}") };
    assert!(matches!(answers[1], Claimed::Busy { .. }) && matches!(answers[3], Claimed::Busy { .. }), "B claimed twice: {answers:?}");
    let Claimed::Mine(c_send) = &answers[2] else { panic!("C not claimed: {answers:?}") };
    assert_eq!(row(&pool, b).await, ("sending".to_owned(), Some(2)), "B holds its first asker's attempt");
    assert_eq!(row(&pool, c).await, ("sending".to_owned(), Some(4)));

    // Reads and records, asked at once: each answered for its own send.
    let (fb, fc) = tokio::join!(statements.appointment_facts(b_send), statements.appointment_facts(c_send));
    let (fb, fc) = (fb.expect("facts").expect("B's facts"), fc.expect("facts").expect("C's facts"));
    assert_eq!((fb.0, fc.0), (false, false), "neither is cancelled");
    assert_eq!((fb.1.page_id, fc.1.page_id), (appointments[1], appointments[2]), "each read is of its own appointment");
    let sent = |send: &yizhan_common::subscribe::PendingSend, openid: &str| {
        statements.sent(SentCall { send: send.clone(), openid: openid.to_owned(), data: json!({"who": openid}) })
    };
    let (rb, rc) = tokio::join!(sent(b_send, "o-b"), sent(c_send, "o-c"));
    rb.expect("sent");
    rc.expect("sent");
    let recorded: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, openid FROM subscribe_sends WHERE id = ANY($1) ORDER BY id").bind(vec![b, c]).fetch_all(&pool).await.expect("rows");
    assert_eq!(recorded, vec![(b, "sent".to_owned(), Some("o-b".to_owned())), (c, "sent".to_owned(), Some("o-c".to_owned()))]);
}
