//! Throttling password guesses, shared by every API process through Redis.
//!
//! Three buckets, each counted over `LOGIN_FAILURE_WINDOW_SECS` from its first attempt:
//! - per (username, client IP): `LOGIN_MAX_FAILURES` — the everyday lockout, which only the
//!   address that guessed is subject to, so one person cannot lock `admin` out for everyone;
//! - per client IP, whatever the username: `LOGIN_IP_MAX_FAILURES` — one address spraying names;
//! - per username, whatever the address: `LOGIN_USER_MAX_FAILURES` (much higher) — a guess spread
//!   over many addresses.
//!
//! An attempt is reserved in all three atomically (one Lua script) before the password is
//! checked, so parallel guesses cannot pass the limit; a successful login gives its reservation
//! back and clears its (username, IP) bucket. If Redis is unreachable the check is skipped (logins
//! keep working; Argon2 still makes guessing slow) and a warning logged.

use std::net::IpAddr;

use crate::error::ApiError;
use crate::state::AppState;

/// Reserves in every bucket or in none: `{1, 0}`, or `{0, ttl}` of the bucket that is full.
const RESERVE: &str = r"
for i = 1, #KEYS do
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[i]) then
    return {0, redis.call('TTL', KEYS[i])}
  end
end
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  if redis.call('TTL', KEYS[i]) < 0 then
    redis.call('EXPIRE', KEYS[i], ARGV[#KEYS + 1])
  end
end
return {1, 0}
";

/// A reserved login attempt (counted as a failure unless [`succeeded`] gives it back).
pub struct Attempt {
    /// (username, IP), IP, username.
    keys: [String; 3],
}

/// The three buckets share the hash tag `{login_failures}` (braces literal): the reserve script
/// and the give-back pipeline touch all three, so on a Redis Cluster they must be in one slot.
fn keys(state: &AppState, username: &str, ip: IpAddr) -> [String; 3] {
    bucket_keys(&state.config.core.redis_prefix, username, ip)
}

fn bucket_keys(prefix: &str, username: &str, ip: IpAddr) -> [String; 3] {
    let user = username.trim().to_lowercase();
    [
        format!("{prefix}:{{login_failures}}:user_ip:{user}:{ip}"),
        format!("{prefix}:{{login_failures}}:ip:{ip}"),
        format!("{prefix}:{{login_failures}}:user:{user}"),
    ]
}

/// Reserves one attempt for `username` from `ip`, or refuses with 429 while a bucket is full.
pub async fn reserve(state: &AppState, username: &str, ip: IpAddr) -> Result<Option<Attempt>, ApiError> {
    let Ok(mut conn) = state.redis.get().await else {
        tracing::warn!("login throttle skipped: redis unreachable");
        return Ok(None);
    };
    let cfg = &state.config;
    let window = cfg.login_failure_window.as_secs().max(1);
    let keys = keys(state, username, ip);
    let limits = [cfg.login_max_failures, cfg.login_limits.ip_max_failures, cfg.login_limits.user_max_failures];
    let reserve = redis::Script::new(RESERVE);
    let mut script = reserve.prepare_invoke();
    for key in &keys {
        script.key(key);
    }
    for limit in limits {
        script.arg(limit);
    }
    script.arg(window);
    match script.invoke_async::<(i64, i64)>(&mut conn).await {
        Ok((1, _)) => Ok(Some(Attempt { keys })),
        Ok((_, ttl)) => {
            let retry = u64::try_from(ttl).ok().filter(|t| *t > 0).unwrap_or(window);
            Err(ApiError::too_many_requests("too many failed logins; try again later", retry))
        }
        Err(err) => {
            tracing::warn!(error = %err, "login throttle skipped");
            Ok(None)
        }
    }
}

/// A successful login: its attempt is not a failure, and its (username, IP) bucket starts afresh.
pub async fn succeeded(state: &AppState, attempt: Option<Attempt>) {
    let Some(Attempt { keys: [user_ip, ip, user] }) = attempt else { return };
    let Ok(mut conn) = state.redis.get().await else { return };
    let result: redis::RedisResult<()> = redis::pipe().del(&user_ip).decr(&ip, 1).decr(&user, 1).query_async(&mut conn).await;
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not clear a login throttle");
    }
}

#[cfg(test)]
mod tests {
    use redis::cluster_routing::Slot;

    #[test]
    fn the_three_buckets_share_one_cluster_slot() {
        let [user_ip, ip, user] = super::bucket_keys("yz", "Admin", "10.1.2.3".parse().expect("ip"));
        assert_eq!(user_ip, "yz:{login_failures}:user_ip:admin:10.1.2.3");
        assert_eq!(Slot::for_key(&user_ip), Slot::for_key(&ip));
        assert_eq!(Slot::for_key(&user_ip), Slot::for_key(&user));
    }
}
