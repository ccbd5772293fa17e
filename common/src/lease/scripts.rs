//! The lease's Lua scripts; each runs atomically in Redis.

use std::sync::OnceLock;

use redis::Script;

/// KEYS[1] lease, KEYS[2] fence counter, ARGV[1] TTL in ms, ARGV[2] floor (the newest token
/// recorded outside Redis). Returns the new token (above the floor), or 0 if held.
const ACQUIRE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[2]) or 0
if token <= floor then
  token = floor + 1
  redis.call('SET', KEYS[2], token)
end
redis.call('SET', KEYS[1], token, 'NX', 'PX', ARGV[1])
return token
";

/// KEYS[1] lease, ARGV[1] token, ARGV[2] TTL in ms. 1 if renewed, 0 if the token no longer holds.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// KEYS[1] lease, ARGV[1] token. 1 if released, 0 if the token no longer held it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

fn cached(cell: &'static OnceLock<Script>, source: &str) -> &'static Script {
    cell.get_or_init(|| Script::new(source))
}

pub fn acquire() -> &'static Script {
    static CELL: OnceLock<Script> = OnceLock::new();
    cached(&CELL, ACQUIRE)
}

pub fn renew() -> &'static Script {
    static CELL: OnceLock<Script> = OnceLock::new();
    cached(&CELL, RENEW)
}

pub fn release() -> &'static Script {
    static CELL: OnceLock<Script> = OnceLock::new();
    cached(&CELL, RELEASE)
}
