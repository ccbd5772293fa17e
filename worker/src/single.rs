//! The single-consumer queue (`reservations`): in the whole deployment, only the worker holding
//! the queue's lease works it. A standby polls for the lease; the holder renews it.
//!
//! One at a time, really:
//! - A new holder's token is above the newest one recorded in PostgreSQL (`fences`), and it claims
//!   the fence there before taking any job, so tokens keep growing even after Redis lost its
//!   counter, and a holder whose token PostgreSQL already passed gives the lease up at once.
//! - When the lease is lost, the holder stops at once: it fetches nothing more, aborts its
//!   running jobs (no drain alongside the new holder) and hands them back for the new holder.
//! - Each job carries the token ([`yizhan_common::lease::Fence`]); its exclusive write claims the
//!   fence in PostgreSQL in the same transaction, so a paused, stale holder is refused there.

use std::future::Future;

use sqlx::PgPool;
use tokio::sync::watch;
use yizhan_common::jobs::QueueName;
use yizhan_common::lease::{fences, Fence, FencingToken, Lease};

use crate::pool::Pool;

/// Works `pool` whenever this process holds `lease`, until `stop` turns true.
pub async fn run(pool: Pool, lease: Lease, stop: watch::Receiver<bool>) {
    let (name, db) = (pool.name, pool.services.db.clone());
    run_with(name, db, lease, stop, move |fence, stop| Pool { fence: Some(fence), ..pool.clone() }.run(stop)).await;
}

/// Runs `work(fence, stop)` for each term this process holds `lease`, until `stop` turns true.
/// `work` must stop once its `stop` turns true; with the fence lost it must not drain.
pub async fn run_with<W, F>(name: QueueName, db: PgPool, lease: Lease, mut stop: watch::Receiver<bool>, work: W)
where
    W: Fn(Fence, watch::Receiver<bool>) -> F,
    F: Future<Output = ()>,
{
    loop {
        let token = tokio::select! {
            () = stopped(&mut stop) => return,
            token = acquire(&lease, &db) => token,
        };
        tracing::info!(queue.name = %name, lease.token = %token, "took the single-consumer lease");
        let keeper = lease.keep(token);
        let fence = Fence::new(lease.clone(), token).watching(keeper.watch());
        let (pool_stop, pool_stop_rx) = watch::channel(false);
        let work = work(fence, pool_stop_rx);
        tokio::pin!(work);
        tokio::select! {
            () = &mut work => {}
            () = stopped(&mut stop) => {
                let _ = pool_stop.send(true);
                work.await;
                keeper.release().await;
                return;
            }
            () = keeper.lost() => {
                // The fence now reads lost: the pool aborts its running jobs instead of draining.
                tracing::warn!(queue.name = %name, lease.token = %token, "single-consumer lease lost; stopping at once");
                let _ = pool_stop.send(true);
                work.await;
            }
        }
    }
}

/// Polls until this process holds the lease with a token PostgreSQL accepts as the newest.
async fn acquire(lease: &Lease, db: &PgPool) -> FencingToken {
    loop {
        if let Some(token) = try_acquire(lease, db).await {
            return token;
        }
        tokio::time::sleep(lease.config().retry).await;
    }
}

async fn try_acquire(lease: &Lease, db: &PgPool) -> Option<FencingToken> {
    let floor = match fences::floor(db, lease.name()).await {
        Ok(floor) => floor,
        Err(err) => {
            tracing::warn!(lease.name = lease.name(), error = %err, "reading the fence failed; not taking the lease");
            return None;
        }
    };
    let token = match lease.try_acquire_above(floor).await {
        Ok(token) => token?,
        Err(err) => {
            tracing::warn!(lease.name = lease.name(), error = %err, "lease acquire failed");
            return None;
        }
    };
    match fences::claim_now(db, lease.name(), token).await {
        Ok(()) => Some(token),
        Err(err) => {
            tracing::warn!(lease.name = lease.name(), lease.token = %token, error = %err, "fence claim failed; giving the lease up");
            if let Err(err) = lease.release(token).await {
                tracing::warn!(lease.name = lease.name(), error = %err, "lease release failed; it expires by itself");
            }
            None
        }
    }
}

pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
