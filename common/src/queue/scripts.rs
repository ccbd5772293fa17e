//! The Lua scripts. Each runs atomically; each touches a bounded number of ids per call (the
//! caller loops), so no call unpacks more than [`CHUNK`] values onto the Lua stack — the
//! apalis-redis "too many results to unpack" failure at ~8,000 due jobs cannot happen here.

use std::sync::LazyLock;

use redis::Script;

/// Most ids one script call moves, promotes, recovers or cleans.
pub const CHUNK: usize = 1000;

/// Moves up to `limit` due ids from `scheduled` to `ready`, earliest first. Shared by scripts.
const PROMOTE_FN: &str = r"
local function promote(base, now, limit)
  local ids = redis.call('ZRANGEBYSCORE', base .. ':scheduled', '-inf', now, 'LIMIT', 0, limit)
  if #ids > 0 then
    redis.call('ZREM', base .. ':scheduled', unpack(ids))
    redis.call('LPUSH', base .. ':ready', unpack(ids))
  end
  return #ids
end
";

/// ARGV: base, now_ms, dedup_ttl_secs, then per job: id, kind, payload, due_ms. Returns the
/// number of jobs created (ids already seen are skipped).
pub static PUSH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, now, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local created = 0
for i = 4, #ARGV, 4 do
  local id, due = ARGV[i], tonumber(ARGV[i + 3])
  if redis.call('SET', base .. ':seen:' .. id, '1', 'NX', 'EX', ttl) then
    redis.call('HSET', base .. ':job:' .. id, 'kind', ARGV[i + 1], 'payload', ARGV[i + 2],
      'attempts', 0, 'crashes', 0, 'enq', now, 'due', due)
    if due <= now then
      redis.call('LPUSH', base .. ':ready', id)
    else
      redis.call('ZADD', base .. ':scheduled', due, id)
    end
    created = created + 1
  end
end
return created
",
    )
});

/// ARGV: base, now_ms, lease_ms, max. Promotes a chunk of due jobs when `ready` runs short, then
/// takes up to `max` ids, leases them until now + lease and returns per job
/// id, kind, payload, attempts, crashes.
pub static FETCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{PROMOTE_FN}
local base, now, lease, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('LLEN', base .. ':ready') < max then promote(base, now, {CHUNK}) end
local ids = redis.call('RPOP', base .. ':ready', max)
local out = {{}}
if not ids then return out end
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', base .. ':job:' .. id, 'kind', 'payload', 'attempts', 'crashes')
  if f[1] then
    redis.call('ZADD', base .. ':running', now + lease, id)
    out[#out + 1] = id
    out[#out + 1] = f[1]
    out[#out + 1] = f[2]
    out[#out + 1] = f[3]
    out[#out + 1] = f[4]
  end
end
return out
"
    ))
});

/// ARGV: base, now_ms, limit. Returns how many due jobs were promoted.
pub static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        r"{PROMOTE_FN}
return promote(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
"
    ))
});

/// ARGV: base, now_ms, then per job: id, op, at_ms, error. Ops: `done`; `retry` (spends an
/// attempt, due at `at`); `later` (due at `at`, no attempt spent); `dead` (records `error`).
/// Only `done` applies to a job whose lease was lost meanwhile; the others are skipped for it,
/// since the job was already handed to another worker.
pub static FINISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, now = ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV, 4 do
  local id, op, at, err = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local job = base .. ':job:' .. id
  local held = redis.call('ZREM', base .. ':running', id) == 1
  if op == 'done' then
    redis.call('ZADD', base .. ':done', now, id)
  elseif held and op == 'retry' then
    redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'error', err, 'due', at)
    redis.call('ZADD', base .. ':scheduled', at, id)
  elseif held and op == 'later' then
    redis.call('HSET', job, 'due', at)
    redis.call('ZADD', base .. ':scheduled', at, id)
  elseif held and op == 'dead' then
    redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'error', err, 'died', now)
    redis.call('ZADD', base .. ':dead', now, id)
  end
