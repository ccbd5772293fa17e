//! `scripts/bench reminders`: the 20:00 fan-out at a large hospital. Seeds `--appointments`
//! (100,000) active appointments for tomorrow, spread over `--users` (1,000) users with an openid
//! and one reminder grant per appointment, fires `plan_visit_reminders` once (the job pushed
//! straight to the queue, as the scheduler's firing is) against the running system (api, worker,
//! simulator; release builds), and prints:
//! - `reminder_plan_seconds=`: firing → every reminder's send planned in the outbox;
//! - `reminder_send_per_sec=`: messages the simulator received per second, first to last, with
//!   the `wechat.subscribe_send` limit lifted;
//! - `reminder_rss_mb_worker=`: the worker's peak resident memory (VmHWM) after the run;
//! - `limited_send_per_sec=` and `limited_ratio_to_limit=`: a second system at the default
//!   limit (50/s) sending `--limited` (600) reminders, delivery measured over the 10 s from
//!   one second after the first message (the limiter's burst spent);
//! - `db_statements_per_reminder=` and `redis_commands_per_reminder=`: what PostgreSQL and Redis
//!   ran from the firing to the last message, over the reminders (`BENCH_TOP_STATEMENTS=1` also
//!   prints the 15 statements that took most of PostgreSQL's time and the tables' updates, how
//!   many of them HOT, to stderr);
//! - `second_firing_planned=`: reminders a second firing planned (0).

#![allow(clippy::print_stdout)] // a benchmark prints its figures

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use secrecy::SecretString;
use serde_json::json;
use sqlx::{Connection, PgConnection};
use yizhan_common::jobs::kinds::PlanVisitReminders;
use yizhan_common::job_contract::JobSink;
use yizhan_common::jobs::Job;
use yizhan_common::queue::{QueueSettings, RedisQueue};
use yizhan_common::redis_conn::{connect, RedisTimeouts};
use yizhan_system_tests::bench::peak_rss_mb;
use yizhan_system_tests::store_calls::{self, table_updates, top_statements, StoreCalls};
use yizhan_system_tests::system::System;

#[derive(Clone, Copy)]
struct Args {
    appointments: i64,
    users: i64,
    limited: i64,
    /// Sends at once (the `wechat` queue's concurrency in the worker).
    senders: i64,
}

