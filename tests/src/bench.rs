//! What the benchmark binaries share: driving requests at a fixed concurrency and percentiles.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

/// A pool of `max` connections as the system's pools hand them out in steady use
/// (`yizhan_common::db::pool`: no test round trip before a connection is handed out), for the
/// bench's own transactions.
pub async fn steady_pool(database_url: &str, max: u32) -> sqlx::Result<PgPool> {
    PgPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(60)).test_before_acquire(false).connect(database_url).await
}

/// The `p` quantile (0..=1) of sorted values (NaN when empty).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Runs `n` requests from `c` tasks; returns (elapsed, per-request latencies in ms, sorted, and
/// the results).
pub async fn drive<F, Fut>(n: usize, c: usize, one: F) -> (Duration, Vec<f64>, Vec<Value>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Value> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let one = Arc::new(one);
    let started = Instant::now();
    let tasks: Vec<_> = (0..c)
        .map(|_| {
            let (next, one) = (next.clone(), one.clone());
            tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let t = Instant::now();
                    let v = one(i).await;
                    out.push((t.elapsed().as_secs_f64() * 1000.0, v));
                }
                out
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    let mut results = Vec::with_capacity(n);
    for task in tasks {
        for (ms, v) in task.await.expect("task") {
            latencies.push(ms);
            results.push(v);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    (elapsed, latencies, results)
}


/// A process's peak resident memory in MB (`VmHWM` in `/proc/PID/status`: the high-water mark
/// over its life so far, so read at the end of a run it covers the run); NaN when unreadable.
pub fn peak_rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmHWM:")
}

/// A process's resident memory now in MB (`VmRSS`); NaN when unreadable.
pub fn rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmRSS:")
}

fn proc_status_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}
