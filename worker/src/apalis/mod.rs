//! The worker on apalis 1.0 (`WORKER_RUNTIME=apalis`): Yizhan's queue engine exposed as an
//! apalis backend, and one apalis worker per queue under an apalis `Monitor`, with tower layers
//! around each run (tracing, panics caught, a per-kind timeout, metrics) and Yizhan's outcomes
//! in the acknowledgement.
//!
//! - [`backend::EngineBackend`] implements apalis-core's `Backend` (`poll_ready` gates on free
//!   slots; `poll_next` drains a buffer filled by one batched `FETCH`; `poll_close` hands back
//!   what was fetched but never run and waits until every acknowledgement has landed),
//!   `BackendConfig`, `WireFormatBackend` and `futures::Sink` for pushes, so `TaskSink` comes
//!   with them.
//! - [`ack::EngineAck`] implements `Acknowledge`: it turns a run's result into a [`Finish`]
//!   (done, retry spending an attempt, later without one, park, dead) and hands it to the same
//!   batching acknowledger as the direct loop, returning at once.
//! - [`runtime`] wires the queues into a `Monitor`, and around it the per-queue housekeeping
//!   (heartbeat, lease renewal, recovery sweep) and the acknowledger the direct loop uses.
//!
//! [`Finish`]: yizhan_common::queue::Finish

pub mod ack;
pub mod backend;
pub mod codec;
pub mod layers;
pub mod runtime;
pub mod service;

pub use ack::EngineAck;
pub use backend::EngineBackend;
pub use codec::{JobArgs, PassThrough};
pub use service::{Lease, RunJob};
