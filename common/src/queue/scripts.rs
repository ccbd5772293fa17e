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
//! Keys: every script is called with the queue's key set in `KEYS` ([`super::Keys::script_keys`]:
//! `ready`, `scheduled`, `running`, `done`, `dead`, `seq`, `workers`, `wake`, `leases`, `owners`,
//! then the job-hash
//! prefix `p:q:{q}:job:` and the marker prefix `p:q:{q}:seen:`) and names its keys only through
//! the `K` table built from them; no script builds a key from an argument. Every one of them
//! carries the queue's hash tag `{q}`, so a call lives in one Redis Cluster slot and is routed to
//! the master owning it. The per-job keys are the declared prefix plus an id: their ids are often
//! only known inside the script (`FETCH` pops them), so they cannot all be listed in advance; they
//! share the tag, and Redis Cluster refuses any key a script touches outside the slot of its
//! `KEYS` ("Script attempted to access a non local key in a cluster node", or "… keys that do
//! not hash to the same slot" on the same node), which the cluster test (`scripts/test-cluster`)
//! runs into if a key ever leaves the tag.

use std::sync::LazyLock;

use redis::Script;

/// Most ids one script call moves, promotes, recovers or cleans.
pub const CHUNK: usize = 1000;

/// Wake tokens kept at most in a queue's wake list (see [`super::keys`]).
const WAKE_CAP: usize = 16;

/// Shared helpers: Redis time in ms, caller time to Redis time, waking a blocked worker, and
/// moving due ids from `scheduled` to `ready`, earliest first.
const LIB: &str = r"
local K = {ready = KEYS[1], scheduled = KEYS[2], running = KEYS[3], done = KEYS[4], dead = KEYS[5],
  seq = KEYS[6], workers = KEYS[7], wake_list = KEYS[8], leases = KEYS[9], owners = KEYS[10],
  job = KEYS[11], seen = KEYS[12]}
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function redis_time(at, caller_now, now)
  return now + (at - caller_now)
end
local function wake()
  redis.call('LPUSH', K.wake_list, '1')
  redis.call('LTRIM', K.wake_list, 0, WAKE_CAP - 1)
end
local function promote(now, limit)
  local ids = redis.call('ZRANGEBYSCORE', K.scheduled, '-inf', now, 'LIMIT', 0, limit)
  if #ids > 0 then
    redis.call('ZREM', K.scheduled, unpack(ids))
    redis.call('LPUSH', K.ready, unpack(ids))
    wake()
  end
  return #ids
end
local function held(id, token)
  return redis.call('ZSCORE', K.running, id) and redis.call('HGET', K.leases, id) == token
end
local function unlease(ids)
  redis.call('ZREM', K.running, unpack(ids))
  redis.call('HDEL', K.leases, unpack(ids))
  redis.call('HDEL', K.owners, unpack(ids))
end
";

fn with_lib(body: &str) -> Script {
    Script::new(&format!("{}\n{body}", LIB.replace("WAKE_CAP", &WAKE_CAP.to_string())))
}

/// ARGV: caller_now_ms, dedup_ttl_secs, then per job: id, kind, payload, run_at_ms.
/// Returns {created, ids skipped as duplicates...}.
pub static PUSH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local caller_now, ttl = tonumber(ARGV[1]), ARGV[2]
local now = clock()
local out, ready, created = {''}, 0, 0
for i = 3, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('SET', K.seen .. id, '1', 'NX', 'EX', ttl) then
    local due = redis_time(tonumber(ARGV[i + 3]), caller_now, now)
    redis.call('HSET', K.job .. id, 'kind', ARGV[i + 1], 'payload', ARGV[i + 2],
      'attempts', 0, 'crashes', 0, 'enq', now, 'due', due)
    if due <= now then
      redis.call('LPUSH', K.ready, id)
      ready = ready + 1
    else
      redis.call('ZADD', K.scheduled, due, id)
    end
    created = created + 1
  else
    out[#out + 1] = id
  end
end
if ready > 0 then wake() end
out[1] = tostring(created)
return out
",
    )
});

