//! PostgreSQL: the connection pool and the migrations.

use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Connection;

use crate::config::CoreConfig;

/// The migrations in `migrations/`, compiled into every binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A connection idle in the pool longer than this is tested (one round trip) before it is handed
/// out; one in steady use is not.
const TEST_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// A pool that connects lazily, so a process starts (and reports not-ready) while PostgreSQL is down.
///
/// sqlx tests every connection it takes back (a round trip on release, which also finds one that
/// broke while in use) and by default tests it again before handing it out. Under load that second
/// round trip is a third of a short job's statements, so only a connection that sat idle (and may
/// have been cut while it did, by a restart or a proxy) is tested again.
pub fn pool(config: &CoreConfig) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database_pool_max)
        .acquire_timeout(config.database_acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= TEST_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy(config.database_url.expose_secret())?;
    Ok(pool)
}

/// Applies every migration not yet applied.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// True when PostgreSQL answers a trivial query.
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query_scalar!("SELECT 1 AS one").fetch_one(pool).await.is_ok()
}
