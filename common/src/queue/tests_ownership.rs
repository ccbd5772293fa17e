//! Who holds a job, and by which clock: lease tokens, heartbeats, Redis time, wake-ups, and the
//! jobs that cannot run here (missing data, unknown kinds). Against a real Redis.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};

use super::tests::{beat_for, envelope, queue, short_lease, Q};
use super::*;
use crate::testing::RedisPrefix;

#[tokio::test]
async fn a_stale_holder_cannot_renew_finish_or_bury_a_job_another_worker_fetched() {
    let prefix = RedisPrefix::new();
    let stalled = short_lease(&prefix, 300).await.with_worker("stalled");
    let other = short_lease(&prefix, 300).await.with_worker("other");
    let (mut stalled_hb, mut other_hb) = (Heartbeat::new(Q), Heartbeat::new(Q));
    stalled.push(&[envelope("j", Utc::now())]).await.expect("push");
    let mine = stalled.fetch(Q, 1).await.expect("fetch")[0].held();
    stalled_hb.beat(&stalled).await.expect("beat");
    // The stalled worker stops beating; the other one beats on, recovers the job and fetches it.
    beat_for(&other, &mut other_hb, Duration::from_millis(400)).await;
    assert_eq!(other_hb.recover(&other).await.expect("recover").requeued, 1);
    let theirs = other.fetch(Q, 1).await.expect("fetch")[0].held();
    assert_ne!(mine.token, theirs.token);

    // The stalled worker wakes up: every move it makes on the job is refused.
    assert_eq!(stalled.extend_leases(Q, std::slice::from_ref(&mine)).await.expect("renew"), 1);
    let dead = Finish::Dead { error: "stale".into() };
    let retry = Finish::Retry { at: Utc::now(), error: "stale".into() };
    assert_eq!(stalled.finish(Q, &[(mine.clone(), dead), (mine.clone(), retry)]).await.expect("finish"), 2);
    assert_eq!(stalled.finish(Q, &[(mine.clone(), Finish::Done)]).await.expect("finish"), 1);
    assert_eq!(stalled.hand_back(Q, &[mine]).await.expect("hand back"), 0);
    let stats = other.stats(Q).await.expect("stats");
    assert_eq!((stats.running, stats.pending, stats.done, stats.dead), (1, 0, 0, 0), "{stats:?}");

    // The holder's lease is intact, and its finish is the one that counts: one terminal state.
    assert_eq!(other.extend_leases(Q, std::slice::from_ref(&theirs)).await.expect("renew"), 0);
    assert_eq!(other.finish(Q, &[(theirs, Finish::Done)]).await.expect("finish"), 0);
    let stats = other.stats(Q).await.expect("stats");
    assert_eq!((stats.running, stats.pending, stats.scheduled, stats.done, stats.dead), (0, 0, 0, 1, 0), "{stats:?}");
}

