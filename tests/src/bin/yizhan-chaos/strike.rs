//! The faults a scenario injects into the running system: workers killed and restarted,
//! Redis or PostgreSQL stopped and started again.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use yizhan_system_tests::redis_server::RedisServer;
use yizhan_system_tests::{Proc, SystemEnv};

/// A small xorshift generator: which worker dies next (no cryptographic need).
pub struct Dice(u64);

impl Dice {
    pub fn new() -> Self {
        Self(crate::load::now_ms() as u64 | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Until `stop`: every `every`, `kill -9` of one of `workers` at random, restarted at once.
/// Returns how many were killed.
pub async fn kill_workers(env: SystemEnv, mut workers: Vec<Proc>, every: Duration, stop: Arc<AtomicBool>) -> usize {
    let mut dice = Dice::new();
    let mut kills = 0;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(every).await;
        let i = dice.below(workers.len());
        workers[i].signal("KILL");
        let _ = workers[i].wait_exit(Duration::from_secs(5));
        workers[i] = env.spawn("yizhan-worker", &[]);
        kills += 1;
    }
    kills
}

/// A private Redis with an append-only file, restarted by [`RedisRig::restart`].
pub struct RedisRig {
    pub port: u16,
    dir: PathBuf,
    server: Option<RedisServer>,
}

impl RedisRig {
    pub fn start(dir: PathBuf) -> Self {
        let port = yizhan_system_tests::free_port();
        let server = Some(RedisServer::start_persistent(port, &dir));
        Self { port, dir, server }
    }

    pub fn url(&self) -> String {
        RedisServer::url(self.port)
    }

    /// `kill -9`, `down` without a server, then a new one on the same port: from the same
    /// append-only file (what `appendfsync everysec` kept) or, with `empty`, from nothing.
    pub async fn restart(&mut self, down: Duration, empty: bool) {
        self.server = None; // SIGKILL
        if empty {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        tokio::time::sleep(down).await;
        self.server = Some(RedisServer::start_persistent(self.port, &self.dir));
    }
}

/// PostgreSQL stopped at once (`pg_ctl stop -m immediate`, a crash as far as clients can tell)
/// and started again after `down`. `scripts/chaos` names the server's `pg_ctl` in
/// `CHAOS_PG_CTL` and its log in `CHAOS_PG_LOG`.
pub async fn restart_postgres(down: Duration) -> anyhow::Result<()> {
    let ctl = std::env::var("CHAOS_PG_CTL").map_err(|_| anyhow::anyhow!("CHAOS_PG_CTL is not set (run scripts/chaos)"))?;
    let log = std::env::var("CHAOS_PG_LOG").unwrap_or_else(|_| "/dev/null".into());
    let run = |args: String| Command::new("bash").arg("-c").arg(args).status();
    anyhow::ensure!(run(format!("{ctl} -m immediate -w stop"))?.success(), "pg_ctl stop failed");
    tokio::time::sleep(down).await;
    // `restart` starts the stopped server with the options it last ran with (postmaster.opts).
    anyhow::ensure!(run(format!("{ctl} -w -t 60 -l {log} restart >/dev/null"))?.success(), "pg_ctl restart failed");
    Ok(())
}
