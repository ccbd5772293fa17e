//! Limits on what makes Yizhan send SMS to numbers the caller names, in Redis so they hold across
//! API processes: binding codes (one a minute and `VISIT_CODE_PER_PHONE_PER_HOUR` an hour per
//! number, `VISIT_CODE_PER_IP_PER_HOUR` per client address) and applications
//! (`VISIT_APPLICATIONS_PER_HOUR` per proposer: each one messages the host or the visitors). A
//! refused request answers 429 with `Retry-After`.

use std::net::IpAddr;

use redis::Script;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Counts one hit on each `(key, limit, window)`; all or none: when one is full nothing is
/// counted and the answer is its remaining seconds.
const HIT: &str = r"
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = 1 end
    return ttl
  end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[2 * i])
  end
end
return 0";

/// Takes one code's worth of every limit for `phone` asked from `ip`.
pub async fn take(state: &AppState, phone: &str, ip: IpAddr) -> ApiResult<()> {
    let cfg = &state.config.visitors;
    // Each call's keys share a hash tag (one Redis Cluster slot); the address is counted first.
    hit(state, &[(state.redis_key(&format!("{{visitcode-ip:{ip}}}")), cfg.codes_per_ip_per_hour, 3600)]).await?;
    let tag = format!("{{visitcode:{phone}}}");
    let per_phone = [
        (state.redis_key(&format!("{tag}:minute")), 1, 60),
        (state.redis_key(&format!("{tag}:hour")), cfg.codes_per_phone_per_hour, 3600),
    ];
    hit(state, &per_phone).await
}

/// Takes one application's worth of the proposer's hourly limit.
pub async fn take_application(state: &AppState, user_id: i64) -> ApiResult<()> {
    let limit = state.config.visitors.applications_per_hour;
    hit(state, &[(state.redis_key(&format!("{{visitapply:{user_id}}}")), limit, 3600)]).await
}

pub(crate) async fn hit(state: &AppState, limits: &[(String, u32, u64)]) -> ApiResult<()> {
    let script = Script::new(HIT);
    let mut invocation = script.prepare_invoke();
    for (key, limit, window) in limits {
        invocation.key(key).arg(limit).arg(window);
    }
    let mut redis = state.redis.get().await.map_err(|e| ApiError::unavailable(format!("redis: {e}")))?;
    let wait: u64 = invocation.invoke_async(&mut redis).await?;
    if wait > 0 {
        return Err(ApiError::too_many_requests("too many requests of this kind; try again later", wait));
    }
    Ok(())
}
