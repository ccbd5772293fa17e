//! The API's configuration: the shared settings plus what only the HTTP server needs.

use std::net::SocketAddr;
use std::time::Duration;

use yizhan_common::config::{load_dotenv, ConfigError, CoreConfig, EnvReader};
use yizhan_common::queue::QueueSettings;
use yizhan_common::ratelimit::RateLimitConfig;
use yizhan_common::subscribe::TemplateConfig;
use yizhan_common::wechat::callback::CallbackCodec;
use yizhan_common::wechat::client::WechatConfig;

use crate::extract::TrustedProxies;

/// The login limits besides `LOGIN_MAX_FAILURES` (see `throttle.rs` and the README), and how long
/// a console sign-in lasts.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// `LOGIN_IP_MAX_FAILURES`: failed logins from one client address, any username (default 20).
    pub ip_max_failures: u32,
    /// `LOGIN_USER_MAX_FAILURES`: failed logins for one username, any address (default 100).
    pub user_max_failures: u32,
    /// `CODE2TOKEN_PER_IP_PER_MIN`: `POST /auth/wechat-code2token/` per client address and
    /// process (default 10, a burst of as many).
    pub code2token_per_ip_per_min: u32,
    /// `CONSOLE_SESSION_HOURS`: how long a sign-in to the admin console lasts (default 12).
    pub console_session_ttl: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { ip_max_failures: 20, user_max_failures: 100, code2token_per_ip_per_min: 10, console_session_ttl: Duration::from_secs(12 * 3600) }
    }
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub core: CoreConfig,
    /// `API_ADDR`: where the HTTP server listens (default `127.0.0.1:8080`; port 0 picks one).
    pub addr: SocketAddr,
    /// `API_BODY_LIMIT_BYTES`: largest request body accepted (default 1 MiB).
    pub body_limit_bytes: usize,
    /// `TOKEN_TTL_HOURS`: how long an API token stays valid (default 720, thirty days).
    pub token_ttl: Duration,
    /// `LOGIN_MAX_FAILURES`: failed logins for one username before it is throttled (default 5).
    pub login_max_failures: u32,
    /// `LOGIN_FAILURE_WINDOW_SECS`: how long failures count and a throttle lasts (default 900).
    pub login_failure_window: Duration,
    /// `LOGIN_IP_MAX_FAILURES`, `LOGIN_USER_MAX_FAILURES`, `CODE2TOKEN_PER_IP_PER_MIN`,
    /// `CONSOLE_SESSION_HOURS`.
    pub login_limits: LoginLimits,
    /// `API_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed (default none).
    pub trusted_proxies: TrustedProxies,
    /// `SUBSCRIBE_TEMPLATE_<KIND>`, `SUBSCRIBE_FIELDS_<KIND>`, `SUBSCRIBE_PAGE`: subscribe-message
    /// templates per message kind (see the README).
    pub templates: TemplateConfig,
    /// The Official Account callback (`WECHAT_MP_TOKEN`, optional `WECHAT_MP_AES_KEY` for safe
    /// mode, `WECHAT_MP_APPID`); `None` turns `/api/nurses/msg/wx/callback` off (503).
    pub wechat_callback: Option<CallbackCodec>,
    /// `WECHAT_*`: the WeChat API and apps, for the calls the API makes itself (code login).
    pub wechat: Option<WechatConfig>,
    /// `RATE_LIMITS`, `RATE_LIMIT_MARGIN_MS`: global limits on the WeChat calls the API makes itself.
    pub rate_limits: RateLimitConfig,
    /// `QRCODE_WAIT_MS`: how long `POST …/wx/qrcode` waits for the code before answering 202 (default 5000).
    pub qrcode_wait: Duration,
    /// `QRCODE_RECLAIM_SECS`: a code `pending` this long gets a new creation job on the next POST (default 120).
    pub qrcode_reclaim_after: Duration,
    /// `WAITLIST_MAX_PER_USER`: waitlist entries one account may have waiting at once (default 10).
    pub waitlist_max_per_user: i64,
    /// `RESERVATION_WAIT_MS`: how long `POST /reservations/` waits for the decision before
    /// answering 202 with the request's status URL (default 5000, at most 30000).
    pub reservation_wait: Duration,
    /// `ROOM_SLOT_GRID_MINUTES`: where free slots of a length may start (default 15; divides a day).
    pub room_slot_grid: Duration,
    /// `QUEUE_*`: how pushed jobs are de-duplicated (see the README).
    pub queue: QueueSettings,
    /// `STORAGE_*`: object storage for `/api/files` (unset: 503).
    pub storage: Option<yizhan_common::storage::StorageConfig>,
    /// `CHECKIN_TOKEN_KEYS` (a secret, never logged) and `CHECKIN_TOKEN_KID`: the keys of the
    /// rotating check-in codes. Unset: the development key under `YIZHAN_ENV=development|test`,
    /// otherwise `None` and the check-in routes answer 503 `checkin_not_configured`.
    pub checkin_keys: Option<yizhan_common::college::activities::checkin_token::CheckinKeys>,
    /// `KOALA_*`: the staff lookups and visit purposes of seed 003 (unset: those routes answer 503).
    pub koala: Option<yizhan_common::koala::KoalaConfig>,
    /// `VISIT_*`: seed 003's applications, binding codes and notices.
    pub visitors: yizhan_common::visitor::VisitorConfig,
    /// Seed 004's settings (`NOTICE_*`).
    pub notices: yizhan_common::notices::NoticesConfig,
}

