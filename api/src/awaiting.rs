//! Requests that wait for a job's effect (a reservation's decision, a department's QR code): the
//! job's transaction sends `NOTIFY channel, 'key'` as it commits; one `LISTEN` connection per
//! channel and API process (started when the channel is first waited on) wakes the
//! request waiting for that key, which then reads the state it needs. Waiting never holds a pool
//! connection, and notices only hurry things up: a waiter also reads the state every
//! [`RECHECK`], so a notice lost while the listener reconnects costs at most that long.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How often a waiter reads the state even without a notice.
pub const RECHECK: Duration = Duration::from_secs(1);

type Waiters = Arc<Mutex<HashMap<(&'static str, String), (Arc<Notify>, usize)>>>;

/// The API process's waiters, by channel and key.
#[derive(Default)]
pub struct Awaiting {
    waiters: Waiters,
    /// The channels a listener was started for.
    listening: Mutex<HashSet<&'static str>>,
}

impl std::fmt::Debug for Awaiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Awaiting").finish_non_exhaustive()
    }
}

/// Unregisters a waiter when its request ends, however it ends.
struct Registered {
    waiters: Waiters,
    key: (&'static str, String),
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut map = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, count)) = map.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl Awaiting {
    /// Reads `check` until it answers `Some` or `within` has passed (then `None`): at once, on each
    /// notice of `key` on `channel`, and every [`RECHECK`].
    pub async fn until<T, F, Fut>(&self, db: &PgPool, channel: &'static str, key: String, within: Duration, mut check: F) -> sqlx::Result<Option<T>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = sqlx::Result<Option<T>>>,
    {
        self.listen(db, channel);
        let deadline = Instant::now() + within;
        let (notify, _registered) = self.register(channel, key);
        loop {
            // Armed before the read, so a notice sent while it runs is not missed.
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check().await? {
                return Ok(Some(found));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let _ = tokio::time::timeout((deadline - now).min(RECHECK), notified).await;
        }
    }

    fn register(&self, channel: &'static str, key: String) -> (Arc<Notify>, Registered) {
        let mut map = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry((channel, key.clone())).or_insert_with(|| (Arc::new(Notify::new()), 0));
        entry.1 += 1;
        (entry.0.clone(), Registered { waiters: self.waiters.clone(), key: (channel, key) })
    }

    /// Starts the process's listener of `channel` on first use.
    fn listen(&self, db: &PgPool, channel: &'static str) {
        if self.listening.lock().unwrap_or_else(PoisonError::into_inner).insert(channel) {
            tokio::spawn(relay(db.clone(), channel, self.waiters.clone()));
        }
    }
}

/// Wakes the waiters of each notice; reconnects after a failure (notices meanwhile are lost and
/// the waiters' rechecks cover them).
async fn relay(db: PgPool, channel: &'static str, waiters: Waiters) {
    loop {
        let mut listener = match PgListener::connect_with(&db).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "cannot LISTEN for job effects; waiters fall back on rechecks");
                tokio::time::sleep(RECHECK).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(channel).await {
            tracing::warn!(error = %err, channel, "LISTEN failed");
            tokio::time::sleep(RECHECK).await;
            continue;
        }
        loop {
            match listener.recv().await {
                Ok(notice) => {
                    let map = waiters.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some((notify, _)) = map.get(&(channel, notice.payload().to_owned())) {
                        notify.notify_waiters();
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, channel, "LISTEN connection lost; reconnecting");
                    break;
                }
            }
        }
    }
}
