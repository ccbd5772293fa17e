//! The outbox rows one request writes, and the one call that commits its transaction and pushes
//! them.

use sqlx::{Postgres, Transaction};

use crate::state::AppState;

/// Outbox rows written in a request's transaction (`job.enqueue(&mut tx)` returns each id).
/// [`Enqueued::commit`] consumes the transaction, so a handler cannot commit and forget to push:
/// the jobs would otherwise wait for the scheduler's relay sweep.
#[derive(Debug, Default)]
#[must_use = "finish the request with `Enqueued::commit(tx, &state)`"]
pub struct Enqueued(Vec<i64>);

impl Enqueued {
    /// Records rows to push after commit (`None` — a row already written under its key — adds none).
    pub fn add(&mut self, outbox_ids: impl IntoIterator<Item = i64>) {
        self.0.extend(outbox_ids);
    }

    /// Commits the request's transaction, then hands its rows to the process's pusher, which
    /// pushes them in a batch with other requests' rows without the request waiting (failures
    /// are left to the relay: the commit stands).
    pub async fn commit(self, tx: Transaction<'_, Postgres>, state: &AppState) -> sqlx::Result<()> {
        tx.commit().await?;
        state.pusher.hand_off(self.0);
        Ok(())
    }
}
