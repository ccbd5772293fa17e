//! Global rate limits per external API operation, holding across every process.
//!
//! Two stages: an in-process `governor` limiter (no network when this process alone has used up
//! the rate) and a sliding-window log in Redis, updated atomically by a Lua script, that never
//! lets more than `count` calls of one operation start in any window, however many processes
//! ask. A job that gets [`Acquired::RetryAt`] reschedules itself without spending an attempt;
//! callers that may wait briefly use [`RateLimiter::acquire_within`].
//!
//! Operations are dotted names (`wechat.subscribe_send`, `sms.send`); an operation with no
//! configured rate is not limited. Rates come from [`RateLimitConfig`].

mod config;
mod local;
mod window;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crate::redis_conn::RedisConn;

pub use config::{Overrides, Rate, RateLimitConfig, RateTable, Unit, DEFAULT_RATES};
use local::LocalStage;
use window::{SharedWindow, Verdict};

use crate::job_contract::Outcome;
use crate::metrics::names;

/// The shared window log of `op`: `<prefix>:ratelimit:<op>`.
pub fn log_key(prefix: &str, op: &str) -> String {
    format!("{prefix}:ratelimit:{op}")
}

/// What the shared stage holds for one operation now, for operators: grants in the last window,
/// and how long until the next one could start (zero when one could start now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub in_window: u64,
    pub next_in: Duration,
}

/// Reads `op`'s shared state without taking a slot.
pub async fn usage(conn: &mut RedisConn, prefix: &str, op: &str, rate: Rate, margin: Duration) -> redis::RedisResult<Usage> {
    window::usage(conn, &log_key(prefix, op), rate, margin).await
}

/// Permission to start one call of an operation now. Rates limit starts, so nothing is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub op: String,
    /// When the shared window granted it, on the Redis clock (microseconds since the epoch), the
    /// clock the rate's bound holds on; `None` for an operation without a rate.
    pub granted_at_us: Option<u64>,
}

/// No slot now: the earliest moment a new attempt can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAt {
    /// How long from now.
    pub wait: Duration,
    /// The same moment on the wall clock, for rescheduling a job.
    pub at: DateTime<Utc>,
}

impl RetryAt {
    fn after(wait: Duration) -> Self {
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        Self { wait, at }
    }
}

/// A job that found no slot reschedules itself at that moment without spending an attempt:
/// `Acquired::RetryAt(retry) => return Ok(retry.into())`.
impl From<RetryAt> for Outcome {
    fn from(retry: RetryAt) -> Self {
        Outcome::RateLimited { until: retry.at }
    }
}

/// The outcome of asking for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    Permit(Permit),
    RetryAt(RetryAt),
}

/// The shared state could not be reached; callers treat this as a transient failure.
#[derive(Debug, thiserror::Error)]
#[error("rate limiter store unavailable")]
pub struct RateLimitError(#[from] redis::RedisError);

impl From<RateLimitError> for Outcome {
    fn from(err: RateLimitError) -> Self {
        Outcome::transient(err)
    }
}

/// One per process; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    conn: RedisConn,
    prefix: String,
    config: RateLimitConfig,
    local: LocalStage,
    shared: SharedWindow,
    instance: String,
    seq: AtomicU64,
}

impl RateLimiter {
    /// `prefix` is the deployment's Redis key prefix (`REDIS_PREFIX`).
    pub fn new(conn: RedisConn, prefix: &str, config: RateLimitConfig) -> Self {
        Self {
            conn,
            prefix: prefix.to_owned(),
            local: LocalStage::new(&config.rates),
            config,
            shared: SharedWindow::new(),
            instance: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
            seq: AtomicU64::new(0),
        }
    }

    /// The rate that applies to `op`, if any.
    pub fn rate(&self, op: &str) -> Option<Rate> {
        self.config.rates.get(op)
    }

    /// Takes a slot now, or says when to come back. Never waits.
    pub async fn acquire(&self, op: &str) -> Result<Acquired, RateLimitError> {
        let Some(rate) = self.rate(op) else {
            return Ok(Acquired::Permit(Permit { op: op.to_owned(), granted_at_us: None }));
        };
        if let Some(wait) = self.local.check(op) {
            return Ok(Acquired::RetryAt(RetryAt::after(wait)));
        }
        let key = log_key(&self.prefix, op);
        let member = format!("{}-{}", self.instance, self.seq.fetch_add(1, Ordering::Relaxed));
        let mut conn = self.conn.clone();
        let verdict = self.shared.try_take(&mut conn, &key, rate, self.config.margin, &member).await?;
        let result = if matches!(verdict, Verdict::Granted { .. }) { "granted" } else { "denied" };
        metrics::counter!(names::RATELIMIT_ACQUIRE, "op" => op.to_owned(), "result" => result).increment(1);
        Ok(match verdict {
            Verdict::Granted { at_us } => Acquired::Permit(Permit { op: op.to_owned(), granted_at_us: Some(at_us) }),
            Verdict::Wait(wait) => Acquired::RetryAt(RetryAt::after(wait)),
        })
    }

    /// Waits for a slot up to `max_wait`; past that, says when to come back instead. The time
    /// spent waiting is recorded as `yizhan_ratelimit_wait_seconds{op}`.
    pub async fn acquire_within(&self, op: &str, max_wait: Duration) -> Result<Acquired, RateLimitError> {
        let started = Instant::now();
        // Each round sleeps at least 1 ms, so this bound is never reached before the deadline.
        let max_rounds = max_wait.as_millis().saturating_add(2);
        let mut round = 0u128;
        loop {
            round += 1;
            match self.acquire(op).await? {
                Acquired::Permit(permit) => {
                    record_wait(op, started.elapsed());
                    return Ok(Acquired::Permit(permit));
                }
                Acquired::RetryAt(retry) => {
                    if started.elapsed() + retry.wait > max_wait || round >= max_rounds {
                        metrics::counter!(names::RATELIMIT_DEFERRED, "op" => op.to_owned()).increment(1);
                        return Ok(Acquired::RetryAt(retry));
                    }
                    tokio::time::sleep(retry.wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}

fn record_wait(op: &str, waited: Duration) {
    metrics::histogram!(names::RATELIMIT_WAIT_SECONDS, "op" => op.to_owned()).record(waited.as_secs_f64());
}

#[cfg(test)]
mod tests;
