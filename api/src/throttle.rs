//! Throttling repeated failed logins for one username, shared by every API process through Redis.

use redis::AsyncCommands;

use crate::error::ApiError;
use crate::state::AppState;

fn key(state: &AppState, username: &str) -> String {
    state.redis_key(&format!("login_failures:{}", username.to_lowercase()))
}

/// Refuses with 429 while the username has used up its failures. If Redis is unreachable the
/// check is skipped (logins keep working; Argon2 still makes guessing slow) and a warning logged.
pub async fn check(state: &AppState, username: &str) -> Result<(), ApiError> {
    let Ok(mut conn) = state.redis.get().await else {
        tracing::warn!("login throttle skipped: redis unreachable");
        return Ok(());
    };
    let key = key(state, username);
    let (count, ttl): (Option<u32>, i64) = match redis::pipe().get(&key).ttl(&key).query_async(&mut conn).await {
        Ok(v) => v,
        Err(err) => {
            tracing::warn!(error = %err, "login throttle skipped");
            return Ok(());
        }
    };
    if count.unwrap_or(0) >= state.config.login_max_failures {
        let retry = u64::try_from(ttl).unwrap_or(state.config.login_failure_window.as_secs());
        return Err(ApiError::too_many_requests("too many failed logins; try again later", retry));
    }
    Ok(())
}

/// Counts a failed login; the window starts at the first failure.
pub async fn record_failure(state: &AppState, username: &str) {
    let Ok(mut conn) = state.redis.get().await else { return };
    let key = key(state, username);
    let window = i64::try_from(state.config.login_failure_window.as_secs()).unwrap_or(900);
    let result: redis::RedisResult<()> = redis::pipe()
        .incr(&key, 1)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window)
        .arg("NX")
        .query_async(&mut conn)
        .await;
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not record a failed login");
    }
}

/// Forgets failures after a successful login.
pub async fn clear(state: &AppState, username: &str) {
    if let Ok(mut conn) = state.redis.get().await {
        let _: redis::RedisResult<()> = conn.del(key(state, username)).await;
    }
}