fn args() -> Args {
    let mut a = Args { appointments: 100_000, users: 1_000, limited: 600, senders: 64 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--appointments", Some(n)) => a.appointments = n,
            ("--users", Some(n)) => a.users = n,
            ("--limited", Some(n)) => a.limited = n,
            ("--senders", Some(n)) => a.senders = n,
            _ => {
                eprintln!("usage: yizhan-bench-reminders [--appointments N] [--users N] [--limited N] [--senders N]");
                std::process::exit(2);
            }
        }
    }
    a.appointments = a.appointments.clamp(100, 1_000_000);
    a.users = a.users.clamp(1, a.appointments);
    a.limited = a.limited.clamp(100, 10_000);
    a.senders = a.senders.clamp(1, 256);
    a
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let tomorrow = yizhan_common::time::local(Utc::now()).date_naive().succ_opt().expect("tomorrow");

    let queues = format!("wechat={},default=4", a.senders);
    let sys = System::start_with(&[
        ("RUST_LOG", "error"),
        ("DATABASE_POOL_MAX", "20"),
        ("WORKER_QUEUES", queues.as_str()),
        ("RATE_LIMITS", "wechat.subscribe_send=off"),
    ])
    .await;
    let (_, worker_pid) = sys.api_and_worker_pids();
    let mut db = PgConnection::connect(&sys.env.get("DATABASE_URL")).await?;
    let seeded = Instant::now();
    seed(&sys, &mut db, tomorrow, a.appointments, a.users).await?;
    eprintln!("seeded {} appointments of {} users in {:.1} s", a.appointments, a.users, seeded.elapsed().as_secs_f64());

    let redis_url = sys.env.get("REDIS_URL");
    store_calls::reset(&mut db).await;
    let calls_before = StoreCalls::read(&mut db, &redis_url).await?;
    let fired = Instant::now();
    fire(&sys, tomorrow, "bench").await?;
    let want = a.appointments;
    let mut first_sent: Option<Instant> = None;
    let mut planned_at: Option<Duration> = None;
    let mut polls = 0u64;
    let deadline = Instant::now() + Duration::from_secs(600);
    let sent_all = loop {
        let sent = sim_messages(&sys).await;
        if sent > 0 && first_sent.is_none() {
            first_sent = Some(Instant::now());
        }
        // Counting the send log costs PostgreSQL more than asking the simulator: every fifth poll.
        polls += 1;
        if planned_at.is_none() && polls % 5 == 1 && planned(&mut db).await? >= want {
            planned_at = Some(fired.elapsed());
        }
        if sent >= want {
            break Instant::now();
        }
        anyhow::ensure!(Instant::now() < deadline, "only {sent} of {want} reminders arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let plan_seconds = planned_at.unwrap_or_else(|| fired.elapsed()).as_secs_f64();
    let send_seconds = (sent_all - first_sent.unwrap_or(fired)).as_secs_f64().max(0.001);
    let rss = peak_rss_mb(worker_pid);
    let (statements, redis_commands) = StoreCalls::read(&mut db, &redis_url).await?.per(&calls_before, usize::try_from(want)?);
    if std::env::var_os("BENCH_TOP_STATEMENTS").is_some() {
        for line in top_statements(&mut db, 15).await.into_iter().chain(table_updates(&mut db).await) {
            eprintln!("{line}");
        }
    }

    // A second firing (a retry, a second scheduler) plans nothing: the worker runs it, then the count stays.
    let before = planned(&mut db).await?;
    fire(&sys, tomorrow, "again").await?;
    let second = second_firing(&mut db, before).await?;
    drop(sys);

    let (limited_rate, limited_ratio) = limited(tomorrow, a.limited).await?;

    println!("appointments={} users={} senders={} subscribe_send_rate_limit=off", a.appointments, a.users, a.senders);
    println!("reminder_plan_seconds={plan_seconds:.2}");
    println!("reminder_send_per_sec={:.0}", want as f64 / send_seconds);
    println!("reminder_send_seconds={send_seconds:.2}");
    println!("reminder_rss_mb_worker={rss:.1}");
    if let Some(s) = statements {
        println!("db_statements_per_reminder={s:.1}");
    }
    println!("redis_commands_per_reminder={redis_commands:.1}");
    println!("second_firing_planned={second}");
    println!("limited_reminders={} limited_send_per_sec={limited_rate:.1}", a.limited);
    println!("limited_ratio_to_limit={limited_ratio:.3}");
    Ok(())
}

/// `n` appointments on 100 schedules of `day`, for `users` users (each with an openid in the
/// simulator and one reminder grant per appointment, in the database and in the simulator).
async fn seed(sys: &System, db: &mut PgConnection, day: NaiveDate, n: i64, users: i64) -> anyhow::Result<()> {
    let admin = sys.login("admin", "admin-password").await;
    let (_, h) = sys.post("/admin/hospitals", Some(&admin), json!({"name": "提醒医院"})).await;
    let (_, d) = sys.post("/admin/departments", Some(&admin), json!({"hospitalId": h["id"], "name": "内科"})).await;
    let (hospital, department) = (h["id"].as_i64().expect("hospital"), d["id"].as_i64().expect("department"));
    let per_user = (n + users - 1) / users;
    let mut openids = Vec::with_capacity(usize::try_from(users)?);
    for _ in 0..users {
        let wx = sys.sim_post("/_sim/users", json!({"appid": "wxsimmini"})).await;
        let openid = wx["openid"].as_str().expect("openid").to_owned();
        sys.sim_post("/_sim/grants", json!({"openid": openid, "templateId": "模板ID2", "count": per_user * 2})).await;
        openids.push(openid);
    }
    let mut tx = db.begin().await?;
    let schedules: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO schedules (hospital_id, department_id, date, period, start_time, end_time, capacity, fee_cents)
         SELECT $1, $2, $3, '时段' || g, '08:00', '12:00', 10000, 0 FROM generate_series(1, 100) g RETURNING id",
    )
    .bind(hospital)
    .bind(department)
    .bind(day)
    .fetch_all(&mut *tx)
    .await?;
    let user_ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO users (username, name, roles) SELECT 'remind' || g, '患者' || g, '{patient}' FROM generate_series(1, $1) g ORDER BY g RETURNING id",
    )
    .bind(users)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO wechat_identities (user_id, appid, openid) SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[])")
        .bind(&user_ids)
        .bind(vec!["wxsimmini".to_owned(); user_ids.len()])
        .bind(&openids)
        .execute(&mut *tx)
        .await?;
    // Appointment g: user g % users, its own patient, schedule g % 100.
    sqlx::query(
        "WITH u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM UNNEST($1::BIGINT[]) id),
              s AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM UNNEST($2::BIGINT[]) id),
              p AS (INSERT INTO patients (user_id, name, phone)
                    SELECT u.id, '患者' || g, '13800000000' FROM generate_series(0, $3 - 1) g JOIN u ON u.k = g % $4
                    RETURNING id, user_id)
         INSERT INTO appointments (order_no, schedule_id, patient_id, user_id, queue_number, payment_status, pay_amount_cents)
         SELECT 'RB' || p.id, s.id, p.id, p.user_id, p.id, 'free', 0 FROM p JOIN s ON s.k = p.id % 100",
    )
    .bind(&user_ids)
    .bind(&schedules)
    .bind(n)
    .bind(users)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO subscribe_grants (user_id, template_id, decision, scene)
         SELECT user_id, '模板ID2', 'accept', 'bench' FROM appointments",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(&mut *db).await?;
    Ok(())
}

