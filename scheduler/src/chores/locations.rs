//! Seed 004's retention of students' positions: a position older than `LOCATION_RETENTION` is
//! deleted (readers never show one; this keeps none).

use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use yizhan_common::notices::locations::{prune, LOCATION_RETENTION};

use super::Chore;

#[derive(Debug)]
pub struct PruneLocations {
    pub pool: PgPool,
}

#[async_trait::async_trait]
impl Chore for PruneLocations {
    fn name(&self) -> &'static str {
        "prune_locations"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn run_once(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        let pruned = prune(&mut conn, Utc::now() - LOCATION_RETENTION).await?;
        if pruned > 0 {
            tracing::info!(locations.pruned = pruned, "students' positions past their retention deleted");
        }
        Ok(())
    }
}
