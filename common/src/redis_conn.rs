//! Redis connections: one multiplexed, self-reconnecting connection per process, to one server
//! or to a Redis Cluster (see [`crate::redis_target`] for what `REDIS_URL` may name).
//!
//! redis-rs keeps a 500 ms response timeout by default; one slow reply then fails a caller
//! (apalis-redis #76). We set our own timeouts and let the manager reconnect with backoff.
//!
//! [`RedisConn`] is what every part of the system holds: a [`ConnectionManager`] for one server
//! or a [`ClusterConnection`] (which follows `MOVED`/`ASK` and refreshes its slot map) for a
//! cluster. On a cluster every command, script and pipeline must stay within one hash slot;
//! the key families and their hash tags are listed in `docs/redis-keys.md`.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Client, Cmd, Pipeline, RedisFuture, Value};
use secrecy::ExposeSecret;
use secrecy::SecretString;

use crate::redis_durability::{self, DurabilityPolicy};
use crate::redis_target::RedisTarget;

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

/// A multiplexed connection to one Redis server or to a Redis Cluster; cheap to clone.
#[derive(Clone)]
pub enum RedisConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for RedisConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_cluster() { "RedisConn::Cluster" } else { "RedisConn::Single" })
    }
}

impl RedisConn {
    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(&'a mut self, cmd: &'a Pipeline, offset: usize, count: usize) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(cmd, offset, count),
            Self::Cluster(conn) => conn.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            Self::Cluster(conn) => conn.get_db(),
        }
    }
}

/// Opens connections to what `REDIS_URL` names: the shared one ([`connect`]) and dedicated ones
/// (a connection blocked in `BLPOP` must not hold up anyone else's commands).
#[derive(Clone)]
pub enum RedisClient {
    Single(Client),
    Cluster(Vec<String>),
}

impl std::fmt::Debug for RedisClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if matches!(self, Self::Cluster(_)) { "RedisClient::Cluster" } else { "RedisClient::Single" })
    }
}

impl RedisClient {
    /// Fails when the URL is malformed (the error never contains the URL).
    pub fn open(url: &str) -> anyhow::Result<Self> {
        Ok(match RedisTarget::parse(url).map_err(anyhow::Error::msg)? {
            RedisTarget::Single(url) => Self::Single(Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {:?}", e.kind()))?),
            RedisTarget::Cluster(seeds) => Self::Cluster(seeds),
        })
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, Self::Cluster(_))
    }

    /// A new connection of its own, with these timeouts.
    pub async fn connect(&self, timeouts: RedisTimeouts) -> anyhow::Result<RedisConn> {
        Ok(match self {
            Self::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeouts.connect))
                    .set_response_timeout(Some(timeouts.response))
                    .set_number_of_retries(3);
                RedisConn::Single(ConnectionManager::new_with_config(client.clone(), config).await?)
            }
            Self::Cluster(seeds) => {
                let client = ClusterClient::builder(seeds.iter().map(String::as_str))
                    .connection_timeout(timeouts.connect)
                    .response_timeout(timeouts.response)
                    .retries(3)
                    .build()?;
                RedisConn::Cluster(client.get_async_connection().await?)
            }
        })
    }
}

/// Opens the shared connection. It fails only if the URL is malformed or Redis is unreachable now.
pub async fn connect(url: &SecretString, timeouts: RedisTimeouts) -> anyhow::Result<RedisConn> {
    RedisClient::open(url.expose_secret())?.connect(timeouts).await
}

/// True when Redis (every master of a cluster) answers PING within a second.
pub async fn ping(conn: &mut RedisConn) -> bool {
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
    conn: tokio::sync::OnceCell<RedisConn>,
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
    pub async fn get(&self) -> anyhow::Result<RedisConn> {
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
