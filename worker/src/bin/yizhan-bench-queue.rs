//! `scripts/bench queue`: enqueue and drain rates of no-op jobs with one worker (in this
//! process; the backlog falls due at one moment), the same drain through apalis' `Monitor` over
//! the engine (`WORKER_RUNTIME=apalis`), idle pickup latency, the CPU an idle worker
//! serving every queue uses, and a minimal reliable-list loop as a baseline for this machine.
//! Reads `REDIS_URL` and `DATABASE_URL`; writes only keys under `bench:<pid>` and deletes them.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use futures::StreamExt;
use yizhan_common::redis_conn::RedisConn;
use redis::AsyncCommands;
use secrecy::{ExposeSecret, SecretString};
use yizhan_common::jobs::kinds::{Noop, Probe};
use yizhan_common::jobs::{registry, Job, JobEnvelope, JobServices, QueueName};
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::redis_conn::{self, RedisTimeouts};
use yizhan_worker::{QueueList, Runtime, Worker};

#[derive(Parser)]
struct Args {
    /// Backlog size for the enqueue and drain figures.
    #[arg(long, default_value_t = 100_000)]
    jobs: usize,
    /// Concurrency of the worker's `default` queue.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Jobs pushed one at a time onto an idle queue for the pickup figures.
    #[arg(long, default_value_t = 200)]
    pickup_samples: usize,
    /// Drains through each path (direct loop, apalis), taking turns.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
}

/// One drain: jobs per second, and the CPU time per job in microseconds of this process and of
/// the Redis server.
struct Drained {
    rate: f64,
    cpu_us_per_job: f64,
    redis_cpu_us_per_job: f64,
    /// Script calls (`EVALSHA`) the Redis server ran per 1,000 jobs: fewer means larger batches.
    scripts_per_1000_jobs: f64,
}

/// The medians of some drains' rates, CPU per job, Redis CPU per job and scripts per 1,000 jobs.
fn medians(drains: &[Drained]) -> (f64, f64, f64, f64) {
    let median = |f: fn(&Drained) -> f64| {
        let mut v: Vec<f64> = drains.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        percentile(&v, 0.5)
    };
    (median(|d| d.rate), median(|d| d.cpu_us_per_job), median(|d| d.redis_cpu_us_per_job), median(|d| d.scripts_per_1000_jobs))
}

/// Script calls (`EVALSHA`) the Redis server has run, from `INFO commandstats`.
async fn redis_script_calls(conn: &mut RedisConn) -> anyhow::Result<f64> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(conn).await?;
    let line = info.lines().find(|l| l.starts_with("cmdstat_evalsha:")).unwrap_or("cmdstat_evalsha:calls=0,");
    let calls = line.split([':', ',']).find_map(|kv| kv.strip_prefix("calls=")).context("calls")?;
    Ok(calls.parse()?)
}

/// Calls and microseconds per command, from `INFO commandstats`.
async fn command_stats(conn: &mut RedisConn) -> anyhow::Result<std::collections::BTreeMap<String, (f64, f64)>> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(conn).await?;
    let mut out = std::collections::BTreeMap::new();
    for line in info.lines().filter_map(|l| l.strip_prefix("cmdstat_")) {
        let Some((name, fields)) = line.split_once(':') else { continue };
        let field = |key: &str| fields.split(',').find_map(|kv| kv.strip_prefix(key)).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        out.insert(name.to_owned(), (field("calls="), field("usec=")));
    }
    Ok(out)
}

