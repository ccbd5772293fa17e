//! Shared helpers for whole-system tests: the built binaries, a fresh database per test, and
//! child processes that are stopped (SIGTERM, then SIGKILL) when dropped.

pub mod bench;
pub mod booking_sql;
pub mod browser;
pub mod ceiling;
pub mod cpu;
pub mod lines;
pub mod prometheus;
pub mod redis_keys;
pub mod redis_server;
pub mod round_robin;
pub mod smtpd;
pub mod store_calls;
pub mod stores;
pub mod system;

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};


/// Path of a workspace binary built next to the running executable: `target/<profile>/<name>`
/// (tests run from `target/<profile>/deps/`). `scripts/test` builds every binary first.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("executable path");
    let dir = exe.parent().expect("executable dir");
    let candidates = [dir.join(name), dir.parent().map(|p| p.join(name)).unwrap_or_default()];
    let found = candidates.iter().find(|p| p.exists()).cloned();
    found.unwrap_or_else(|| panic!("{name} is not built next to {}; run `cargo build --workspace --bins` first", exe.display()))
}

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set (scripts/test sets it)"))
}

/// Creates an empty database for one test and returns its URL (the binaries migrate it).
pub async fn fresh_database() -> String {
    yizhan_common::testing::empty_database().await
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The environment every process of one test shares.
#[derive(Clone, Debug)]
pub struct SystemEnv {
    pub vars: Vec<(String, String)>,
}

impl SystemEnv {
    pub fn new(database_url: &str) -> Self {
        let prefix = format!("sys:{}", uuid::Uuid::new_v4().simple());
        Self {
            vars: vec![
                ("DATABASE_URL".into(), database_url.into()),
                ("REDIS_URL".into(), env("REDIS_URL")),
                ("REDIS_PREFIX".into(), prefix),
                ("LOG_FORMAT".into(), "json".into()),
                ("RUST_LOG".into(), std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into())),
            ],
        }
    }

    /// The value this environment gives `key`.
    pub fn get(&self, key: &str) -> String {
        self.vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{key} is not set"))
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.into(), value.into()));
        self
    }

    /// Runs a binary to completion (e.g. `yizhan-api migrate`).
    pub fn run(&self, name: &str, args: &[&str]) -> ExitStatus {
        Command::new(binary(name)).args(args).envs(self.vars.clone()).status().expect("run binary")
    }

    /// Starts a binary in the background.
    pub fn spawn(&self, name: &str, args: &[&str]) -> Proc {
        let child = Command::new(binary(name))
            .args(args)
            .envs(self.vars.clone())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn binary");
        Proc { child: Some(child) }
    }

    /// Starts a binary in the background with its stdout and stderr appended to `log`.
    pub fn spawn_logged(&self, name: &str, args: &[&str], log: &std::path::Path) -> Proc {
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(binary(name))
            .args(args)
            .envs(self.vars.clone())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn binary");
        Proc { child: Some(child) }
    }
}

/// A child process stopped when dropped.
#[derive(Debug)]
pub struct Proc {
    child: Option<Child>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).expect("running")
    }

    /// Sends a signal by name (`TERM`, `KILL`, …).
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill").arg(format!("-{sig}")).arg(self.pid().to_string()).status();
        assert!(status.map(|s| s.success()).unwrap_or(false), "kill -{sig} failed");
    }

    /// Waits for the process to exit, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, then the exit status within `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.signal("TERM");
        self.wait_exit(timeout)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `url` until it answers 200 or `timeout` passes.
pub async fn wait_http_ok(client: &reqwest::Client, url: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(res) = client.get(url).send().await {
            if res.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

pub use yizhan_common::testing::eventually;
