//! `scripts/bench appointments`: drives `POST /patient/appointments` at a fixed concurrency against
//! the running system (api, worker and the simulator, release builds) and prints
//! `requests_per_sec=`, `p50_ms=`, `p99_ms=`, `send_latency_p99_ms=` (commit → the simulator
//! receiving the subscribe message), `first_send_latency_p99_ms=` (the same for first-time users
//! whose booking carries a fresh `wxCode`: the send follows the code exchange), with
//! `baseline_healthz_requests_per_sec=` from the same run, `ceiling_tps=` (the minimal booking
//! transaction run by the bench itself against the same PostgreSQL at the same concurrency,
//! [`yizhan_system_tests::ceiling`]) with `ratio_to_ceiling=`, and the api's and worker's peak
//! resident memory (`rss_mb_api=`, `rss_mb_worker=`, VmHWM read after the run). The api's and
//! the worker's pools hold 4 connections each (`DATABASE_POOL_MAX` to measure another size). The simulator is granted exactly what
//! each booking's `subscribeAuthResult` accepted. The first-time users' exchanges pass the
//! `wechat.jscode2session` limit at its default (500/s, a burst of 50: 40 at once start
//! together); `--login-limit off` lifts it to measure the pipeline alone. The measured run
//! follows a warm-up of four bookings per request in flight (the pools' connections opened and
//! their statements prepared, as the ceiling warms its own).
//! The same run then books `requests` more with the worker paused (`SIGSTOP`, resumed after):
//! `requests_per_sec_worker_paused=`, `p99_ms_worker_paused=` and
//! `ratio_to_ceiling_worker_paused=`, the bookings (each still planning its message) without
//! their deliveries on the same two cores, as the ceiling has none. `BENCH_WORKER_NICE=N` runs
//! the worker at that CPU priority (`renice` of each of its threads; printed `worker_nice=`), as
//! an operator would run a worker that shares a small machine with the api and PostgreSQL. With
//! the worker still paused, the bench then runs the api's booking transaction itself on as many
//! more bookings ([`yizhan_system_tests::booking_sql`]): `sql_only_bookings_per_sec=`,
//! `sql_only_ratio_to_ceiling=`, `ratio_to_sql_only_worker_paused=`, and the same without the
//! message (`sql_only_without_message_per_sec=`) and with the place alone
//! (`sql_only_place_only_per_sec=`). Resumed, the worker sends the paused bookings' messages:
//! `backlog_sends_per_sec=` (the single-send path draining a burst's backlog with nothing beside
//! it). `send_claims_per_batch=`, `send_reads_per_batch=` and `send_records_per_batch=`: over the
//! whole run, how many single sends' claims, appointment reads and sent records the worker ran
//! per statement (its `yizhan_coalesced_*` counters; `subscribe::SendStatements`).
//! What each booking cost the machine's cores ([`yizhan_system_tests::cpu`], read from `/proc`),
//! in CPU milliseconds by process (`_postgres`, `_api`, `_worker`, `_redis`, `_sim`, `_bench`
//! the bench's own client, `_other`) and for the whole machine (`_machine`): with its delivery
//! (`cpu_ms_per_booking=`, from the first measured booking to the last message received), with
//! the worker paused (`cpu_ms_per_booking_worker_paused=`), per ceiling transaction
//! (`cpu_ms_per_ceiling_tx=`) and per SQL-only booking (`cpu_ms_per_sql_only_booking=`). From
//! them, the rates the machine's `cores=` bound: `cores_bound_bookings_per_sec=` (every core
//! running the system's processes at this cost per booking with its delivery, the bench's
//! client left out) and `cores_bound_sql_only_postgres_per_sec=` (every core running
//! PostgreSQL at its cost for the booking's transaction alone: no HTTP, no api, no delivery).
//! With
//! `BENCH_TOP_STATEMENTS=1` the statements that took most of PostgreSQL's time during the
//! bookings and their sends (with their planning), and each table's updates (how many HOT), go
//! to stderr, and `db_plans_per_booking=` (statements planned per booking) to stdout.

