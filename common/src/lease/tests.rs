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
    let _: () = redis::cmd("DEL").arg(lease.key()).query_async(&mut conn.clone()).await.expect("del");
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

#[tokio::test]
async fn tokens_stay_above_the_floor_after_redis_lost_the_counter() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let first = lease.try_acquire().await.expect("redis").expect("free");
    // Redis restarted empty: the lease and its counter are gone.
    let _: () = redis::cmd("DEL").arg(lease.key()).arg(lease.fence_key()).query_async(&mut conn.clone()).await.expect("del");
    let second = lease.try_acquire_above(first.0).await.expect("redis").expect("free after the loss");
    assert!(second > first, "seeded from the floor: {first} -> {second}");
    assert!(lease.release(second).await.expect("redis"));
    let third = lease.try_acquire().await.expect("redis").expect("free");
    assert!(third > second, "and the counter goes on from there: {second} -> {third}");
}

#[tokio::test]
async fn a_stale_holders_write_is_refused_by_postgres() {
    let pool = crate::testing::database().await;
    let (old, new) = (FencingToken(7), FencingToken(8));
    fences::claim_now(&pool, "queue:r", old).await.expect("the first holder claims");
    assert_eq!(fences::floor(&pool, "queue:r").await.expect("floor"), 7);
    // The old holder starts an effect, then stalls; the new holder claims the resource meanwhile.
    let mut stalled = pool.begin().await.expect("begin");
    fences::claim_now(&pool, "queue:r", new).await.expect("the new holder claims");
    let refused = fences::claim(&mut stalled, "queue:r", old).await;
    assert!(matches!(refused, Err(FenceError::Stale { current: FencingToken(8), .. })), "{refused:?}");
    drop(stalled);
    assert_eq!(fences::floor(&pool, "queue:r").await.expect("floor"), 8, "the fence never goes back");
    // The current holder claims again and again (one claim per effect).
    fences::claim_now(&pool, "queue:r", new).await.expect("same token again");
    assert!(fences::claim_now(&pool, "queue:r", old).await.is_err());
    assert_eq!(fences::floor(&pool, "queue:other").await.expect("floor"), 0, "resources are fenced apart");
}

#[tokio::test]
async fn a_claim_waits_for_the_holder_in_flight_and_then_sees_its_token() {
    let pool = crate::testing::database().await;
    fences::claim_now(&pool, "queue:r", FencingToken(1)).await.expect("claim");
    // The new holder's effect is in flight (its claim locks the row) when the stale one tries.
    let mut newer = pool.begin().await.expect("begin");
    fences::claim(&mut newer, "queue:r", FencingToken(2)).await.expect("newer claims");
    let stale = tokio::spawn({
        let pool = pool.clone();
        async move { fences::claim_now(&pool, "queue:r", FencingToken(1)).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!stale.is_finished(), "the stale claim waits on the row lock");
    newer.commit().await.expect("commit");
    let result = stale.await.expect("task");
    assert!(matches!(result, Err(FenceError::Stale { .. })), "{result:?}");
}

#[tokio::test]
async fn a_fence_reads_lost_as_soon_as_the_keeper_does() {
    let prefix = RedisPrefix::new();
    let conn = prefix.connect().await;
    let lease = Lease::new(conn.clone(), prefix.name(), "r", quick());
    let token = lease.try_acquire().await.expect("redis").expect("free");
    let keeper = lease.keep(token);
    let fence = Fence::new(lease.clone(), token).watching(keeper.watch());
    assert!(!fence.is_lost());
    assert!(fence.is_current().await);
    let _: () = redis::cmd("SET").arg(prefix.key("lease:r")).arg(token.0 + 100).query_async(&mut conn.clone()).await.expect("set");
    tokio::time::timeout(Duration::from_secs(2), keeper.lost()).await.expect("loss signalled within a renewal");
    assert!(fence.is_lost());
    assert!(!fence.is_current().await);
}

#[test]
fn the_lease_and_its_fence_counter_share_one_cluster_slot() {
    use redis::cluster_routing::Slot;
    let (lease, fence) = (super::lease_key("yz", "queue:reservations"), super::fence_key("yz", "queue:reservations"));
    assert_eq!((lease.as_str(), fence.as_str()), ("yz:lease:queue:reservations", "{yz:lease:queue:reservations}:fence"));
    assert_eq!(Slot::for_key(&lease), Slot::for_key(&fence));
}
