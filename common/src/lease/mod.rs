//! A named lease in Redis with a fencing token: at most one holder at a time across the
//! deployment (the `reservations` consumer, the scheduler leader).
//!
//! Acquiring is `SET key token NX PX ttl` where `token` comes from `INCR` on a separate counter
//! that never expires, both in one Lua script (so a failed attempt burns no token). Tokens only
//! grow: a holder carries its token and anything it writes can be checked with
//! [`Lease::is_current`], so a holder that was paused past its TTL and lost the lease is refused.
//! Renewing and releasing compare the stored token first (compare-and-renew, compare-and-release).
//! [`LeaseKeeper`] renews in the background and signals loss; [`Lease::run_while_held`] is the
//! standby/hold loop a single consumer runs in.
//!
//! Redis is not the last word: an effect claims its resource in PostgreSQL with the token in the
//! same transaction ([`fences`]), and the PostgreSQL fence seeds the counter
//! ([`Lease::try_acquire_above`]) so tokens survive a Redis restart.

mod fence;
pub mod fences;
mod keeper;
mod run;
mod scripts;

use std::fmt;
use std::time::Duration;

use crate::redis_conn::RedisConn;

use crate::config::EnvReader;
use crate::metrics::names;
pub use fence::Fence;
pub use fences::FenceError;
pub use keeper::LeaseKeeper;
pub use run::Held;

/// A holder's proof of tenure. Larger is newer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(pub u64);

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Redis could not be reached or answered unexpectedly.
#[derive(Debug, thiserror::Error)]
#[error("lease store unavailable")]
pub struct LeaseError(#[from] redis::RedisError);

/// Timings shared by every lease of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseConfig {
    /// `LEASE_TTL_MS`: how long a lease outlives its last renewal, so the longest a killed
    /// holder blocks a standby (default 10000; renewed every third of it).
    pub ttl: Duration,
    /// `LEASE_RETRY_MS`: how often a standby tries to take the lease (default 1000).
    /// A standby takes over at most `ttl + retry` after the holder died (11 s by default).
    pub retry: Duration,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        Self { ttl: Duration::from_secs(10), retry: Duration::from_secs(1) }
    }
}

impl LeaseConfig {
    pub fn read(env: &mut EnvReader) -> Self {
        let ttl_ms = env.optional("LEASE_TTL_MS", 10_000u64);
        let retry_ms = env.optional("LEASE_RETRY_MS", 1_000u64);
        if ttl_ms < 300 {
            env.invalid("LEASE_TTL_MS", "must be at least 300");
        }
        if retry_ms == 0 {
            env.invalid("LEASE_RETRY_MS", "must be at least 1");
        }
        Self { ttl: Duration::from_millis(ttl_ms), retry: Duration::from_millis(retry_ms) }
    }
}

/// One named lease. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Lease {
    conn: RedisConn,
    name: String,
    key: String,
    fence_key: String,
    config: LeaseConfig,
}

impl Lease {
    /// The lease `name` under the deployment's Redis key prefix.
    pub fn new(conn: RedisConn, prefix: &str, name: &str, config: LeaseConfig) -> Self {
        Self {
            conn,
            name: name.to_owned(),
            key: lease_key(prefix, name),
            fence_key: fence_key(prefix, name),
            config,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lease key, `p:lease:<name>` (holds the current token, with the TTL).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The fencing-token counter, `{p:lease:<name>}:fence`: never expires; same slot as [`Self::key`].
    pub fn fence_key(&self) -> &str {
        &self.fence_key
    }

    pub fn config(&self) -> LeaseConfig {
        self.config
    }

    /// The token of whoever holds the lease now and how long it lasts without a renewal; `None`
    /// when nobody does.
    pub async fn holder(&self) -> Result<Option<(u64, Duration)>, LeaseError> {
        let mut conn = self.conn.clone();
        let token: Option<u64> = redis::cmd("GET").arg(&self.key).query_async(&mut conn).await?;
        let ttl_ms: i64 = redis::cmd("PTTL").arg(&self.key).query_async(&mut conn).await?;
        Ok(token.map(|t| (t, Duration::from_millis(ttl_ms.max(0).unsigned_abs()))))
    }

    /// Takes the lease if nobody holds it, returning a token larger than every earlier one.
    pub async fn try_acquire(&self) -> Result<Option<FencingToken>, LeaseError> {
        self.try_acquire_above(0).await
    }

    /// Like [`Lease::try_acquire`], with a token above `floor` too: the newest token recorded
    /// outside Redis (the `fences` table), so tokens keep growing after Redis lost its counter.
    pub async fn try_acquire_above(&self, floor: u64) -> Result<Option<FencingToken>, LeaseError> {
        let token: u64 = scripts::acquire()
            .key(&self.key)
            .key(&self.fence_key)
            .arg(ttl_ms(self.config.ttl))
            .arg(floor)
            .invoke_async(&mut self.conn.clone())
            .await?;
        if token == 0 {
            return Ok(None);
        }
        metrics::counter!(names::LEASE_ACQUIRED, "lease" => self.name.clone()).increment(1);
        tracing::info!(lease.name = %self.name, lease.token = token, "lease acquired");
        Ok(Some(FencingToken(token)))
    }

    /// Extends the lease by a full TTL if `token` still holds it.
    pub async fn renew(&self, token: FencingToken) -> Result<bool, LeaseError> {
        let renewed: i64 = scripts::renew()
            .key(&self.key)
            .arg(token.0)
            .arg(ttl_ms(self.config.ttl))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(renewed == 1)
    }

    /// Gives the lease up if `token` still holds it, so a standby need not wait for the TTL.
    pub async fn release(&self, token: FencingToken) -> Result<bool, LeaseError> {
        let released: i64 =
            scripts::release().key(&self.key).arg(token.0).invoke_async(&mut self.conn.clone()).await?;
        Ok(released == 1)
    }

    /// The token of the current holder, if any.
    pub async fn current(&self) -> Result<Option<FencingToken>, LeaseError> {
        let value: Option<u64> = redis::cmd("GET").arg(&self.key).query_async(&mut self.conn.clone()).await?;
        Ok(value.map(FencingToken))
    }

    /// True when `token` is the live holder's: a handler's check before a fenced write.
    pub async fn is_current(&self, token: FencingToken) -> Result<bool, LeaseError> {
        Ok(self.current().await? == Some(token))
    }

    /// Starts renewing `token` in the background; see [`LeaseKeeper`].
    pub fn keep(&self, token: FencingToken) -> LeaseKeeper {
        LeaseKeeper::start(self.clone(), token)
    }
}

/// `p:lease:<name>`: the current holder's token, with the TTL.
fn lease_key(prefix: &str, name: &str) -> String {
    format!("{prefix}:lease:{name}")
}

/// `{p:lease:<name>}:fence`: braces literal, so the counter's hash tag is the lease key's whole
/// name and both keys are in one Redis Cluster slot (the acquire script touches both), while the
/// lease key keeps the name it always had.
fn fence_key(prefix: &str, name: &str) -> String {
    format!("{{{}}}:fence", lease_key(prefix, name))
}

fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests;