/// ARGV: worker, lease_ms, max. Promotes a chunk of due jobs when `ready` runs short, then
/// takes up to `max` ids and leases them to `worker` until Redis now + lease under one fresh
/// lease token. Returns {now, token, ms until the next scheduled job is due (-1: none, or not
/// looked up because jobs were leased), missing count, missing ids..., then per job id, kind,
/// payload, attempts, crashes, due}. If jobs are left in `ready`, another waiting worker is woken.
///
/// Cost per leased job: one `HMGET` of its hash. The batch's `running` entries are one variadic
/// `ZADD`, written before the job hashes are read (a script error part-way leaves every popped id
/// leased, and the sweep brings it back, rather than in no set); its lease tokens and owner are
/// one `HSET` each into the queue's `leases` and `owners` hashes.
pub static FETCH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(&format!(
        r"
local worker, lease, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = clock()
if redis.call('LLEN', K.ready) < max then promote(now, {CHUNK}) end
local ids = redis.call('RPOP', K.ready, max)
local token = 0
local jobs, missing = {{}}, {{}}
if ids then
  token = redis.call('INCR', K.seq)
  local deadline, leased = now + lease, {{}}
  for i, id in ipairs(ids) do
    leased[2 * i - 1] = deadline
    leased[2 * i] = id
  end
  redis.call('ZADD', K.running, unpack(leased))
  local tokens, owners = {{}}, {{}}
  for _, id in ipairs(ids) do
    local f = redis.call('HMGET', K.job .. id, 'kind', 'payload', 'attempts', 'crashes', 'due')
    if f[1] then
      tokens[#tokens + 1] = id
      tokens[#tokens + 1] = token
      owners[#owners + 1] = id
      owners[#owners + 1] = worker
      jobs[#jobs + 1] = id
      for j = 1, 4 do jobs[#jobs + 1] = f[j] or '0' end
      jobs[#jobs + 1] = f[5] or tostring(now)
    else
      missing[#missing + 1] = id
    end
  end
  if #tokens > 0 then
    redis.call('HSET', K.leases, unpack(tokens))
    redis.call('HSET', K.owners, unpack(owners))
  end
  if #missing > 0 then redis.call('ZREM', K.running, unpack(missing)) end
  if redis.call('LLEN', K.ready) > 0 then wake() end
end
local next_due = -1
if #jobs == 0 then
  local first = redis.call('ZRANGE', K.scheduled, 0, 0, 'WITHSCORES')
  if first[2] then next_due = math.max(0, tonumber(first[2]) - now) end
end
local out = {{tostring(now), tostring(token), tostring(next_due), tostring(#missing)}}
for _, id in ipairs(missing) do out[#out + 1] = id end
for _, v in ipairs(jobs) do out[#out + 1] = v end
return out
"
    ))
});

/// ARGV: limit. Returns how many due jobs were promoted.
pub static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
return promote(clock(), tonumber(ARGV[1]))
",
    )
});

/// ARGV: caller_now_ms, park_limit_ms, then per job: id, lease token, op, at_ms, error.
/// Ops: `done`; `retry` (spends an attempt, due at `at`); `later` (due at `at`, no attempt
/// spent); `dead` (records `error`); `park` (kind unknown here: due at `at` until the job has
/// been parked for park_limit_ms, then dead with `error`). A job not held under that token
/// (its lease was recovered and perhaps fetched by another worker) is left alone.
/// Returns the ids refused as stale.
///
/// Cost per `done` job: no call of its own. The batch's `running` scores and lease tokens are one
/// `ZMSCORE` and one `HMGET`; its `done` entries, then its `running`, `leases` and `owners`
/// removals are one variadic call each, in that order, so a job is never in no set. An id named
/// twice in one batch is finished once; the second is refused as stale.
pub static FINISH: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local caller_now, park_limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = clock()
local stale, ids, seen, done, finished = {}, {}, {}, {}, {}
for i = 3, #ARGV, 5 do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return stale end
local scores = redis.call('ZMSCORE', K.running, unpack(ids))
local tokens = redis.call('HMGET', K.leases, unpack(ids))
local function bury(job, id, err)
  redis.call('HINCRBY', job, 'attempts', 1)
  redis.call('HSET', job, 'error', err, 'died', now)
  redis.call('ZADD', K.dead, now, id)
end
for k, id in ipairs(ids) do
  local i = 3 + (k - 1) * 5
  local token, op, err = ARGV[i + 1], ARGV[i + 2], ARGV[i + 4]
  local job = K.job .. id
  if seen[id] or not scores[k] or tokens[k] ~= token then
    stale[#stale + 1] = id
  else
    seen[id] = true
    finished[#finished + 1] = id
    -- Each branch writes its destination before the batch leaves `running` (below): a script
    -- error (a key of the wrong type) then leaves the job leased rather than in no set at all.
    local at = redis_time(tonumber(ARGV[i + 3]), caller_now, now)
    if op == 'done' then
      done[#done + 1] = now
      done[#done + 1] = id
    elseif op == 'retry' then
      redis.call('HINCRBY', job, 'attempts', 1)
      redis.call('HSET', job, 'error', err, 'due', at)
      redis.call('ZADD', K.scheduled, at, id)
    elseif op == 'later' then
      redis.call('HSET', job, 'due', at)
      redis.call('ZADD', K.scheduled, at, id)
    elseif op == 'park' then
      redis.call('HSETNX', job, 'parked', now)
      if now - tonumber(redis.call('HGET', job, 'parked')) >= park_limit then
        bury(job, id, err)
      else
        redis.call('HSET', job, 'due', at)
        redis.call('ZADD', K.scheduled, at, id)
      end
    else
      bury(job, id, err)
    end
  end
end
if #done > 0 then redis.call('ZADD', K.done, unpack(done)) end
if #finished > 0 then unlease(finished) end
return stale
",
    )
});

/// ARGV: lease_ms, then per job: id, lease token. Renews the leases still held under
/// those tokens to Redis now + lease; returns the ids refused as stale.
pub static RENEW: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local lease = tonumber(ARGV[1])
local now = clock()
local stale = {}
for i = 2, #ARGV, 2 do
  if held(ARGV[i], ARGV[i + 1]) then
    redis.call('ZADD', K.running, now + lease, ARGV[i])
  else
    stale[#stale + 1] = ARGV[i]
  end
end
return stale
",
    )
});

/// ARGV: worker. Records the worker's heartbeat for this queue (Redis time) and forgets
/// workers silent for a day. Returns Redis now.
pub static BEAT: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local now = clock()
redis.call('ZADD', K.workers, now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', K.workers, '-inf', now - 86400000)
return now
",
    )
});

/// ARGV: max_redeliveries, limit, sweeper_since_ms, dead_after_ms. Looks at leases that
/// expired in Redis time. A job whose owner's heartbeat is younger than dead_after is late, not
/// lost: its lease is re-armed for dead_after. A job whose owner is silent goes back to the
/// front of `ready`, counting a crash; past the cap it goes to `dead`. Nothing is recovered
/// unless the sweeper itself has beaten without a gap since sweeper_since, at least dead_after
/// ago, so after a Redis outage every live owner gets time to beat first.
/// Returns {requeued, dead, late}.
pub static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local cap, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local since, dead_after = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = clock()
if now - since < dead_after then return {0, 0, 0} end
local ids = redis.call('ZRANGEBYSCORE', K.running, '-inf', now, 'LIMIT', 0, limit)
local back, dead, late = 0, 0, 0
for _, id in ipairs(ids) do
  local job = K.job .. id
  -- `owner` in the job hash: a lease taken by a build from before the `owners` hash.
  local owner = redis.call('HGET', K.owners, id) or redis.call('HGET', job, 'owner')
  local beat = owner and redis.call('ZSCORE', K.workers, owner)
  if beat and now - tonumber(beat) < dead_after then
    redis.call('ZADD', K.running, now + dead_after, id)
    late = late + 1
  else
    unlease({id})
    if redis.call('EXISTS', job) == 1 then
      -- A pre-upgrade lease's fields, so an older build's late finish under that token is refused.
      redis.call('HDEL', job, 'owner', 'lease')
      local crashes = redis.call('HINCRBY', job, 'crashes', 1)
      if crashes > cap then
        redis.call('HSET', job, 'error', 'lost ' .. crashes .. ' times by workers that stopped mid-run', 'died', now)
        redis.call('ZADD', K.dead, now, id)
        dead = dead + 1
      else
        redis.call('RPUSH', K.ready, id)
        back = back + 1
      end
    end
  end
end
if back > 0 then wake() end
return {back, dead, late}
",
    )
});

/// ARGV: per job: id, lease token. Hands leased jobs back (shutdown): next in line,
/// no redelivery counted. Returns {handed back, refused as stale}.
pub static HAND_BACK: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local n, stale = 0, 0
for i = 1, #ARGV, 2 do
  if held(ARGV[i], ARGV[i + 1]) then
    unlease({ARGV[i]})
    redis.call('RPUSH', K.ready, ARGV[i])
    n = n + 1
  else
    stale = stale + 1
  end
end
if n > 0 then wake() end
return {n, stale}
",
    )
});

