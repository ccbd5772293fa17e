//! The Redis queue engine: idempotent push, delayed jobs, reliable fetch with leases, retries,
//! the dead set, crash recovery, statistics and clean-up. See [`keys`] for the data layout and
//! `docs/queue-architecture.md` for why this is our own engine rather than apalis-redis.
//!
//! Delivery is at least once: a job whose worker vanished runs again, so handlers are idempotent.
//!
//! # States and moves
//!
//! A job is in exactly one state at a time: the set of [`keys`] its id is in. Every move is one
//! Lua script in `scripts.rs`, so it is atomic; a move that names a lease token no longer held
//! (the job was recovered and fetched again meanwhile) changes nothing.
//!
//! | state | where (queue `q`) | comes in by | goes out by |
//! |---|---|---|---|
//! | ready | `ready` list | `PUSH` (due now); `FETCH`/`PROMOTE` from scheduled; `RECOVER` of a lost lease; `HAND_BACK` at shutdown; `RETRY_DEAD` | `FETCH` → running |
//! | running | `running` zset, by lease deadline | `FETCH` (one lease token per call) | `FINISH` → done, scheduled, parked or dead; `HAND_BACK` → ready; `RECOVER` → ready, or dead past the redelivery cap (a late owner that still beats is re-armed: stays running); `RENEW` keeps it |
//! | scheduled | `scheduled` zset, by due time | `PUSH` (due later); `FINISH` `retry` (spends an attempt) or `later` (does not) | `FETCH`/`PROMOTE` → ready, once due in Redis time |
//! | parked | `scheduled` zset, with `parked` set in the job hash | `FINISH` `park` (no worker here knows the kind) | `FETCH`/`PROMOTE` → ready when due; `FINISH` `park` past the park limit → dead |
//! | done | `done` zset, by finish time | `FINISH` `done` | `CLEAN` (data deleted after the retention) |
//! | dead | `dead` zset, by time of death | `FINISH` `dead`, or `park` past its limit; `RECOVER` past `QUEUE_MAX_REDELIVERIES` | `RETRY_DEAD` → ready (operator, `/admin/queues…`); `CLEAN` |
//!
//! `docs/queue-architecture.md` ("States and moves") says who runs each script and when.

mod dead;
mod fetch;
mod heartbeat;
pub mod keys;
mod lazy;
mod push;
mod recovery;
mod scripts;
mod settings;
mod stats;
mod status;
mod wake;

use std::sync::Arc;

use crate::job_contract::QueueName;

use crate::redis_conn::{RedisClient, RedisConn};

pub use dead::DeadJob;
pub use fetch::{Batch, Fetched, Finish, Held};
pub use heartbeat::Heartbeat;
pub use keys::Keys;
pub use lazy::LazyQueue;
pub use recovery::Recovered;
pub use scripts::CHUNK;
pub use settings::QueueSettings;
pub use stats::QueueStats;
pub use status::JobState;
pub use wake::Waker;

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
    conn: RedisConn,
    keys: Keys,
    settings: QueueSettings,
    /// The worker name leases and heartbeats are recorded under.
    worker: Arc<str>,
    /// Added to this process's clock (tests inject a skewed clock with it).
    skew_ms: i64,
    /// Opens the dedicated connections idle workers block on (see [`Waker`]).
    wake_client: Option<RedisClient>,
}

impl RedisQueue {
    /// `prefix` is the deployment's `REDIS_PREFIX`; queue keys live under `{prefix}:q:`. Leases
    /// are taken under a unique worker name until [`Self::with_worker`] sets one.
    pub fn new(conn: RedisConn, prefix: impl Into<String>, settings: QueueSettings) -> Self {
        let worker = format!("anon-{:016x}", rand::random::<u64>());
        Self { conn, keys: Keys::new(prefix), settings, worker: worker.into(), skew_ms: 0, wake_client: None }
    }

    /// The same queues, leased and heartbeat under `worker` (unique per process).
    #[must_use]
    pub fn with_worker(mut self, worker: &str) -> Self {
        self.worker = worker.into();
        self
    }

    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// The same queues with this process's clock read `skew` milliseconds off (for tests: the
    /// engine must not depend on it).
    #[must_use]
    pub fn with_clock_skew(mut self, skew_ms: i64) -> Self {
        self.skew_ms = skew_ms;
        self
    }

    /// Lets idle workers block for wake-ups on their own connections from `client` instead of
    /// polling (see [`Waker`]).
    #[must_use]
    pub fn with_wake_client(mut self, client: RedisClient) -> Self {
        self.wake_client = Some(client);
        self
    }

    pub fn wake_client(&self) -> Option<&RedisClient> {
        self.wake_client.as_ref()
    }

    /// This process's clock in ms (skewed in tests); only used to turn times the caller names
    /// into offsets, which the scripts apply to Redis time.
    fn caller_now(&self) -> i64 {
        now_ms().saturating_add(self.skew_ms)
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    fn conn(&self) -> RedisConn {
        self.conn.clone()
    }

    /// A call of a queue script on `queue`, with the queue's key set as its `KEYS`.
    fn invocation<'a>(&self, script: &'a redis::Script, queue: QueueName) -> redis::ScriptInvocation<'a> {
        let mut call = script.prepare_invoke();
        for key in self.keys.script_keys(queue) {
            call.key(key);
        }
        call
    }
}

/// Milliseconds since the epoch on this process's clock (scores in Redis use Redis `TIME`).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_ownership;
