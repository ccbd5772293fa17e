//! A private `redis-server` for one test, on its own port, so a test can stop and restart it
//! (losing its data: no persistence) without disturbing the shared Redis of the other tests.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stopped (SIGKILL, its data gone) when dropped.
#[derive(Debug)]
pub struct RedisServer(Child);

impl RedisServer {
    /// Starts an empty, non-persistent server on `port` and waits until it accepts connections.
    pub fn start(port: u16) -> Self {
        Self::start_with(port, &["--save", "", "--appendonly", "no"])
    }

    /// Starts a server on `port` that keeps an append-only file in `dir` (`appendfsync everysec`,
    /// what the README asks of production), loading what an earlier one left there.
    pub fn start_persistent(port: u16, dir: &std::path::Path) -> Self {
        std::fs::create_dir_all(dir).expect("redis folder");
        let dir = dir.to_str().expect("a UTF-8 path");
        Self::start_with(port, &["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir])
    }

    fn start_with(port: u16, args: &[&str]) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on PATH (scripts/test installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self(child)
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(port: u16) -> String {
        format!("redis://127.0.0.1:{port}/")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
