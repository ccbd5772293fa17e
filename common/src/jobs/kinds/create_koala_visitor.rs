//! `create_koala_visitor`: creates one planned visitor (`koala_visitors` row) as a Koala visitor
//! subject for its time window. Idempotent by state: the run claims the row (`pending →
//! creating`) before the call and stores the subject id after it, so a redelivered job finds the
//! row done and does nothing; a failure that may pass gives the claim back and is retried; a
//! refusal fails the row for good. `POST /subject` is not idempotent: a retry after a call whose
//! answer was lost first looks the visitor up in Koala and keeps the subject found.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::koala::{ClaimedVisitor, KoalaError, KoalaVisitors, VisitorClaim};
use crate::mask;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateKoalaVisitor {
    pub visitor_id: i64,
}

#[async_trait::async_trait]
impl Job for CreateKoalaVisitor {
    const KIND: &'static str = "create_koala_visitor";
    const QUEUE: QueueName = QueueName::Koala;
    type Context = JobContext;
    /// Room for a lookup, a login and a retried call at the client's timeout.
    const TIMEOUT: Duration = Duration::from_secs(60);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.create(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl CreateKoalaVisitor {
    async fn create(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let row = match KoalaVisitors::claim(&mut conn, self.visitor_id, ctx.job.attempt, Self::TIMEOUT).await? {
            VisitorClaim::Mine(row) => row,
            VisitorClaim::Finished => return Ok(Outcome::Done),
            VisitorClaim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(client) = ctx.koala.as_ref() else {
            KoalaVisitors::failed(&mut conn, &row, None, "Koala is not configured").await?;
            return Ok(Outcome::permanent("Koala is not configured"));
        };
        if let Some(until) = ctx.rate_limit("koala.create_subject").await? {
            KoalaVisitors::release(&mut conn, &row, None).await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let visitor = row.visitor();
        // An earlier call may have created it with its answer lost.
        let found = if row.calls > 0 { client.find_visitor(&visitor).await.map(|s| s.map(|s| s.id)) } else { Ok(None) };
        let result = match found {
            Ok(Some(id)) => Ok(id),
            Ok(None) => {
                let mut conn = ctx.db.acquire().await?;
                if !KoalaVisitors::calling(&mut conn, &row).await? {
                    return Ok(Outcome::Done); // the claim was taken over meanwhile
                }
                drop(conn);
                client.create_visitor(&visitor).await.map(|s| s.id)
            }
            Err(err) => Err(err),
        };
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(subject_id) => {
                KoalaVisitors::created(&mut conn, &row, subject_id).await?;
                tracing::info!(koala.visitor = row.id, koala.subject = subject_id, phone = %mask::phone(&row.phone), "Koala visitor created");
                Ok(Outcome::Done)
            }
            Err(err) => self.failed(ctx, &mut conn, &row, &err).await,
        }
    }

    async fn failed(&self, ctx: &JobContext, conn: &mut sqlx::PgConnection, row: &ClaimedVisitor, err: &KoalaError) -> anyhow::Result<Outcome> {
        let text = err.to_string();
        tracing::warn!(koala.visitor = row.id, phone = %mask::phone(&row.phone), error = %text, "Koala visitor not created");
        Ok(match err {
            KoalaError::Unavailable(_) if !Self::RETRY.exhausted(ctx.job.attempt) => {
                KoalaVisitors::release(conn, row, Some(&text)).await?;
                Outcome::transient(text)
            }
            KoalaError::Unavailable(_) => {
                KoalaVisitors::failed(conn, row, None, &text).await?;
                Outcome::permanent(text)
            }
            KoalaError::Rejected { code, .. } => {
                KoalaVisitors::failed(conn, row, Some(*code), &text).await?;
                Outcome::permanent(text)
            }
        })
    }
}