#![allow(clippy::print_stdout)] // a benchmark prints its figures

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::Connection;
use yizhan_system_tests::bench::{drive, peak_rss_mb, percentile, rss_mb};
use yizhan_system_tests::booking_sql;
use yizhan_system_tests::ceiling::ceiling_tps;
use yizhan_system_tests::cpu::{self, CpuSample};
use yizhan_system_tests::store_calls::{self, table_updates, top_statements, StoreCalls};
use yizhan_system_tests::system::System;

#[derive(Clone, Copy)]
struct Args {
    requests: usize,
    concurrency: usize,
    schedules: usize,
    /// Whether the `wechat.jscode2session` rate limit applies (the default) or is lifted.
    login_limit: bool,
    /// Accounts booking (booking i is account i mod N's); 1 by default, a morning's release of
    /// places is many.
    users: usize,
}

fn args() -> Args {
    let mut a = Args { requests: 2000, concurrency: 32, schedules: 10, login_limit: true, users: 1 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--requests", Some(n)) => a.requests = n,
            ("--concurrency", Some(n)) => a.concurrency = n,
            ("--schedules", Some(n)) => a.schedules = n,
            ("--users", Some(n)) => a.users = n,
            ("--login-limit", _) if matches!(pair.get(1).map(String::as_str), Some("on" | "off")) => {
                a.login_limit = pair[1] == "on";
            }
            _ => {
                eprintln!("usage: yizhan-bench-appointments [--requests N] [--concurrency N] [--schedules N] [--users N] [--login-limit on|off]");
                std::process::exit(2);
            }
        }
    }
    a.requests = a.requests.clamp(10, 9_000);
    a.concurrency = a.concurrency.clamp(1, 256);
    a.schedules = a.schedules.clamp(1, 100);
    a.users = a.users.clamp(1, a.requests);
    a
}

/// The i-th booking of a run: patient `first_patient + i`, by its account, on schedule `i`
/// round-robin.
fn booking(
    sys: Arc<System>,
    accounts: Arc<Vec<(String, i64)>>,
    patients: Arc<Vec<i64>>,
    schedules: Arc<Vec<i64>>,
    first_patient: usize,
) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send>> + Send + Sync + 'static {
    move |i| {
        let (sys, user) = (sys.clone(), accounts[(first_patient + i) % accounts.len()].0.clone());
        let body = json!({"scheduleId": schedules[i % schedules.len()], "patientId": patients[first_patient + i], "subscribeAuthResult": {"模板ID1": "accept"}});
        Box::pin(async move {
            let (status, v) = sys.post("/patient/appointments", Some(&user), body).await;
            json!({"status": status, "id": v["id"], "at": now_ms()})
        })
    }
}

