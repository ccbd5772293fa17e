//! The access-token cache every process shares: one Redis key per appid.
//!
//! - The key's TTL is `expires_in − 300 s`: stable_token (normal mode) hands out a new token only in
//!   the last five minutes of the old one, and both stay valid then, so a miss at that moment
//!   refreshes ahead of the real expiry.
//! - A miss is filled under a lock (`SET NX PX`): one process fetches, the others poll the key.
//! - A token WeChat refuses is deleted only if the cache still holds that very token
//!   (compare-and-delete), so a late failure never throws away a newer token.
//! - Each fetch is recorded for operators in a hash beside the key (when it last succeeded, its
//!   lifetime, the last failure and when): best effort, never failing the fetch, never the token.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::RngCore;
use crate::redis_conn::RedisConn;
use redis::Script;

use super::WechatError;

/// Tokens are cached for `expires_in` minus this margin.
pub const EXPIRY_MARGIN_SECS: u64 = 300;
const POLL: Duration = Duration::from_millis(50);

const COMPARE_AND_DELETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// A fetched token and its lifetime in seconds.
#[derive(Debug, Clone)]
pub struct FetchedToken {
    pub access_token: String,
    pub expires_in: u64,
}

/// What the cache holds for one appid, for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenState {
    /// How long the cached token stays cached; `None` when none is.
    pub expires_in: Option<Duration>,
    /// A process is fetching a new token now.
    pub fetching: bool,
    /// When a fetch last succeeded (the token's age), if one was recorded.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// The last failed fetch: when, and WeChat's or the transport's error (never a secret).
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// The shared cache (cheap to clone).
#[derive(Clone)]
pub struct TokenCache {
    redis: RedisConn,
    prefix: String,
    /// What is cached: `token` (access tokens) or another credential fetched the same way
    /// (`jsapi-ticket`); it names the keys.
    family: &'static str,
    /// How long the fetch lock lives (longer than one fetch can take).
    lock_ttl: Duration,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// How long a fetched token stays in the cache.
pub fn cache_ttl(expires_in: u64) -> Duration {
    let secs = expires_in.saturating_sub(EXPIRY_MARGIN_SECS).max(expires_in / 2).max(1);
    Duration::from_secs(secs)
}

impl TokenCache {
    pub fn new(redis: RedisConn, prefix: &str, lock_ttl: Duration) -> Self {
        Self { redis, prefix: prefix.to_owned(), family: "token", lock_ttl }
    }

    /// The same cache for another credential of the app (keys `…:wechat:<family>:<appid>`).
    pub fn of_family(&self, family: &'static str) -> Self {
        Self { family, ..self.clone() }
    }

    pub fn key(&self, appid: &str) -> String {
        format!("{}:wechat:{}:{appid}", self.prefix, self.family)
    }

    fn lock_key(&self, appid: &str) -> String {
        format!("{}:wechat:{}-lock:{appid}", self.prefix, self.family)
    }

    /// The hash recording fetches: `refreshed_at_ms`, `expires_in_s`, `error_at_ms`, `error`.
    pub fn log_key(&self, appid: &str) -> String {
        format!("{}:wechat:{}-log:{appid}", self.prefix, self.family)
    }

    /// Records how a fetch ended; a Redis failure here is logged, never returned.
    async fn record(&self, appid: &str, fetched: Result<u64, &WechatError>) {
        let now_ms = Utc::now().timestamp_millis();
        let mut cmd = redis::cmd("HSET");
        cmd.arg(self.log_key(appid));
        match fetched {
            Ok(expires_in) => cmd.arg("refreshed_at_ms").arg(now_ms).arg("expires_in_s").arg(expires_in),
            Err(err) => cmd.arg("error_at_ms").arg(now_ms).arg("error").arg(err.to_string().chars().take(300).collect::<String>()),
        };
        let mut conn = self.redis.clone();
        if let Err(err) = cmd.query_async::<()>(&mut conn).await {
            tracing::warn!(wechat.appid = appid, error = %err, "could not record the token fetch");
        }
    }

