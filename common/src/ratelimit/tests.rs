use std::time::Duration;

use super::*;
use crate::test_redis::TestRedis;

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
async fn grants_at_most_the_rate_and_says_when_to_retry() {
    let redis = TestRedis::new("rl-rate").await;
    let limiter = RateLimiter::new(redis.conn.clone(), &redis.prefix, config("t.op", 10));
    let (granted, refused) = grants(&limiter, "t.op", 25).await;
    assert_eq!(granted, 10);
    assert_eq!(refused.len(), 15);
    for retry in &refused {
        assert!(retry.wait <= Duration::from_millis(1020), "{retry:?}");
        assert!(retry.at > chrono::Utc::now());
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn limiters_in_different_processes_share_one_window() {
    let redis = TestRedis::new("rl-shared").await;
    let a = RateLimiter::new(redis.conn.clone(), &redis.prefix, config("t.op", 8));
    let b = RateLimiter::new(redis.conn.clone(), &redis.prefix, config("t.op", 8));
    let (from_a, _) = grants(&a, "t.op", 5).await;
    let (from_b, _) = grants(&b, "t.op", 10).await;
    assert_eq!((from_a, from_b), (5, 3));
    redis.cleanup().await;
}

#[tokio::test]
async fn operations_without_a_rate_are_not_limited() {
    let redis = TestRedis::new("rl-unlimited").await;
    let limiter = RateLimiter::new(redis.conn.clone(), &redis.prefix, config("t.op", 1));
    let (granted, _) = grants(&limiter, "t.other", 50).await;
    assert_eq!(granted, 50);
    redis.cleanup().await;
}

#[tokio::test]
async fn waiting_variant_waits_for_the_window_or_defers() {
    let redis = TestRedis::new("rl-wait").await;
    let limiter = RateLimiter::new(redis.conn.clone(), &redis.prefix, config("t.op", 2));
    let (granted, _) = grants(&limiter, "t.op", 2).await;
    assert_eq!(granted, 2);
    let started = std::time::Instant::now();
    let short = limiter.acquire_within("t.op", Duration::from_millis(100)).await.expect("redis");
    assert!(matches!(short, Acquired::RetryAt(_)), "{short:?}");
    assert!(started.elapsed() < Duration::from_millis(500));
    let long = limiter.acquire_within("t.op", Duration::from_secs(3)).await.expect("redis");
    assert!(matches!(long, Acquired::Permit(_)), "{long:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(800) && waited < Duration::from_secs(3), "{waited:?}");
    redis.cleanup().await;
}
