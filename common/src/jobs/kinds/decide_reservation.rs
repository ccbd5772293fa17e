//! `decide_reservation`: decides one room reservation request on the single-consumer
//! `reservations` queue (seed 002: "only one worker, to prevent concurrent bookings"). The
//! decision is written in the transaction that claims the queue's fence, so a paused holder whose
//! lease passed on is refused by PostgreSQL before it writes anything; the request's state makes
//! a redelivery a no-op, and the confirmation notice is planned in the same transaction.

use serde::{Deserialize, Serialize};

use crate::college::reservations::decide::{decide, Decided};
use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::lease::FenceError;
use crate::mail::PlanMailError;

/// Why a decision did not commit (each is retried: a stale fence by the new holder's redelivery).
#[derive(Debug, thiserror::Error)]
enum NotDecided {
    #[error(transparent)]
    Fence(#[from] FenceError),
    #[error(transparent)]
    Plan(#[from] PlanMailError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecideReservation {
    pub request_id: i64,
}

#[async_trait::async_trait]
impl Job for DecideReservation {
    const KIND: &'static str = "decide_reservation";
    const QUEUE: QueueName = QueueName::Reservations;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let Some(fence) = &ctx.job.fence else { return Outcome::permanent("run outside the single-consumer lease") };
        let decided = async {
            let mut tx = ctx.db.begin().await?;
            fence.claim(&mut tx).await?;
            let decided = decide(&mut tx, ctx.reservation_channels(), self.request_id).await?;
            let notice: Vec<i64> = match &decided {
                Decided::Accepted { notice, .. } => notice.iter().copied().collect(),
                _ => Vec::new(),
            };
            ctx.commit_and_push(tx, &notice).await?;
            Ok::<_, NotDecided>(decided)
        }
        .await;
        match decided {
            Ok(Decided::Accepted { reservation, .. }) => {
                tracing::info!(reservation.request = self.request_id, reservation.id = reservation.id, "reservation accepted");
                Outcome::Done
            }
            Ok(Decided::Refused { refusal, .. }) => {
                tracing::info!(reservation.request = self.request_id, %refusal, "reservation refused");
                Outcome::Done
            }
            Ok(Decided::AlreadyDecided | Decided::NotFound) => Outcome::Done,
            Err(err) => Outcome::transient(err),
        }
    }
}
