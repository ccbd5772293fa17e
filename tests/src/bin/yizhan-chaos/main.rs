//! `scripts/chaos`: the real binaries under faults, each scenario a booking load whose every
//! acknowledged booking plans one WeChat message (the job with a side effect: the simulator
//! records each delivery, the send log in PostgreSQL its end). For each scenario it prints
//! `scenario=`, then `jobs=` (acknowledged bookings), `lost=` (messages neither delivered nor
//! ended with a recorded permanent errcode), `duplicated=` (deliveries beyond one),
//! `max_delay_ms=` (booking answered → message delivered), and what the scenario adds.
//!
//! Scenarios (all by default; name some to run only those):
//! - `workers`: 4 workers, one of them `kill -9`ed at random every 3 s and restarted (50,000
//!   bookings by default).
//! - `redis-aof`: Redis (AOF, `appendfsync everysec`) killed a third of the way in and started
//!   again from its file 2 s later.
//! - `redis-empty`: the same, restarted empty.
//! - `postgres`: PostgreSQL stopped at once a third of the way in, started again 5 s later: the
//!   API answers 503 meanwhile and no booking is half-written.
//! - `wechat-faults`: 20% of subscribe sends fail at the simulator (10% errcode -1, transient;
//!   10% 43101, permanent).
//!
//! `--jobs N` sets the bookings of every scenario (default 50,000 for `workers`, 5,000 else).

#![allow(clippy::print_stdout)] // a chaos run prints its figures

mod load;
mod strike;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use load::{Booking, Load, Tally};
use serde_json::json;
use yizhan_system_tests::system::{Shape, System};

const SCENARIOS: [&str; 5] = ["workers", "redis-aof", "redis-empty", "postgres", "wechat-faults"];
const CONCURRENCY: usize = 32;
/// Long enough for a claim left by a killed worker to be seen dead (the job's 60 s timeout) and
/// for the reconciliation sweep to find what Redis lost.
const SETTLE: Duration = Duration::from_secs(300);

fn args() -> (Vec<String>, Option<usize>) {
    let mut names = Vec::new();
    let mut jobs = None;
    let mut argv = std::env::args().skip(1);
    while let Some(a) = argv.next() {
        if a == "--jobs" {
            jobs = argv.next().and_then(|n| n.parse().ok()).map(|n: usize| n.clamp(100, 90_000));
        } else if SCENARIOS.contains(&a.as_str()) {
            names.push(a);
        } else {
            eprintln!("usage: yizhan-chaos [--jobs N] [{}]…", SCENARIOS.join("|"));
            std::process::exit(2);
        }
    }
    if names.is_empty() {
        names = SCENARIOS.iter().map(|s| (*s).to_owned()).collect();
    }
    (names, jobs)
}

/// Every process reads the same settings: the subscribe-send limit is lifted (the figure is the
/// pipeline's, not the configured 50/s) and the reconciliation sweep runs every second; the
/// workers serve every queue at its default concurrency.
fn settings(redis_url: Option<&str>) -> Vec<(&str, String)> {
    let mut s = vec![
        ("RUST_LOG", "error".to_owned()),
        ("RATE_LIMITS", "wechat.subscribe_send=off".to_owned()),
        ("SCHEDULER_RECONCILE_INTERVAL_MS", "1000".to_owned()),
    ];
    if let Some(url) = redis_url {
        s.push(("REDIS_URL", url.to_owned()));
    }
    s
}

async fn start(redis_url: Option<&str>, shape: Shape) -> System {
    let settings = settings(redis_url);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    System::start_several(&pairs, shape).await
}

fn print(scenario: &str, tally: &Tally, bookings: &[Booking], extra: &[(&str, String)]) {
    println!("scenario={scenario}");
    println!("jobs={}", tally.jobs);
    println!("lost={}", tally.lost);
    println!("duplicated={}", tally.duplicated);
    println!("max_delay_ms={}", tally.max_delay_ms);
    println!("failed_permanent={}", tally.failed_permanent);
    println!("wechat_calls_beyond_one={}", tally.calls_beyond_one);
    println!("settled={}", tally.settled);
    let mut statuses = std::collections::BTreeMap::new();
    for b in bookings {
        *statuses.entry(b.status).or_insert(0usize) += 1;
    }
    let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect();
    println!("booking_statuses={}", statuses.join(","));
    for (k, v) in extra {
        println!("{k}={v}");
    }
}

/// Runs the load while `strike` happens once a third of the bookings are answered.
async fn with_strike<F, Fut>(load: &Arc<Load>, n: usize, strike: F) -> Vec<Booking>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let booking = tokio::spawn({
        let load = load.clone();
        async move { load.book_all(n, CONCURRENCY).await }
    });
    while load.answered.load(Ordering::Relaxed) < n / 3 && !booking.is_finished() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    strike().await;
    booking.await.expect("bookings")
}

