//! The engine against a real Redis (`REDIS_URL`), each test under its own key prefix.

use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::*;
use crate::job_contract::{JobEnvelope, JobSink, QueueName};
use crate::testing::RedisPrefix;

pub(super) const Q: QueueName = QueueName::Default;

pub(super) async fn queue(prefix: &RedisPrefix) -> RedisQueue {
    RedisQueue::new(prefix.connect().await, prefix.name(), QueueSettings::default())
}

/// Queues with a short lease (`ms`), so lease expiry happens within a test.
pub(super) async fn short_lease(prefix: &RedisPrefix, ms: u64) -> RedisQueue {
    let settings = QueueSettings { lease: Duration::from_millis(ms), ..QueueSettings::default() };
    RedisQueue::new(prefix.connect().await, prefix.name(), settings)
}

/// Keeps `hb` (a live worker's heartbeat) beating every 50 ms for `wait`.
pub(super) async fn beat_for(q: &RedisQueue, hb: &mut Heartbeat, wait: Duration) {
    let until = std::time::Instant::now() + wait;
    loop {
        hb.beat(q).await.expect("beat");
        if std::time::Instant::now() >= until {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A kind no worker runs: the engine treats kinds as opaque text.
pub(super) const KIND: &str = "test.opaque";

pub(super) fn envelope(id: &str, run_at: chrono::DateTime<Utc>) -> JobEnvelope {
    JobEnvelope { id: id.into(), queue: Q, kind: KIND.into(), payload: serde_json::json!({}), run_at }
}

#[tokio::test]
async fn pushing_the_same_id_twice_creates_one_job() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    let env = envelope("a", Utc::now());
    assert_eq!(q.push(&[env.clone(), env.clone()]).await.expect("push"), 1);
    q.push_many(&[env]).await.expect("push again");
    assert_eq!(q.stats(Q).await.expect("stats").pending, 1);
    let jobs = q.fetch(Q, 10).await.expect("fetch");
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].id.as_str(), jobs[0].kind.as_str(), jobs[0].payload.as_str()), ("a", KIND, "{}"));
    // Still skipped after the job finished and its data was cleaned up: the marker has its own TTL.
    q.finish(Q, &[(jobs[0].held(), Finish::Done)]).await.expect("finish");
    q.clean_finished(Q, now_ms() + 1, None).await.expect("clean");
    assert_eq!(q.push(&[envelope("a", Utc::now())]).await.expect("push"), 0);
    let ttl: i64 = redis::cmd("TTL").arg(q.keys().seen(Q, "a")).query_async(&mut prefix.connect().await).await.expect("ttl");
    assert!(ttl > 24 * 3600, "dedup marker TTL {ttl}");
}

#[tokio::test]
async fn delayed_jobs_wait_until_due() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    q.push(&[envelope("later", Utc::now() + TimeDelta::milliseconds(600))]).await.expect("push");
    let batch = q.fetch_batch(Q, 10).await.expect("fetch");
    assert!(batch.jobs.is_empty());
    let next = batch.next_due_in.expect("a scheduled job");
    assert!(next > Duration::from_millis(300) && next <= Duration::from_millis(600), "{next:?}");
    assert_eq!(q.stats(Q).await.expect("stats").scheduled, 1);
    assert_eq!(q.promote_due(Q).await.expect("promote"), 0, "not due yet");
    tokio::time::sleep(next + Duration::from_millis(20)).await;
    assert_eq!(q.promote_due(Q).await.expect("promote"), 1);
    assert_eq!(q.fetch(Q, 10).await.expect("fetch")[0].id, "later");
}

#[tokio::test]
async fn a_due_backlog_of_10_000_jobs_drains_through_fetch() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    let due = Utc::now() + TimeDelta::seconds(3);
    let envs: Vec<_> = (0..10_000).map(|i| envelope(&format!("j{i}"), due)).collect();
    assert_eq!(q.push(&envs).await.expect("push"), 10_000);
    // On a loaded machine the last chunks may already be due when pushed (and go straight to ready).
    let pushed = q.stats(Q).await.expect("stats");
    assert_eq!(pushed.scheduled + pushed.pending, 10_000);
    // Let every job fall due at once, then drain through the same path the workers use.
    while Utc::now() <= due {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut seen = std::collections::HashSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < 10_000 && std::time::Instant::now() < deadline {
        let jobs = q.fetch(Q, 500).await.expect("fetch");
        let done: Vec<_> = jobs.iter().map(|j| (j.held(), Finish::Done)).collect();
        q.finish(Q, &done).await.expect("finish");
        seen.extend(jobs.into_iter().map(|j| j.id));
    }
    assert_eq!(seen.len(), 10_000);
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.done), (0, 0, 0, 10_000));
}

#[tokio::test]
async fn promote_moves_a_large_backlog_in_chunks() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    // Far enough ahead that every chunk is still scheduled when pushed on a loaded machine.
    let later = Utc::now() + TimeDelta::seconds(8);
    let envs: Vec<_> = (0..10_000).map(|i| envelope(&format!("p{i}"), later)).collect();
    q.push(&envs).await.expect("push");
    while Utc::now() <= later + TimeDelta::milliseconds(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(q.promote_due(Q).await.expect("promote"), 10_000);
    assert_eq!(q.stats(Q).await.expect("stats").pending, 10_000);
}

