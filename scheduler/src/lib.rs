//! The Yizhan scheduler: fires cron schedules (in the service time zone) through the outbox,
//! catches up a firing missed during a short outage, and runs periodic upkeep (outbox relay
//! sweep, queue clean-up). It ticks only while it holds the `scheduler` lease, but correctness
//! never depends on that: each firing is claimed once in PostgreSQL (schedule name + fire time).
//! `main.rs` only reads the configuration and calls [`build`] and [`App::run_until_stopped`].

pub mod chores;
pub mod clock;
pub mod config;
mod connect;
pub mod enqueue;
pub mod plan;
pub mod registry;
pub mod store;
pub mod ticker;

use std::future::Future;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinSet;
use yizhan_common::jobs::JobSink;
use yizhan_common::lease::Lease;
use yizhan_common::outbox::JobLedger;
use yizhan_common::queue::LazyQueue;
use yizhan_common::redis_conn::LazyRedis;
use yizhan_common::metrics::{self as yz_metrics, MetricsServer};
use yizhan_common::{db, redis_conn, shutdown};

pub use chores::Chore;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::SchedulerConfig;
pub use ticker::{Outcome, Scheduler};

/// The name of the leader lease in Redis (`<REDIS_PREFIX>:lease:scheduler`).
pub const LEADER_LEASE: &str = "scheduler";

/// A scheduler process ready to run.
pub struct App {
    pub config: SchedulerConfig,
    pub pool: PgPool,
    scheduler: Arc<Scheduler>,
    chores: Vec<Arc<dyn Chore>>,
    metrics: Option<MetricsServer>,
}

/// What tests and tools may plug in: another sink than the Redis queues, more upkeep.
#[derive(Default)]
pub struct Plugins {
    /// Where firings and the relay sweep push jobs (default: the deployment's Redis queues).
    pub sink: Option<Arc<dyn JobSink>>,
    /// Where the reconciliation sweep asks what became of pushed jobs (default: the Redis queues
    /// when `sink` is the default; with another sink and no ledger, no reconciliation runs).
    pub ledger: Option<Arc<dyn JobLedger>>,
    pub chores: Vec<Arc<dyn Chore>>,
}

/// Builds the pool (lazy), the schedules and the metrics listener. Nothing here needs PostgreSQL
/// or Redis to be up: the process starts, and connects when they answer.
pub async fn build(config: SchedulerConfig, plugins: Plugins) -> anyhow::Result<App> {
    yizhan_common::time::set_service_tz(config.core.service_tz);
    let pool = db::pool(&config.core)?;
    let schedules = registry::registry(&config.heartbeat_cron)?;
    let mut scheduler = Scheduler::new(pool.clone(), schedules, config.core.service_tz, config.catchup, Arc::new(SystemClock));
    let mut chores: Vec<Arc<dyn Chore>> = vec![
        Arc::new(chores::PruneFirings {
            pool: pool.clone(),
            retention: chrono::Duration::from_std(config.firings_retention)?,
        }),
        Arc::new(chores::PruneLocations { pool: pool.clone() }),
        Arc::new(chores::OutboxLag { pool: pool.clone() }),
        Arc::new(chores::PruneOutbox { pool: pool.clone(), keep: config.outbox_retention }),
    ];
    let queue = LazyQueue::new(
        Arc::new(
            LazyRedis::new(config.core.redis_url.clone(), redis_conn::RedisTimeouts::default())
                .with_durability(config.core.redis_durability.clone()),
        ),
        config.core.redis_prefix.clone(),
        config.queue.clone(),
    );
    chores.push(Arc::new(chores::CleanQueues {
        queue: queue.clone(),
        done_keep: config.done_retention,
        dead_keep: config.dead_retention,
    }));
    let ledger: Option<Arc<dyn JobLedger>> = match (&plugins.sink, plugins.ledger) {
        (_, Some(ledger)) => Some(ledger),
        (None, None) => Some(Arc::new(queue.clone())),
        (Some(_), None) => None,
    };
    let sink: Arc<dyn JobSink> = plugins.sink.unwrap_or_else(|| Arc::new(queue));
    if let Some(ledger) = ledger {
        chores.push(Arc::new(chores::Reconcile {
            pool: pool.clone(),
            sink: sink.clone(),
            ledger,
            batch: config.relay_batch,
            every: config.reconcile_every,
            cursor: std::sync::atomic::AtomicI64::new(0),
        }));
    }
    scheduler = scheduler.with_sink(sink.clone());
    chores.push(Arc::new(chores::RelaySweep {
        pool: pool.clone(),
        sink,
        batch: config.relay_batch,
        every: config.relay_every,
    }));
    chores.extend(plugins.chores);
    let metrics = match config.metrics_addr {
        Some(addr) => {
            let handle = yz_metrics::install()?;
            Some(MetricsServer::bind(addr, handle).await?)
        }
        None => None,
    };
    Ok(App { config, pool, scheduler: Arc::new(scheduler), chores, metrics })
}

impl App {
    /// Where metrics are served, if anywhere.
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.metrics.as_ref().map(|m| m.addr)
    }

    /// Runs until `stop` resolves: standby until it holds the leader lease, then ticks and runs
    /// the chores; on stop, finishes the current tick and releases the lease.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            stop.await;
            let _ = stop_tx.send(true);
        });
        if let Some(server) = self.metrics {
            let handle = yz_metrics::install()?;
            yz_metrics::spawn_upkeep(handle);
            let mut rx = stop_rx.clone();
            tokio::spawn(server.run_until(async move {
                let _ = rx.wait_for(|s| *s).await;
            }));
        }
        let mut waiting = stop_rx.clone();
        let Some(mut redis) = connect::redis_until_stopped(&self.config.core.redis_url, &mut waiting).await else {
            return Ok(());
        };
        yizhan_common::redis_durability::check(&mut redis, &self.config.core.redis_durability).await?;
        let lease = Lease::new(redis, &self.config.core.redis_prefix, LEADER_LEASE, self.config.lease);
        let (scheduler, chores, tick) = (self.scheduler, self.chores, self.config.tick);
        tracing::info!(lease.name = LEADER_LEASE, "scheduler waiting for the leader lease");
        lease
            .run_while_held(stop_rx.clone(), |held| {
                tracing::info!(lease.token = %held.token, "scheduler is the leader");
                let (scheduler, chores, stop) = (scheduler.clone(), chores.clone(), stop_rx.clone());
                async move {
                    let mut upkeep = JoinSet::new();
                    for chore in chores {
                        upkeep.spawn(chores::run_chore(chore, stop.clone()));
                    }
                    scheduler.run(stop, tick).await;
                    while upkeep.join_next().await.is_some() {}
                }
            })
            .await;
        Ok(())
    }

    /// Runs until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!("scheduler started");
        self.run_until(shutdown::signal()).await?;
        tracing::info!("scheduler stopped");
        Ok(())
    }
}
