//! The shared stage: a sliding-window log per operation in Redis, checked and updated by one
//! Lua script so that any number of processes see one count.
//!
//! The log is a sorted set of the grant times (Redis server clock, microseconds) of the last
//! window. A call is granted only while fewer than `count` grants lie in the last window, so no
//! window of that length, wherever it starts, ever holds more than `count` grants.
//!
//! On top of the log, a GCRA cell (the theoretical arrival time in a second key) spaces grants
//! `window / count` apart with a small burst allowance, so a backlog leaves at a steady pace
//! rather than in one burst per window; the log alone still guarantees the bound. A refusal says
//! the earliest moment a retry can succeed under both rules.

use std::time::Duration;

use crate::redis_conn::RedisConn;
use redis::Script;

use super::config::Rate;

const SCRIPT: &str = r"
local log_key, tat_key = KEYS[1], KEYS[2]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local interval = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local tat = tonumber(redis.call('GET', tat_key) or '0')
if tat < now then tat = now end
local allow_at = tat - (burst - 1) * interval
if allow_at > now then wait = allow_at - now end
redis.call('ZREMRANGEBYSCORE', log_key, '-inf', now - window)
if redis.call('ZCARD', log_key) >= limit then
  local oldest = redis.call('ZRANGE', log_key, 0, 0, 'WITHSCORES')
  local log_wait = tonumber(oldest[2]) + window - now
  if log_wait > wait then wait = log_wait end
end
if wait > 0 then return {0, wait} end
local ttl = math.ceil(window / 1000) + 1000
redis.call('ZADD', log_key, now, member)
redis.call('PEXPIRE', log_key, ttl)
redis.call('SET', tat_key, tat + interval, 'PX', ttl)
return {1, now}
";

/// What Redis answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Granted at this moment of the Redis clock (microseconds since the epoch): the clock the
    /// window's bound holds on.
    Granted { at_us: u64 },
    /// No slot before this much time has passed (by the Redis clock).
    Wait(Duration),
}

/// The script, loaded once per limiter (EVALSHA, falling back to EVAL after a Redis restart).
#[derive(Debug)]
pub struct SharedWindow {
    script: Script,
}

impl SharedWindow {
    pub fn new() -> Self {
        Self { script: Script::new(SCRIPT) }
    }

    /// Takes a slot in `key`'s window if one is free; `member` must be unique per call.
    pub async fn try_take(
        &self,
        conn: &mut RedisConn,
        key: &str,
        rate: Rate,
        window_extra: Duration,
        member: &str,
    ) -> redis::RedisResult<Verdict> {
        let window_us = u64::try_from((rate.window + window_extra).as_micros()).unwrap_or(u64::MAX);
        let interval_us = window_us / u64::from(rate.count.max(1));
        let (granted, value): (i64, i64) = self
            .script
            .key(key)
            .key(tat_key(key))
            .arg(rate.count)
            .arg(window_us)
            .arg(member)
            .arg(interval_us)
            .arg(burst(rate.count))
            .invoke_async(conn)
            .await?;
        Ok(if granted == 1 {
            Verdict::Granted { at_us: value.unsigned_abs() }
        } else {
            Verdict::Wait(Duration::from_micros(value.max(1).unsigned_abs()))
        })
    }
}

/// The grants in `key`'s last window and the wait the script would answer now (read-only).
pub async fn usage(conn: &mut RedisConn, key: &str, rate: Rate, window_extra: Duration) -> redis::RedisResult<super::Usage> {
    let window_us = i64::try_from((rate.window + window_extra).as_micros()).unwrap_or(i64::MAX);
    let interval_us = window_us / i64::from(rate.count.max(1));
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(conn).await?;
    let now = secs * 1_000_000 + micros;
    let in_window: u64 = redis::cmd("ZCOUNT").arg(key).arg(format!("({}", now - window_us)).arg("+inf").query_async(conn).await?;
    let tat: Option<i64> = redis::cmd("GET").arg(tat_key(key)).query_async(conn).await?;
    let allow_at = tat.unwrap_or(0) - (i64::from(burst(rate.count)) - 1) * interval_us;
    let mut wait = (allow_at - now).max(0);
    if in_window >= u64::from(rate.count) {
        let oldest: Vec<(String, f64)> = redis::cmd("ZRANGE").arg(key).arg(0).arg(0).arg("WITHSCORES").query_async(conn).await?;
        if let Some((_, at)) = oldest.first() {
            wait = wait.max(*at as i64 + window_us - now);
        }
    }
    Ok(super::Usage { in_window, next_in: Duration::from_micros(wait.unsigned_abs()) })
}

/// Grants that may go out back to back after a quiet spell: a tenth of the rate, at least one.
/// The companion of the log key `key`: `{key}:tat`, whose hash tag is the log key's whole name,
/// so the script's two keys share the log key's Redis Cluster slot.
pub fn tat_key(key: &str) -> String {
    format!("{{{key}}}:tat")
}

pub fn burst(count: u32) -> u32 {
    (count / 10).max(1)
}

impl Default for SharedWindow {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod slot_tests {
    use redis::cluster_routing::Slot;

    #[test]
    fn the_cell_shares_the_log_key_slot() {
        let log = "yz:ratelimit:wechat.subscribe_send";
        assert_eq!(super::tat_key(log), "{yz:ratelimit:wechat.subscribe_send}:tat");
        assert_eq!(Slot::for_key(super::tat_key(log)), Slot::for_key(log));
    }
}