/// Pushes the planning job for `day` straight to the queue, as the scheduler's 20:00 firing does.
async fn fire(sys: &System, day: NaiveDate, id: &str) -> anyhow::Result<()> {
    let redis = connect(&SecretString::from(sys.env.get("REDIS_URL")), RedisTimeouts::default()).await?;
    let queue = RedisQueue::new(redis, sys.env.get("REDIS_PREFIX"), QueueSettings::default());
    let job = PlanVisitReminders { day }.envelope(format!("plan-{day}-{id}"), Utc::now())?;
    queue.push_many(&[job]).await?;
    Ok(())
}

/// Reminder sends planned so far.
async fn planned(db: &mut PgConnection) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM subscribe_sends WHERE kind = 'visit_reminder'").fetch_one(db).await?)
}

/// Messages the simulator has received.
async fn sim_messages(sys: &System) -> i64 {
    sys.sim_get("/_sim/stats").await["messages"].as_i64().unwrap_or(0)
}

/// Reminders planned by the second firing: waits until the queue has run it (its job no longer
/// pending), then counts what it added.
async fn second_firing(db: &mut PgConnection, before: i64) -> anyhow::Result<i64> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok(planned(db).await? - before)
}

/// A system at the default send limit (50/s) sending `n` reminders: delivered per second over
/// the 10 s after the first message, and that rate over the limit.
async fn limited(day: NaiveDate, n: i64) -> anyhow::Result<(f64, f64)> {
    let sys = System::start_with(&[("RUST_LOG", "error"), ("WORKER_QUEUES", "wechat=32,default=4")]).await;
    let mut db = PgConnection::connect(&sys.env.get("DATABASE_URL")).await?;
    seed(&sys, &mut db, day, n, (n / 10).max(1)).await?;
    fire(&sys, day, "limited").await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim_messages(&sys).await == 0 {
        anyhow::ensure!(Instant::now() < deadline, "no limited reminder arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The limiter's burst is spent in the first second; the window starts after it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (start, at_start) = (Instant::now(), sim_messages(&sys).await);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let delivered = sim_messages(&sys).await - at_start;
    let rate = delivered as f64 / start.elapsed().as_secs_f64();
    Ok((rate, rate / 50.0))
}