impl ApiConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv();
        let mut env = EnvReader::new();
        let core = CoreConfig::read(&mut env);
        let addr = env.optional("API_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)));
        let body_limit_bytes = env.optional("API_BODY_LIMIT_BYTES", 1_048_576usize);
        let token_ttl_hours = env.optional("TOKEN_TTL_HOURS", 720u64);
        let login_max_failures = env.optional("LOGIN_MAX_FAILURES", 5u32);
        let window_secs = env.optional("LOGIN_FAILURE_WINDOW_SECS", 900u64);
        let defaults = LoginLimits::default();
        let login_limits = LoginLimits {
            ip_max_failures: env.optional("LOGIN_IP_MAX_FAILURES", defaults.ip_max_failures).max(1),
            user_max_failures: env.optional("LOGIN_USER_MAX_FAILURES", defaults.user_max_failures).max(1),
            code2token_per_ip_per_min: env.optional("CODE2TOKEN_PER_IP_PER_MIN", defaults.code2token_per_ip_per_min).max(1),
            console_session_ttl: Duration::from_secs(env.optional("CONSOLE_SESSION_HOURS", 12u64).clamp(1, 24 * 30) * 3600),
        };
        let trusted_proxies = env.optional("API_TRUSTED_PROXIES", TrustedProxies::default());
        let templates = TemplateConfig::read(&mut env);
        let wechat = WechatConfig::read(&mut env);
        let queue = QueueSettings::read(&mut env);
        let qrcode_wait_ms = env.optional("QRCODE_WAIT_MS", 5_000u64);
        let qrcode_reclaim_secs = env.optional("QRCODE_RECLAIM_SECS", 120u64);
        let rate_limits = RateLimitConfig::read(&mut env);
        let reservation_wait_ms = env.optional("RESERVATION_WAIT_MS", 5_000u64);
        let slot_grid_minutes = env.optional("ROOM_SLOT_GRID_MINUTES", 15u64);
        if slot_grid_minutes == 0 || 1440 % slot_grid_minutes != 0 {
            env.invalid("ROOM_SLOT_GRID_MINUTES", "must divide a day (1440 minutes), e.g. 5, 10, 15, 30 or 60");
        }
        let waitlist_max_per_user = env.optional("WAITLIST_MAX_PER_USER", 10i64);
        let storage = yizhan_common::storage::StorageConfig::read(&mut env);
        let checkin_keys = yizhan_common::college::activities::checkin_token::CheckinKeys::read(&mut env);
        let koala = yizhan_common::koala::KoalaConfig::read(&mut env);
        let visitors = yizhan_common::visitor::VisitorConfig::read(&mut env);
        let notices = yizhan_common::notices::NoticesConfig::read(&mut env);
        if waitlist_max_per_user < 1 {
            env.invalid("WAITLIST_MAX_PER_USER", "must be at least 1");
        }
        if token_ttl_hours == 0 {
            env.invalid("TOKEN_TTL_HOURS", "must be at least 1");
        }
        if body_limit_bytes < 1024 {
            env.invalid("API_BODY_LIMIT_BYTES", "must be at least 1024");
        }
        env.finish(|| {
            Some(Self {
                core: core?,
                addr,
                body_limit_bytes,
                token_ttl: Duration::from_secs(token_ttl_hours * 3600),
                login_max_failures: login_max_failures.max(1),
                login_failure_window: Duration::from_secs(window_secs.max(1)),
                login_limits,
                trusted_proxies,
                templates,
                wechat_callback: wechat.as_ref().and_then(|w| w.callback_codec()),
                wechat,
                queue,
                qrcode_wait: Duration::from_millis(qrcode_wait_ms.min(30_000)),
                qrcode_reclaim_after: Duration::from_secs(qrcode_reclaim_secs.max(1)),
                rate_limits,
                reservation_wait: Duration::from_millis(reservation_wait_ms.min(30_000)),
                room_slot_grid: Duration::from_secs(slot_grid_minutes * 60),
                waitlist_max_per_user,
                storage,
                checkin_keys,
                koala,
                visitors,
                notices,
            })
        })
    }
}
