//! Acknowledges finished runs in batches (one script call for up to a thousand jobs), retrying
//! through Redis errors. A job's lease stays in the in-flight set (and is renewed) until its
//! acknowledgement has landed, so a slow acknowledgement never makes the job run again. While
//! the pool runs, a batch is retried until it lands; once the pool is stopping, a batch is
//! given up after [`MAX_TRIES`] (its jobs are handed back or, failing that, recovered once this
//! worker's heartbeat has stopped).

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::watch;
use yizhan_common::jobs::QueueName;
use yizhan_common::queue::{Finish, Held, RedisQueue, CHUNK};

use crate::backoff::Backoff;
use crate::inflight::InFlight;

/// Attempts per batch once the pool is stopping.
const MAX_TRIES: u32 = 10;

/// Runs until every sender is dropped and the channel is empty.
pub async fn run(queue: RedisQueue, name: QueueName, mut rx: UnboundedReceiver<(Held, Finish)>, inflight: InFlight, stop: watch::Receiver<bool>) {
    let mut batch = Vec::with_capacity(CHUNK);
    while rx.recv_many(&mut batch, CHUNK).await > 0 {
        if flush(&queue, name, &batch, &stop).await {
            let held: Vec<Held> = batch.iter().map(|(h, _)| h.clone()).collect();
            inflight.release(&held);
        }
        batch.clear();
    }
}

/// True once the batch landed.
async fn flush(queue: &RedisQueue, name: QueueName, batch: &[(Held, Finish)], stop: &watch::Receiver<bool>) -> bool {
    let mut backoff = Backoff::default();
    let mut tries_while_stopping = 0;
    loop {
        match queue.finish(name, batch).await {
            Ok(_) => return true,
            Err(err) => {
                tracing::warn!(queue.name = %name, queue.batch = batch.len(), error = %err, "acknowledging jobs failed");
                if *stop.borrow() {
                    tries_while_stopping += 1;
                    if tries_while_stopping >= MAX_TRIES {
                        tracing::error!(queue.name = %name, queue.batch = batch.len(), "acknowledgements dropped at shutdown; the jobs are handed back");
                        return false;
                    }
                }
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}
