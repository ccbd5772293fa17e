//! The one state value every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use yizhan_common::jobs::JobSink;
use yizhan_common::outbox;
use yizhan_common::queue::LazyQueue;
use yizhan_common::redis_conn::{LazyRedis, RedisTimeouts};

use crate::config::ApiConfig;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

pub struct App {
    pub config: ApiConfig,
    pub db: PgPool,
    pub redis: Arc<LazyRedis>,
    /// Where committed outbox rows are pushed at once (the relay pushes what this could not).
    pub sink: Arc<dyn JobSink>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(config: ApiConfig, db: PgPool) -> Self {
        let redis = Arc::new(LazyRedis::new(config.core.redis_url.clone(), RedisTimeouts::default()));
        let sink = Arc::new(LazyQueue::new(redis.clone(), config.core.redis_prefix.clone(), config.queue.clone()));
        Self(Arc::new(App { config, db, redis, sink }))
    }

    /// After a commit: pushes the request's outbox rows now (failures are left to the relay).
    pub async fn push_jobs(&self, outbox_ids: &[i64]) {
        outbox::push_now(&self.db, self.sink.as_ref(), outbox_ids).await;
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
