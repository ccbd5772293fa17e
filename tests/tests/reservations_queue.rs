//! The `reservations` queue is worked by exactly one worker process in the deployment: of two
//! workers, only the lease holder runs its jobs (each run's fenced write is accepted); after
//! `kill -9` of the holder the other takes over within 15 s with a larger token, and no job is lost.
//! A holder that loses the lease stops at once (no drain alongside the new holder) and its stale
//! write would be refused by PostgreSQL.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use redis::AsyncCommands;
use secrecy::SecretString;
use yizhan_common::jobs::kinds::FencedProbe;
use yizhan_common::jobs::{Job, QueueName};
use yizhan_common::lease::{fences, Lease, LeaseConfig};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_system_tests::{fresh_database, SystemEnv};

async fn push(queue: &RedisQueue, tag: &str, from: usize, to: usize) {
    push_holding(queue, tag, from, to, 20).await;
}

async fn push_holding(queue: &RedisQueue, tag: &str, from: usize, to: usize, hold_ms: u64) {
    let envs: Vec<_> = (from..to)
        .map(|i| FencedProbe { tag: tag.into(), hold_ms }.envelope(format!("{tag}-{i}"), Utc::now()).expect("envelope"))
        .collect();
    queue.push(&envs).await.expect("push");
}

/// Runs recorded so far: (pid, token, token was current).
async fn runs(redis: &mut yizhan_common::redis_conn::RedisConn, key: &str) -> Vec<(u32, u64, bool)> {
    let raw: Vec<String> = redis.lrange(key, 0, -1).await.expect("lrange");
    raw.iter()
        .filter_map(|r| {
            let mut parts = r.split(':');
            Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()? == "true"))
        })
        .collect()
}

#[tokio::test]
async fn one_consumer_at_a_time_and_a_standby_takes_over_after_kill_9() {
    let db = fresh_database().await;
    let env = SystemEnv::new(&db)
        .with("WORKER_QUEUES", "reservations=4")
        .with("LEASE_TTL_MS", "3000")
        .with("LEASE_RETRY_MS", "200");
    assert!(env.run("yizhan-api", &["migrate"]).success());
    let prefix = env.get("REDIS_PREFIX");
    let mut first = env.spawn("yizhan-worker", &[]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut second = env.spawn("yizhan-worker", &[]);

    let conn = connect(&SecretString::from(yizhan_system_tests::env("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let mut redis = conn.clone();
    let queue = RedisQueue::new(conn, prefix.clone(), QueueSettings::default());
    let key = format!("{prefix}:{}", FencedProbe::runs_key("r"));
    push(&queue, "r", 0, 40).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs(&mut redis, &key).await.len() < 40 {
        assert!(Instant::now() < deadline, "the first 40 jobs did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = runs(&mut redis, &key).await;
    let pids: BTreeSet<u32> = before.iter().map(|r| r.0).collect();
    assert_eq!(pids.len(), 1, "one consumer only: {before:?}");
    assert!(before.iter().all(|r| r.2), "every run held a current token");
    let holder_pid = before[0].0;
    let holder = if holder_pid == first.pid() { &mut first } else { &mut second };
    holder.signal("KILL");
    let killed = Instant::now();

    push(&queue, "r", 40, 80).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs(&mut redis, &key).await.len() < 80 {
        assert!(Instant::now() < deadline, "jobs after the kill did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = runs(&mut redis, &key).await;
    let took = killed.elapsed();
    let new: Vec<_> = after[40..].to_vec();
    assert!(new.iter().all(|r| r.0 != holder_pid && r.2), "{new:?}");
    assert!(new.iter().all(|r| r.1 > before[0].1), "the new holder's token is larger");
    assert!(took < Duration::from_secs(15), "took over in {took:?}");
    eprintln!("reservations consumer hand-over after kill -9: {took:?} (lease TTL 3 s)");
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}

#[tokio::test]
async fn a_holder_that_loses_the_lease_stops_at_once_and_its_stale_write_is_refused() {
    let db = fresh_database().await;
    // A 30 s shutdown grace: a holder that drained on loss would keep running its jobs that long.
    let env = SystemEnv::new(&db)
        .with("WORKER_QUEUES", "reservations=4")
        .with("LEASE_TTL_MS", "3000")
        .with("LEASE_RETRY_MS", "200")
        .with("WORKER_SHUTDOWN_GRACE_SECS", "30");
    assert!(env.run("yizhan-api", &["migrate"]).success());
    let prefix = env.get("REDIS_PREFIX");
    let _worker = env.spawn("yizhan-worker", &[]);
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(&db).await.expect("db");
    let conn = connect(&SecretString::from(yizhan_system_tests::env("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let mut redis = conn.clone();
    let config = LeaseConfig { ttl: Duration::from_millis(3000), retry: Duration::from_millis(200) };
    let lease = Lease::new(conn.clone(), &prefix, "queue:reservations", config);
    let queue = RedisQueue::new(conn, prefix.clone(), QueueSettings::default());
    let deadline = Instant::now() + Duration::from_secs(20);
    let old = loop {
        if let Some(token) = lease.current().await.expect("redis") {
            break token;
        }
        assert!(Instant::now() < deadline, "the worker did not take the lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The holder claims its fence in PostgreSQL right after taking the lease in Redis.
    while fences::floor(&pool, "queue:reservations").await.expect("fence") != old.0 {
        assert!(Instant::now() < deadline, "the holder did not claim its fence");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    push_holding(&queue, "s", 0, 4, 6000).await;
    let pushed = Instant::now();
    while queue.stats(QueueName::Reservations).await.expect("stats").running < 4 {
        assert!(pushed.elapsed() < Duration::from_secs(5), "the holder did not start the jobs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Another holder takes over (as after the old one stalled past its TTL) and claims the fence.
    let _: () = redis::cmd("DEL").arg(format!("{prefix}:lease:queue:reservations")).query_async(&mut redis).await.expect("del");
    let new = lease.try_acquire_above(old.0).await.expect("redis").expect("free");
    fences::claim_now(&pool, "queue:reservations", new).await.expect("the new holder claims");
    let keeper = lease.keep(new);
    let taken = Instant::now();

    // The old holder stops at once: its running jobs are aborted and handed back, not drained.
    loop {
        let stats = queue.stats(QueueName::Reservations).await.expect("stats");
        if stats.running == 0 && stats.pending == 4 {
            break;
        }
        assert!(taken.elapsed() < Duration::from_secs(5), "the old holder still works its jobs: {stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("old holder stopped {:?} after the lease moved", taken.elapsed());
    // Past the jobs' hold time the old holder has written nothing; had it, PostgreSQL refuses it.
    tokio::time::sleep((pushed + Duration::from_millis(6500)).saturating_duration_since(Instant::now())).await;
    let key = format!("{prefix}:{}", FencedProbe::runs_key("s"));
    assert_eq!(runs(&mut redis, &key).await, vec![], "no run finished after the lease was lost");
    assert!(fences::claim_now(&pool, "queue:reservations", old).await.is_err(), "the stale token is refused");
    assert!(keeper.is_held());
    keeper.release().await;
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}
