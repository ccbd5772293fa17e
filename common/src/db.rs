//! PostgreSQL: the connection pool and the migrations.

use secrecy::ExposeSecret;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::config::CoreConfig;

/// The migrations in `migrations/`, compiled into every binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A pool that connects lazily, so a process starts (and reports not-ready) while PostgreSQL is down.
pub fn pool(config: &CoreConfig) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database_pool_max)
        .acquire_timeout(config.database_acquire_timeout)
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