/// ARGV: start, stop. Dead jobs, newest first: per job id, died_ms, kind, payload,
/// attempts, crashes, error.
pub static LIST_DEAD: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local ids = redis.call('ZREVRANGE', K.dead, ARGV[1], ARGV[2], 'WITHSCORES')
local out = {}
for i = 1, #ids, 2 do
  local f = redis.call('HMGET', K.job .. ids[i], 'kind', 'payload', 'attempts', 'crashes', 'error')
  out[#out + 1] = ids[i]
  out[#out + 1] = ids[i + 1]
  for j = 1, 5 do out[#out + 1] = f[j] or '' end
end
return out
",
    )
});

/// ARGV: id. Moves a dead job to the back of `ready` with fresh attempt counts.
/// Returns 1, or 0 when the id is not in the dead set.
pub static RETRY_DEAD: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local id = ARGV[1]
if redis.call('ZREM', K.dead, id) == 0 then return 0 end
redis.call('HSET', K.job .. id, 'attempts', 0, 'crashes', 0, 'due', clock())
redis.call('HDEL', K.job .. id, 'died', 'parked')
redis.call('LPUSH', K.ready, id)
wake()
return 1
",
    )
});

/// No ARGV. Returns {ready, scheduled, running, done, dead, ms the oldest ready job has been
/// due (Redis time) or -1}.
pub static STATS: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
local age = -1
local id = redis.call('LINDEX', K.ready, -1)
if id then
  local due = tonumber(redis.call('HGET', K.job .. id, 'due'))
  if due then age = math.max(0, clock() - due) end
end
return {redis.call('LLEN', K.ready), redis.call('ZCARD', K.scheduled),
  redis.call('ZCARD', K.running), redis.call('ZCARD', K.done),
  redis.call('ZCARD', K.dead), age}
",
    )
});

/// ARGV: set (`done` or `dead`), before_ms, limit. Deletes the data of up to `limit` jobs
/// that entered the set before `before_ms`; returns how many.
pub static CLEAN: LazyLock<Script> = LazyLock::new(|| {
    with_lib(
        r"
if ARGV[1] ~= 'done' and ARGV[1] ~= 'dead' then return redis.error_reply('CLEAN: set must be done or dead') end
local set = K[ARGV[1]]
local ids = redis.call('ZRANGEBYSCORE', set, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('DEL', K.job .. id)
end
if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
return #ids
",
    )
});
