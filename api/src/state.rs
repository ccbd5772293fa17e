//! The one state value every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use yizhan_common::redis_conn::{LazyRedis, RedisTimeouts};

use crate::config::ApiConfig;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

#[derive(Debug)]
pub struct App {
    pub config: ApiConfig,
    pub db: PgPool,
    pub redis: LazyRedis,
}

impl AppState {
    pub fn new(config: ApiConfig, db: PgPool) -> Self {
        let redis = LazyRedis::new(config.core.redis_url.clone(), RedisTimeouts::default());
        Self(Arc::new(App { config, db, redis }))
    }

    /// A Redis key under this deployment's prefix.
    pub fn redis_key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.config.core.redis_prefix)
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
