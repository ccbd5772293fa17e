//! The worker's configuration: shared settings, queue settings, and which queues to work.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use yizhan_common::config::{load_dotenv, ConfigError, CoreConfig, EnvReader};
use yizhan_common::jobs::QueueName;
use yizhan_common::lease::LeaseConfig;
use yizhan_common::queue::QueueSettings;
use yizhan_common::ratelimit::RateLimitConfig;
use yizhan_common::subscribe::TemplateConfig;
use yizhan_common::wechat::client::WechatConfig;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub core: CoreConfig,
    pub queue: QueueSettings,
    /// `WORKER_QUEUES` (or `--queues`): queues and per-queue concurrency, e.g. `wechat=16,sms=4`;
    /// a queue without `=n` gets its default. Default: every queue with its default concurrency.
    pub queues: QueueList,
    /// `WORKER_SHUTDOWN_GRACE_SECS`: on SIGTERM/Ctrl-C, how long running jobs may finish before
    /// the rest are handed back to their queue (default 30).
    pub shutdown_grace: Duration,
    /// `WORKER_IDLE_POLL_MS`: how often an idle queue is asked for work (default 20); bounds the
    /// pickup latency of a new job.
    pub idle_poll: Duration,
    /// `WORKER_METRICS_ADDR`: where `GET /metrics` is served (unset: no metrics server; port 0
    /// picks a free port, logged at start).
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Unique per process: host, pid and a random suffix. Appears in every log line.
    pub name: String,
    /// `WECHAT_*`: the WeChat API and apps (see the README).
    pub wechat: WechatConfig,
    /// `SUBSCRIBE_*`: subscribe-message templates and keyword mappings.
    pub templates: TemplateConfig,
    /// `RATE_LIMITS`, `RATE_LIMIT_MARGIN_MS`: global limits per external operation.
    pub rate_limits: RateLimitConfig,
    /// `LEASE_*`: the lease that makes one worker in the deployment the consumer of `reservations`.
    pub lease: LeaseConfig,
    pub runtime: Runtime,
    /// `SMS_*`: Aliyun SMS (unset: `send_sms` jobs fail permanently).
    pub sms: Option<yizhan_common::sms::SmsConfig>,
    /// `SMTP_URL`, `MAIL_FROM`, …: outgoing mail (unset: `send_email` jobs fail permanently).
    pub mail: Option<yizhan_common::mail::MailConfig>,
    /// `KOALA_*`: Koala access control (unset: `create_koala_visitor` jobs fail permanently).
    pub koala: Option<yizhan_common::koala::KoalaConfig>,
    /// `STORAGE_*`: object storage (unset: `store_avatar` jobs fail permanently).
    pub storage: Option<yizhan_common::storage::StorageConfig>,
    /// `AVATAR_*`: how avatar images are fetched.
    pub avatars: yizhan_common::avatar::AvatarConfig,
}

/// Which loop drives the queues (`WORKER_RUNTIME`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Runtime {
    /// The engine's own fetch loop (`worker/src/pool.rs`).
    Direct,
    /// apalis 1.0's `Monitor` and workers over the engine's backend (`worker/src/apalis/`); the
    /// default.
    #[default]
    Apalis,
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "direct" => Ok(Self::Direct),
            "apalis" => Ok(Self::Apalis),
            other => Err(format!("must be `direct` or `apalis`, got `{other}`")),
        }
    }
}

