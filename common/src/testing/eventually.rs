//! Waiting for what another task or process does: poll until it holds, or fail naming it.

use std::future::Future;
use std::time::{Duration, Instant};

/// What a check answers: `true`/`false`, or `Some(value)` once there is one.
pub trait Settled {
    type Value;
    fn settled(self) -> Option<Self::Value>;
}

impl Settled for bool {
    type Value = ();
    fn settled(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Settled for Option<T> {
    type Value = T;
    fn settled(self) -> Option<T> {
        self
    }
}

/// Polls `check` every 20 ms until it settles (returns `true` or `Some`), and returns its value;
/// panics naming `what` after `within`.
pub async fn eventually<S, F, Fut>(what: &str, within: Duration, mut check: F) -> S::Value
where
    S: Settled,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await.settled() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
