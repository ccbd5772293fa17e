//! The Lua scripts. Each runs atomically; each touches a bounded number of ids per call (the
//! caller loops), so no call unpacks more than [`CHUNK`] values onto the Lua stack — the
//! apalis-redis "too many results to unpack" failure at ~8,000 due jobs cannot happen here.
//!
//! One clock: every deadline and due time is Redis `TIME` read inside the script. A time a
//! caller passes (a retry's `at`, an envelope's `run_at`) is read relative to the caller's own
//! clock, also passed in: it is due `at - caller_now` after Redis now (so "now" on the caller's
//! clock is now in Redis time, and a job due 5 s ago on the caller's clock has been due for 5 s).
//! A worker whose clock is off by minutes therefore neither leases jobs into the past, nor
//! delays or hurries the jobs it pushes, nor recovers other workers' jobs early.
//!
//! Every key a script touches is built from the queue base `p:q:{queue}`, whose braces are a
//! Redis Cluster hash tag: a queue's keys all live in one slot.

use std::sync::LazyLock;

use redis::Script;

/// Most ids one script call moves, promotes, recovers or cleans.
pub const CHUNK: usize = 1000;

/// Wake tokens kept at most in a queue's wake list (see [`super::keys`]).
const WAKE_CAP: usize = 16;

/// Shared helpers: Redis time in ms, caller time to Redis time, waking a blocked worker, and
/// moving due ids from `scheduled` to `ready`, earliest first.
const LIB: &str = r"
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function redis_time(at, caller_now, now)
  return now + (at - caller_now)
end
local function wake(base)
  redis.call('LPUSH', base .. ':wake', '1')
  redis.call('LTRIM', base .. ':wake', 0, WAKE_CAP - 1)
end
local function promote(base, now, limit)
  local ids = redis.call('ZRANGEBYSCORE', base .. ':scheduled', '-inf', now, 'LIMIT', 0, limit)
  if #ids > 0 then
    redis.call('ZREM', base .. ':scheduled', unpack(ids))
    redis.call('LPUSH', base .. ':ready', unpack(ids))
    wake(base)
  end
  return #ids
end
local function held(base, id, token)
  return redis.call('ZSCORE', base .. ':running', id) and redis.call('HGET', base .. ':job:' .. id, 'lease') == token
end
";

fn with_lib(body: &str) -> Script {
    Script::new(&format!("{}\n{body}", LIB.replace("WAKE_CAP", &WAKE_CAP.to_string())))
}

/// ARGV: base, caller_now_ms, dedup_ttl_secs, then per job: id, kind, payload, run_at_ms.
/// Returns {created, ids skipped as duplicates...}.
pub static PUSH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base, caller_now, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local now = clock()
local out, ready, created = {''}, 0, 0
for i = 4, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('SET', base .. ':seen:' .. id, '1', 'NX', 'EX', ttl) then
    local due = redis_time(tonumber(ARGV[i + 3]), caller_now, now)
    redis.call('HSET', base .. ':job:' .. id, 'kind', ARGV[i + 1], 'payload', ARGV[i + 2],
      'attempts', 0, 'crashes', 0, 'enq', now, 'due', due)
    if due <= now then
      redis.call('LPUSH', base .. ':ready', id)
      ready = ready + 1
    else
      redis.call('ZADD', base .. ':scheduled', due, id)
    end
    created = created + 1
  else
    out[#out + 1] = id
  end
end
if ready > 0 then wake(base) end
out[1] = tostring(created)
return out
",
    )
});