#[tokio::test]
async fn a_live_but_late_worker_keeps_its_jobs_and_an_outage_re_runs_nothing() {
    let prefix = RedisPrefix::new();
    let slow = short_lease(&prefix, 300).await.with_worker("slow");
    let sweeper = short_lease(&prefix, 300).await.with_worker("sweeper");
    let (mut slow_hb, mut sweeper_hb) = (Heartbeat::new(Q), Heartbeat::new(Q));
    slow.push(&[envelope("long", Utc::now())]).await.expect("push");
    slow.fetch(Q, 1).await.expect("fetch");
    // The owner beats but never renews the job's lease (say its renewals fail): late, not lost.
    let until = Instant::now() + Duration::from_millis(700);
    while Instant::now() < until {
        slow_hb.beat(&slow).await.expect("beat");
        sweeper_hb.beat(&sweeper).await.expect("beat");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = sweeper_hb.recover(&sweeper).await.expect("recover");
    assert_eq!((r.requeued, r.dead, r.late), (0, 0, 1), "a live owner's expired lease is re-armed");
    assert_eq!(sweeper.stats(Q).await.expect("stats").running, 1);

    // A Redis outage longer than the lease: nobody beats. When Redis answers again, the sweeper's
    // first beat starts its continuity afresh, so it judges nobody before the owner could beat.
    tokio::time::sleep(Duration::from_millis(700)).await;
    sweeper_hb.beat(&sweeper).await.expect("beat");
    assert_eq!(sweeper_hb.recover(&sweeper).await.expect("recover"), Recovered::default());
    let until = Instant::now() + Duration::from_millis(400);
    while Instant::now() < until {
        slow_hb.beat(&slow).await.expect("beat");
        sweeper_hb.beat(&sweeper).await.expect("beat");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = sweeper_hb.recover(&sweeper).await.expect("recover");
    assert_eq!((r.requeued, r.dead), (0, 0), "{r:?}");
    let fetched = sweeper.fetch(Q, 1).await.expect("fetch");
    assert!(fetched.is_empty(), "the long job was not handed to anyone else");
    let stats = sweeper.stats(Q).await.expect("stats");
    assert_eq!((stats.running, stats.dead), (1, 0));

    // Once the owner's heartbeat is gone for a lease, its job is recovered as a crash.
    beat_for(&sweeper, &mut sweeper_hb, Duration::from_millis(400)).await;
    assert_eq!(sweeper_hb.recover(&sweeper).await.expect("recover").requeued, 1);
    assert_eq!(sweeper.fetch(Q, 1).await.expect("fetch")[0].crashes, 1);
}

#[tokio::test]
async fn a_worker_clock_minutes_off_recovers_nothing_early_and_due_now_means_now() {
    let prefix = RedisPrefix::new();
    let five_min = 5 * 60 * 1000;
    let behind = short_lease(&prefix, 1000).await.with_worker("behind").with_clock_skew(-five_min);
    let ahead = short_lease(&prefix, 1000).await.with_worker("ahead").with_clock_skew(five_min);
    let mut hb = Heartbeat::new(Q);
    beat_for(&ahead, &mut hb, Duration::from_millis(1100)).await;

    // Times below are read by the skewed handles as times on their own clocks.
    // Pushed "now" by a clock five minutes behind: due now.
    behind.push(&[envelope("n", Utc::now())]).await.expect("push");
    let job = behind.fetch(Q, 1).await.expect("fetch");
    assert_eq!(job.len(), 1, "a job due now on the pusher's clock is due now");
    // Leased by the clock behind, swept by the clock ahead: the lease runs a second of Redis time.
    assert_eq!(hb.recover(&ahead).await.expect("recover"), Recovered::default(), "nothing recovered early");
    // Pushed for "in 300 ms" by the clock ahead: due 300 ms from now, not in 5 minutes.
    ahead.push(&[envelope("soon", Utc::now() + TimeDelta::milliseconds(300))]).await.expect("push");
    assert!(ahead.fetch(Q, 1).await.expect("fetch").is_empty(), "not due yet");
    beat_for(&ahead, &mut hb, Duration::from_millis(1100)).await;
    assert_eq!(hb.recover(&ahead).await.expect("recover").requeued, 1, "recovered once the lease ran out");
    let mut ids: Vec<_> = ahead.fetch(Q, 10).await.expect("fetch").into_iter().map(|j| j.id).collect();
    ids.sort();
    assert_eq!(ids, ["n", "soon"]);
}

#[tokio::test]
async fn ids_without_data_are_reported_and_unknown_kinds_park_before_they_die() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await;
    q.push(&[envelope("gone", Utc::now()), envelope("here", Utc::now())]).await.expect("push");
    let _: () = redis::cmd("DEL").arg(q.keys().job(Q, "gone")).query_async(&mut prefix.connect().await).await.expect("del");
    let batch = q.fetch_batch(Q, 10).await.expect("fetch");
    assert_eq!(batch.missing, ["gone"]);
    assert_eq!(batch.jobs.len(), 1);

    // Parked: back in `scheduled`, no attempt spent, not dead.
    let at = Utc::now() + TimeDelta::milliseconds(100);
    let park = |at| Finish::Park { at, error: "unknown kind".into() };
    assert_eq!(q.finish(Q, &[(batch.jobs[0].held(), park(at))]).await.expect("park"), 0);
    let stats = q.stats(Q).await.expect("stats");
    assert_eq!((stats.scheduled, stats.dead), (1, 0));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let again = q.fetch(Q, 1).await.expect("fetch");
    assert_eq!((again[0].id.as_str(), again[0].attempts), ("here", 0));

    // Past the park limit (0 here), the next park buries it.
    let strict = RedisQueue::new(prefix.connect().await, prefix.name(), QueueSettings { unknown_kind_park: Duration::ZERO, ..QueueSettings::default() });
    strict.finish(Q, &[(again[0].held(), park(Utc::now()))]).await.expect("park");
    let (dead, _) = q.list_dead(Q, 0, 10).await.expect("dead");
    assert_eq!((dead[0].id.as_str(), dead[0].last_error.as_str()), ("here", "unknown kind"));
}

#[tokio::test]
async fn a_push_wakes_a_blocked_worker_at_once() {
    let prefix = RedisPrefix::new();
    let q = queue(&prefix).await.with_wake_client(crate::redis_conn::RedisClient::open(&crate::testing::redis_url()).expect("url"));
    let waker = Waker::spawn(&q, Q).expect("wake client set");
    // Let the waker block in Redis first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pushed = Instant::now();
    let push = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        q.push(&[envelope("w", Utc::now())]).await.expect("push");
    };
    tokio::join!(waker.wait(Duration::from_secs(5)), push);
    let took = pushed.elapsed();
    assert!(took < Duration::from_millis(500), "woken after {took:?}");
    let job = q.fetch_batch(Q, 1).await.expect("fetch");
    assert_eq!(job.jobs[0].id, "w");
    assert!(job.now_ms >= job.jobs[0].due_ms, "pickup measured in Redis time");
}

