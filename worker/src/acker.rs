//! Acknowledges finished runs in batches (one script call for up to a thousand jobs), retrying
//! through Redis errors. An acknowledgement that never lands is not lost work: the lease expires
//! and the job runs again.

use tokio::sync::mpsc::UnboundedReceiver;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{Finish, RedisQueue, CHUNK};

use crate::backoff::Backoff;

/// Attempts per batch before giving it up to lease expiry.
const MAX_TRIES: u32 = 10;

/// Runs until every sender is dropped and the channel is empty.
pub async fn run(queue: RedisQueue, name: QueueName, mut rx: UnboundedReceiver<(String, Finish)>) {
    let mut batch = Vec::with_capacity(CHUNK);
    while rx.recv_many(&mut batch, CHUNK).await > 0 {
        flush(&queue, name, &batch).await;
        batch.clear();
    }
}

async fn flush(queue: &RedisQueue, name: QueueName, batch: &[(String, Finish)]) {
    let mut backoff = Backoff::default();
    for attempt in 1..=MAX_TRIES {
        match queue.finish(name, batch).await {
            Ok(()) => return,
            Err(err) => {
                tracing::warn!(queue.name = %name, queue.batch = batch.len(), attempt, error = %err, "acknowledging jobs failed");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
    tracing::error!(queue.name = %name, queue.batch = batch.len(), "acknowledgements dropped; the jobs will run again when their leases expire");
}
