//! Connecting to Redis without failing start-up: the scheduler starts (and serves metrics) while
//! Redis is down and takes part once it answers.

use std::time::Duration;

use yizhan_common::redis_conn::RedisConn;
use secrecy::SecretString;
use tokio::sync::watch;
use yizhan_common::redis_conn::{connect, RedisTimeouts};

/// Retries with a growing delay (200 ms to 5 s) until connected, or `None` once `stop` is true.
pub async fn redis_until_stopped(url: &SecretString, stop: &mut watch::Receiver<bool>) -> Option<RedisConn> {
    let mut delay = Duration::from_millis(200);
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return None,
            connected = connect(url, RedisTimeouts::default()) => match connected {
                Ok(conn) => return Some(conn),
                Err(err) => tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "redis unreachable"),
            },
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return None,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
