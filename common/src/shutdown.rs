//! Stopping gracefully on SIGTERM and Ctrl-C.

use std::future::Future;

/// Resolves on the first SIGTERM or Ctrl-C (SIGINT). The handlers are installed when this is
/// called, not when the future is first polled: a process that is still starting (connecting,
/// serving its metrics) when SIGTERM arrives then stops gracefully instead of being killed by the
/// signal's default action. Call it inside the runtime, first thing.
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async fn recv(sig: Option<Signal>) {
            match sig {
                Some(mut sig) => {
                    sig.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        async move {
            tokio::select! {
                () = recv(terminate) => {},
                () = recv(interrupt) => {},
            }
            tracing::info!("shutdown signal received");
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown signal received");
    }
}
