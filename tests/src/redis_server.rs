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
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
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
