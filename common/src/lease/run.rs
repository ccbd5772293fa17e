//! The standby/hold loop of a single consumer.

use std::future::Future;

use tokio::sync::watch;

use super::{FencingToken, Lease};

/// What the work running under the lease is given.
#[derive(Debug, Clone)]
pub struct Held {
    /// Carry this into fenced writes and check it with [`Lease::is_current`].
    pub token: FencingToken,
    held: watch::Receiver<bool>,
}

impl Held {
    /// Resolves when the lease is lost (the work is also dropped then; this is for clean-up).
    pub async fn lost(&mut self) {
        let _ = self.held.wait_for(|h| !*h).await;
    }
}

impl Lease {
    /// Waits as a standby until this process holds the lease, then runs `work` while renewing.
    ///
    /// - `work` finishing (it watches its own stop signal) releases the lease and returns.
    /// - Losing the lease drops `work` at once (someone else may hold it now) and goes back to
    ///   standby, then runs `work` again with a new, larger token when the lease comes back.
    /// - `stop` turning `true` (or its sender going away) while on standby returns.
    ///
    /// Redis errors on standby are logged and retried every `LEASE_RETRY_MS`.
    pub async fn run_while_held<F, Fut>(&self, mut stop: watch::Receiver<bool>, mut work: F)
    where
        F: FnMut(Held) -> Fut,
        Fut: Future<Output = ()>,
    {
        loop {
            let token = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                token = self.acquire_waiting() => token,
            };
            let keeper = self.keep(token);
            let run = work(Held { token, held: keeper.watch() });
            tokio::select! {
                () = run => {
                    keeper.release().await;
                    return;
                }
                () = keeper.lost() => {
                    tracing::warn!(lease.name = %self.name, lease.token = %token, "stopped work: lease lost");
                }
            }
        }
    }

    /// Polls until the lease is acquired.
    async fn acquire_waiting(&self) -> FencingToken {
        loop {
            match self.try_acquire().await {
                Ok(Some(token)) => return token,
                Ok(None) => {}
                Err(err) => tracing::warn!(lease.name = %self.name, error = %err, "lease acquire failed"),
            }
            tokio::time::sleep(self.config.retry).await;
        }
    }
}