/// The accounts that book: `user` (made through the API; the warm-up booking's wxCode binds its
/// openid) and `n - 1` more written straight to the database, each with a token and an openid the
/// simulator knows, already bound, with `grants` acceptances there.
async fn accounts(sys: &System, conn: &mut sqlx::PgConnection, user: String, user_id: i64, n: usize, grants: usize) -> anyhow::Result<Vec<(String, i64)>> {
    let mut accounts = vec![(user, user_id)];
    if n == 1 {
        return Ok(accounts);
    }
    let mut openids = Vec::with_capacity(n - 1);
    for _ in 1..n {
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let openid = wx["openid"].as_str().expect("openid").to_owned();
        sys.sim_post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": grants})).await;
        openids.push(openid);
    }
    let tokens: Vec<_> = (1..n).map(|_| yizhan_common::auth::token::generate()).collect();
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO users (username, name, roles) SELECT 'bench' || g, '患者' || g, '{patient}' FROM generate_series(1, $1) g ORDER BY g RETURNING id",
    )
    .bind(i32::try_from(n - 1)?)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO api_tokens (user_id, token_hash, expires_at) SELECT u, h, now() + interval '1 day' FROM UNNEST($1::BIGINT[], $2::BYTEA[]) AS t (u, h)")
        .bind(&ids)
        .bind(tokens.iter().map(|t| t.hash.clone()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO wechat_identities (user_id, appid, openid) SELECT u, 'wxsimmini', o FROM UNNEST($1::BIGINT[], $2::TEXT[]) AS t (u, o)")
        .bind(&ids)
        .bind(&openids)
        .execute(&mut *conn)
        .await?;
    accounts.extend(tokens.into_iter().map(|t| t.plain).zip(ids));
    Ok(accounts)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    // The subscribe-send rate limit (50/s by default, below WeChat's quota) is lifted so the figure
    // measures the pipeline, not the configured limit.
    let limits = if a.login_limit { "wechat.subscribe_send=off" } else { "wechat.subscribe_send=off,wechat.jscode2session=off" };
    // The api's and worker's pools: 4 connections each (twice the machine's cores: more only
    // queue on the schedule's lock and the two cores; README, Sizing) unless DATABASE_POOL_MAX
    // says otherwise.
    let pool_max = std::env::var("DATABASE_POOL_MAX").unwrap_or_else(|_| "4".to_owned());
    let worker_metrics = format!("127.0.0.1:{}", yizhan_system_tests::free_port());
    let sys = Arc::new(
        System::start_with(&[
            ("RUST_LOG", "error"),
            ("WORKER_METRICS_ADDR", worker_metrics.as_str()),
            ("DATABASE_POOL_MAX", pool_max.as_str()),
            ("WORKER_QUEUES", "wechat=32,wechat_login=16,default=4"),
            ("RATE_LIMITS", limits),
        ])
        .await,
    );
    let (api_pid, worker_pid) = sys.api_and_worker_pids();
    let worker_nice = std::env::var("BENCH_WORKER_NICE").ok().and_then(|n| n.parse::<i32>().ok()).unwrap_or(0);
    if worker_nice != 0 {
        renice_threads(worker_pid, worker_nice)?;
    }
    let api_started_mb = rss_mb(api_pid);
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "基准医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let date = (chrono_like_date(30)).to_owned();
    // The schedules booked, then as many for the bookings with the worker paused, then as many for
    // the SQL-only bookings.
    let mut schedules = Vec::with_capacity(a.schedules * 3);
    for n in 0..a.schedules * 3 {
        let (status, s) = sys
            .post("/admin/schedules", Some(&admin), json!({"hospitalId": h["id"], "departmentId": d["id"], "date": date,
                  "period": format!("时段{n}"), "startTime": "08:00", "endTime": "12:00", "capacity": 10000, "fee": 10.0}))
            .await;
        anyhow::ensure!(status == 201, "schedule: {s}");
        schedules.push(s["id"].as_i64().expect("schedule"));
    }
    let schedule = schedules[0];
    let sql_schedules = schedules.split_off(a.schedules * 2);
    let paused_schedules = Arc::new(schedules.split_off(a.schedules));
    let schedules = Arc::new(schedules);
    let user = sys.user(&admin, "bench", &["patient"]).await;
    let (_, me) = sys.call(reqwest::Method::GET, "/current-user/", Some(&user), None).await;
    let db_url = sys.env.get("DATABASE_URL");
    let mut conn = sqlx::PgConnection::connect(&db_url).await?;
    // Patients: one per measured booking, then the one of the booking that binds the openid, then
    // one per warm-up booking, then one per booking measured with the worker paused, then one per
    // SQL-only booking of each of the three runs of `SQL_PARTS` (its warm-up's, then its measured ones).
    let warm = a.concurrency * 4;
    let paused_from = a.requests + 1 + warm;
    let sql_from = paused_from + a.requests;
    let bookings = sql_from + SQL_PARTS.len() * (warm + a.requests);
    let accounts = Arc::new(accounts(&sys, &mut conn, user.clone(), me["id"].as_i64().expect("id"), a.users, bookings).await?);
    // Patient i belongs to the account of booking i (the warm-ups' too); the patient of the booking
    // that binds the openid through its wxCode is the first account's.
    let owners: Vec<i64> = (0..bookings).map(|i| if i == a.requests { accounts[0].1 } else { accounts[i % accounts.len()].1 }).collect();
    let patients: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO patients (user_id, name, phone) SELECT u, '患者' || g, '13800000000' FROM UNNEST($1::BIGINT[]) WITH ORDINALITY AS t (u, g) ORDER BY g RETURNING id",
    )
    .bind(&owners)
    .fetch_all(&mut conn)
    .await?;
    let patients = Arc::new(patients);

    // Bind the user's openid with one warm-up booking carrying a wxCode.
    let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
    let openid = wx["openid"].as_str().expect("openid").to_owned();
    let accepted = json!({"模板ID1": "accept"});
    // One acceptance per booking: the warm-up and every measured one.
    sys.sim_post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID1", "count": bookings})).await;
    let (status, v) = sys
        .post("/patient/appointments", Some(&accounts[0].0), json!({"scheduleId": schedule, "patientId": patients[a.requests],
              "wxCode": wx["code"], "subscribeAuthResult": accepted}))
        .await;
    anyhow::ensure!(status == 200, "warm-up booking failed: {v}");
    // Every message the simulator received (the accounts' openids are the run's only ones so far).
    let messages = |sys: Arc<System>| async move { sys.sim_get("/_sim/messages").await };
    let deadline = Instant::now() + Duration::from_secs(30);
    while messages(sys.clone()).await["count"].as_u64() != Some(1) {
        anyhow::ensure!(Instant::now() < deadline, "the warm-up message never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Warm every connection (the api's and the worker's pools, the client's) and their prepared
    // statements at the measured concurrency before the clock starts, as the ceiling does: four
    // bookings per request in flight, and their messages delivered.
    let (_, _, warmed) = drive(warm, a.concurrency, booking(sys.clone(), accounts.clone(), patients.clone(), schedules.clone(), a.requests + 1)).await;
    all_booked(&warmed, "warm-up")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while messages(sys.clone()).await["count"].as_u64() != Some(1 + warm as u64) {
        anyhow::ensure!(Instant::now() < deadline, "the warm-up messages never arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let healthz = format!("{}/healthz", sys.api);
    let client = sys.http.clone();
    let (elapsed, _, _) = drive(a.requests, a.concurrency, move |_| {
        let (client, url) = (client.clone(), healthz.clone());
        async move {
            let _ = client.get(&url).send().await.map(|r| r.status());
            Value::Null
        }
    })
    .await;
    let baseline = a.requests as f64 / elapsed.as_secs_f64();
    let (ceiling, ceiling_cpu) = ceiling_tps(&db_url, a.requests, a.concurrency, a.schedules).await?;

    let redis_url = sys.env.get("REDIS_URL");
    store_calls::reset(&mut conn).await;
    let calls_before = StoreCalls::read(&mut conn, &redis_url).await?;
    let cpu_before = CpuSample::take();
    let (elapsed, latencies, results) = drive(a.requests, a.concurrency, booking(sys.clone(), accounts.clone(), patients.clone(), schedules.clone(), 0)).await;
    all_booked(&results, "measured")?;
    let committed: HashMap<String, i64> =
        results.iter().map(|r| (r["id"].to_string(), r["at"].as_i64().unwrap_or(0))).collect();

    let want = (a.requests + 1 + warm) as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    let delivered = loop {
        let m = messages(sys.clone()).await;
        if m["count"].as_u64() >= Some(want) || Instant::now() > deadline {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let booking_cpu = cpu_before.until(&CpuSample::take());
    let mut send_latencies: Vec<f64> = delivered["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| {
                    let id = m["page"].as_str()?.rsplit("id=").next()?.to_owned();
                    let at = committed.get(&id)?;
                    Some((m["atMs"].as_i64()? - at).max(0) as f64)
                })
                .collect()
        })
        .unwrap_or_default();
    send_latencies.sort_by(f64::total_cmp);
    anyhow::ensure!(send_latencies.len() == a.requests, "only {} of {} messages arrived", send_latencies.len(), a.requests);

    // Once every message arrived: what the bookings and their sends cost the stores.
    let (statements, redis_commands) = StoreCalls::read(&mut conn, &redis_url).await?.per(&calls_before, a.requests);
    if std::env::var_os("BENCH_TOP_STATEMENTS").is_some() {
        if let Some(plans) = store_calls::plans(&mut conn).await {
            println!("db_plans_per_booking={:.2}", plans / a.requests as f64);
        }
        for line in top_statements(&mut conn, 25).await.into_iter().chain(table_updates(&mut conn).await) {
            eprintln!("{line}");
        }
    }
    let first_latencies = first_time_sends(&sys, &admin, schedule, a.requests.min(40)).await?;
    let paused_run = drive(a.requests, a.concurrency, booking(sys.clone(), accounts.clone(), patients.clone(), paused_schedules, paused_from));
    // The same bookings' SQL run by the bench itself (no api in the way), whole and in parts, the
    // worker still paused.
    let sql: Vec<booking_sql::Booking> =
        (sql_from..bookings).map(|p| (owners[p], patients[p], sql_schedules[(p - sql_from) % sql_schedules.len()])).collect();
    let pool_size: u32 = pool_max.parse().unwrap_or(4);
    let sql_runs = async {
        let mut rates = Vec::with_capacity(SQL_PARTS.len());
        for (parts, run) in SQL_PARTS.iter().zip(sql.chunks(warm + a.requests)) {
            let (warm, measured) = run.split_at(warm);
            let subscribe = json!({"subscribeAuthResult": accepted});
            rates.push(booking_sql::bookings_per_sec(&db_url, pool_size, a.concurrency, *parts, subscribe, warm.to_vec(), measured.to_vec()).await?);
        }
        anyhow::Ok(rates)
    };
    let before_paused = last_send(&mut conn).await?;
    let paused = with_worker_paused(worker_pid, async {
        let cpu = CpuSample::take();
        let paused = paused_run.await;
        let paused = (paused, cpu.until(&CpuSample::take()));
        // The paused bookings' sends, by id: those after `before_paused` up to this one.
        let last_paused = last_send(&mut conn).await;
        (paused, last_paused, sql_runs.await)
    });
    let (((paused_elapsed, paused_latencies, paused_results), paused_cpu), last_paused, sql_rates) = paused.await?;
    all_booked(&paused_results, "worker-paused")?;
    let last_paused = last_paused?;
    // The worker resumed with the paused bookings' messages waiting (the SQL-only bookings' are
    // never pushed: no api, no relay here): how fast it sends them, to their `sent` records (read
    // every 50 ms from the first not yet sent on, so each read walks only what was sent since the
    // last; the simulator's list would be read whole under its lock).
    let resumed = Instant::now();
    let mut waiting_from = before_paused;
    while let Some(id) = first_unsent(&mut conn, waiting_from, last_paused).await? {
        anyhow::ensure!(resumed.elapsed() < Duration::from_secs(120), "the paused bookings' messages were never all sent");
        waiting_from = id - 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let backlog_rate = a.requests as f64 / resumed.elapsed().as_secs_f64();
    let sql_rates = sql_rates?;
    let (sql_rate, ref sql_cpu) = sql_rates[0];

    let login = if a.login_limit { "default" } else { "off" };
    println!(
        "requests={} concurrency={} schedules={} users={} pool_max={pool_max} worker_nice={worker_nice} subscribe_send_rate_limit=off jscode2session_rate_limit={login}",
        a.requests, a.concurrency, a.schedules, a.users
    );
    let rate = a.requests as f64 / elapsed.as_secs_f64();
    println!("requests_per_sec={rate:.0}");
    println!("p50_ms={:.1}", percentile(&latencies, 0.50));
    println!("p99_ms={:.1}", percentile(&latencies, 0.99));
    println!("send_latency_p50_ms={:.0}", percentile(&send_latencies, 0.50));
    println!("send_latency_p99_ms={:.0}", percentile(&send_latencies, 0.99));
    println!("first_sends={} first_send_latency_p50_ms={:.0}", first_latencies.len(), percentile(&first_latencies, 0.50));
    println!("first_send_latency_p99_ms={:.0}", percentile(&first_latencies, 0.99));
    println!("baseline_healthz_requests_per_sec={baseline:.0}");
    if let Some(n) = statements {
        println!("db_statements_per_booking={n:.1}");
    }
    println!("redis_commands_per_booking={redis_commands:.1}");
    println!("ceiling_tps={ceiling:.0}");
    println!("ratio_to_ceiling={:.3}", rate / ceiling);
    let paused_rate = a.requests as f64 / paused_elapsed.as_secs_f64();
    println!("requests_per_sec_worker_paused={paused_rate:.0}");
    println!("p99_ms_worker_paused={:.1}", percentile(&paused_latencies, 0.99));
    println!("ratio_to_ceiling_worker_paused={:.3}", paused_rate / ceiling);
    println!("backlog_sends_per_sec={backlog_rate:.0}");
    let metrics = yizhan_system_tests::prometheus::scrape(&worker_metrics).await?;
    let per_batch = |statement| {
        let of = |name| yizhan_system_tests::prometheus::sample(&metrics, name, ("statement", statement));
        of("yizhan_coalesced_calls_total") / of("yizhan_coalesced_batches_total")
    };
    println!(
        "send_claims_per_batch={:.1} send_reads_per_batch={:.1} send_records_per_batch={:.1}",
        per_batch("subscribe_claim"),
        per_batch("subscribe_facts"),
        per_batch("subscribe_sent")
    );
    println!("sql_only_bookings_per_sec={sql_rate:.0}");
    println!("sql_only_ratio_to_ceiling={:.3}", sql_rate / ceiling);
    println!("ratio_to_sql_only_worker_paused={:.3}", paused_rate / sql_rate);
    println!("sql_only_without_message_per_sec={:.0} sql_only_place_only_per_sec={:.0}", sql_rates[1].0, sql_rates[2].0);
    // What each booking cost the machine's cores, by process, and the rates that bounds.
    println!("{}", booking_cpu.per_line("cpu_ms_per_booking", a.requests));
    println!("{}", paused_cpu.per_line("cpu_ms_per_booking_worker_paused", a.requests));
    println!("{}", ceiling_cpu.per_line("cpu_ms_per_ceiling_tx", a.requests));
    println!("{}", sql_cpu.per_line("cpu_ms_per_sql_only_booking", a.requests));
    let cores = cpu::cores() as f64;
    let system_ms = cpu::ms_each(booking_cpu.total() - booking_cpu.of("bench"), a.requests);
    println!("cores={cores} cores_bound_bookings_per_sec={:.0}", cores * 1000.0 / system_ms);
    let sql_postgres_ms = cpu::ms_each(sql_cpu.of("postgres"), a.requests);
    println!("cores_bound_sql_only_postgres_per_sec={:.0}", cores * 1000.0 / sql_postgres_ms);
    println!("rss_mb_api={:.1} rss_mb_api_at_start={api_started_mb:.1}", peak_rss_mb(api_pid));
    println!("rss_mb_worker={:.1}", peak_rss_mb(worker_pid));
    Ok(())
}

/// The SQL-only runs, in order: the whole transaction first (`sql_only_bookings_per_sec=`), then
/// without the message, then the place alone, so what each part costs shows.
const SQL_PARTS: [booking_sql::Parts; 3] = [booking_sql::Parts::Whole, booking_sql::Parts::PlaceAndDecisions, booking_sql::Parts::Place];

/// The latest subscribe send's id (0 before any).
async fn last_send(conn: &mut sqlx::PgConnection) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM subscribe_sends").fetch_one(conn).await?)
}

/// The first send with an id in `(after, up_to]` not yet recorded `sent`.
async fn first_unsent(conn: &mut sqlx::PgConnection, after: i64, up_to: i64) -> anyhow::Result<Option<i64>> {
    let first = sqlx::query_scalar("SELECT id FROM subscribe_sends WHERE id > $1 AND id <= $2 AND status <> 'sent' ORDER BY id LIMIT 1");
    Ok(first.bind(after).bind(up_to).fetch_optional(conn).await?)
}

/// Fails the run unless every booking of `results` (one phase's) was answered 200.
fn all_booked(results: &[Value], phase: &str) -> anyhow::Result<()> {
    let failures = results.iter().filter(|r| r["status"] != 200).count();
    anyhow::ensure!(failures == 0, "{failures} {phase} bookings failed");
    Ok(())
}

/// Sets the CPU priority of every thread of `pid` (Linux gives each thread its own; threads
/// started later inherit their starter's).
fn renice_threads(pid: u32, nice: i32) -> anyhow::Result<()> {
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let tid = task?.file_name().to_string_lossy().into_owned();
        let set = std::process::Command::new("renice").args(["-n", &nice.to_string(), "-p", &tid]).stdout(std::process::Stdio::null()).status()?;
        anyhow::ensure!(set.success(), "renice of thread {tid} failed");
    }
    Ok(())
}

/// Runs `run` with the worker process stopped (`SIGSTOP`): the bookings' jobs wait in Redis, and
/// the worker, resumed after (also when `run` panics), delivers them.
async fn with_worker_paused<T>(worker_pid: u32, run: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    struct Resume(u32);
    impl Drop for Resume {
        fn drop(&mut self) {
            let _ = std::process::Command::new("kill").args(["-CONT", &self.0.to_string()]).status();
        }
    }
    let stopped = std::process::Command::new("kill").args(["-STOP", &worker_pid.to_string()]).status()?;
    anyhow::ensure!(stopped.success(), "could not pause the worker");
    let _resume = Resume(worker_pid);
    Ok(run.await)
}

/// `n` first-time users book at once, each with a fresh `wxCode` and one accepted grant: the
/// latency from each booking's answer to the simulator receiving its message, sorted.
async fn first_time_sends(sys: &Arc<System>, admin: &str, schedule: i64, n: usize) -> anyhow::Result<Vec<f64>> {
    let accepted = json!({"模板ID1": "accept"});
    let mut people = Vec::with_capacity(n);
    for k in 0..n {
        let token = sys.user(admin, &format!("first{k}"), &["patient"]).await;
        let (_, p) = sys.post("/patient/patients", Some(&token), json!({"name": format!("初诊{k}"), "phone": "13800000000"})).await;
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let openid = wx["openid"].as_str().expect("openid").to_owned();
        sys.accept(&openid, &accepted).await;
        people.push((token, p["id"].clone(), wx["code"].clone(), openid));
    }
    let mut bookings = Vec::with_capacity(n);
    for (token, patient, code, openid) in people {
        let (sys, accepted) = (sys.clone(), accepted.clone());
        bookings.push(tokio::spawn(async move {
            let body = json!({"scheduleId": schedule, "patientId": patient, "wxCode": code, "subscribeAuthResult": accepted});
            let (status, v) = sys.post("/patient/appointments", Some(&token), body).await;
            (status, v, now_ms(), openid)
        }));
    }
    let mut booked = HashMap::with_capacity(n);
    for b in bookings {
        let (status, v, at, openid) = b.await?;
        anyhow::ensure!(status == 200, "first-time booking failed: {v}");
        booked.insert(openid, at);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = sys.sim_get("/_sim/messages?api=subscribe").await;
        let mut latencies: Vec<f64> = m["messages"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| Some((m["atMs"].as_i64()? - booked.get(m["touser"].as_str()?)?).max(0) as f64))
                    .collect()
            })
            .unwrap_or_default();
        if latencies.len() >= n {
            latencies.sort_by(f64::total_cmp);
            return Ok(latencies);
        }
        anyhow::ensure!(Instant::now() < deadline, "only {} of {n} first-time messages arrived", latencies.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A date `days` ahead as `YYYY-MM-DD`.
fn chrono_like_date(days: u32) -> String {
    let out = std::process::Command::new("date").args(["-d", &format!("+{days} days"), "+%Y-%m-%d"]).output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default()
}