#[tokio::test]
async fn finishing_retries_reschedules_and_kills() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    let envs: Vec<_> = ["r", "l", "d"].iter().map(|id| envelope(id, Utc::now())).collect();
    q.push(&envs).await.expect("push");
    let fetched = q.fetch(Q, 10).await.expect("fetch");
    assert_eq!(fetched.len(), 3);
    let held = |id: &str| fetched.iter().find(|j| j.id == id).expect("fetched").held();
    let at = Utc::now() - TimeDelta::milliseconds(1);
    q.finish(
        Q,
        &[
            (held("r"), Finish::Retry { at, error: "boom".into() }),
            (held("l"), Finish::Later { at }),
            (held("d"), Finish::Dead { error: "refused".into() }),
        ],
    )
    .await
    .expect("finish");
    let mut jobs = q.fetch(Q, 10).await.expect("fetch");
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    let attempts: Vec<_> = jobs.iter().map(|j| (j.id.as_str(), j.attempts)).collect();
    assert_eq!(attempts, [("l", 0), ("r", 1)], "a rate-limited run spends no attempt");
    let (dead, total) = q.list_dead(Q, 0, 10).await.expect("dead");
    assert_eq!(total, 1);
    assert_eq!((dead[0].id.as_str(), dead[0].last_error.as_str(), dead[0].attempts), ("d", "refused", 1));
}

#[tokio::test]
async fn expired_leases_come_back_and_poison_jobs_stop() {
    let prefix = RedisPrefix::new();
    // The fetching worker never beats (it crashed); the sweeper is a live worker.
    let q = short_lease(&prefix, 300).await;
    let sweeper = short_lease(&prefix, 300).await;
    let mut hb = Heartbeat::new(Q);
    beat_for(&sweeper, &mut hb, Duration::from_millis(350)).await;
    q.push(&[envelope("x", Utc::now())]).await.expect("push");
    let cap = q.settings().max_redeliveries;
    for round in 1..=cap {
        assert_eq!(q.fetch(Q, 1).await.expect("fetch").len(), 1);
        assert_eq!(hb.recover(&sweeper).await.expect("recover"), Recovered::default(), "lease still valid");
        beat_for(&sweeper, &mut hb, Duration::from_millis(350)).await;
        assert_eq!(hb.recover(&sweeper).await.expect("recover"), Recovered { requeued: 1, dead: 0, late: 0 });
        let again = q.fetch(Q, 1).await.expect("fetch");
        assert_eq!(again[0].crashes, round);
        q.hand_back(Q, &[again[0].held()]).await.expect("hand back");
    }
    q.fetch(Q, 1).await.expect("fetch");
    beat_for(&sweeper, &mut hb, Duration::from_millis(350)).await;
    assert_eq!(hb.recover(&sweeper).await.expect("recover"), Recovered { requeued: 0, dead: 1, late: 0 });
    let (dead, _) = q.list_dead(Q, 0, 10).await.expect("dead");
    assert!(dead[0].last_error.contains("lost"), "{}", dead[0].last_error);
    assert!(q.retry_dead(Q, "x").await.expect("retry"));
    assert!(!q.retry_dead(Q, "x").await.expect("retry twice"));
    let again = q.fetch(Q, 1).await.expect("fetch");
    assert_eq!((again[0].attempts, again[0].crashes), (0, 0));
}

#[tokio::test]
async fn leases_are_extended_and_handed_back() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    q.push(&[envelope("h", Utc::now())]).await.expect("push");
    let h = q.fetch(Q, 1).await.expect("fetch")[0].held();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let unknown = Held { id: "unknown".into(), token: h.token };
    assert_eq!(q.extend_leases(Q, &[h.clone(), unknown]).await.expect("extend"), 1, "the unknown id is refused");
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!(stats.running, 1, "an unknown id is not added by a heartbeat");
    assert_eq!(q.hand_back(Q, &[h]).await.expect("hand back"), 1);
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.pending, stats.running), (1, 0));
    assert_eq!(q.fetch(Q, 1).await.expect("fetch")[0].crashes, 0, "a hand-back is not a crash");
}

#[tokio::test]
async fn stats_count_every_state_and_clean_up_removes_old_data() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    let old = Utc::now() - TimeDelta::seconds(5);
    let envs: Vec<_> = (0..5).map(|i| envelope(&format!("s{i}"), old)).collect();
    q.push(&envs).await.expect("push");
    q.push(&[envelope("future", Utc::now() + TimeDelta::hours(1))]).await.expect("push");
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.pending, stats.scheduled), (5, 1));
    assert!(stats.oldest_pending_age_ms >= 5_000, "{stats:?}");
    let fetched = q.fetch(Q, 3).await.expect("fetch");
    let held = |id: &str| fetched.iter().find(|j| j.id == id).expect("fetched").held();
    q.finish(Q, &[(held("s0"), Finish::Done), (held("s1"), Finish::Dead { error: "e".into() })]).await.expect("finish");
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.pending, stats.running, stats.done, stats.dead), (2, 1, 1, 1));
    assert_eq!(q.clean_finished(Q, now_ms() - 60_000, None).await.expect("clean"), 0, "too recent");
    assert_eq!(q.clean_finished(Q, now_ms() + 1, Some(now_ms() + 1)).await.expect("clean"), 2);
    let exists: bool = redis::cmd("EXISTS").arg(q.keys().job(Q, "s0")).query_async(&mut prefix.connect().await).await.expect("exists");
    assert!(!exists);
    q.finish(Q, &[(held("s2"), Finish::Done)]).await.expect("finish");
    // Finish times are Redis time: let this process's clock pass the finish's millisecond.
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(q.clean_all_finished(Duration::from_secs(3600), None).await.expect("clean"), 0);
    assert_eq!(q.clean_all_finished(Duration::ZERO, None).await.expect("clean"), 1);
    let all = q.stats_all().await.expect("all");
    assert_eq!(all.len(), QueueName::ALL.len());
}
