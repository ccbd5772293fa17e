//! Blocking pickup: instead of polling an idle queue, a worker blocks on the queue's wake list
//! (`BLPOP p:q:{q}:wake`) on a connection of its own. Pushes, promotions, recoveries and
//! hand-backs that make jobs ready push a wake token (the list is capped, so tokens nobody
//! takes cost nothing); a fetch that leaves jobs in line pushes another, so a burst wakes the
//! next idle worker too.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::job_contract::QueueName;
use crate::redis_conn::{RedisClient, RedisTimeouts};

use super::RedisQueue;

/// How long one `BLPOP` blocks in Redis before it is issued again.
const BLOCK: Duration = Duration::from_secs(1);

/// Wakes a queue's fetch loop when jobs become ready. Stops its task when dropped.
#[derive(Debug)]
pub struct Waker {
    notify: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Waker {
    /// Starts blocking on `queue`'s wake list; `None` when the queue has no wake client (the
    /// caller then polls).
    pub fn spawn(q: &RedisQueue, queue: QueueName) -> Option<Self> {
        let client = q.wake_client()?.clone();
        let key = q.keys.wake(queue);
        let notify = Arc::new(Notify::new());
        let task = tokio::spawn(listen(client, key, queue, notify.clone()));
        Some(Self { notify, task })
    }

    /// Returns when woken (a token taken since the last call counts) or after `at_most`.
    pub async fn wait(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.notify.notified()).await;
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn listen(client: RedisClient, key: String, queue: QueueName, notify: Arc<Notify>) {
    let timeouts = RedisTimeouts { connect: Duration::from_secs(2), response: BLOCK + Duration::from_secs(5) };
    let mut delay = Duration::from_millis(100);
    loop {
        let mut conn = match client.connect(timeouts).await {
            Ok(conn) => conn,
            Err(err) => {
                tracing::warn!(queue.name = %queue, error = %err, "wake-up connection failed");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        loop {
            let popped: redis::RedisResult<Option<(String, String)>> =
                redis::cmd("BLPOP").arg(&key).arg(BLOCK.as_secs_f64()).query_async(&mut conn).await;
            match popped {
                Ok(Some(_)) => {
                    delay = Duration::from_millis(100);
                    notify.notify_one();
                }
                Ok(None) => delay = Duration::from_millis(100),
                Err(err) => {
                    tracing::warn!(queue.name = %queue, error = %err, "waiting for wake-ups failed");
                    // The fetch loop re-checks on its own while this reconnects.
                    notify.notify_one();
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    break;
                }
            }
        }
    }
}
