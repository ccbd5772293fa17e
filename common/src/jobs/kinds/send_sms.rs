//! `send_sms`: delivers one planned SMS (`sms_sends` row) through Aliyun SendSms. Exactly once as
//! far as we can know: the run claims the row (`pending → sending`) and marks it as calling before
//! the request, so a duplicate delivery sends nothing; a failure that may pass releases the claim;
//! flow control reschedules without spending an attempt; a lost answer ends `unknown` (the job
//! goes to the dead set, visible to operators) and is never resent by itself.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::mask;
use crate::sms::{classify, ClaimedSms, SmsClaim, SmsError, SmsFailure, SmsLog, SmsRequest, SmsStatus};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendSms {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendSms {
    const KIND: &'static str = "send_sms";
    const QUEUE: QueueName = QueueName::Sms;
    type Context = JobContext;
    /// Longer than the SMS client's timeout, so a run that called always records what it saw.
    const TIMEOUT: Duration = Duration::from_secs(45);
    const RETRY: RetryPolicy = RetryPolicy::DEFAULT;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SendSms {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let sms = match SmsLog::claim(&mut conn, self.send_id, ctx.job.attempt, Self::TIMEOUT).await? {
            SmsClaim::Mine(sms) => sms,
            SmsClaim::Finished => return Ok(Outcome::Done),
            SmsClaim::Busy { until } => return Ok(Outcome::RateLimited { until }),
            SmsClaim::Lost => {
                tracing::error!(sms.id = self.send_id, "SMS outcome unknown: its worker stopped during the call; not resent");
                return Ok(Outcome::permanent(format!("sms send {} outcome unknown (worker stopped during the call)", self.send_id)));
            }
        };
        let Some(client) = ctx.sms.as_ref() else {
            SmsLog::finish(&mut conn, &sms, SmsStatus::Failed, None, "SMS is not configured", false).await?;
            return Ok(Outcome::permanent("SMS is not configured"));
        };
        let Some(template) = client.config().template(&sms.kind).map(str::to_owned) else {
            let why = format!("no template for kind `{}` (SMS_TEMPLATE_{})", sms.kind, sms.kind.to_ascii_uppercase());
            SmsLog::finish(&mut conn, &sms, SmsStatus::Failed, None, &why, false).await?;
            return Ok(Outcome::permanent(why));
        };
        if let Some(until) = ctx.rate_limit("sms.send").await? {
            SmsLog::release(&mut conn, &sms, None).await?;
            return Ok(Outcome::RateLimited { until });
        }
        if !SmsLog::calling(&mut conn, &sms).await? {
            return Ok(Outcome::Done); // the claim was taken over meanwhile
        }
        drop(conn);
        let out_id = sms.id.to_string();
        let result = client
            .send(&SmsRequest { phone: &sms.phone, template_code: &template, params: &sms.params, out_id: &out_id })
            .await;
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(receipt) => {
                SmsLog::sent(&mut conn, &sms, &template, receipt.biz_id.as_deref(), receipt.request_id.as_deref()).await?;
                tracing::info!(sms.id = sms.id, sms.kind = %sms.kind, phone = %mask::phone(&sms.phone), "SMS sent");
                Ok(Outcome::Done)
            }
            Err(err) => self.failed(ctx, &mut conn, &sms, &err).await,
        }
    }

    async fn failed(&self, ctx: &JobContext, conn: &mut sqlx::PgConnection, sms: &ClaimedSms, err: &SmsError) -> anyhow::Result<Outcome> {
        let code = match err {
            SmsError::Refused { code, .. } => Some(code.as_str()),
            _ => None,
        };
        let text = err.to_string();
        let failure = classify(err, Utc::now());
        tracing::warn!(sms.id = sms.id, phone = %mask::phone(&sms.phone), code = ?code, failure = ?failure, "SMS send failed");
        Ok(match failure {
            SmsFailure::FlowControl { until } => {
                SmsLog::release(conn, sms, Some((code.unwrap_or_default(), &text))).await?;
                Outcome::RateLimited { until }
            }
            SmsFailure::Transient if !Self::RETRY.exhausted(ctx.job.attempt) => {
                SmsLog::release(conn, sms, Some((code.unwrap_or("network"), &text))).await?;
                Outcome::transient(text)
            }
            SmsFailure::Transient | SmsFailure::Permanent => {
                SmsLog::finish(conn, sms, SmsStatus::Failed, code, &text, true).await?;
                Outcome::permanent(text)
            }
            SmsFailure::Unknown => {
                SmsLog::finish(conn, sms, SmsStatus::Unknown, code, &text, true).await?;
                tracing::error!(sms.id = sms.id, phone = %mask::phone(&sms.phone), "SMS outcome unknown: not resent");
                Outcome::permanent(format!("sms send {} outcome unknown, not resent: {text}", sms.id))
            }
        })
    }
}

