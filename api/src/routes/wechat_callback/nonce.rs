//! Replay protection: a `(timestamp, nonce)` pair is remembered for the freshness window with a
//! digest of its body. WeChat's retries resend the same request (same pair, same body), so they
//! pass and meet the de-duplication claim; the same pair with another body is a forgery riding on
//! a signature seen once (plain mode signs only token, timestamp and nonce) and is refused.

use sha2::{Digest, Sha256};
use yizhan_common::wechat::callback::{CallbackError, CallbackQuery};

use crate::state::AppState;

/// Remembers the pair (Redis `SET NX`, TTL = the window); refuses it if seen with another body.
/// Without Redis the check is skipped with a warning (the timestamp window still holds).
pub async fn check(state: &AppState, query: &CallbackQuery, body: &[u8], window_secs: u64) -> Result<(), CallbackError> {
    let (Some(timestamp), Some(nonce)) = (query.timestamp.as_deref(), query.nonce.as_deref()) else {
        return Err(CallbackError::MissingParam("nonce"));
    };
    let pair = hex::encode(Sha256::digest(format!("{}\n{}", timestamp.trim(), nonce.trim())));
    let key = state.redis_key(&format!("wechat:callback:nonce:{pair}"));
    let digest = hex::encode(Sha256::digest(body));
    let Ok(mut conn) = state.redis.get().await else {
        tracing::warn!("Redis unavailable: callback nonce not checked");
        return Ok(());
    };
    let script = redis::Script::new(
        "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
         if redis.call('GET', KEYS[1]) == ARGV[1] then return 2 end
         return 0",
    );
    match script.key(&key).arg(&digest).arg(window_secs.max(1)).invoke_async::<i64>(&mut conn).await {
        Ok(0) => Err(CallbackError::ReplayedNonce),
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "Redis refused the callback nonce check: not checked");
            Ok(())
        }
    }
}
