//! One effect per delivery: the first delivery of a key claims it in Redis (kept 120 s or the
//! freshness window if longer; WeChat retries within 15 s); later ones get the remembered reply, or
//! `success`. A claim whose effect failed is released, so WeChat's retry does the work.

use redis::AsyncCommands;

use crate::state::AppState;

/// How long a delivery is remembered at least (WeChat asks for at least 60 s).
const KEEP_SECS: u64 = 120;

/// As long as a replayed request could still pass the freshness window.
fn keep_secs(state: &AppState) -> u64 {
    state.config.wechat_callback.as_ref().map_or(KEEP_SECS, |c| c.max_age().as_secs().max(KEEP_SECS))
}

pub enum Claim {
    First,
    /// Seen before; the reply answered then, if it is known yet.
    Duplicate(Option<String>),
    /// Redis is down: handled without de-duplication (logged).
    Unavailable,
}

fn redis_key(state: &AppState, key: &str) -> String {
    state.redis_key(&format!("wechat:callback:{key}"))
}

pub async fn claim(state: &AppState, key: &str) -> Claim {
    let Ok(mut conn) = state.redis.get().await else {
        tracing::warn!(wechat.dedup = %key, "Redis unavailable: callback handled without de-duplication");
        return Claim::Unavailable;
    };
    let key = redis_key(state, key);
    let set: Result<Option<String>, _> =
        redis::cmd("SET").arg(&key).arg("").arg("NX").arg("EX").arg(keep_secs(state)).query_async(&mut conn).await;
    match set {
        Ok(Some(_)) => Claim::First,
        Ok(None) => {
            let reply: Option<String> = conn.get(&key).await.unwrap_or(None);
            Claim::Duplicate(reply.filter(|r| !r.is_empty()))
        }
        Err(err) => {
            tracing::warn!(error = %err, "Redis refused the callback claim: handled without de-duplication");
            Claim::Unavailable
        }
    }
}

/// Keeps the reply for duplicates of this delivery.
pub async fn remember(state: &AppState, key: &str, reply_xml: &str) {
    if let Ok(mut conn) = state.redis.get().await {
        let stored: Result<(), _> = redis::cmd("SET")
            .arg(redis_key(state, key))
            .arg(reply_xml)
            .arg("XX")
            .arg("EX")
            .arg(keep_secs(state))
            .query_async(&mut conn)
            .await;
        if let Err(err) = stored {
            tracing::warn!(error = %err, "could not remember a callback reply");
        }
    }
}

/// Gives a claim back after its effect failed or overran, so a retry runs the effect again.
pub async fn release(state: &AppState, key: &str) {
    let released: Result<(), String> = match state.redis.get().await {
        Ok(mut conn) => conn.del::<_, ()>(redis_key(state, key)).await.map_err(|e| e.to_string()),
        Err(err) => Err(err.to_string()),
    };
    if let Err(err) = released {
        tracing::warn!(error = %err, wechat.dedup = %key, "could not release a callback claim: retries will be answered `success`");
    }
}
