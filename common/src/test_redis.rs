//! Test helper: a connection to the test Redis (`REDIS_URL`) and a unique key prefix that is
//! deleted when the guard drops. Tests never touch keys outside their own prefix.

use redis::aio::ConnectionManager;
use secrecy::SecretString;

use crate::redis_conn::{connect, RedisTimeouts};

pub struct TestRedis {
    pub conn: ConnectionManager,
    pub prefix: String,
}

impl TestRedis {
    pub async fn new(name: &str) -> Self {
        let url = std::env::var("REDIS_URL").expect("REDIS_URL must point at a test Redis");
        let conn = connect(&SecretString::from(url), RedisTimeouts::default()).await.expect("test Redis reachable");
        let prefix = format!("test:{name}:{}-{:08x}", std::process::id(), rand::random::<u32>());
        Self { conn, prefix }
    }

    /// Deletes every key under this test's prefix.
    pub async fn cleanup(&self) {
        let mut conn = self.conn.clone();
        let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{}:*", self.prefix)).query_async(&mut conn).await.unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await;
        }
    }
}
