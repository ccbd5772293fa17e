//! The Redis queue engine: idempotent push, delayed jobs, reliable fetch with leases, retries,
//! the dead set, crash recovery, statistics and clean-up. See [`keys`] for the data layout and
//! `docs/queue-architecture.md` for why this is our own engine rather than apalis-redis.
//!
//! Delivery is at least once: a job whose worker vanished runs again, so handlers are idempotent.

mod dead;
mod fetch;
pub mod keys;
mod lazy;
mod push;
mod recovery;
mod scripts;
mod settings;
mod stats;
mod status;

use redis::aio::ConnectionManager;

pub use dead::DeadJob;
pub use fetch::{Fetched, Finish};
pub use keys::Keys;
pub use lazy::LazyQueue;
pub use recovery::Recovered;
pub use scripts::CHUNK;
pub use settings::QueueSettings;
pub use stats::QueueStats;
pub use status::JobState;

/// A failure talking to Redis or encoding a job.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("job payload does not encode: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("unexpected reply from a queue script: {0}")]
    Reply(&'static str),
}

pub type QueueResult<T> = Result<T, QueueError>;

/// A handle to the queues of one deployment; cheap to clone (the connection is multiplexed).
#[derive(Debug, Clone)]
pub struct RedisQueue {
    conn: ConnectionManager,
    keys: Keys,
    settings: QueueSettings,
}

impl RedisQueue {
    /// `prefix` is the deployment's `REDIS_PREFIX`; queue keys live under `{prefix}:q:`.
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>, settings: QueueSettings) -> Self {
        Self { conn, keys: Keys::new(prefix), settings }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

/// Milliseconds since the epoch, the unit of every score and time field in the queues.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests;
