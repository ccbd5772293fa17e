//! `send_custom_message`: delivers one planned customer-service message (`custom_sends` row, a
//! notice to someone whose window is open). The run claims its row before calling WeChat, so a
//! duplicate delivery finds it claimed or sent and never sends twice. When WeChat answers 45015
//! (the window closed) or 45047 (its count is spent), the row falls back once to its template
//! message, planned and pushed in the same transaction. Other failures map through
//! `wechat::outcome::outcome_of`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::mask;
use crate::wechat::client::CustomMessage;
use crate::wechat::custom_log::{CustomLog, CustomStatus, FALLBACK_ERRCODES};
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCustomMessage {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendCustomMessage {
    const KIND: &'static str = "send_custom_message";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(30);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SendCustomMessage {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let row = match CustomLog::claim(&mut conn, self.send_id, Self::TIMEOUT).await? {
            Claim::Mine(row) => row,
            Claim::Finished => return Ok(Outcome::Done),
            Claim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(client) = ctx.wechat.as_ref() else {
            CustomLog::unclaim(&mut conn, row.id, CustomStatus::Failed, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        if let Some(until) = ctx.rate_limit("wechat.custom_send").await? {
            CustomLog::unclaim(&mut conn, row.id, CustomStatus::Pending, "rate limited here").await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let result = client.send_custom_message(&row.openid, &CustomMessage::Text { content: row.content.clone() }).await;
        let openid = mask::openid(&row.openid);
        match result {
            Ok(()) => {
                let mut conn = ctx.db.acquire().await?;
                CustomLog::sent(&mut conn, row.id).await?;
                tracing::info!(custom.send = row.id, wechat.openid = %openid, "customer-service message sent");
                Ok(Outcome::Done)
            }
            Err(err) if err.errcode().is_some_and(|c| FALLBACK_ERRCODES.contains(&c)) => {
                let mut tx = ctx.db.begin().await?;
                let outbox = CustomLog::fall_back(&mut tx, row.id, &err.to_string()).await?;
                ctx.commit_and_push(tx, &outbox.into_iter().collect::<Vec<_>>()).await?;
                tracing::info!(custom.send = row.id, wechat.openid = %openid, error = %err, "customer-service message refused: a template message instead");
                Ok(Outcome::Done)
            }
            Err(err) => {
                let outcome = outcome_of(&err);
                let last = matches!(outcome, Outcome::Permanent { .. })
                    || (matches!(outcome, Outcome::Transient { .. } | Outcome::TokenInvalid) && Self::RETRY.exhausted(ctx.job.attempt));
                let status = if last { CustomStatus::Failed } else { CustomStatus::Pending };
                let mut conn = ctx.db.acquire().await?;
                CustomLog::unclaim(&mut conn, row.id, status, &err.to_string()).await?;
                tracing::warn!(custom.send = row.id, wechat.openid = %openid, error = %err, "customer-service message not sent");
                Ok(outcome)
            }
        }
    }
}