impl WorkerConfig {
    /// Reads the environment; `queues` from the command line wins over `WORKER_QUEUES`.
    pub fn from_env(queues: Option<QueueList>) -> Result<Self, ConfigError> {
        load_dotenv();
        let mut env = EnvReader::new();
        let core = CoreConfig::read(&mut env);
        let queue = QueueSettings::read(&mut env);
        let from_env = env.optional("WORKER_QUEUES", QueueList::all());
        let wechat = WechatConfig::read(&mut env);
        let templates = TemplateConfig::read(&mut env);
        let rate_limits = RateLimitConfig::read(&mut env);
        let lease = LeaseConfig::read(&mut env);
        let sms = yizhan_common::sms::SmsConfig::read(&mut env);
        let mail = yizhan_common::mail::MailConfig::read(&mut env);
        let koala = yizhan_common::koala::KoalaConfig::read(&mut env);
        let storage = yizhan_common::storage::StorageConfig::read(&mut env);
        let avatars = yizhan_common::avatar::AvatarConfig::read(&mut env);
        let grace = env.optional("WORKER_SHUTDOWN_GRACE_SECS", 30u64);
        let idle_ms = env.optional("WORKER_IDLE_POLL_MS", 20u64);
        let runtime = env.optional("WORKER_RUNTIME", Runtime::default());
        let metrics_addr = yizhan_common::metrics::server::read_addr(&mut env, "WORKER_METRICS_ADDR");
        if !(1..=1000).contains(&idle_ms) {
            env.invalid("WORKER_IDLE_POLL_MS", "must be from 1 to 1000");
        }
        env.finish(|| {
            Some(Self {
                core: core?,
                queue,
                queues: queues.unwrap_or(from_env),
                shutdown_grace: Duration::from_secs(grace),
                idle_poll: Duration::from_millis(idle_ms),
                metrics_addr,
                name: worker_name(),
                wechat: wechat?,
                templates,
                rate_limits,
                lease,
                runtime,
                sms,
                mail,
                koala,
                storage,
                avatars,
            })
        })
    }
}

/// Which queues a process works, each with its concurrency (jobs at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueList(pub Vec<(QueueName, usize)>);

impl QueueList {
    /// Every queue with its default concurrency.
    pub fn all() -> Self {
        Self(QueueName::ALL.into_iter().map(|q| (q, default_concurrency(q))).collect())
    }
}

/// Jobs at once when not configured: room for slow HTTP calls on the busy external queues;
/// `reservations` runs one at a time.
pub fn default_concurrency(queue: QueueName) -> usize {
    match queue {
        QueueName::Wechat | QueueName::WechatLogin | QueueName::Default => 16,
        QueueName::Reservations => 1,
        QueueName::Sms | QueueName::Email | QueueName::Storage | QueueName::Koala => 4,
    }
}

impl FromStr for QueueList {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut list: Vec<(QueueName, usize)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, n) = match part.split_once('=') {
                Some((name, n)) => (name.trim(), Some(n.trim())),
                None => (part, None),
            };
            let queue: QueueName = name.parse()?;
            let concurrency = match n {
                Some(n) => n.parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
                    format!("concurrency of `{name}` must be a whole number from 1 to 10000, got `{n}`")
                })?,
                None => default_concurrency(queue),
            };
            if list.iter().any(|(q, _)| *q == queue) {
                return Err(format!("queue `{name}` is listed twice"));
            }
            list.push((queue, concurrency));
        }
        if list.is_empty() {
            return Err("name at least one queue".into());
        }
        Ok(Self(list))
    }
}

impl fmt::Display for QueueList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(q, n)| format!("{q}={n}")).collect();
        f.write_str(&parts.join(","))
    }
}

/// `host-pid-random`, unique per process even when a restarted process gets the same pid.
pub fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let suffix: u32 = rand::random();
    format!("{host}-{}-{suffix:08x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queue_lists() {
        let list: QueueList = "wechat=16, sms=4,default".parse().expect("valid");
        assert_eq!(list.0, vec![(QueueName::Wechat, 16), (QueueName::Sms, 4), (QueueName::Default, 16)]);
        assert_eq!(list.to_string(), "wechat=16,sms=4,default=16");
        for bad in ["", "nope=1", "sms=0", "sms=x", "sms,sms=2"] {
            assert!(bad.parse::<QueueList>().is_err(), "{bad:?}");
        }
        assert_eq!(QueueList::all().0.len(), QueueName::ALL.len());
    }

    #[test]
    fn names_are_unique() {
        assert_ne!(worker_name(), worker_name());
    }
}
