//! Two real scheduler processes: only the lease holder ticks, each firing is recorded once, the
//! relay sweep pushes an outbox row left behind, the standby takes over after `kill -9` of the
//! leader, and SIGTERM stops cleanly, releasing the lease.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use yizhan_system_tests::{fresh_database, free_port, SystemEnv};

async fn metrics(http: &reqwest::Client, port: u16) -> String {
    match http.get(format!("http://127.0.0.1:{port}/metrics")).send().await {
        Ok(res) => res.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn holds_lease(text: &str) -> bool {
    yizhan_system_tests::prometheus::sample(text, "yizhan_lease_held", ("lease", "scheduler")) == 1.0
}

/// Polls until exactly one of the ports reports holding the lease; returns its index.
async fn leader(http: &reqwest::Client, ports: &[u16], timeout: Duration) -> Option<usize> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let mut holders = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            if holds_lease(&metrics(http, *port).await) {
                holders.push(i);
            }
        }
        assert!(holders.len() <= 1, "two leaders at once: {holders:?}");
        if let [one] = holders[..] {
            return Some(one);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

async fn heartbeat_firings(db: &str) -> (i64, i64) {
    let mut conn = PgConnection::connect(db).await.expect("db");
    sqlx::query_as("SELECT count(*), count(DISTINCT fire_time) FROM scheduler_firings WHERE schedule = 'heartbeat'")
        .fetch_one(&mut conn)
        .await
        .expect("count")
}

async fn wait_firings(db: &str, at_least: i64, timeout: Duration) -> i64 {
    let deadline = Instant::now() + timeout;
    loop {
        let (n, distinct) = heartbeat_firings(db).await;
        assert_eq!(n, distinct, "a firing recorded twice");
        if n >= at_least || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn one_leader_ticks_and_a_standby_takes_over_after_kill_9() {
    let db = fresh_database().await;
    let env = SystemEnv::new(&db)
        .with("SCHEDULER_HEARTBEAT_CRON", "* * * * * *")
        .with("LEASE_TTL_MS", "2000")
        .with("LEASE_RETRY_MS", "200");
    assert!(env.run("yizhan-api", &["migrate"]).success());
    // A row the API committed but never pushed (killed between commit and push).
    let mut conn = PgConnection::connect(&db).await.expect("db");
    let left_behind: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (queue, kind, payload) VALUES ('default', 'left_behind', '{}') RETURNING id",
    )
    .fetch_one(&mut conn)
    .await
    .expect("insert");
    let ports = [free_port(), free_port()];
    let mut procs: Vec<_> = ports
        .iter()
        .map(|port| env.clone().with("SCHEDULER_METRICS_ADDR", &format!("127.0.0.1:{port}")).spawn("yizhan-scheduler", &[]))
        .collect();
    let http = reqwest::Client::new();

    let first = leader(&http, &ports, Duration::from_secs(20)).await.expect("a leader within 20 s");
    let before = wait_firings(&db, 3, Duration::from_secs(10)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let pushed = loop {
        let pushed: bool = sqlx::query_scalar("SELECT pushed_at IS NOT NULL FROM outbox WHERE id = $1")
            .bind(left_behind)
            .fetch_one(&mut conn)
            .await
            .expect("select");
        if pushed || Instant::now() > deadline {
            break pushed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(pushed, "the relay sweep pushed the row left behind");
    assert!(before >= 3, "the leader fires every second: {before}");

    procs[first].signal("KILL");
    let killed = Instant::now();
    let second = leader(&http, &ports, Duration::from_secs(10)).await.expect("the standby takes over");
    assert_ne!(first, second);
    eprintln!("scheduler leader hand-over after kill -9: {:?} (TTL 2 s)", killed.elapsed());
    let after = wait_firings(&db, before + 3, Duration::from_secs(10)).await;
    assert!(after >= before + 3, "the new leader keeps firing: {before} -> {after}");
    let text = metrics(&http, ports[second]).await;
    assert!(text.contains(r#"yizhan_scheduler_firings_total{schedule="heartbeat",result="enqueued"}"#), "{text}");
    assert!(text.contains("yizhan_lease_acquired_total"), "{text}");

    let status = procs[second].terminate(Duration::from_secs(10)).expect("stops on SIGTERM");
    assert!(status.success(), "{status}");
    let prefix = env.get("REDIS_PREFIX");
    let url = secrecy::SecretString::from(yizhan_system_tests::env("REDIS_URL"));
    let mut conn = yizhan_common::redis_conn::connect(&url, Default::default()).await.expect("redis");
    let holder: Option<String> = redis::cmd("GET").arg(format!("{prefix}:lease:scheduler")).query_async(&mut conn).await.expect("get");
    assert_eq!(holder, None, "the lease is released on SIGTERM");
    yizhan_system_tests::redis_keys::delete_prefix(&prefix).await;
}

#[tokio::test]
async fn starts_while_redis_is_down_and_stops_on_sigterm() {
    let db = fresh_database().await;
    let closed = free_port();
    let metrics_port = free_port();
    let env = SystemEnv::new(&db)
        .with("REDIS_URL", &format!("redis://127.0.0.1:{closed}/"))
        .with("SCHEDULER_METRICS_ADDR", &format!("127.0.0.1:{metrics_port}"));
    let mut scheduler = env.spawn("yizhan-scheduler", &[]);
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{metrics_port}/healthz");
    assert!(yizhan_system_tests::wait_http_ok(&http, &url, Duration::from_secs(20)).await, "up without Redis");
    let status = scheduler.terminate(Duration::from_secs(10)).expect("stops on SIGTERM while waiting for Redis");
    assert!(status.success(), "{status}");
}
