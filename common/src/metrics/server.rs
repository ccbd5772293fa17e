//! A tiny HTTP server for the worker and the scheduler: `GET /metrics` (Prometheus text) and
//! `GET /healthz`. One request per connection, bounded in size and time; anything else is 404.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::config::EnvReader;

const MAX_REQUEST_BYTES: usize = 8 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads an optional listen address such as `WORKER_METRICS_ADDR` or `SCHEDULER_METRICS_ADDR`:
/// unset or empty means no metrics server; port 0 picks a free port (logged at start).
pub fn read_addr(env: &mut EnvReader, var: &str) -> Option<SocketAddr> {
    env.maybe(var)
}

/// A bound metrics listener.
#[derive(Debug)]
pub struct MetricsServer {
    pub addr: SocketAddr,
    listener: TcpListener,
    handle: PrometheusHandle,
}

impl MetricsServer {
    pub async fn bind(addr: SocketAddr, handle: PrometheusHandle) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        Ok(Self { addr, listener, handle })
    }

    /// Serves until `stop` resolves.
    pub async fn run_until(self, stop: impl Future<Output = ()>) {
        tracing::info!(metrics.addr = %self.addr, "metrics listening");
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let handle = self.handle.clone();
                        tokio::spawn(async move {
                            if let Err(err) = answer(stream, &handle).await {
                                tracing::debug!(error = %err, "metrics request failed");
                            }
                        });
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "metrics accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
    }
}

async fn answer(mut stream: TcpStream, handle: &PrometheusHandle) -> std::io::Result<()> {
    let head = tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "request head timed out"))??;
    let mut parts = head.split(' ');
    let (status, body) = match (parts.next(), parts.next().map(|p| p.split('?').next().unwrap_or(p))) {
        (Some("GET"), Some("/metrics")) => ("200 OK", handle.render()),
        (Some("GET"), Some("/healthz")) => ("200 OK", String::from("ok\n")),
        _ => ("404 Not Found", String::from("not found\n")),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Reads until the end of the headers; returns the request line.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() >= MAX_REQUEST_BYTES {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "request head too large"));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = buf.split(|&b| b == b'\r').next().unwrap_or_default();
    Ok(String::from_utf8_lossy(line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.write_all(req.as_bytes()).await.expect("write");
        let mut out = String::new();
        stream.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn serves_metrics_and_404() {
        let handle = super::super::install().expect("recorder");
        ::metrics::counter!("yizhan_test_server_total").increment(1);
        let server = MetricsServer::bind(([127, 0, 0, 1], 0).into(), handle).await.expect("bind");
        let addr = server.addr;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.run_until(async { drop(rx.await) }));
        let metrics = get(addr, "/metrics").await;
        assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
        assert!(metrics.contains("yizhan_test_server_total 1"), "{metrics}");
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        let _ = tx.send(());
        tokio::time::timeout(Duration::from_secs(5), task).await.expect("stops").expect("no panic");
    }
}
