//! The appointments benchmark's same-run ceiling: the smallest transaction of a booking's shape
//! (lock the schedule row, insert the appointment, insert one outbox row, commit), run by the
//! bench itself against the same PostgreSQL, with prepared statements (sqlx caches each
//! connection's statements) at the same concurrency and over the same number of schedules. It
//! works on throwaway tables in their own schema (`bench_ceiling`), dropped afterwards, so the
//! system's tables are untouched.

use serde_json::Value;
use sqlx::{Executor, PgPool};

use crate::bench::{drive, steady_pool};
use crate::cpu::{CpuSample, CpuUse};

/// Transactions per second of the minimal booking transaction, `n` of them from `concurrency`
/// tasks spread round-robin over `schedules` rows, and the CPU they took.
pub async fn ceiling_tps(database_url: &str, n: usize, concurrency: usize, schedules: usize) -> anyhow::Result<(f64, CpuUse)> {
    let pool = steady_pool(database_url, u32::try_from(concurrency).unwrap_or(32)).await?;
    pool.execute(
        "DROP SCHEMA IF EXISTS bench_ceiling CASCADE;
         CREATE SCHEMA bench_ceiling;
         CREATE TABLE bench_ceiling.schedules (id BIGINT PRIMARY KEY, capacity INT NOT NULL, booked INT NOT NULL DEFAULT 0);
         CREATE TABLE bench_ceiling.appointments (id BIGSERIAL PRIMARY KEY, schedule_id BIGINT NOT NULL REFERENCES bench_ceiling.schedules,
             patient_id BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
         CREATE TABLE bench_ceiling.outbox (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, payload JSONB NOT NULL,
             created_at TIMESTAMPTZ NOT NULL DEFAULT now());",
    )
    .await?;
    sqlx::query("INSERT INTO bench_ceiling.schedules (id, capacity) SELECT g, 1000000 FROM generate_series(1, $1) g")
        .bind(i64::try_from(schedules).unwrap_or(1))
        .execute(&pool)
        .await?;
    // Warm every connection (and its prepared statements) before the clock starts.
    let _ = drive(concurrency * 4, concurrency, one(pool.clone(), schedules)).await;
    let cpu = CpuSample::take();
    let (elapsed, _, results) = drive(n, concurrency, one(pool.clone(), schedules)).await;
    let cpu = cpu.until(&CpuSample::take());
    let failed = results.iter().filter(|r| !r.as_bool().unwrap_or(false)).count();
    pool.execute("DROP SCHEMA bench_ceiling CASCADE").await?;
    pool.close().await;
    anyhow::ensure!(failed == 0, "{failed} ceiling transactions failed");
    Ok((n as f64 / elapsed.as_secs_f64(), cpu))
}

/// One transaction; its result is whether it committed.
fn one(pool: PgPool, schedules: usize) -> impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send>> + Send + Sync + 'static {
    move |i| {
        let pool = pool.clone();
        let schedule = (i % schedules) as i64 + 1;
        Box::pin(async move {
            let run = async {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT id, capacity, booked FROM bench_ceiling.schedules WHERE id = $1 FOR UPDATE")
                    .bind(schedule)
                    .fetch_one(&mut *tx)
                    .await?;
                let id: i64 = sqlx::query_scalar("INSERT INTO bench_ceiling.appointments (schedule_id, patient_id) VALUES ($1, $2) RETURNING id")
                    .bind(schedule)
                    .bind(i as i64)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO bench_ceiling.outbox (kind, payload) VALUES ('send_subscribe_message', jsonb_build_object('send_id', $1::BIGINT))")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(())
            };
            Value::Bool(run.await.is_ok())
        })
    }
}
