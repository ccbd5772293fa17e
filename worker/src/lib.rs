//! The Yizhan worker process: works the configured queues until SIGTERM/Ctrl-C.
//!
//! Per queue, a pool leases as many jobs as it has free slots (one script call), runs each in its
//! own task (a panic or timeout fails that job only), acknowledges results in batches, beats its
//! heartbeat and renews the leases it holds until their acknowledgements land, and sweeps for jobs
//! of workers whose heartbeat stopped and for due scheduled jobs. An idle pool blocks on its
//! queue's wake list rather than polling.
//! On stop it fetches nothing more, lets running jobs finish for the grace period, then aborts the
//! rest and hands them back to the front of their queue. Redis errors are logged and retried with
//! backoff; they never end the process. `main.rs` only parses the command line.

mod acker;
pub mod apalis;
mod backoff;
pub mod drain;
pub mod config;
pub mod execute;
mod inflight;
mod maintenance;
mod pool;
mod single;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use yizhan_common::redis_conn::RedisConn;
use secrecy::ExposeSecret;
use tokio::sync::watch;
use yizhan_common::jobs::{registry, JobServices, QueueName, Registry};
use yizhan_common::lease::{Lease, LeaseConfig};
use yizhan_common::queue::RedisQueue;
use yizhan_common::redis_conn::{self, RedisTimeouts};
use yizhan_common::ratelimit::RateLimiter;
use yizhan_common::wechat::client::WechatClient;
use yizhan_common::{db, shutdown};

pub use config::{QueueList, Runtime, WorkerConfig};

use crate::backoff::Backoff;
use crate::pool::Pool;

/// A worker ready to run: the queue engine, the services handlers use, and which queues to work.
#[derive(Debug, Clone)]
pub struct Worker {
    pub queue: RedisQueue,
    pub services: Arc<JobServices>,
    pub registry: Arc<Registry>,
    pub queues: QueueList,
    pub idle_poll: Duration,
    pub shutdown_grace: Duration,
    pub name: String,
    /// Timings of the `reservations` queue's single-consumer lease.
    pub lease: LeaseConfig,
    /// The engine's own loop, or apalis' `Monitor` over the engine (`WORKER_RUNTIME`).
    pub runtime: Runtime,
}

impl Worker {
    /// Connects to the stores (waiting for Redis with backoff) and registers every job kind.
    /// Returns `None` if `stop` resolved while Redis was still unreachable.
    pub async fn connect(config: &WorkerConfig, stop: &mut (impl Future<Output = ()> + Unpin)) -> anyhow::Result<Option<Self>> {
        yizhan_common::time::set_service_tz(config.core.service_tz);
        let db = db::pool(&config.core)?;
        let Some(mut redis) = connect_redis(config, stop).await else { return Ok(None) };
        yizhan_common::redis_durability::check(&mut redis, &config.core.redis_durability).await?;
        let prefix = config.core.redis_prefix.clone();
        let wechat = if config.wechat.mp.is_some() || config.wechat.mini.is_some() {
            Some(WechatClient::new(&config.wechat, redis.clone(), &prefix)?)
        } else {
            tracing::warn!("no WeChat app configured: WeChat jobs will fail permanently");
            None
        };
        let limiter = RateLimiter::new(redis.clone(), &prefix, config.rate_limits.clone());
        let services = JobServices::new(db, redis.clone(), prefix.clone())
            .with_wechat(wechat)
            .with_templates(config.templates.clone())
            .with_queue_settings(config.queue.clone())
            .with_rate_limiter(Some(limiter))
            .with_sms(config.sms.clone().map(yizhan_common::sms::SmsClient::new).transpose()?)
            .with_mailer(config.mail.clone().map(yizhan_common::mail::Mailer::new).transpose()?)
            .with_koala(config.koala.clone().map(yizhan_common::koala::KoalaClient::new).transpose()?)
            .with_storage(
                config.storage.clone().map(yizhan_common::storage::Storage::new).transpose()?,
                Some(yizhan_common::avatar::AvatarFetcher::new(config.avatars.clone())?),
            );
        let wake_client = redis_conn::RedisClient::open(config.core.redis_url.expose_secret())?;
        Ok(Some(Self {
            queue: RedisQueue::new(redis, prefix, config.queue.clone()).with_wake_client(wake_client),
            services: Arc::new(services),
            registry: Arc::new(registry()),
            queues: config.queues.clone(),
            idle_poll: config.idle_poll,
            shutdown_grace: config.shutdown_grace,
            name: config.name.clone(),
            lease: config.lease,
            runtime: config.runtime,
        }))
    }