end
return 1
",
    )
});

/// ARGV: base, now_ms, max_redeliveries, limit. Leases that expired (worker killed or stalled)
/// go back to the front of `ready`, counting a redelivery; past the cap the job goes to `dead`.
/// Returns {requeued, dead}.
pub static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, now, cap, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ids = redis.call('ZRANGEBYSCORE', base .. ':running', '-inf', now, 'LIMIT', 0, limit)
local back, dead = 0, 0
for _, id in ipairs(ids) do
  redis.call('ZREM', base .. ':running', id)
  local job = base .. ':job:' .. id
  if redis.call('EXISTS', job) == 1 then
    local crashes = redis.call('HINCRBY', job, 'crashes', 1)
    if crashes > cap then
      redis.call('HSET', job, 'error', 'lost ' .. crashes .. ' times by workers that stopped mid-run', 'died', now)
      redis.call('ZADD', base .. ':dead', now, id)
      dead = dead + 1
    else
      redis.call('RPUSH', base .. ':ready', id)
      back = back + 1
    end
  end
end
return {back, dead}
",
    )
});

/// ARGV: base, then ids. Hands leased jobs back (shutdown): next in line, no redelivery counted.
pub static HAND_BACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = ARGV[1]
local n = 0
for i = 2, #ARGV do
  if redis.call('ZREM', base .. ':running', ARGV[i]) == 1 then
    redis.call('RPUSH', base .. ':ready', ARGV[i])
    n = n + 1
  end
end
return n
",
    )
});

/// ARGV: base, start, stop. Dead jobs, newest first: per job id, died_ms, kind, payload,
/// attempts, crashes, error.
pub static LIST_DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = ARGV[1]
local ids = redis.call('ZREVRANGE', base .. ':dead', ARGV[2], ARGV[3], 'WITHSCORES')
local out = {}
for i = 1, #ids, 2 do
  local f = redis.call('HMGET', base .. ':job:' .. ids[i], 'kind', 'payload', 'attempts', 'crashes', 'error')
  out[#out + 1] = ids[i]
  out[#out + 1] = ids[i + 1]
  for j = 1, 5 do out[#out + 1] = f[j] or '' end
end
return out
",
    )
});

/// ARGV: base, id, now_ms. Moves a dead job to the back of `ready` with fresh attempt counts.
/// Returns 1, or 0 when the id is not in the dead set.
pub static RETRY_DEAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, id, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('ZREM', base .. ':dead', id) == 0 then return 0 end
redis.call('HSET', base .. ':job:' .. id, 'attempts', 0, 'crashes', 0, 'due', now)
redis.call('HDEL', base .. ':job:' .. id, 'died')
redis.call('LPUSH', base .. ':ready', id)
return 1
",
    )
});

/// ARGV: base. Returns {ready, scheduled, running, done, dead, due_ms of the oldest ready job or -1}.
pub static STATS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base = ARGV[1]
local oldest = -1
local id = redis.call('LINDEX', base .. ':ready', -1)
if id then oldest = tonumber(redis.call('HGET', base .. ':job:' .. id, 'due')) or -1 end
return {redis.call('LLEN', base .. ':ready'), redis.call('ZCARD', base .. ':scheduled'),
  redis.call('ZCARD', base .. ':running'), redis.call('ZCARD', base .. ':done'),
  redis.call('ZCARD', base .. ':dead'), oldest}
",
    )
});

/// ARGV: base, set (`done` or `dead`), before_ms, limit. Deletes the data of up to `limit` jobs
/// that entered the set before `before_ms`; returns how many.
pub static CLEAN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local base, set = ARGV[1], ARGV[1] .. ':' .. ARGV[2]
local ids = redis.call('ZRANGEBYSCORE', set, '-inf', '(' .. ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  redis.call('DEL', base .. ':job:' .. id)
end
if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
return #ids
",
    )
});
