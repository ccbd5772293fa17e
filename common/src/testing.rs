//! Test helpers shared by the crates' tests (enabled by the `testing` feature).

use crate::redis_conn::RedisConn;
use secrecy::SecretString;

use crate::redis_conn::{self, RedisTimeouts};

/// `REDIS_URL`, or the shared development Redis.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:56379/".into())
}

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
        let url = SecretString::from(redis_url());
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
                let url = SecretString::from(redis_url());
                let Ok(mut conn) = redis_conn::connect(&url, RedisTimeouts::default()).await else { return };
                let _ = crate::redis_scan::delete_matching(&mut conn, &pattern).await;
            });
        });
        let _ = clean.join();
    }
}
