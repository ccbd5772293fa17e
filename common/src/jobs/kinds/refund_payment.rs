//! `refund_payment`: the placeholder for refunding a cancelled paid appointment. The cancel wrote
//! the `refunds` row (`requested`) in its transaction; this records it (`recorded`), which is
//! where a payment integration would call the provider. Idempotent by the row's state.

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundPayment {
    pub refund_id: i64,
}

#[async_trait::async_trait]
impl Job for RefundPayment {
    const KIND: &'static str = "refund_payment";
    const QUEUE: QueueName = QueueName::Default;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let recorded = sqlx::query_scalar!(
            "UPDATE refunds SET status = 'recorded', recorded_at = now() WHERE id = $1 AND status = 'requested' RETURNING amount_cents",
            self.refund_id
        )
        .fetch_optional(&ctx.db)
        .await;
        match recorded {
            Ok(Some(cents)) => {
                tracing::info!(refund.id = self.refund_id, refund.amount_cents = cents, "refund recorded");
                Outcome::Done
            }
            Ok(None) => Outcome::Done,
            Err(err) => Outcome::transient(err),
        }
    }
}
