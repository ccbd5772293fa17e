//! The single-consumer lease across processes: after `kill -9` of the holder, the standby takes
//! over within 15 s with a larger fencing token, and the dead holder's token is refused.

use std::path::Path;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use yizhan_common::lease::{FencingToken, Lease, LeaseConfig};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_system_tests::lines::LineProc;

fn token(line: &str) -> FencingToken {
    FencingToken(line.trim_start_matches("held ").parse().expect("token"))
}

#[tokio::test]
async fn standby_takes_over_after_kill_9_with_a_larger_token() {
    let prefix = format!("sys:lease:{}", uuid::Uuid::new_v4().simple());
    let vars = vec![
        ("REDIS_URL".to_owned(), yizhan_system_tests::env("REDIS_URL")),
        ("REDIS_PREFIX".to_owned(), prefix.clone()),
        ("RUST_LOG".to_owned(), "warn".to_owned()),
        // The defaults: a 10 s TTL and a standby retrying every second.
        ("LEASE_TTL_MS".to_owned(), "10000".to_owned()),
        ("LEASE_RETRY_MS".to_owned(), "1000".to_owned()),
    ];
    let probe = Path::new(env!("CARGO_BIN_EXE_yizhan-probe"));
    let args = ["lease", "--name", "reservations"];
    let mut holder = LineProc::spawn(probe, &args, &vars);
    let first = token(&holder.wait_line("held ", Duration::from_secs(20)).expect("first process holds the lease"));
    let standby = LineProc::spawn(probe, &args, &vars);
    assert_eq!(standby.wait_line("held ", Duration::from_secs(2)), None, "a standby must wait while the lease is held");

    let conn = connect(&SecretString::from(yizhan_system_tests::env("REDIS_URL")), RedisTimeouts::default()).await.expect("redis");
    let lease = Lease::new(conn, &prefix, "reservations", LeaseConfig::default());
    assert!(lease.is_current(first).await.expect("redis"));

    holder.signal("KILL");
    let killed = Instant::now();
    assert!(holder.wait_exit(Duration::from_secs(5)).is_some(), "holder died");
    let line = standby.wait_line("held ", Duration::from_secs(15)).expect("standby took over within 15 s");
    let took = killed.elapsed();
    let second = token(&line);
    eprintln!("lease hand-over after kill -9: {took:?} (TTL 10 s, retry 1 s), tokens {first} -> {second}");
    assert!(took <= Duration::from_secs(15), "{took:?}");
    assert!(second > first, "fencing tokens grow: {first} -> {second}");
    assert!(!lease.is_current(first).await.expect("redis"), "the killed holder's token is refused");
    assert!(lease.is_current(second).await.expect("redis"));

    // SIGTERM: the holder stops its work and releases the lease at once.
    standby.signal("TERM");
    assert!(standby.wait_line("released", Duration::from_secs(10)).is_some());
    let mut standby = standby;
    assert!(standby.wait_exit(Duration::from_secs(10)).is_some_and(|s| s.success()));
    assert_eq!(lease.current().await.expect("redis"), None, "released on SIGTERM");
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}
