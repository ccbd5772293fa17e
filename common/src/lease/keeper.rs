//! Renews a held lease in the background and says when it is lost.
//!
//! Renewal runs every third of the TTL. The lease counts as lost when Redis says another token
//! holds it, or when no renewal has succeeded for 90% of the TTL (Redis unreachable): by then
//! the key may be about to expire and a standby about to take over, so the holder must stop.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{FencingToken, Lease};
use crate::metrics::names;

/// Keeps one token alive until dropped, released or lost.
#[derive(Debug)]
pub struct LeaseKeeper {
    lease: Lease,
    token: FencingToken,
    held: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl LeaseKeeper {
    pub(super) fn start(lease: Lease, token: FencingToken) -> Self {
        let (tx, held) = watch::channel(true);
        metrics::gauge!(names::LEASE_HELD, "lease" => lease.name.clone()).set(1.0);
        let task = tokio::spawn(renew_loop(lease.clone(), token, tx));
        Self { lease, token, held, task }
    }

    pub fn token(&self) -> FencingToken {
        self.token
    }

    /// `true` while held; turns `false` once, when the lease is lost.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.held.clone()
    }

    pub fn is_held(&self) -> bool {
        *self.held.borrow()
    }

    /// Resolves when the lease is lost (at once if it already is).
    pub async fn lost(&self) {
        let mut held = self.held.clone();
        // An error means the renew task ended, which it does only after losing the lease.
        let _ = held.wait_for(|h| !*h).await;
    }

    /// Stops renewing and gives the lease up so a standby can take it at once.
    pub async fn release(self) {
        self.task.abort();
        metrics::gauge!(names::LEASE_HELD, "lease" => self.lease.name.clone()).set(0.0);
        match self.lease.release(self.token).await {
            Ok(true) => tracing::info!(lease.name = %self.lease.name, lease.token = %self.token, "lease released"),
            Ok(false) => {}
            Err(err) => tracing::warn!(lease.name = %self.lease.name, error = %err, "lease release failed; it expires by itself"),
        }
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn renew_loop(lease: Lease, token: FencingToken, held: watch::Sender<bool>) {
    let ttl = lease.config.ttl;
    let every = ttl / 3;
    let mut valid_until = Instant::now() + ttl.mul_f64(0.9);
    let why = loop {
        let next = (Instant::now() + every).min(valid_until);
        tokio::time::sleep_until(next).await;
        if Instant::now() >= valid_until {
            break "no renewal succeeded within the TTL";
        }
        let sent = Instant::now();
        let budget = valid_until.saturating_duration_since(sent).max(Duration::from_millis(1));
        match tokio::time::timeout(budget, lease.renew(token)).await {
            Ok(Ok(true)) => valid_until = sent + ttl.mul_f64(0.9),
            Ok(Ok(false)) => break "another holder took the lease",
            Ok(Err(err)) => tracing::warn!(lease.name = %lease.name, error = %err, "lease renewal failed"),
            Err(_) => tracing::warn!(lease.name = %lease.name, "lease renewal timed out"),
        }
    };
    tracing::warn!(lease.name = %lease.name, lease.token = %token, reason = why, "lease lost");
    metrics::counter!(names::LEASE_LOST, "lease" => lease.name.clone()).increment(1);
    metrics::gauge!(names::LEASE_HELD, "lease" => lease.name.clone()).set(0.0);
    let _ = held.send(false);
}
