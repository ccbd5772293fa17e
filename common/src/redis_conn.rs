//! Redis connections: one multiplexed, self-reconnecting connection per process.
//!
//! redis-rs keeps a 500 ms response timeout by default; one slow reply then fails a caller
//! (apalis-redis #76). We set our own timeouts and let the manager reconnect with backoff.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Client;
use secrecy::ExposeSecret;
use secrecy::SecretString;

use crate::redis_durability::{self, DurabilityPolicy};

/// Settings for the shared connection.
#[derive(Debug, Clone, Copy)]
pub struct RedisTimeouts {
    pub connect: Duration,
    pub response: Duration,
}

impl Default for RedisTimeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(2), response: Duration::from_secs(5) }
    }
}

/// Opens a connection manager. It fails only if the URL is malformed or Redis is unreachable now.
pub async fn connect(url: &SecretString, timeouts: RedisTimeouts) -> anyhow::Result<ConnectionManager> {
    let client = Client::open(url.expose_secret())?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeouts.connect))
        .set_response_timeout(Some(timeouts.response))
        .set_number_of_retries(3);
    Ok(ConnectionManager::new_with_config(client, config).await?)
}

/// True when Redis answers PING within a second.
pub async fn ping(conn: &mut ConnectionManager) -> bool {
    let cmd = redis::cmd("PING");
    let ping = cmd.query_async::<String>(conn);
    matches!(tokio::time::timeout(Duration::from_secs(1), ping).await, Ok(Ok(_)))
}

/// A connection opened on first use and re-tried on the next use if Redis was down, so a process
/// can start (and report not-ready) while Redis is unreachable. The first connection is checked
/// against the durability policy: in production an unsafe Redis is refused (never used).
#[derive(Debug)]
pub struct LazyRedis {
    url: SecretString,
    timeouts: RedisTimeouts,
    durability: DurabilityPolicy,
    conn: tokio::sync::OnceCell<ConnectionManager>,
}

impl LazyRedis {
    pub fn new(url: SecretString, timeouts: RedisTimeouts) -> Self {
        Self { url, timeouts, durability: DurabilityPolicy::default(), conn: tokio::sync::OnceCell::new() }
    }

    /// Checks the first connection against `policy` (see [`crate::redis_durability`]).
    pub fn with_durability(mut self, policy: DurabilityPolicy) -> Self {
        self.durability = policy;
        self
    }

    /// A handle to the shared connection (cheap to clone).
    pub async fn get(&self) -> anyhow::Result<ConnectionManager> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let mut conn = connect(&self.url, self.timeouts).await?;
                redis_durability::check(&mut conn, &self.durability).await?;
                Ok::<_, anyhow::Error>(conn)
            })
            .await?;
        Ok(conn.clone())
    }

    /// True when Redis answers now.
    pub async fn ping(&self) -> bool {
        match tokio::time::timeout(Duration::from_secs(1), self.get()).await {
            Ok(Ok(mut conn)) => ping(&mut conn).await,
            _ => false,
        }
    }
}
