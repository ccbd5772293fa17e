//! What a handler gets to do its work: shared services plus facts about the current run.

use std::ops::Deref;
use std::sync::Arc;

use crate::redis_conn::RedisConn;
use sqlx::{PgPool, Postgres, Transaction};

use super::QueueName;
use crate::queue::{QueueSettings, RedisQueue};
use crate::ratelimit::{Acquired, RateLimiter};
use crate::subscribe::TemplateConfig;
use crate::wechat::client::WechatClient;

/// Services shared by every job a process runs; built once at start-up. New clients (WeChat,
/// SMS, mail, storage, rate limiters) are added here as fields.
#[derive(Debug)]
#[non_exhaustive]
pub struct JobServices {
    pub db: PgPool,
    pub redis: RedisConn,
    /// Prefix of every Redis key this deployment writes (`REDIS_PREFIX`).
    pub redis_prefix: String,
    /// The WeChat client, when an app is configured (jobs that need it fail permanently otherwise).
    pub wechat: Option<WechatClient>,
    /// Subscribe-message templates and keyword mappings.
    pub templates: TemplateConfig,
    /// How jobs pushed by jobs are de-duplicated.
    pub queue_settings: QueueSettings,
    /// Global rate limits per external operation (none: unlimited, e.g. in unit tests).
    pub rate_limiter: Option<RateLimiter>,
    /// Aliyun SMS, when configured (`send_sms` jobs fail permanently otherwise).
    pub sms: Option<crate::sms::SmsClient>,
    /// SMTP, when configured (`send_email` jobs fail permanently otherwise).
    pub mailer: Option<crate::mail::Mailer>,
    /// Koala, when configured (`create_koala_visitor` jobs fail permanently otherwise).
    pub koala: Option<crate::koala::KoalaClient>,
    /// Object storage, when configured (`store_avatar` jobs fail permanently otherwise).
    pub storage: Option<crate::storage::Storage>,
    /// The guarded avatar fetcher (`store_avatar`).
    pub avatars: Option<crate::avatar::AvatarFetcher>,
    /// The single subscribe send's statements, coalesced across the sends running at once.
    pub sends: crate::subscribe::SendStatements,
}

impl JobServices {
    pub fn new(db: PgPool, redis: RedisConn, redis_prefix: impl Into<String>) -> Self {
        let sends = crate::subscribe::SendStatements::new(db.clone());
        Self { db, redis, redis_prefix: redis_prefix.into(), wechat: None, templates: TemplateConfig::defaults(),
               queue_settings: QueueSettings::default(), rate_limiter: None, sms: None, mailer: None, koala: None,
               storage: None, avatars: None, sends }
    }

    pub fn with_wechat(mut self, client: Option<WechatClient>) -> Self {
        self.wechat = client;
        self
    }

    /// What a reservation's notices can go through in this process.
    pub fn reservation_channels(&self) -> crate::college::reservations::notice::Channels<'_> {
        let mini_appid = self.wechat.as_ref().and_then(|c| c.appid(crate::wechat::client::App::Mini));
        crate::college::reservations::notice::Channels { templates: &self.templates, mini_appid }
    }

    pub fn with_templates(mut self, templates: TemplateConfig) -> Self {
        self.templates = templates;
        self
    }

    pub fn with_queue_settings(mut self, settings: QueueSettings) -> Self {
        self.queue_settings = settings;
        self
    }

    pub fn with_rate_limiter(mut self, limiter: Option<RateLimiter>) -> Self {
        self.rate_limiter = limiter;
        self
    }

    pub fn with_sms(mut self, client: Option<crate::sms::SmsClient>) -> Self {
        self.sms = client;
        self
    }

    pub fn with_mailer(mut self, mailer: Option<crate::mail::Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    pub fn with_koala(mut self, client: Option<crate::koala::KoalaClient>) -> Self {
        self.koala = client;
        self
    }

    pub fn with_storage(mut self, storage: Option<crate::storage::Storage>, avatars: Option<crate::avatar::AvatarFetcher>) -> Self {
        self.storage = storage;
        self.avatars = avatars;
        self
    }

    /// Commits a job's transaction and pushes the outbox rows it wrote (failures to push are left
    /// to the relay sweep).
    pub async fn commit_and_push(&self, tx: Transaction<'_, Postgres>, outbox_ids: &[i64]) -> sqlx::Result<()> {
        crate::outbox::commit_and_push(tx, &self.db, &self.queue(), outbox_ids).await
    }

    /// Pushes the unpushed outbox rows whose ids are in `ids` (what a job committed over several
    /// transactions); failures are logged and left to the relay sweep. Returns how many it pushed.
    pub async fn push_range(&self, ids: std::ops::RangeInclusive<i64>) -> usize {
        crate::outbox::push_range(&self.db, &self.queue(), ids).await
    }

    fn queue(&self) -> RedisQueue {
        RedisQueue::new(self.redis.clone(), self.redis_prefix.clone(), self.queue_settings.clone())
    }

    /// Waits for the global rate limit of `op`: `Ok(None)` to go ahead, `Ok(Some(at))` when the job
    /// should run again at `at` (without spending an attempt).
    pub async fn rate_limit(&self, op: &str) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let Some(limiter) = &self.rate_limiter else { return Ok(None) };
        match limiter.acquire_within(op, std::time::Duration::from_millis(500)).await? {
            Acquired::Permit(_) => Ok(None),
            Acquired::RetryAt(r) => Ok(Some(r.at)),
        }
    }

    /// A Redis key under this deployment's prefix.
    pub fn redis_key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.redis_prefix)
    }
}

/// Facts about the run in progress.
#[derive(Debug, Clone)]
pub struct JobInfo {
    pub id: String,
    pub queue: QueueName,
    /// 1 for the first run; failures that spent an attempt before this run, plus one.
    pub attempt: u32,
    /// Times this job was handed out to a worker that then vanished (killed, stalled).
    pub redeliveries: u32,
    /// On a single-consumer queue: the lease this run holds and its fencing token.
    pub fence: Option<crate::lease::Fence>,
}

/// The context passed to [`super::Job::run`]: derefs to the shared [`JobServices`].
#[derive(Debug, Clone)]
pub struct JobContext {
    services: Arc<JobServices>,
    pub job: JobInfo,
}

impl JobContext {
    pub fn new(services: Arc<JobServices>, job: JobInfo) -> Self {
        Self { services, job }
    }
}

impl Deref for JobContext {
    type Target = JobServices;

    fn deref(&self) -> &JobServices {
        &self.services
    }
}
