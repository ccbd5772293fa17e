//! The Yizhan HTTP API. `main.rs` only parses the command line; everything runs from here so
//! tests can start the same server on port 0.

pub mod admin;
mod awaiting;
mod catalog_admin;
mod college_admin;
mod follow_admin;
mod h5;
pub mod config;
mod disposition;
mod console;
pub mod enqueued;
pub mod error;
pub mod extract;
mod ip_limiter;
mod login;
mod middleware;
mod notice_shapes;
mod openapi;
mod queue_admin;
pub mod routes;
pub mod state;
mod throttle;
mod user_admin;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use yizhan_common::{db, shutdown};

pub use config::ApiConfig;
pub use routes::router;
pub use state::AppState;

/// A bound server: where it listens, and the future that serves until shutdown.
pub struct Server {
    pub addr: SocketAddr,
    listener: TcpListener,
    state: AppState,
}

impl Server {
    /// Builds the state and binds the listener (port 0 picks a free port).
    pub async fn bind(config: ApiConfig) -> anyhow::Result<Self> {
        yizhan_common::time::set_service_tz(config.core.service_tz);
        let metrics = yizhan_common::metrics::install()?;
        yizhan_common::metrics::spawn_upkeep(metrics);
        let pool = db::pool(&config.core)?;
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        Ok(Self { addr, listener, state: AppState::new(config, pool) })
    }

    /// Serves until `stop` resolves; in-flight requests finish first.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        use axum::serve::ListenerExt;
        let app = router(self.state);
        // TCP_NODELAY: the last segment of an answer written in pieces never waits (Nagle) for
        // the client's delayed ACK.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "cannot set TCP_NODELAY");
            }
        });
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(stop).await?;
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(addr = %self.addr, "api listening");
        match &self.state.config.checkin_keys {
            Some(keys) => tracing::info!(kid = keys.active_kid(), "check-in codes signed with key id"),
            None => tracing::warn!("check-in codes off (503 checkin_not_configured): set CHECKIN_TOKEN_KEYS"),
        }
        self.run_until(shutdown::signal()).await?;
        tracing::info!("api stopped");
        Ok(())
    }
}
