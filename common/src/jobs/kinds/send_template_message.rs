//! `send_template_message`: delivers one planned Official Account template message
//! (`template_sends` row). The run claims its row before calling WeChat; a duplicate delivery
//! finds it claimed or sent; WeChat's `client_msg_id` (`tpl-<id>`) drops a repeat of a call whose
//! answer was lost. Failures map through `wechat::outcome::outcome_of`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::mask;
use crate::wechat::client::{TemplateMessage, TemplateValue};
use crate::wechat::outcome::outcome_of;
use crate::wechat::template_log::{TemplateLog, TemplateStatus};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTemplateMessage {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendTemplateMessage {
    const KIND: &'static str = "send_template_message";
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

impl SendTemplateMessage {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let row = match TemplateLog::claim(&mut conn, self.send_id, Self::TIMEOUT).await? {
            Claim::Mine(row) => row,
            Claim::Finished => return Ok(Outcome::Done),
            Claim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(client) = ctx.wechat.as_ref() else {
            TemplateLog::unclaim(&mut conn, row.id, TemplateStatus::Failed, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        if let Some(until) = ctx.rate_limit("wechat.template_send").await? {
            TemplateLog::unclaim(&mut conn, row.id, TemplateStatus::Pending, "rate limited here").await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let data: BTreeMap<String, TemplateValue> = row
            .data
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), TemplateValue::from(v.as_str().unwrap_or_default()))).collect())
            .unwrap_or_default();
        let message = TemplateMessage {
            touser: row.openid.clone(),
            template_id: row.template_id.clone(),
            url: row.url.clone(),
            client_msg_id: Some(format!("tpl-{}", row.id)),
            data,
            ..TemplateMessage::default()
        };
        let result = client.send_template_message(&message).await;
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(msgid) => {
                TemplateLog::sent(&mut conn, row.id, msgid).await?;
                tracing::info!(template.send = row.id, wechat.openid = %mask::openid(&row.openid), "template message sent");
                Ok(Outcome::Done)
            }
            Err(err) => {
                let outcome = outcome_of(&err);
                let last = matches!(outcome, Outcome::Permanent { .. })
                    || (matches!(outcome, Outcome::Transient { .. } | Outcome::TokenInvalid) && Self::RETRY.exhausted(ctx.job.attempt));
                let status = if last { TemplateStatus::Failed } else { TemplateStatus::Pending };
                TemplateLog::unclaim(&mut conn, row.id, status, &err.to_string()).await?;
                tracing::warn!(template.send = row.id, wechat.openid = %mask::openid(&row.openid), error = %err, "template message not sent");
                Ok(outcome)
            }
        }
    }
}
