//! The jobs this process holds for one queue, with their lease tokens: their leases are renewed
//! until the acknowledgement of their run has landed (not merely until the run ended, so a
//! slow acknowledgement never lets the lease expire), and on shutdown the unfinished ones are
//! aborted and handed back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use yizhan_common::queue::Held;

/// Lease token and, for a job running in its own task, the handle that aborts it.
type Leases = HashMap<String, (u64, Option<AbortHandle>)>;

#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<(Mutex<Leases>, Notify)>);

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, Leases> {
        // A panic while holding this lock cannot leave the map inconsistent: keep using it.
        self.0 .0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Spawns `task` and records the lease before it can finish.
    pub fn spawn<F>(&self, held: Held, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut map = self.lock();
        let handle = tokio::spawn(task);
        map.insert(held.id, (held.token, Some(handle.abort_handle())));
    }

    /// Records leases whose runs are driven elsewhere (the apalis runtime's worker future).
    pub fn hold(&self, held: impl IntoIterator<Item = Held>) {
        let mut map = self.lock();
        for h in held {
            map.insert(h.id, (h.token, None));
        }
    }

    /// Returns once no lease is held (every acknowledgement landed or was handed back).
    pub async fn drained(&self) {
        loop {
            let notified = self.0 .1.notified();
            if self.lock().is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// Forgets leases whose acknowledgement landed (or was refused); a newer lease on the same
    /// id is kept.
    pub fn release(&self, held: &[Held]) {
        let mut map = self.lock();
        for h in held {
            if map.get(&h.id).is_some_and(|(token, _)| *token == h.token) {
                map.remove(&h.id);
            }
        }
        if map.is_empty() {
            self.0 .1.notify_waiters();
        }
    }

    pub fn held(&self) -> Vec<Held> {
        self.lock().iter().map(|(id, (token, _))| Held { id: id.clone(), token: *token }).collect()
    }

    /// Aborts every job still running; returns how many leases are held.
    pub fn abort_all(&self) -> usize {
        let map = self.lock();
        for handle in map.values().filter_map(|(_, handle)| handle.as_ref()) {
            handle.abort();
        }
        map.len()
    }
}
