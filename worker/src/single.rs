//! The single-consumer queue (`reservations`): in the whole deployment, only the worker holding
//! the queue's lease works it. A standby polls for the lease; the holder renews it and, if it is
//! ever lost, stops fetching at once and drains. Each job carries the lease's fencing token
//! ([`yizhan_common::lease::Fence`]) so a handler can check it still holds the lease before an
//! exclusive write — and the database's own constraints stay the last line of defence.

use tokio::sync::watch;
use yizhan_common::lease::{Fence, Lease};

use crate::pool::Pool;

/// Works `pool` whenever this process holds `lease`, until `stop` turns true.
pub async fn run(pool: Pool, lease: Lease, mut stop: watch::Receiver<bool>) {
    loop {
        let token = tokio::select! {
            () = stopped(&mut stop) => return,
            token = acquire(&lease) => token,
        };
        tracing::info!(queue.name = %pool.name, lease.token = %token, "took the single-consumer lease");
        let keeper = lease.keep(token);
        let (pool_stop, pool_stop_rx) = watch::channel(false);
        let work = Pool { fence: Some(Fence::new(lease.clone(), token)), ..pool.clone() }.run(pool_stop_rx);
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
                tracing::warn!(queue.name = %pool.name, lease.token = %token, "single-consumer lease lost; draining");
                let _ = pool_stop.send(true);
                work.await;
            }
        }
    }
}

async fn acquire(lease: &Lease) -> yizhan_common::lease::FencingToken {
    loop {
        match lease.try_acquire().await {
            Ok(Some(token)) => return token,
            Ok(None) => {}
            Err(err) => tracing::warn!(lease.name = lease.name(), error = %err, "lease acquire failed"),
        }
        tokio::time::sleep(lease.config().retry).await;
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
