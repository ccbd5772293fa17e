//! The acknowledgement: a run's result becomes Yizhan's [`Finish`] (the same decision as the
//! direct loop: done; retry spending an attempt, with backoff; later without spending one, for a
//! rate limit or a quota; parked for an unknown kind; dead past the attempt cap or on a
//! permanent failure) and is handed to the batching acknowledger, which lands up to a thousand
//! per script call. `ack` returns at once; the lease stays held (and renewed) until the
//! acknowledger has landed it.

use std::future::{ready, Ready};
use std::sync::Arc;

use apalis_core::error::BoxDynError;
use apalis_core::task::ExecutionContext;
use apalis_core::worker::ext::ack::Acknowledge;
use tokio::sync::mpsc::UnboundedSender;
use yizhan_common::jobs::Outcome;
use yizhan_common::queue::{Finish, Held};

use super::backend::Slots;
use super::service::{Lease, NoLease, UnknownKind};
use crate::execute::{conclude, park_unknown};

/// Hands each run's [`Finish`] to the queue's acknowledger and frees the run's slot.
#[derive(Debug, Clone)]
pub struct EngineAck {
    acks: UnboundedSender<(Held, Finish)>,
    slots: Arc<Slots>,
}

impl EngineAck {
    pub(crate) fn new(acks: UnboundedSender<(Held, Finish)>, slots: Arc<Slots>) -> Self {
        Self { acks, slots }
    }
}

/// The acknowledger has stopped (only after the worker's runs ended).
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    #[error("the acknowledger has stopped; the lease is handed back at shutdown")]
    Closed,
    #[error(transparent)]
    NoLease(#[from] NoLease),
}

impl Acknowledge<Outcome> for EngineAck {
    type Error = AckError;
    type Future = Ready<Result<(), AckError>>;

    fn ack(&mut self, res: &Result<Outcome, BoxDynError>, ctx: &ExecutionContext) -> Self::Future {
        let Some(lease) = ctx.data().get::<Lease>() else { return ready(Err(NoLease.into())) };
        let finish = finish_for(lease, res);
        let sent = self.acks.send((lease.held.clone(), finish));
        self.slots.free_one();
        ready(sent.map_err(|_| AckError::Closed))
    }
}

/// What the queue does with a job after this run.
pub fn finish_for(lease: &Lease, res: &Result<Outcome, BoxDynError>) -> Finish {
    let id = lease.held.id.as_str();
    match (lease.handler, res) {
        (Some(handler), Ok(outcome)) => conclude(id, &handler, lease.attempts, outcome.clone()),
        (Some(handler), Err(err)) => conclude(id, &handler, lease.attempts, Outcome::transient(err.to_string())),
        (None, res) => {
            let kind = res.as_ref().err().and_then(|e| e.downcast_ref::<UnknownKind>()).map_or("?", |k| k.0.as_str());
            park_unknown(id, kind)
        }
    }
}