/// ARGV: base, worker, lease_ms, max. Promotes a chunk of due jobs when `ready` runs short, then
/// takes up to `max` ids and leases them to `worker` until Redis now + lease under one fresh
/// lease token. Returns {now, token, ms until the next scheduled job is due (-1: none),
/// missing count, missing ids..., then per job id, kind, payload, attempts, crashes, due}.
/// If jobs are left in `ready`, another waiting worker is woken.
pub static FETCH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(&format!(
        r"
local base, worker, lease, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local now = clock()
if redis.call('LLEN', base .. ':ready') < max then promote(base, now, {CHUNK}) end
local ids = redis.call('RPOP', base .. ':ready', max)
local token = 0
local jobs, missing = {{}}, {{}}
if ids then
  token = redis.call('INCR', base .. ':seq')
  for _, id in ipairs(ids) do
    local job = base .. ':job:' .. id
    local f = redis.call('HMGET', job, 'kind', 'payload', 'attempts', 'crashes', 'due')
    if f[1] then
      redis.call('HSET', job, 'lease', token, 'owner', worker)
      redis.call('ZADD', base .. ':running', now + lease, id)
      jobs[#jobs + 1] = id
      for j = 1, 4 do jobs[#jobs + 1] = f[j] or '0' end
      jobs[#jobs + 1] = f[5] or tostring(now)
    else
      missing[#missing + 1] = id
    end
  end
  if redis.call('LLEN', base .. ':ready') > 0 then wake(base) end
end
local next_due = -1
local first = redis.call('ZRANGE', base .. ':scheduled', 0, 0, 'WITHSCORES')
if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
local out = {{tostring(now), tostring(token), tostring(next_due), tostring(#missing)}}
for _, id in ipairs(missing) do out[#out + 1] = id end
for _, v in ipairs(jobs) do out[#out + 1] = v end
return out
"
    ))
});

/// ARGV: base, limit. Returns how many due jobs were promoted.
pub static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
return promote(ARGV[1], clock(), tonumber(ARGV[2]))
",
    )
});

/// ARGV: base, caller_now_ms, park_limit_ms, then per job: id, lease token, op, at_ms, error.
/// Ops: `done`; `retry` (spends an attempt, due at `at`); `later` (due at `at`, no attempt
/// spent); `dead` (records `error`); `park` (kind unknown here: due at `at` until the job has
/// been parked for park_limit_ms, then dead with `error`). A job not held under that token
/// (its lease was recovered and perhaps fetched by another worker) is left alone.
/// Returns the ids refused as stale.
pub static FINISH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base, caller_now, park_limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = clock()
local stale = {}
local function bury(job, id, err)
  redis.call('HINCRBY', job, 'attempts', 1)
  redis.call('HSET', job, 'error', err, 'died', now)
  redis.call('ZADD', base .. ':dead', now, id)
end
for i = 4, #ARGV, 5 do
  local id, token, op, err = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 4]
  local job = base .. ':job:' .. id
  if not held(base, id, token) then
    stale[#stale + 1] = id
  else
    -- Each branch writes its destination first: a script error (a key of the wrong type)
    -- then leaves the job leased rather than in no set at all.
    local at = redis_time(tonumber(ARGV[i + 3]), caller_now, now)
    if op == 'done' then
      redis.call('ZADD', base .. ':done', now, id)
    elseif op == 'retry' then
      redis.call('HINCRBY', job, 'attempts', 1)
      redis.call('HSET', job, 'error', err, 'due', at)
      redis.call('ZADD', base .. ':scheduled', at, id)
    elseif op == 'later' then
      redis.call('HSET', job, 'due', at)
      redis.call('ZADD', base .. ':scheduled', at, id)
    elseif op == 'park' then
      redis.call('HSETNX', job, 'parked', now)
      if now - tonumber(redis.call('HGET', job, 'parked')) >= park_limit then
        bury(job, id, err)
      else
        redis.call('HSET', job, 'due', at)
        redis.call('ZADD', base .. ':scheduled', at, id)
      end
    else
      bury(job, id, err)
    end
    redis.call('ZREM', base .. ':running', id)
    redis.call('HDEL', job, 'owner')
  end
end
return stale
",
    )
});

/// ARGV: base, lease_ms, then per job: id, lease token. Renews the leases still held under
/// those tokens to Redis now + lease; returns the ids refused as stale.
pub static RENEW: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base, lease = ARGV[1], tonumber(ARGV[2])
local now = clock()
local stale = {}
for i = 3, #ARGV, 2 do
  if held(base, ARGV[i], ARGV[i + 1]) then
    redis.call('ZADD', base .. ':running', now + lease, ARGV[i])
  else
    stale[#stale + 1] = ARGV[i]
  end
end
return stale
",
    )
});

