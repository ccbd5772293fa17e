//! Test helpers shared by the crates' tests (enabled by the `testing` feature).

use redis::aio::ConnectionManager;
use redis::Commands;
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

    pub async fn connect(&self) -> ConnectionManager {
        let url = SecretString::from(redis_url());
        redis_conn::connect(&url, RedisTimeouts::default()).await.expect("redis reachable at REDIS_URL")
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(redis_url()) else { return };
        let Ok(mut conn) = client.get_connection() else { return };
        let pattern = format!("{}:*", self.name);
        let keys: Vec<String> = match conn.scan_match::<_, String>(&pattern) {
            Ok(iter) => iter.filter_map(Result::ok).collect(),
            Err(_) => return,
        };
        for chunk in keys.chunks(1000) {
            let _: redis::RedisResult<i64> = redis::cmd("UNLINK").arg(chunk).query(&mut conn);
        }
    }
}
