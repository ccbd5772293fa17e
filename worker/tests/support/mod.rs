//! Shared by the worker's integration tests: a worker in this process or as a child process,
//! under a test's own Redis prefix, and polling with deadlines.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use redis::AsyncCommands;
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use yizhan_common::jobs::kinds::{Probe, ProbeStep};
use yizhan_common::jobs::{registry, Job, JobServices, QueueName};
use yizhan_common::queue::{QueueSettings, QueueStats, RedisQueue};
pub use yizhan_common::testing::eventually;
use yizhan_common::testing::{database_url, redis_url, RedisPrefix};
use yizhan_worker::{QueueList, Runtime, Worker};

pub const Q: QueueName = QueueName::Default;


/// A test's Redis prefix with a queue handle on it.
pub struct Env {
    pub prefix: RedisPrefix,
    pub queue: RedisQueue,
    pub redis: yizhan_common::redis_conn::RedisConn,
}

impl Env {
    pub async fn new() -> Self {
        Self::with_settings(QueueSettings::default()).await
    }

    /// An environment whose in-process workers block for wake-ups like the binary does.
    pub async fn with_settings(settings: QueueSettings) -> Self {
        let prefix = RedisPrefix::new();
        let redis = prefix.connect().await;
        let client = yizhan_common::redis_conn::RedisClient::open(&redis_url()).expect("redis url");
        let queue = RedisQueue::new(redis.clone(), prefix.name(), settings).with_wake_client(client);
        Self { prefix, queue, redis }
    }

    pub async fn push_probe(&self, id: &str, tag: &str, steps: Vec<ProbeStep>) {
        let env = Probe { tag: tag.into(), steps }.envelope(id, Utc::now()).expect("encode");
        self.queue.push(&[env]).await.expect("push");
    }

    async fn counter(&self, key: String) -> u64 {
        let v: Option<u64> = self.redis.clone().get(self.prefix.key(&key)).await.expect("get");
        v.unwrap_or(0)
    }

    pub async fn runs(&self, tag: &str) -> u64 {
        self.counter(Probe::runs_key(tag)).await
    }

    pub async fn done(&self, tag: &str) -> u64 {
        self.counter(Probe::done_key(tag)).await
    }

    pub async fn stats(&self) -> QueueStats {
        self.queue.stats(Q).await.expect("stats")
    }

    /// A worker in this process on the `default` queue; stop it with the returned sender.
    pub fn start_worker(&self, grace: Duration) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        self.start_worker_with(grace, Runtime::Direct)
    }

    /// [`Self::start_worker`] on the given runtime (the engine's loop or apalis).
    pub fn start_worker_with(&self, grace: Duration, runtime: Runtime) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let db = sqlx::PgPool::connect_lazy(&database_url()).expect("database url");
        let worker = Worker {
            queue: self.queue.clone(),
            services: Arc::new(JobServices::new(db, self.redis.clone(), self.prefix.name())),
            registry: Arc::new(registry()),
            queues: QueueList(vec![(Q, 4)]),
            idle_poll: Duration::from_millis(10),
            shutdown_grace: grace,
            name: "in-process-test".into(),
            lease: yizhan_common::lease::LeaseConfig::default(),
            runtime,
        };
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(worker.run_until(async move {
            let _ = rx.await;
        }));
        (tx, handle)
    }

    /// The worker binary as a child process on this test's prefix.
    pub fn spawn_worker(&self, extra_env: &[(&str, &str)]) -> Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yizhan-worker"));
        cmd.env("DATABASE_URL", database_url())
            .env("REDIS_URL", redis_url())
            .env("REDIS_PREFIX", self.prefix.name())
            .env("WORKER_QUEUES", "default=4")
            .env("LOG_FORMAT", "pretty")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn yizhan-worker")
    }
}

/// Sends SIGTERM to a child process.
pub fn sigterm(child: &Child) {
    let pid = child.id().expect("child still running");
    let status = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
    assert!(status.success());
}
