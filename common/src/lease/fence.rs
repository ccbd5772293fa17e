//! What a job running under a lease carries: the lease and the fencing token it was given. The
//! write that must be exclusive claims the lease's resource in PostgreSQL with the token, in the
//! same transaction ([`Fence::claim`]); a stale holder is refused there.

use sqlx::PgConnection;
use tokio::sync::watch;

use super::fences::{self, FenceError};
use super::{FencingToken, Lease};

#[derive(Debug, Clone)]
pub struct Fence {
    lease: Lease,
    pub token: FencingToken,
    /// `true` while the keeper holds the lease (absent: not watched, e.g. in tests).
    held: Option<watch::Receiver<bool>>,
}

impl Fence {
    pub fn new(lease: Lease, token: FencingToken) -> Self {
        Self { lease, token, held: None }
    }

    /// Follows the keeper's view of the lease (see [`super::LeaseKeeper::watch`]).
    pub fn watching(mut self, held: watch::Receiver<bool>) -> Self {
        self.held = Some(held);
        self
    }

    /// The fenced resource's name (the lease's name).
    pub fn resource(&self) -> &str {
        self.lease.name()
    }

    /// True once the keeper has seen the lease lost; the holder then stops at once.
    pub fn is_lost(&self) -> bool {
        self.held.as_ref().is_some_and(|h| !*h.borrow())
    }

    /// True while this token is the lease's current one (false also when Redis cannot say).
    pub async fn is_current(&self) -> bool {
        !self.is_lost() && self.lease.is_current(self.token).await.unwrap_or(false)
    }

    /// Claims the resource for this token inside the caller's transaction: refused when the lease
    /// is known lost or a newer token has claimed it (see [`fences::claim`]).
    pub async fn claim(&self, conn: &mut PgConnection) -> Result<(), FenceError> {
        if self.is_lost() {
            return Err(FenceError::Stale { resource: self.resource().to_owned(), token: self.token, current: self.token });
        }
        fences::claim(conn, self.resource(), self.token).await
    }
}