    /// Works every configured queue until `stop` resolves, then drains and returns. Leases and
    /// heartbeats are taken under the worker's name.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) {
        match self.runtime {
            Runtime::Direct => self.run_direct(stop).await,
            Runtime::Apalis => self.run_apalis(stop).await,
        }
    }

    async fn run_direct(self, stop: impl Future<Output = ()> + Send) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let queue = self.queue.clone().with_worker(&self.name);
        let mut pools = Vec::new();
        for (name, concurrency) in self.queues.0.iter().copied() {
            let pool = Pool {
                name,
                concurrency,
                queue: queue.clone(),
                registry: self.registry.clone(),
                services: self.services.clone(),
                idle_poll: self.idle_poll,
                shutdown_grace: self.shutdown_grace,
                fence: None,
            };
            if name == QueueName::Reservations {
                pools.push(tokio::spawn(single::run(pool, self.reservations_lease(), stop_rx.clone())));
            } else {
                pools.push(tokio::spawn(pool.run(stop_rx.clone())));
            }
        }
        tracing::info!(worker.name = %self.name, worker.queues = %self.queues, worker.runtime = "direct", "worker started");
        stop.await;
        tracing::info!(worker.name = %self.name, grace_secs = self.shutdown_grace.as_secs(), "worker stopping");
        let _ = stop_tx.send(true);
        for pool in pools {
            if pool.await.is_err() {
                tracing::error!(worker.name = %self.name, "a queue pool panicked");
            }
        }
        tracing::info!(worker.name = %self.name, "worker stopped");
    }

    /// Every queue but `reservations` under one apalis `Monitor`; `reservations` under a monitor
    /// of its own for each term this process holds its lease.
    async fn run_apalis(self, stop: impl Future<Output = ()> + Send + 'static) {
        let queue = self.queue.clone().with_worker(&self.name);
        let lane = |name, concurrency| apalis::runtime::Lane {
            name,
            concurrency,
            queue: queue.clone(),
            registry: self.registry.clone(),
            services: self.services.clone(),
            idle_poll: self.idle_poll,
            fence: None,
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut lanes = Vec::new();
        let mut single = None;
        for (name, concurrency) in self.queues.0.iter().copied() {
            if name == QueueName::Reservations {
                let (lane, lease, grace, worker) = (lane(name, concurrency), self.reservations_lease(), self.shutdown_grace, self.name.clone());
                let (db, stop_rx) = (self.services.db.clone(), stop_rx.clone());
                single = Some(tokio::spawn(async move {
                    single::run_with(name, db, lease, stop_rx, |fence, mut stop| {
                        let lane = apalis::runtime::Lane { fence: Some(fence), ..lane.clone() };
                        let worker = worker.clone();
                        async move {
                            let stopped = async move { single::stopped(&mut stop).await };
                            apalis::runtime::run_until(vec![lane], &worker, grace, stopped).await;
                        }
                    })
                    .await;
                }));
            } else {
                lanes.push(lane(name, concurrency));
            }
        }
        tracing::info!(worker.name = %self.name, worker.queues = %self.queues, worker.runtime = "apalis", "worker started");
        let stop = async move {
            stop.await;
            let _ = stop_tx.send(true);
        };
        if lanes.is_empty() {
            stop.await;
        } else {
            apalis::runtime::run_until(lanes, &self.name, self.shutdown_grace, stop).await;
        }
        if let Some(single) = single {
            if single.await.is_err() {
                tracing::error!(worker.name = %self.name, "the reservations worker panicked");
            }
        }
        tracing::info!(worker.name = %self.name, "worker stopped");
    }

    fn reservations_lease(&self) -> Lease {
        Lease::new(self.services.redis.clone(), &self.services.redis_prefix, "queue:reservations", self.lease)
    }
}

/// The process: connect, work until SIGTERM or Ctrl-C, drain.
pub async fn run(config: WorkerConfig) -> anyhow::Result<()> {
    let mut stop = Box::pin(shutdown::signal());
    if let Some(addr) = config.metrics_addr {
        yizhan_common::metrics::serve_in_background(addr).await?;
    }
    let Some(worker) = Worker::connect(&config, &mut stop).await? else { return Ok(()) };
    worker.run_until(stop).await;
    Ok(())
}

async fn connect_redis(config: &WorkerConfig, stop: &mut (impl Future<Output = ()> + Unpin)) -> Option<RedisConn> {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        match redis_conn::connect(&config.core.redis_url, RedisTimeouts::default()).await {
            Ok(conn) => return Some(conn),
            Err(err) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "redis unreachable");
                tokio::select! {
                    () = &mut *stop => return None,
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}
