//! The scheduler's configuration: the shared settings plus its own.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use yizhan_common::config::{load_dotenv, ConfigError, CoreConfig, EnvReader};
use yizhan_common::lease::LeaseConfig;
use yizhan_common::metrics::server::read_addr;
use yizhan_common::queue::QueueSettings;

use crate::registry::HEARTBEAT_CRON;

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub core: CoreConfig,
    /// `SCHEDULER_CATCHUP_SECS`: a firing missed while the scheduler was down still fires (once)
    /// if the scheduler is back within this many seconds of its fire time (default 3600).
    pub catchup: Duration,
    /// `SCHEDULER_TICK_MS`: the longest the scheduler sleeps between looks at the schedules; it
    /// also wakes at every fire time (default 1000).
    pub tick: Duration,
    /// `SCHEDULER_METRICS_ADDR`: where `GET /metrics` is served (unset: no metrics server;
    /// port 0 picks a free port, logged at start).
    pub metrics_addr: Option<SocketAddr>,
    /// `SCHEDULER_RELAY_INTERVAL_MS`: how often the outbox relay sweep runs (default 2000).
    pub relay_every: Duration,
    /// `SCHEDULER_RECONCILE_INTERVAL_MS`: how often pushed outbox rows are checked against Redis
    /// (settled when their job is done or dead, pushed again when Redis lost it; default 5000).
    pub reconcile_every: Duration,
    /// `SCHEDULER_RELAY_BATCH`: most outbox rows one sweep pushes (default 1000).
    pub relay_batch: i64,
    /// `SCHEDULER_FIRINGS_RETENTION_DAYS`: how long firing records are kept (default 30).
    pub firings_retention: Duration,
    /// `SCHEDULER_OUTBOX_RETENTION_HOURS`: how long settled outbox rows (their job done or dead)
    /// are kept (default 72); open rows are kept until settled.
    pub outbox_retention: Duration,
    /// `SCHEDULER_DONE_RETENTION_HOURS`: how long finished jobs' data stays in Redis (default 24).
    pub done_retention: Duration,
    /// `SCHEDULER_DEAD_RETENTION_DAYS`: how long dead jobs stay for operators to inspect and
    /// retry (default 30; 0 keeps them until retried).
    pub dead_retention: Option<Duration>,
    /// `QUEUE_DEDUP_TTL_HOURS` and the other queue settings (see `QueueSettings`).
    pub queue: QueueSettings,
    /// `SCHEDULER_HEARTBEAT_CRON`: when the no-op `heartbeat` schedule fires (default every five
    /// minutes, `0 */5 * * * *`; drills and tests use `* * * * * *`).
    pub heartbeat_cron: String,
    /// `LEASE_TTL_MS`, `LEASE_RETRY_MS`: timings of the scheduler-leader lease.
    pub lease: LeaseConfig,
}

impl SchedulerConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv();
        let mut env = EnvReader::new();
        let core = CoreConfig::read(&mut env);
        let catchup_secs = env.optional("SCHEDULER_CATCHUP_SECS", 3600u64);
        let tick_ms = env.optional("SCHEDULER_TICK_MS", 1000u64);
        let metrics_addr = read_addr(&mut env, "SCHEDULER_METRICS_ADDR");
        let relay_ms = env.optional("SCHEDULER_RELAY_INTERVAL_MS", 2000u64);
        let reconcile_ms = env.optional("SCHEDULER_RECONCILE_INTERVAL_MS", 5000u64);
        let relay_batch = env.optional("SCHEDULER_RELAY_BATCH", 1000i64);
        let retention_days = env.optional("SCHEDULER_FIRINGS_RETENTION_DAYS", 30u64);
        let outbox_hours = env.optional("SCHEDULER_OUTBOX_RETENTION_HOURS", 72u64);
        let done_hours = env.optional("SCHEDULER_DONE_RETENTION_HOURS", 24u64);
        let dead_days = env.optional("SCHEDULER_DEAD_RETENTION_DAYS", 30u64);
        let queue = QueueSettings::read(&mut env);
        let heartbeat_cron = env.optional("SCHEDULER_HEARTBEAT_CRON", String::from(HEARTBEAT_CRON));
        if let Err(err) = cron::Schedule::from_str(&heartbeat_cron) {
            env.invalid("SCHEDULER_HEARTBEAT_CRON", err);
        }
        let lease = LeaseConfig::read(&mut env);
        if tick_ms == 0 {
            env.invalid("SCHEDULER_TICK_MS", "must be at least 1");
        }
        if relay_ms == 0 {
            env.invalid("SCHEDULER_RELAY_INTERVAL_MS", "must be at least 1");
        }
        if reconcile_ms == 0 {
            env.invalid("SCHEDULER_RECONCILE_INTERVAL_MS", "must be at least 1");
        }
        if relay_batch < 1 {
            env.invalid("SCHEDULER_RELAY_BATCH", "must be at least 1");
        }
        env.finish(|| {
            Some(Self {
                core: core?,
                catchup: Duration::from_secs(catchup_secs),
                tick: Duration::from_millis(tick_ms),
                metrics_addr,
                relay_every: Duration::from_millis(relay_ms),
                reconcile_every: Duration::from_millis(reconcile_ms),
                relay_batch,
                firings_retention: Duration::from_secs(retention_days.max(1) * 86_400),
                outbox_retention: Duration::from_secs(outbox_hours.max(1) * 3600),
                done_retention: Duration::from_secs(done_hours * 3600),
                dead_retention: (dead_days > 0).then(|| Duration::from_secs(dead_days * 86_400)),
                queue,
                heartbeat_cron,
                lease,
            })
        })
    }
}
