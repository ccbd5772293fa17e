//! The transactional outbox. Nothing committed is ever lost: a job is a row written in the same
//! transaction as the domain rows (`job.enqueue(&mut tx)`, [`Enqueue`]); `commit_and_push`
//! commits and pushes it to Redis at once (`push_now`; the API hands the push to a batching
//! background task, [`Pusher`], so its requests do not wait for it), and
//! the relay (`relay_once`) pushes whatever was left (Redis down, process killed in between).
//! Pushing twice is harmless: the queue de-duplicates by envelope id, which is the outbox id.
//!
//! A pushed row stays open until the reconciliation sweep (`reconcile_once`) sees its job's
//! effect recorded in Redis (done or dead) and settles it; a row whose job Redis lost is pushed
//! again. Only settled rows are pruned.

mod pusher;
mod reconcile;
mod relay;
mod write;

pub use pusher::Pusher;
pub use reconcile::{reconcile_once, unpushed, unsettled, JobLedger, Reconciled};
pub use relay::{commit_and_push, oldest_unpushed_age, prune, push_now, push_range, relay_once};
pub use write::{insert, Enqueue, NewOutboxJob};

/// The queue-side id of an outbox row.
pub fn envelope_id(outbox_id: i64) -> String {
    format!("outbox:{outbox_id}")
}

#[cfg(test)]
mod tests;
