use std::time::Duration;

use super::*;
use crate::testing::RedisPrefix;

fn config(op: &str, count: u32) -> RateLimitConfig {
    let mut rates = RateTable::empty();
    rates.set(op, Some(Rate { count, window: Duration::from_secs(1) }));
    RateLimitConfig { rates, margin: Duration::from_millis(20) }
}

async fn grants(limiter: &RateLimiter, op: &str, tries: usize) -> (usize, Vec<RetryAt>) {
    let mut granted = 0;
    let mut refused = Vec::new();
    for _ in 0..tries {
        match limiter.acquire(op).await.expect("redis") {
            Acquired::Permit(_) => granted += 1,
            Acquired::RetryAt(r) => refused.push(r),
        }
    }
    (granted, refused)
}

#[tokio::test]
async fn a_burst_gets_a_tenth_of_the_rate_and_a_time_to_retry() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let limiter = RateLimiter::new(conn.clone(), prefix.name(), config("t.op", 50));
    let started = std::time::Instant::now();
    let (granted, refused) = grants(&limiter, "t.op", 25).await;
    // The burst allowance of 50/s is 5; every 20.4 ms (1.02 s / 50) the burst takes adds one more
    // (a loaded machine, or a cluster's extra hop, can make 25 calls outlast an interval).
    let earned = usize::try_from(started.elapsed().as_micros() / 20_400).unwrap_or(usize::MAX);
    assert!((5..=5 + earned).contains(&granted), "burst allowance of 50/s is 5, plus {earned} earned: {granted}");
    assert_eq!(refused.len(), 25 - granted);
    for retry in &refused {
        assert!(retry.wait <= Duration::from_millis(21), "spaced 1.02 s / 50 apart: {retry:?}");
        assert!(retry.at > chrono::Utc::now() - chrono::Duration::milliseconds(50));
    }
}

#[tokio::test]
async fn limiters_in_different_processes_share_one_window() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let a = RateLimiter::new(conn.clone(), prefix.name(), config("t.op", 100));
    let b = RateLimiter::new(conn.clone(), prefix.name(), config("t.op", 100));
    let started = std::time::Instant::now();
    let (from_a, _) = grants(&a, "t.op", 6).await;
    let (from_b, _) = grants(&b, "t.op", 10).await;
    // One every 10.2 ms is earned while the 16 calls run (a loaded machine makes that a few).
    let earned = usize::try_from(started.elapsed().as_micros() / 10_200).unwrap_or(usize::MAX);
    assert!((10..=10 + earned).contains(&(from_a + from_b)), "one burst allowance of 10 between them, plus {earned} earned: {from_a} + {from_b}");
}

#[tokio::test]
async fn waiters_in_many_limiters_never_exceed_the_rate_in_any_second() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let rate = 40;
    let started = std::time::Instant::now();
    let run_for = Duration::from_millis(2500);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let limiter = std::sync::Arc::new(RateLimiter::new(conn.clone(), prefix.name(), config("t.op", rate)));
        for _ in 0..4 {
            let limiter = limiter.clone();
            tasks.spawn(async move {
                let mut granted = Vec::new();
                while started.elapsed() < run_for {
                    if let Acquired::Permit(permit) = limiter.acquire_within("t.op", Duration::from_secs(1)).await.expect("redis") {
                        granted.push(permit.granted_at_us.expect("a rated operation's grant is stamped"));
                    }
                }
                granted
            });
        }
    }
    // Grant times on the Redis clock, the clock the bound holds on (stamping them here, after
    // the answer came back, would add this process's scheduling jitter to the spacing).
    let mut all: Vec<u64> = tasks.join_all().await.into_iter().flatten().collect();
    all.sort_unstable();
    let second = 1_000_000;
    let max_in_window = (0..all.len()).map(|i| all[i..].iter().take_while(|t| **t < all[i] + second).count()).max().unwrap_or(0);
    assert!(max_in_window <= rate as usize, "{max_in_window} grants in one second");
    let first_second = all.iter().filter(|t| **t < all[0] + second).count();
    assert!(first_second >= (rate as usize) * 9 / 10, "only {first_second} in the first second");
}

#[tokio::test]
async fn operations_without_a_rate_are_not_limited() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let limiter = RateLimiter::new(conn.clone(), prefix.name(), config("t.op", 1));
    let (granted, _) = grants(&limiter, "t.other", 50).await;
    assert_eq!(granted, 50);
}

#[tokio::test]
async fn waiting_variant_waits_for_the_window_or_defers() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let limiter = RateLimiter::new(conn.clone(), prefix.name(), config("t.op", 2));
    let (granted, _) = grants(&limiter, "t.op", 3).await;
    assert_eq!(granted, 1, "2/s leaves one grant every 510 ms");
    let started = std::time::Instant::now();
    let short = limiter.acquire_within("t.op", Duration::from_millis(100)).await.expect("redis");
    assert!(matches!(short, Acquired::RetryAt(_)), "{short:?}");
    assert!(started.elapsed() < Duration::from_millis(500));
    let long = limiter.acquire_within("t.op", Duration::from_secs(3)).await.expect("redis");
    assert!(matches!(long, Acquired::Permit(_)), "{long:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn a_retry_time_becomes_a_rate_limited_outcome() {
    let retry = RetryAt::after(Duration::from_millis(250));
    assert_eq!(Outcome::from(retry), Outcome::RateLimited { until: retry.at });
}
