//! What a handler gets to do its work: shared services plus facts about the current run.

use std::ops::Deref;
use std::sync::Arc;

use redis::aio::ConnectionManager;
use sqlx::PgPool;

use super::QueueName;
use crate::subscribe::TemplateConfig;
use crate::wechat::client::WechatClient;

/// Services shared by every job a process runs; built once at start-up. New clients (WeChat,
/// SMS, mail, storage, rate limiters) are added here as fields.
#[derive(Debug)]
#[non_exhaustive]
pub struct JobServices {
    pub db: PgPool,
    pub redis: ConnectionManager,
    /// Prefix of every Redis key this deployment writes (`REDIS_PREFIX`).
    pub redis_prefix: String,
    /// The WeChat client, when an app is configured (jobs that need it fail permanently otherwise).
    pub wechat: Option<WechatClient>,
    /// Subscribe-message templates and keyword mappings.
    pub templates: TemplateConfig,
}

impl JobServices {
    pub fn new(db: PgPool, redis: ConnectionManager, redis_prefix: impl Into<String>) -> Self {
        Self { db, redis, redis_prefix: redis_prefix.into(), wechat: None, templates: TemplateConfig::defaults() }
    }

    pub fn with_wechat(mut self, client: Option<WechatClient>) -> Self {
        self.wechat = client;
        self
    }

    pub fn with_templates(mut self, templates: TemplateConfig) -> Self {
        self.templates = templates;
        self
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
