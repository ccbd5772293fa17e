//! Prometheus metrics: one recorder per process behind the `metrics` facade, rendered as text
//! by the API's `GET /metrics` and by [`server`] in the worker and the scheduler.
//!
//! Record with `metrics::counter!` / `histogram!` / `gauge!` directly, using the names in
//! [`names`] (each documented with its labels) so that dashboards find them.

pub mod names;
pub mod server;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use server::MetricsServer;

/// Histogram buckets (seconds) for every metric whose name ends in `_seconds`.
const SECONDS_BUCKETS: &[f64] =
    &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// The recorder could not be installed (another recorder was installed first).
#[derive(Debug, Clone, thiserror::Error)]
#[error("metrics recorder: {0}")]
pub struct MetricsError(String);

/// Installs the process-wide recorder on first call and returns its handle; later calls return
/// the same handle. Call [`spawn_upkeep`] once inside the runtime.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| e.to_string())?;
            names::describe();
            Ok(handle)
        })
        .clone()
        .map_err(MetricsError)
}

/// Drains histogram samples into their buckets every few seconds, so memory stays flat between
/// scrapes. Ends with the runtime.
pub fn spawn_upkeep(handle: PrometheusHandle) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    })
}

/// For a process's `main`: installs the recorder, binds `addr` and serves `GET /metrics` in the
/// background for the life of the runtime. Returns the bound address (port 0 picks one).
pub async fn serve_in_background(addr: std::net::SocketAddr) -> Result<std::net::SocketAddr, MetricsError> {
    let handle = install()?;
    let server = MetricsServer::bind(addr, handle.clone())
        .await
        .map_err(|e| MetricsError(format!("cannot listen on {addr}: {e}")))?;
    let bound = server.addr;
    spawn_upkeep(handle);
    tokio::spawn(server.run_until(std::future::pending()));
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_recorded_values_with_buckets() {
        let handle = install().expect("recorder installs");
        ::metrics::counter!(names::RATELIMIT_ACQUIRE, "op" => "test.render", "result" => "granted").increment(3);
        ::metrics::histogram!(names::RATELIMIT_WAIT_SECONDS, "op" => "test.render").record(0.2);
        let text = handle.render();
        assert!(text.contains(r#"yizhan_ratelimit_acquire_total{op="test.render",result="granted"} 3"#), "{text}");
        assert!(text.contains(r#"yizhan_ratelimit_wait_seconds_bucket{op="test.render",le="0.25"} 1"#), "{text}");
        assert!(install().is_ok(), "a second call returns the same handle");
    }
}
