//! What a job running under a lease carries: the lease and the fencing token it was given, so it
//! can check, right before a write that must be exclusive, that it still holds the lease.

use super::{FencingToken, Lease};

#[derive(Debug, Clone)]
pub struct Fence {
    lease: Lease,
    pub token: FencingToken,
}

impl Fence {
    pub fn new(lease: Lease, token: FencingToken) -> Self {
        Self { lease, token }
    }

    /// True while this token is the lease's current one (false also when Redis cannot say).
    pub async fn is_current(&self) -> bool {
        self.lease.is_current(self.token).await.unwrap_or(false)
    }
}