/// CPU seconds (user + system) the Redis server has used, from `INFO cpu`.
async fn redis_cpu_seconds(conn: &mut RedisConn) -> anyhow::Result<f64> {
    let info: String = redis::cmd("INFO").arg("cpu").query_async(conn).await?;
    let field = |name: &str| {
        info.lines().find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':'))).and_then(|v| v.trim().parse::<f64>().ok())
    };
    Ok(field("used_cpu_user").context("used_cpu_user")? + field("used_cpu_sys").context("used_cpu_sys")?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = SecretString::from(std::env::var("REDIS_URL").context("REDIS_URL")?);
    let db_url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let conn = redis_conn::connect(&url, RedisTimeouts::default()).await?;
    let prefix = format!("bench:{}", std::process::id());
    let wake_client = yizhan_common::redis_conn::RedisClient::open(url.expose_secret())?;
    let queue = RedisQueue::new(conn.clone(), prefix.clone(), QueueSettings::default()).with_wake_client(wake_client);
    let services = Arc::new(JobServices::new(sqlx::PgPool::connect_lazy(&db_url)?, conn.clone(), prefix.clone()));
    let services_for_idle = services.clone();

    // The whole backlog falls due at one moment, a few seconds ahead, so the drain goes through
    // the scheduled set and its promotion (the apalis-redis failure mode at ~8,000 due jobs).
    let bench_worker = |queue_name, runtime, name: &str| Worker {
        queue: queue.clone(),
        services: services.clone(),
        registry: Arc::new(registry()),
        queues: QueueList(vec![(queue_name, args.concurrency)]),
        idle_poll: Duration::from_millis(20),
        shutdown_grace: Duration::from_secs(5),
        name: format!("{name}-{}", std::process::id()),
        lease: yizhan_common::lease::LeaseConfig::default(),
        runtime,
    };
    // Direct loop and apalis take turns, `rounds` times each (the first of a round alternates), on a
    // backlog of the same size each time, so a machine whose load drifts during the run weighs on
    // both alike; the figures are each path's median. CPU time of this process per job drained is
    // printed beside them: it moves far less with other load on the machine than the rate does.
    let (mut direct, mut apalis) = (Vec::new(), Vec::new());
    for round in 0..args.rounds {
        for apalis_turn in [round % 2 == 1, round % 2 == 0] {
            let (queue_name, runtime, name, into) = if apalis_turn {
                (QueueName::Storage, Runtime::Apalis, "bench-apalis", &mut apalis)
            } else {
                (QueueName::Default, Runtime::Direct, "bench", &mut direct)
            };
            // Every drain starts from an empty keyspace: what earlier drains left (the done ids
            // kept for duplicate detection) grows Redis' hashes, and a drain that crosses a rehash
            // pays for it (seen: 3 to 8 times the HSET time per job in a later round).
            clean(conn.clone(), &prefix).await?;
            let (due, enqueue) = backlog(&queue, queue_name, &format!("{name}{round}"), args.jobs).await?;
            if round == 0 && !apalis_turn {
                println!("enqueue_jobs_per_sec={enqueue:.0}");
            }
            into.push(drain(&queue, conn.clone(), queue_name, due, args.jobs, bench_worker(queue_name, runtime, name)).await?);
        }
    }
    let (direct_rate, direct_cpu, direct_redis, direct_scripts) = medians(&direct);
    let (apalis_rate, apalis_cpu, apalis_redis, apalis_scripts) = medians(&apalis);
    let list = |v: &[Drained]| v.iter().map(|d| format!("{:.0}", d.rate)).collect::<Vec<_>>().join(",");
    println!("drain_rounds={} drain_jobs_per_sec_each={} apalis_drain_jobs_per_sec_each={}", args.rounds, list(&direct), list(&apalis));
    println!("drain_jobs_per_sec={direct_rate:.0}");
    println!("apalis_drain_jobs_per_sec={apalis_rate:.0}");
    println!("apalis_vs_direct_pct={:.0}", apalis_rate / direct_rate * 100.0);
    println!("drain_cpu_us_per_job={direct_cpu:.1}");
    println!("apalis_drain_cpu_us_per_job={apalis_cpu:.1}");
    println!("drain_redis_cpu_us_per_job={direct_redis:.1}");
    println!("apalis_drain_redis_cpu_us_per_job={apalis_redis:.1}");
    println!("drain_scripts_per_1000_jobs={direct_scripts:.1}");
    println!("apalis_drain_scripts_per_1000_jobs={apalis_scripts:.1}");

    // Idle pickup and idle CPU for each runtime (unprefixed: the direct loop; `apalis_`: apalis).
    for (runtime, key) in [(Runtime::Direct, ""), (Runtime::Apalis, "apalis_")] {
        let worker = bench_worker(QueueName::Default, runtime, "bench-pickup");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(worker.run_until(async move {
            let _ = stop_rx.await;
        }));
        let mut pickups = pickup(&queue, conn.clone(), &prefix, &format!("{key}pickup"), args.pickup_samples).await?;
        pickups.sort_by(f64::total_cmp);
        println!("{key}pickup_p50_ms={:.1}", percentile(&pickups, 0.50));
        println!("{key}pickup_p99_ms={:.1}", percentile(&pickups, 0.99));
        let _ = stop_tx.send(());
        running.await?;
        let idle = idle_cpu(&queue, &services_for_idle, runtime).await?;
        println!("{key}idle_worker_cpu_pct={idle:.2}");
    }

    let baseline = baseline_drain(conn.clone(), &prefix, args.jobs, args.concurrency.min(64)).await?;
    println!("baseline_reliable_list_drain_jobs_per_sec={baseline:.0}");
    clean(conn, &prefix).await
}

