//! What a benchmark's requests cost the stores: statements PostgreSQL ran (`pg_stat_statements`,
//! when the server preloads it: `scripts/bench` does) and commands Redis ran (`INFO
//! commandstats`), read before and after a run. Every process of the system is counted (the
//! worker's sends and its idle polling too), so the figures compare runs of one shape.

use sqlx::PgConnection;

/// Statements and Redis commands so far.
#[derive(Debug, Clone, Copy)]
pub struct StoreCalls {
    /// `None` when `pg_stat_statements` is not loaded.
    pub statements: Option<f64>,
    pub redis_commands: f64,
}

impl StoreCalls {
    /// Reads both counters (the first call creates the extension in the database if it can).
    pub async fn read(db: &mut PgConnection, redis_url: &str) -> anyhow::Result<Self> {
        let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&mut *db).await;
        let statements: Option<f64> = sqlx::query_scalar(
            "SELECT sum(calls)::FLOAT8 FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(&mut *db)
        .await
        .ok()
        .flatten();
        let client = redis::Client::open(redis_url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        let info: String = redis::cmd("INFO").arg("commandstats").query_async(&mut conn).await?;
        let redis_commands = info
            .lines()
            .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_info:"))
            .filter_map(|l| l.split([':', ',']).find_map(|kv| kv.strip_prefix("calls=")).and_then(|n| n.parse::<f64>().ok()))
            .sum();
        Ok(Self { statements, redis_commands })
    }

    /// Per request since `before`: (statements, Redis commands).
    pub fn per(&self, before: &Self, requests: usize) -> (Option<f64>, f64) {
        let n = requests.max(1) as f64;
        (self.statements.zip(before.statements).map(|(a, b)| (a - b) / n), (self.redis_commands - before.redis_commands) / n)
    }
}

/// Zeroes PostgreSQL's statement and table statistics (creating `pg_stat_statements` in the
/// database first if it can), so what follows is read alone.
pub async fn reset(db: &mut PgConnection) {
    let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").execute(&mut *db).await;
    let _ = sqlx::query("SELECT pg_stat_statements_reset(), pg_stat_reset()").execute(&mut *db).await;
}

/// The `n` statements PostgreSQL spent most time on since the counters were last reset, as
/// lines of `total ms, calls, mean ms, how many plans and their ms (with
/// `pg_stat_statements.track_planning`), the statement's start` (empty without the extension).
pub async fn top_statements(db: &mut PgConnection, n: i64) -> Vec<String> {
    let rows: Vec<(f64, i64, f64, i64, String)> = sqlx::query_as(
        "SELECT total_exec_time, calls, total_plan_time, plans, regexp_replace(left(query, 140), '\\s+', ' ', 'g') FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          ORDER BY total_exec_time + total_plan_time DESC LIMIT $1",
    )
    .bind(n)
    .fetch_all(db)
    .await
    .unwrap_or_default();
    rows.into_iter()
        .map(|(total, calls, plan, plans, q)| {
            format!("{total:>9.0} ms {calls:>7} calls {:>7.3} ms  planned {plans:>7} times {plan:>7.0} ms  {q}", total / calls.max(1) as f64)
        })
        .collect()
}

/// Statements PostgreSQL planned since the counters were last reset (`None` unless
/// `pg_stat_statements.track_planning` is on: `BENCH_TOP_STATEMENTS=1` turns it on). A statement
/// whose cached plan serves each call is planned once per connection; one planned anew each call
/// (PostgreSQL finds its generic plan dearer than one made for the values) counts every time.
pub async fn plans(db: &mut PgConnection) -> Option<f64> {
    sqlx::query_scalar(
        "SELECT sum(plans)::FLOAT8 FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND current_setting('pg_stat_statements.track_planning')::BOOL",
    )
    .fetch_one(db)
    .await
    .ok()
    .flatten()
}

/// Updates of each table with updates since the statistics were reset, as lines of `table,
/// updates, of them HOT (no index touched)`, most updated first.
pub async fn table_updates(db: &mut PgConnection) -> Vec<String> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT relname::TEXT, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC LIMIT 10",
    )
    .fetch_all(db)
    .await
    .unwrap_or_default();
    rows.into_iter().map(|(table, updates, hot)| format!("{table}: {updates} updates, {hot} HOT")).collect()
}

