//! A Redis key prefix per test, so tests share one Redis server without seeing each other's keys.

use secrecy::SecretString;

use super::stores::{redis_url, require_listening};
use crate::redis_conn::{self, RedisConn, RedisTimeouts};

/// A unique Redis key prefix (`test:<uuid>`) whose keys are deleted when it is dropped, so tests
/// can share one Redis server.
#[derive(Debug)]
pub struct RedisPrefix {
    name: String,
}

impl RedisPrefix {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self { name: format!("test:{}", uuid::Uuid::new_v4().simple()) }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A full key under this prefix.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.name)
    }

    pub async fn connect(&self) -> RedisConn {
        let url = redis_url();
        require_listening("REDIS_URL", &url, 6379).await;
        let url = SecretString::from(url);
        redis_conn::connect(&url, RedisTimeouts::default()).await.expect("redis reachable at REDIS_URL")
    }
}

impl Drop for RedisPrefix {
    /// Deletes the prefix's keys (on every master of a cluster). Drop may run inside a runtime,
    /// so the clean-up gets a thread and a runtime of its own.
    fn drop(&mut self) {
        let pattern = format!("{}:*", self.name);
        let clean = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                let Ok(url) = std::env::var("REDIS_URL") else { return };
                let url = SecretString::from(url);
                let Ok(mut conn) = redis_conn::connect(&url, RedisTimeouts::default()).await else { return };
                let _ = crate::redis_scan::delete_matching(&mut conn, &pattern).await;
            });
        });
        let _ = clean.join();
    }
}