/// Pushes `jobs` no-op jobs onto `name` (ids `<tag>-<n>`), all due at one moment a few seconds
/// ahead; returns that moment and the enqueue rate.
async fn backlog(queue: &RedisQueue, name: QueueName, tag: &str, jobs: usize) -> anyhow::Result<(chrono::DateTime<Utc>, f64)> {
    let due = Utc::now() + chrono::TimeDelta::seconds(5);
    let envelopes = (0..jobs)
        .map(|i| Noop {}.envelope(format!("{tag}-{i}"), due).map(|e| JobEnvelope { queue: name, ..e }))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let pushes = envelopes.chunks(1000).map(|chunk| queue.push(chunk));
    let created: Vec<_> = futures::stream::iter(pushes).buffer_unordered(4).collect().await;
    let created: usize = created.into_iter().sum::<Result<usize, _>>()?;
    anyhow::ensure!(created == jobs, "pushed {created} of {jobs} jobs");
    Ok((due, rate(jobs, started.elapsed())))
}

/// Waits until `due`, runs `worker` until `name` has `jobs` more done, stops it; returns the rate
/// and the CPU time per job.
async fn drain(queue: &RedisQueue, mut conn: RedisConn, name: QueueName, due: chrono::DateTime<Utc>, jobs: usize, worker: Worker) -> anyhow::Result<Drained> {
    while Utc::now() <= due {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let total = queue.stats(name).await?.done + u64::try_from(jobs)?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (redis_before, scripts_before) = (redis_cpu_seconds(&mut conn).await?, redis_script_calls(&mut conn).await?);
    let commands_before = command_stats(&mut conn).await?;
    let label = format!("{:?}", worker.runtime);
    let (started, cpu_before) = (Instant::now(), cpu_seconds()?);
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.await;
    }));
    loop {
        if queue.stats(name).await?.done >= total {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "drain did not finish in 10 minutes");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (took, cpu) = (started.elapsed(), cpu_seconds()? - cpu_before);
    let redis_cpu = redis_cpu_seconds(&mut conn).await? - redis_before;
    let scripts = redis_script_calls(&mut conn).await? - scripts_before;
    if std::env::var_os("BENCH_COMMANDSTATS").is_some() {
        // Where the Redis time of this drain went, per command (a diagnostic: stderr).
        for (command, (calls, usec)) in command_stats(&mut conn).await? {
            let (calls0, usec0) = commands_before.get(&command).copied().unwrap_or_default();
            if calls > calls0 {
                eprintln!("{}: {command} calls_per_1000_jobs={:.1} usec_per_job={:.2}", label, (calls - calls0) * 1000.0 / jobs as f64, (usec - usec0) / jobs as f64);
            }
        }
    }
    let _ = stop_tx.send(());
    running.await?;
    let per_job = |seconds: f64| seconds * 1e6 / jobs as f64;
    Ok(Drained { rate: rate(jobs, took), cpu_us_per_job: per_job(cpu), redis_cpu_us_per_job: per_job(redis_cpu), scripts_per_1000_jobs: scripts * 1000.0 / jobs as f64 })
}