/// ARGV: base, worker. Records the worker's heartbeat for this queue (Redis time) and forgets
/// workers silent for a day. Returns Redis now.
pub static BEAT: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local now = clock()
redis.call('ZADD', ARGV[1] .. ':workers', now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', ARGV[1] .. ':workers', '-inf', now - 86400000)
return now
",
    )
});

/// ARGV: base, max_redeliveries, limit, sweeper_since_ms, dead_after_ms. Looks at leases that
/// expired in Redis time. A job whose owner's heartbeat is younger than dead_after is late, not
/// lost: its lease is re-armed for dead_after. A job whose owner is silent goes back to the
/// front of `ready`, counting a crash; past the cap it goes to `dead`. Nothing is recovered
/// unless the sweeper itself has beaten without a gap since sweeper_since, at least dead_after
/// ago, so after a Redis outage every live owner gets time to beat first.
/// Returns {requeued, dead, late}.
pub static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base, cap, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local since, dead_after = tonumber(ARGV[4]), tonumber(ARGV[5])
local now = clock()
if now - since < dead_after then return {0, 0, 0} end
local ids = redis.call('ZRANGEBYSCORE', base .. ':running', '-inf', now, 'LIMIT', 0, limit)
local back, dead, late = 0, 0, 0
for _, id in ipairs(ids) do
  local job = base .. ':job:' .. id
  local owner = redis.call('HGET', job, 'owner')
  local beat = owner and redis.call('ZSCORE', base .. ':workers', owner)
  if beat and now - tonumber(beat) < dead_after then
    redis.call('ZADD', base .. ':running', now + dead_after, id)
    late = late + 1
  else
    redis.call('ZREM', base .. ':running', id)
    if redis.call('EXISTS', job) == 1 then
      redis.call('HDEL', job, 'owner')
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
end
if back > 0 then wake(base) end
return {back, dead, late}
",
    )
});

/// ARGV: base, then per job: id, lease token. Hands leased jobs back (shutdown): next in line,
/// no redelivery counted. Returns {handed back, refused as stale}.
pub static HAND_BACK: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base = ARGV[1]
local n, stale = 0, 0
for i = 2, #ARGV, 2 do
  if held(base, ARGV[i], ARGV[i + 1]) then
    redis.call('ZREM', base .. ':running', ARGV[i])
    redis.call('HDEL', base .. ':job:' .. ARGV[i], 'owner')
    redis.call('RPUSH', base .. ':ready', ARGV[i])
    n = n + 1
  else
    stale = stale + 1
  end
end
if n > 0 then wake(base) end
return {n, stale}
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

/// ARGV: base, id. Moves a dead job to the back of `ready` with fresh attempt counts.
/// Returns 1, or 0 when the id is not in the dead set.
pub static RETRY_DEAD: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base, id = ARGV[1], ARGV[2]
if redis.call('ZREM', base .. ':dead', id) == 0 then return 0 end
redis.call('HSET', base .. ':job:' .. id, 'attempts', 0, 'crashes', 0, 'due', clock())
redis.call('HDEL', base .. ':job:' .. id, 'died', 'parked')
redis.call('LPUSH', base .. ':ready', id)
wake(base)
return 1
",
    )
});

/// ARGV: base. Returns {ready, scheduled, running, done, dead, ms the oldest ready job has been
/// due (Redis time) or -1}.
pub static STATS: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local base = ARGV[1]
local age = -1
local id = redis.call('LINDEX', base .. ':ready', -1)
if id then
  local due = tonumber(redis.call('HGET', base .. ':job:' .. id, 'due'))
  if due then age = math.max(0, clock() - due) end
end
return {redis.call('LLEN', base .. ':ready'), redis.call('ZCARD', base .. ':scheduled'),
  redis.call('ZCARD', base .. ':running'), redis.call('ZCARD', base .. ':done'),
  redis.call('ZCARD', base .. ':dead'), age}
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
