//! The one state value every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;
use yizhan_common::jobs::JobSink;
use yizhan_common::queue::LazyQueue;
use yizhan_common::redis_conn::{LazyRedis, RedisTimeouts};

use yizhan_common::ratelimit::{Acquired, RateLimiter};
use yizhan_common::storage::Storage;
use yizhan_common::time::{Clock, SystemClock};
use yizhan_common::wechat::client::WechatClient;

use crate::config::ApiConfig;
use crate::error::ApiError;
use crate::ip_limiter::IpLimiter;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState(Arc<App>);

pub struct App {
    pub config: ApiConfig,
    pub db: PgPool,
    pub redis: Arc<LazyRedis>,
    /// Where committed outbox rows are pushed at once (`Enqueued::commit`; the relay pushes what
    /// this could not).
    pub sink: Arc<dyn JobSink>,
    /// Pushes committed rows in batches off the request's path (`Enqueued::commit`).
    pub pusher: yizhan_common::outbox::Pusher,
    wechat: tokio::sync::OnceCell<WechatClient>,
    limiter: tokio::sync::OnceCell<RateLimiter>,
    storage: tokio::sync::OnceCell<Storage>,
    koala: std::sync::OnceLock<yizhan_common::koala::KoalaClient>,
    /// `CODE2TOKEN_PER_IP_PER_MIN`: code logins per client address, checked before anything else.
    pub code_logins: IpLimiter,
    /// Now, for the booking rules (sessions that ended, the 20:00 reminder planning); the wall
    /// clock unless a test injects another.
    pub clock: Arc<dyn Clock>,
    /// Requests waiting for a job's effect (a reservation's decision).
    pub awaiting: crate::awaiting::Awaiting,
    /// Token → user for a short while (`users::TokenCache`); a handler that changes a token or
    /// a user calls `tokens.forget_all()` after its commit.
    pub tokens: yizhan_common::users::TokenCache,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).finish_non_exhaustive()
    }
}

impl AppState {
    /// What a reservation's notices can go through (the Mini Program's subscribe messages when it
    /// is configured, else e-mail).
    pub fn reservation_channels(&self) -> yizhan_common::college::reservations::notice::Channels<'_> {
        let mini_appid = self.config.wechat.as_ref().and_then(|w| w.mini.as_ref()).map(|m| m.appid.as_str());
        yizhan_common::college::reservations::notice::Channels { templates: &self.config.templates, mini_appid }
    }

    pub fn new(config: ApiConfig, db: PgPool) -> Self {
        Self::with_clock(config, db, Arc::new(SystemClock))
    }

    /// The state with another notion of now (tests stand at 20:00 whatever the hour).
    pub fn with_clock(config: ApiConfig, db: PgPool, clock: Arc<dyn Clock>) -> Self {
        let redis = Arc::new(
            LazyRedis::new(config.core.redis_url.clone(), RedisTimeouts::default()).with_durability(config.core.redis_durability.clone()),
        );
        let sink = Arc::new(LazyQueue::new(redis.clone(), config.core.redis_prefix.clone(), config.queue.clone()));
        let code_logins = IpLimiter::new(config.login_limits.code2token_per_ip_per_min);
        let pusher = yizhan_common::outbox::Pusher::new(db.clone(), sink.clone());
        Self(Arc::new(App {
            config,
            db,
            redis,
            sink,
            pusher,
            wechat: tokio::sync::OnceCell::new(),
            limiter: tokio::sync::OnceCell::new(),
            storage: tokio::sync::OnceCell::new(),
            koala: std::sync::OnceLock::new(),
            code_logins,
            clock,
            awaiting: crate::awaiting::Awaiting::default(),
            tokens: yizhan_common::users::TokenCache::default(),
        }))
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The service time zone's wall-clock date and time now, by the state's clock.
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        self.clock.local_now()
    }

    /// The check-in code keys; 503 `checkin_not_configured` without them.
    pub fn checkin_keys(&self) -> Result<&yizhan_common::college::activities::checkin_token::CheckinKeys, ApiError> {
        self.config.checkin_keys.as_ref().ok_or_else(|| {
            ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "checkin_not_configured", "check-in codes are off: CHECKIN_TOKEN_KEYS is not set")
        })
    }

    /// The WeChat client (built on first use over the shared Redis connection).
    pub async fn wechat(&self) -> Result<WechatClient, ApiError> {
        let Some(config) = self.config.wechat.as_ref().filter(|c| c.mini.is_some() || c.mp.is_some()) else {
            return Err(ApiError::unavailable("WeChat is not configured"));
        };
        let client = self
            .wechat
            .get_or_try_init(|| async {
                let conn = self.redis.get().await.map_err(|e| ApiError::unavailable(format!("redis: {e}")))?;
                WechatClient::new(config, conn, &self.config.core.redis_prefix).map_err(ApiError::internal)
            })
            .await?;
        Ok(client.clone())
    }

    /// Object storage (built on first use; 503 when `STORAGE_URL` is unset).
    pub async fn storage(&self) -> Result<Storage, ApiError> {
        let Some(config) = self.config.storage.as_ref() else {
            return Err(ApiError::unavailable("object storage is not configured"));
        };
        let storage = self.storage.get_or_try_init(|| async { Storage::new(config.clone()).map_err(ApiError::internal) }).await?;
        Ok(storage.clone())
    }

    /// The Koala client (built on first use; 503 when `KOALA_*` is unset). Its session and purpose
    /// cache are shared by every request of this process.
    pub fn koala(&self) -> Result<yizhan_common::koala::KoalaClient, ApiError> {
        let Some(config) = self.config.koala.as_ref() else {
            return Err(ApiError::unavailable("Koala is not configured"));
        };
        if let Some(client) = self.koala.get() {
            return Ok(client.clone());
        }
        let client = yizhan_common::koala::KoalaClient::new(config.clone()).map_err(ApiError::internal)?;
        Ok(self.koala.get_or_init(|| client).clone())
    }

    /// What seed 003's notices go through.
    pub fn visit_channels(&self) -> yizhan_common::visitor::Channels<'_> {
        let mp_appid = self.config.wechat.as_ref().and_then(|w| w.mp.as_ref()).map(|m| m.appid.as_str());
        yizhan_common::visitor::Channels { config: &self.config.visitors, mp_appid, tz: self.config.core.service_tz }
    }

    /// Waits up to `max_wait` for the global rate limit of `op`; 429 when it does not come.
    pub async fn rate_limit(&self, op: &str, max_wait: std::time::Duration) -> Result<(), ApiError> {
        let limiter = self
            .limiter
            .get_or_try_init(|| async {
                let conn = self.redis.get().await.map_err(|e| ApiError::unavailable(format!("redis: {e}")))?;
                Ok::<_, ApiError>(RateLimiter::new(conn, &self.config.core.redis_prefix, self.config.rate_limits.clone()))
            })
            .await?;
        match limiter.acquire_within(op, max_wait).await.map_err(|e| ApiError::unavailable(e.to_string()))? {
            Acquired::Permit(_) => Ok(()),
            Acquired::RetryAt(r) => Err(ApiError::too_many_requests("too many requests right now; try again shortly", r.wait.as_secs() + 1)),
        }
    }

    /// A Redis key under this deployment's prefix.
    pub fn redis_key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.config.core.redis_prefix)
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}
