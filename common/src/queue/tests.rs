//! The engine against a real Redis (`REDIS_URL`), each test under its own key prefix.

use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::*;
use crate::jobs::{JobEnvelope, JobSink, QueueName};
use crate::testing::RedisPrefix;

const Q: QueueName = QueueName::Default;

async fn queue(prefix: &RedisPrefix) -> RedisQueue {
    RedisQueue::new(prefix.connect().await, prefix.name(), QueueSettings::default())
}

fn envelope(id: &str, run_at: chrono::DateTime<Utc>) -> JobEnvelope {
    JobEnvelope { id: id.into(), queue: Q, kind: "noop".into(), payload: serde_json::json!({}), run_at }
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
    assert_eq!((jobs[0].id.as_str(), jobs[0].kind.as_str(), jobs[0].payload.as_str()), ("a", "noop", "{}"));
    // Still skipped after the job finished and its data was cleaned up: the marker has its own TTL.
    q.finish(Q, &[("a".into(), Finish::Done)]).await.expect("finish");
    q.clean_finished(Q, now_ms() + 1, None).await.expect("clean");
    assert_eq!(q.push(&[envelope("a", Utc::now())]).await.expect("push"), 0);
    let ttl: i64 = redis::cmd("TTL").arg(q.keys().seen(Q, "a")).query_async(&mut prefix.connect().await).await.expect("ttl");
    assert!(ttl > 24 * 3600, "dedup marker TTL {ttl}");
}

#[tokio::test]
async fn delayed_jobs_wait_until_due() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    q.push(&[envelope("later", Utc::now() + TimeDelta::hours(1))]).await.expect("push");
    assert!(q.fetch(Q, 10).await.expect("fetch").is_empty());
    assert_eq!(q.stats(Q).await.expect("stats").scheduled, 1);
    assert_eq!(q.promote_due(Q, now_ms() + 2 * 3_600_000).await.expect("promote"), 1);
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
        let done: Vec<_> = jobs.iter().map(|j| (j.id.clone(), Finish::Done)).collect();
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
    let later = Utc::now() + TimeDelta::hours(1);
    let envs: Vec<_> = (0..10_000).map(|i| envelope(&format!("p{i}"), later)).collect();
    q.push(&envs).await.expect("push");
    assert_eq!(q.promote_due(Q, now_ms() + 2 * 3_600_000).await.expect("promote"), 10_000);
    assert_eq!(q.stats(Q).await.expect("stats").pending, 10_000);
}

#[tokio::test]
async fn finishing_retries_reschedules_and_kills() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    let envs: Vec<_> = ["r", "l", "d"].iter().map(|id| envelope(id, Utc::now())).collect();
    q.push(&envs).await.expect("push");
    assert_eq!(q.fetch(Q, 10).await.expect("fetch").len(), 3);
    let at = Utc::now() - TimeDelta::milliseconds(1);
    q.finish(
        Q,
        &[
            ("r".into(), Finish::Retry { at, error: "boom".into() }),
            ("l".into(), Finish::Later { at }),
            ("d".into(), Finish::Dead { error: "refused".into() }),
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
    let q = queue(&prefix).await;
    q.push(&[envelope("x", Utc::now())]).await.expect("push");
    let cap = q.settings().max_redeliveries;
    for round in 1..=cap {
        assert_eq!(q.fetch(Q, 1).await.expect("fetch").len(), 1);
        assert_eq!(q.recover_expired(Q, now_ms()).await.expect("recover"), Recovered::default(), "lease still valid");
        let later = now_ms() + q.settings().lease_ms() + 1;
        assert_eq!(q.recover_expired(Q, later).await.expect("recover"), Recovered { requeued: 1, dead: 0 });
        assert_eq!(q.fetch(Q, 1).await.expect("fetch")[0].crashes, round);
        q.hand_back(Q, &["x".into()]).await.expect("hand back");
    }
    q.fetch(Q, 1).await.expect("fetch");
    let later = now_ms() + q.settings().lease_ms() + 1;
    assert_eq!(q.recover_expired(Q, later).await.expect("recover"), Recovered { requeued: 0, dead: 1 });
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
    q.fetch(Q, 1).await.expect("fetch");
    tokio::time::sleep(Duration::from_millis(20)).await;
    q.extend_leases(Q, &["h".into(), "unknown".into()]).await.expect("extend");
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!(stats.running, 1, "an unknown id is not added by a heartbeat");
    assert_eq!(q.hand_back(Q, &["h".into()]).await.expect("hand back"), 1);
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
    q.fetch(Q, 3).await.expect("fetch");
    q.finish(Q, &[("s0".into(), Finish::Done), ("s1".into(), Finish::Dead { error: "e".into() })]).await.expect("finish");
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.pending, stats.running, stats.done, stats.dead), (2, 1, 1, 1));
    assert_eq!(q.clean_finished(Q, now_ms() - 60_000, None).await.expect("clean"), 0, "too recent");
    assert_eq!(q.clean_finished(Q, now_ms() + 1, Some(now_ms() + 1)).await.expect("clean"), 2);
    let exists: bool = redis::cmd("EXISTS").arg(q.keys().job(Q, "s0")).query_async(&mut prefix.connect().await).await.expect("exists");
    assert!(!exists);
    q.finish(Q, &[("s2".into(), Finish::Done)]).await.expect("finish");
    assert_eq!(q.clean_all_finished(Duration::from_secs(3600), None).await.expect("clean"), 0);
    assert_eq!(q.clean_all_finished(Duration::ZERO, None).await.expect("clean"), 1);
    let all = q.stats_all().await.expect("all");
    assert_eq!(all.len(), QueueName::ALL.len());
}