/// CPU used by this process (% of one core) over 10 s while a worker serves every queue, all
/// of them empty. Nothing else runs in the process meanwhile.
async fn idle_cpu(queue: &RedisQueue, services: &Arc<JobServices>, runtime: Runtime) -> anyhow::Result<f64> {
    let worker = Worker {
        queue: queue.clone(),
        services: services.clone(),
        registry: Arc::new(registry()),
        queues: QueueList::all(),
        idle_poll: Duration::from_millis(20),
        shutdown_grace: Duration::from_secs(5),
        name: format!("bench-idle-{}", std::process::id()),
        lease: yizhan_common::lease::LeaseConfig::default(),
        runtime,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.await;
    }));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu_before, wall) = (cpu_seconds()?, Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let pct = (cpu_seconds()? - cpu_before) / wall.elapsed().as_secs_f64() * 100.0;
    let _ = stop_tx.send(());
    running.await?;
    Ok(pct)
}

/// User + system CPU time of this process, from `/proc/self/stat` (clock ticks of 1/100 s).
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let after_name = stat.rsplit_once(") ").map(|(_, rest)| rest).context("stat format")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / 100.0)
}

/// Pushes one probe at a time onto the idle queue and reads when its run started.
async fn pickup(queue: &RedisQueue, mut conn: RedisConn, prefix: &str, tag: &str, samples: usize) -> anyhow::Result<Vec<f64>> {
    let started_key = format!("{prefix}:{}", Probe::started_key(tag));
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples {
        // An idle gap of 0–30 ms, so each job lands at a random point of the poll cycle.
        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % 30)).await;
        let pushed_us = Utc::now().timestamp_micros();
        queue.push(&[Probe { tag: tag.into(), steps: vec![] }.envelope(format!("{tag}{i}"), Utc::now())?]).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let n: usize = conn.llen(&started_key).await?;
            if n > i {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "probe {i} was not picked up within 5 s");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let started_us: i64 = conn.lindex(&started_key, -1).await?;
        out.push((started_us - pushed_us) as f64 / 1000.0);
    }
    Ok(out)
}

/// The reference point: LMOVE each id to a per-consumer list, acknowledge with LREM.
async fn baseline_drain(conn: RedisConn, prefix: &str, jobs: usize, consumers: usize) -> anyhow::Result<f64> {
    // One hash tag, so LMOVE stays in one slot on a Redis Cluster.
    let source = format!("{prefix}:{{baseline}}:ready");
    let mut c = conn.clone();
    for chunk in (0..jobs).collect::<Vec<_>>().chunks(1000) {
        let _: usize = c.lpush(&source, chunk).await?;
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..consumers)
        .map(|n| {
            let (mut c, source, processing) = (conn.clone(), source.clone(), format!("{prefix}:{{baseline}}:processing:{n}"));
            tokio::spawn(async move {
                loop {
                    let id: Option<String> = redis::cmd("LMOVE")
                        .arg(&source)
                        .arg(&processing)
                        .arg("RIGHT")
                        .arg("LEFT")
                        .query_async(&mut c)
                        .await?;
                    let Some(id) = id else { return Ok::<_, redis::RedisError>(()) };
                    let _: i64 = c.lrem(&processing, 1, id).await?;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(rate(jobs, started.elapsed()))
}

async fn clean(mut conn: RedisConn, prefix: &str) -> anyhow::Result<()> {
    yizhan_common::redis_scan::delete_matching(&mut conn, &format!("{prefix}:*")).await?;
    Ok(())
}

fn rate(jobs: usize, took: Duration) -> f64 {
    jobs as f64 / took.as_secs_f64()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
