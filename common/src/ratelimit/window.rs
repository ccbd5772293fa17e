//! The shared stage: a sliding-window log per operation in Redis, checked and updated by one
//! Lua script so that any number of processes see one count.
//!
//! The log is a sorted set of the grant times (Redis server clock, microseconds) of the last
//! window. A call is granted only while fewer than `count` grants lie in the last window, so no
//! window of that length, wherever it starts, ever holds more than `count` grants. A refusal says
//! when the oldest grant leaves the window, which is the earliest moment a retry can succeed.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Script;

use super::config::Rate;

const SCRIPT: &str = r"
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1000)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
";

/// What Redis answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Granted,
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
        conn: &mut ConnectionManager,
        key: &str,
        rate: Rate,
        window_extra: Duration,
        member: &str,
    ) -> redis::RedisResult<Verdict> {
        let window_us = (rate.window + window_extra).as_micros();
        let (granted, wait_us): (i64, i64) = self
            .script
            .key(key)
            .arg(rate.count)
            .arg(u64::try_from(window_us).unwrap_or(u64::MAX))
            .arg(member)
            .invoke_async(conn)
            .await?;
        Ok(if granted == 1 {
            Verdict::Granted
        } else {
            Verdict::Wait(Duration::from_micros(wait_us.max(1).unsigned_abs()))
        })
    }
}

impl Default for SharedWindow {
    fn default() -> Self {
        Self::new()
    }
}