#[tokio::test]
async fn leases_and_owners_hold_only_running_ids_and_a_pre_upgrade_owner_field_still_counts() {
    let prefix = RedisPrefix::new();
    let slow = short_lease(&prefix, 300).await.with_worker("slow");
    let sweeper = short_lease(&prefix, 300).await.with_worker("sweeper");
    let (mut slow_hb, mut sweeper_hb) = (Heartbeat::new(Q), Heartbeat::new(Q));
    let mut conn = prefix.connect().await;
    let keys = slow.keys().clone();
    let hlen = |key: String| redis::cmd("HLEN").arg(key).to_owned();
    let ids = ["a", "b", "c", "d"];
    slow.push(&ids.map(|id| envelope(id, Utc::now()))).await.expect("push");
    let held: Vec<Held> = slow.fetch(Q, 4).await.expect("fetch").iter().map(Fetched::held).collect();
    for key in [keys.leases(Q), keys.owners(Q)] {
        let n: i64 = hlen(key).query_async(&mut conn).await.expect("hlen");
        assert_eq!(n, 4, "one entry per leased id");
    }
    let owner: Option<String> = redis::cmd("HGET").arg(keys.owners(Q)).arg("a").query_async(&mut conn).await.expect("hget");
    assert_eq!(owner.as_deref(), Some("slow"));
    // Done twice in one batch: the second is refused as stale; the others leave every set.
    let results = [
        (held[0].clone(), Finish::Done),
        (held[0].clone(), Finish::Done),
        (held[1].clone(), Finish::Retry { at: Utc::now() + TimeDelta::seconds(60), error: "x".into() }),
    ];
    assert_eq!(slow.finish(Q, &results).await.expect("finish"), 1);
    assert_eq!(slow.hand_back(Q, &held[2..3]).await.expect("hand back"), 1);
    for key in [keys.leases(Q), keys.owners(Q)] {
        let n: i64 = hlen(key).query_async(&mut conn).await.expect("hlen");
        assert_eq!(n, 1, "only the id still running");
    }

    // "d" as a build from before the hashes leased it: owner in the job hash, none in `owners`.
    let _: () = redis::cmd("HDEL").arg(keys.owners(Q)).arg("d").query_async(&mut conn).await.expect("hdel");
    let _: () = redis::cmd("HSET").arg(keys.job(Q, "d")).arg("owner").arg("slow").arg("lease").arg(held[3].token).query_async(&mut conn).await.expect("hset");
    let until = Instant::now() + Duration::from_millis(700);
    while Instant::now() < until {
        slow_hb.beat(&slow).await.expect("beat");
        sweeper_hb.beat(&sweeper).await.expect("beat");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = sweeper_hb.recover(&sweeper).await.expect("recover");
    assert_eq!((r.requeued, r.dead, r.late), (0, 0, 1), "the beating pre-upgrade owner's lease is re-armed");
    beat_for(&sweeper, &mut sweeper_hb, Duration::from_millis(400)).await;
    assert_eq!(sweeper_hb.recover(&sweeper).await.expect("recover").requeued, 1);
    let old: Vec<Option<String>> = redis::cmd("HMGET").arg(keys.job(Q, "d")).arg("owner").arg("lease").query_async(&mut conn).await.expect("hmget");
    assert_eq!(old, vec![None, None], "the pre-upgrade lease fields go with the lease");
    for key in [keys.leases(Q), keys.owners(Q)] {
        let n: i64 = hlen(key).query_async(&mut conn).await.expect("hlen");
        assert_eq!(n, 0, "nothing running, nothing left");
    }
}
