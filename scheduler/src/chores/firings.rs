//! Keeping the firing records from growing without bound.

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;

use super::Chore;
use crate::store;

/// Deletes firing records older than the retention.
#[derive(Debug)]
pub struct PruneFirings {
    pub pool: PgPool,
    pub retention: chrono::Duration,
}

#[async_trait::async_trait]
impl Chore for PruneFirings {
    fn name(&self) -> &'static str {
        "prune_firings"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(3600)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        let pruned = store::prune_firings(&mut conn, Utc::now() - self.retention).await?;
        if pruned > 0 {
            tracing::info!(firings.pruned = pruned, "old firing records pruned");
        }
        Ok(())
    }
}
