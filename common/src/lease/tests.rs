use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::*;
use crate::testing::RedisPrefix;

fn quick() -> LeaseConfig {
    LeaseConfig { ttl: Duration::from_millis(600), retry: Duration::from_millis(50) }
}

async fn until(deadline: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

#[tokio::test]
async fn one_holder_at_a_time_and_tokens_grow() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let first = lease.try_acquire().await.expect("redis").expect("free lease");
    assert_eq!(lease.try_acquire().await.expect("redis"), None);
    assert!(lease.is_current(first).await.expect("redis"));
    assert!(lease.release(first).await.expect("redis"));
    let second = lease.try_acquire().await.expect("redis").expect("released lease");
    assert!(second > first);
    assert!(!lease.is_current(first).await.expect("redis"), "a stale token is refused");
    assert!(!lease.renew(first).await.expect("redis"), "a stale token cannot renew");
    assert!(!lease.release(first).await.expect("redis"), "a stale token cannot release");
    assert!(lease.is_current(second).await.expect("redis"));
}

#[tokio::test]
async fn an_unrenewed_lease_expires_and_a_kept_one_does_not() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let token = lease.try_acquire().await.expect("redis").expect("free");
    let keeper = lease.keep(token);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(keeper.is_held());
    assert!(lease.is_current(token).await.expect("redis"), "renewed past 2 TTLs");
    drop(keeper);
    let expired = Instant::now() + Duration::from_secs(3);
    while lease.current().await.expect("redis").is_some() && Instant::now() < expired {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(lease.current().await.expect("redis"), None, "expires without renewals");
}

#[tokio::test]
async fn keeper_signals_loss_when_another_holder_takes_over() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let token = lease.try_acquire().await.expect("redis").expect("free");
    let keeper = lease.keep(token);
    let _: () = redis::cmd("DEL").arg(format!("{}:lease:r", prefix.name())).query_async(&mut conn.clone()).await.expect("del");
    let thief = lease.try_acquire().await.expect("redis").expect("free after delete");
    tokio::time::timeout(Duration::from_secs(2), keeper.lost()).await.expect("loss signalled within a renewal");
    assert!(!keeper.is_held());
    assert!(thief > token);
}

#[tokio::test]
async fn run_while_held_hands_over_to_the_standby() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let (stop_tx, stop) = watch::channel(false);
    let (seen_tx, seen) = watch::channel(Vec::<(u8, FencingToken)>::new());
    let spawn = |who: u8, finish_after: Option<Duration>| {
        let lease = lease.clone();
        let stop = stop.clone();
        let seen_tx = seen_tx.clone();
        tokio::spawn(async move {
            lease
                .run_while_held(stop, move |held: Held| {
                    seen_tx.send_modify(|v| v.push((who, held.token)));
                    async move {
                        match finish_after {
                            Some(after) => tokio::time::sleep(after).await,
                            None => std::future::pending().await,
                        }
                    }
                })
                .await;
        })
    };
    let first = spawn(1, Some(Duration::from_millis(700)));
    assert!(until(Duration::from_secs(2), || seen.borrow().len() == 1).await);
    let second = spawn(2, None);
    // The first finishes its work and releases; the standby takes over at its next retry.
    assert!(until(Duration::from_secs(3), || seen.borrow().len() == 2).await, "{:?}", *seen.borrow());
    let order = seen.borrow().clone();
    assert_eq!((order[0].0, order[1].0), (1, 2));
    assert!(order[1].1 > order[0].1);
    first.await.expect("first ends after its work");
    assert!(lease.is_current(order[1].1).await.expect("redis"));
    // Stop only ends a standby; the holder's work decides when it ends, so abort it here.
    drop(stop_tx);
    second.abort();
}
