//! The one state value every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use yizhan_common::jobs::JobSink;
use yizhan_common::outbox;
use yizhan_common::redis_conn::{LazyRedis, RedisTimeouts};

use crate::config::ApiConfig;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

pub struct App {
    pub config: ApiConfig,
    pub db: PgPool,
    pub redis: LazyRedis,
    /// Where committed outbox rows are pushed at once; without one they wait for the relay.
    pub sink: Option<Arc<dyn JobSink>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).field("pushes_after_commit", &self.sink.is_some()).finish()
    }
}

impl AppState {
    pub fn new(config: ApiConfig, db: PgPool) -> Self {
        let redis = LazyRedis::new(config.core.redis_url.clone(), RedisTimeouts::default());
        Self(Arc::new(App { config, db, redis, sink: None }))
    }

    /// The same state pushing committed jobs to `sink` right after commit.
    pub fn with_sink(config: ApiConfig, db: PgPool, sink: Arc<dyn JobSink>) -> Self {
        let redis = LazyRedis::new(config.core.redis_url.clone(), RedisTimeouts::default());
        Self(Arc::new(App { config, db, redis, sink: Some(sink) }))
    }

    /// After a commit: pushes the request's outbox rows now (failures are left to the relay).
    pub async fn push_jobs(&self, outbox_ids: &[i64]) {
        if let Some(sink) = &self.sink {
            outbox::push_now(&self.db, sink.as_ref(), outbox_ids).await;
        }
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