async fn workers(n: usize) -> anyhow::Result<()> {
    let mut sys = start(None, Shape { apis: 1, workers: 1, schedulers: 1 }).await;
    // The system's own worker is replaced by four this scenario owns and kills.
    let _ = sys.procs()[2].terminate(Duration::from_secs(10));
    let workers: Vec<_> = (0..4).map(|_| sys.env.spawn("yizhan-worker", &[])).collect();
    let env = sys.env.clone();
    let load = Arc::new(Load::prepare(Arc::new(sys), n).await?);
    let stop = Arc::new(AtomicBool::new(false));
    let killer = tokio::spawn(strike::kill_workers(env, workers, Duration::from_secs(3), stop.clone()));
    let started = Instant::now();
    let bookings = load.book_all(n, CONCURRENCY).await;
    let booked_in = started.elapsed();
    let tally = load.settle(&bookings, SETTLE).await?;
    stop.store(true, Ordering::Relaxed);
    let kills = killer.await?;
    print("workers", &tally, &bookings, &[("worker_kills", kills.to_string()), ("booking_seconds", format!("{:.0}", booked_in.as_secs_f64()))]);
    Ok(())
}

async fn redis(n: usize, empty: bool) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("yizhan-chaos-redis-{}", uuid::Uuid::new_v4().simple()));
    let mut rig = strike::RedisRig::start(dir.clone());
    let sys = start(Some(&rig.url()), Shape { apis: 1, workers: 2, schedulers: 1 }).await;
    let load = Arc::new(Load::prepare(Arc::new(sys), n).await?);
    let bookings = with_strike(&load, n, || rig.restart(Duration::from_secs(2), empty)).await;
    let tally = load.settle(&bookings, SETTLE).await?;
    print(if empty { "redis-empty" } else { "redis-aof" }, &tally, &bookings, &[]);
    drop(rig);
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

async fn postgres(n: usize) -> anyhow::Result<()> {
    let sys = start(None, Shape { apis: 1, workers: 2, schedulers: 1 }).await;
    let load = Arc::new(Load::prepare(Arc::new(sys), n).await?);
    let mut outcome = Ok(());
    let bookings = with_strike(&load, n, || async { outcome = strike::restart_postgres(Duration::from_secs(5)).await }).await;
    outcome?;
    let tally = load.settle(&bookings, SETTLE).await?;
    let half = half_written(&load, &bookings).await?;
    print("postgres", &tally, &bookings, &half);
    Ok(())
}

/// After a PostgreSQL crash: acknowledged bookings missing from the database, appointments
/// without their planned send (a transaction split in two), and appointments whose answer the
/// client never got (committed as the server died: in doubt, not half-written).
async fn half_written(load: &Load, bookings: &[Booking]) -> anyhow::Result<Vec<(&'static str, String)>> {
    use sqlx::Connection;
    let acknowledged: Vec<i64> = bookings.iter().filter_map(|b| b.id).collect();
    let mut conn = sqlx::PgConnection::connect(&load.sys.env.get("DATABASE_URL")).await?;
    let missing: i64 = sqlx::query_scalar("SELECT $2::BIGINT - count(*) FROM appointments WHERE id = ANY($1)")
        .bind(&acknowledged)
        .bind(acknowledged.len() as i64)
        .fetch_one(&mut conn)
        .await?;
    let without_send: i64 =
        sqlx::query_scalar("SELECT count(*) FROM appointments a WHERE NOT EXISTS (SELECT 1 FROM subscribe_sends s WHERE s.appointment_id = a.id)")
            .fetch_one(&mut conn)
            .await?;
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&mut conn).await?;
    conn.close().await?;
    // The first booking (binding the openid) is not among the load's.
    let in_doubt = all - 1 - (acknowledged.len() as i64 - missing);
    Ok(vec![("acknowledged_missing", missing.to_string()), ("appointments_without_send", without_send.to_string()), ("committed_unacknowledged", in_doubt.to_string())])
}

async fn wechat_faults(n: usize) -> anyhow::Result<()> {
    let sys = start(None, Shape { apis: 1, workers: 2, schedulers: 1 }).await;
    let load = Arc::new(Load::prepare(Arc::new(sys), n).await?);
    // The first rule fails 10% of calls; the second 1/9 of the rest: 20% in all.
    load.sys
        .sim_post("/_sim/faults", json!({"rules": [
            {"op": "subscribe_send", "errcode": -1, "rate": 0.1},
            {"op": "subscribe_send", "errcode": 43101, "rate": 0.1111},
        ]}))
        .await;
    let bookings = load.book_all(n, CONCURRENCY).await;
    let tally = load.settle(&bookings, SETTLE).await?;
    print("wechat-faults", &tally, &bookings, &[]);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (names, jobs) = args();
    for name in names {
        let started = Instant::now();
        match name.as_str() {
            "workers" => workers(jobs.unwrap_or(50_000)).await?,
            "redis-aof" => redis(jobs.unwrap_or(5_000), false).await?,
            "redis-empty" => redis(jobs.unwrap_or(5_000), true).await?,
            "postgres" => postgres(jobs.unwrap_or(5_000)).await?,
            _ => wechat_faults(jobs.unwrap_or(5_000)).await?,
        }
        println!("scenario_seconds={:.0}", started.elapsed().as_secs_f64());
    }
    Ok(())
}
