//! The jobs this process is running for one queue, so their leases can be renewed and, on
//! shutdown, the unfinished ones aborted and handed back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::task::AbortHandle;

#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<Mutex<HashMap<String, AbortHandle>>>);

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, AbortHandle>> {
        // A panic while holding this lock cannot leave the map inconsistent: keep using it.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Spawns `task` and records it under `id` before it can finish and remove itself.
    pub fn spawn<F>(&self, id: String, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut map = self.lock();
        let handle = tokio::spawn(task);
        map.insert(id, handle.abort_handle());
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    pub fn ids(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Aborts every job still running; returns their ids.
    pub fn abort_all(&self) -> Vec<String> {
        let map = self.lock();
        for handle in map.values() {
            handle.abort();
        }
        map.keys().cloned().collect()
    }
}