    /// Whether a token is cached and for how long yet, and whether a fetch holds the lock now;
    /// never the token itself.
    pub async fn state(&self, appid: &str) -> Result<TokenState, WechatError> {
        let mut conn = self.redis.clone();
        let ttl_ms: i64 = redis::cmd("PTTL").arg(self.key(appid)).query_async(&mut conn).await?;
        let fetching: bool = redis::cmd("EXISTS").arg(self.lock_key(appid)).query_async(&mut conn).await?;
        let (refreshed, error_at, error): (Option<i64>, Option<i64>, Option<String>) =
            redis::cmd("HMGET").arg(self.log_key(appid)).arg("refreshed_at_ms").arg("error_at_ms").arg("error").query_async(&mut conn).await?;
        let at = |ms: Option<i64>| ms.and_then(DateTime::from_timestamp_millis);
        Ok(TokenState {
            expires_in: u64::try_from(ttl_ms).ok().map(Duration::from_millis),
            fetching,
            refreshed_at: at(refreshed),
            last_error: at(error_at).zip(error),
        })
    }

    /// The cached token, if any.
    pub async fn cached(&self, appid: &str) -> Result<Option<String>, WechatError> {
        let mut conn = self.redis.clone();
        Ok(redis::cmd("GET").arg(self.key(appid)).query_async(&mut conn).await?)
    }

    /// The cached token, or one fetched by exactly one of the processes that miss at once.
    pub async fn get<F, Fut>(&self, appid: &str, fetch: F) -> Result<String, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<FetchedToken, WechatError>>,
    {
        let deadline = Instant::now() + self.lock_ttl + Duration::from_secs(1);
        loop {
            if let Some(token) = self.cached(appid).await? {
                return Ok(token);
            }
            if let Some(lock) = self.try_lock(appid).await? {
                let result = self.fill(appid, &fetch).await;
                self.unlock(appid, &lock).await;
                return result;
            }
            if Instant::now() >= deadline {
                return Err(WechatError::Cache("timed out waiting for another process's token fetch".into()));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn fill<F, Fut>(&self, appid: &str, fetch: &F) -> Result<String, WechatError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<FetchedToken, WechatError>>,
    {
        // Someone may have filled the key between our miss and our lock.
        if let Some(token) = self.cached(appid).await? {
            return Ok(token);
        }
        let fetched = match fetch().await {
            Ok(fetched) => fetched,
            Err(err) => {
                self.record(appid, Err(&err)).await;
                return Err(err);
            }
        };
        let ttl = cache_ttl(fetched.expires_in);
        let mut conn = self.redis.clone();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        redis::cmd("SET")
            .arg(self.key(appid))
            .arg(&fetched.access_token)
            .arg("PX")
            .arg(ttl_ms)
            .query_async::<()>(&mut conn)
            .await?;
        self.record(appid, Ok(fetched.expires_in)).await;
        tracing::info!(wechat.appid = appid, wechat.family = self.family, wechat.token_ttl_s = ttl.as_secs(), "fetched a WeChat credential");
        Ok(fetched.access_token)
    }

    async fn try_lock(&self, appid: &str) -> Result<Option<String>, WechatError> {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let value = hex::encode(bytes);
        let ttl_ms = u64::try_from(self.lock_ttl.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.redis.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.lock_key(appid))
            .arg(&value)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut conn)
            .await?;
        Ok(set.map(|_| value))
    }

    async fn unlock(&self, appid: &str, value: &str) {
        let mut conn = self.redis.clone();
        let released: Result<i64, _> =
            Script::new(COMPARE_AND_DELETE).key(self.lock_key(appid)).arg(value).invoke_async(&mut conn).await;
        if let Err(err) = released {
            tracing::warn!(wechat.appid = appid, error = %err, "could not release the token lock; it expires by itself");
        }
    }

    /// Deletes the cached token only if it is still `failed`; true when it was deleted.
    pub async fn invalidate(&self, appid: &str, failed: &str) -> Result<bool, WechatError> {
        let mut conn = self.redis.clone();
        let deleted: i64 =
            Script::new(COMPARE_AND_DELETE).key(self.key(appid)).arg(failed).invoke_async(&mut conn).await?;
        tracing::info!(wechat.appid = appid, wechat.token_deleted = deleted == 1, "WeChat refused an access token");
        Ok(deleted == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_leaves_the_refresh_margin() {
        assert_eq!(cache_ttl(7200), Duration::from_secs(6900));
        assert_eq!(cache_ttl(400), Duration::from_secs(200));
        assert_eq!(cache_ttl(0), Duration::from_secs(1));
    }
}
