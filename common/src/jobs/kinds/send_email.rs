//! `send_email`: delivers one planned message (`mail_sends` row) over SMTP. The run claims the row
//! (`pending → sending`) first, so a duplicate delivery sends nothing; 4xx replies, timeouts and
//! connection trouble (an untrusted certificate among it) release it for a retry with backoff; 5xx
//! replies or a message that cannot be built (attachments over the limit) fail it for good. A timeout after
//! the message was handed over can send it twice; unlike SMS, mail accepts that risk. Attachments
//! are read from object storage at send time: one that is gone or over the limit fails the send,
//! a store that fails is retried.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::mail::{load_attachments, AttachmentError, MailClaim, MailFailure, MailLog, MailStatus, Rendered};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendEmail {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendEmail {
    const KIND: &'static str = "send_email";
    const QUEUE: QueueName = QueueName::Email;
    type Context = JobContext;
    const TIMEOUT: Duration = Duration::from_secs(120);

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SendEmail {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let mail = match MailLog::claim(&mut conn, self.send_id, Self::TIMEOUT).await? {
            MailClaim::Mine(mail) => mail,
            MailClaim::Finished => return Ok(Outcome::Done),
            MailClaim::Busy { until } => return Ok(Outcome::RateLimited { until }),
        };
        let Some(mailer) = ctx.mailer.as_ref() else {
            MailLog::settle(&mut conn, &mail, MailStatus::Failed, Some("e-mail is not configured (SMTP_URL)"), false).await?;
            return Ok(Outcome::permanent("e-mail is not configured"));
        };
        if let Some(until) = ctx.rate_limit("email.send").await? {
            MailLog::settle(&mut conn, &mail, MailStatus::Pending, None, false).await?;
            return Ok(Outcome::RateLimited { until });
        }
        drop(conn);
        let limit = mailer.config().attachment_max_bytes;
        let attachments = match load_attachments(ctx.storage.as_ref(), &mail.attachments.0, limit).await {
            Ok(attachments) => attachments,
            Err(err) => {
                let mut conn = ctx.db.acquire().await?;
                return Ok(match err {
                    AttachmentError::Permanent(why) => {
                        MailLog::settle(&mut conn, &mail, MailStatus::Failed, Some(&why), false).await?;
                        Outcome::permanent(why)
                    }
                    AttachmentError::Transient(why) => {
                        MailLog::settle(&mut conn, &mail, MailStatus::Pending, Some(&why), false).await?;
                        Outcome::transient(why)
                    }
                });
            }
        };
        let body = Rendered { subject: mail.subject.clone(), text: mail.text_body.clone(), html: mail.html_body.clone() };
        let result = mailer.send(&mail.recipients, &body, &attachments).await;
        let mut conn = ctx.db.acquire().await?;
        Ok(match result {
            Ok(()) => {
                MailLog::settle(&mut conn, &mail, MailStatus::Sent, None, true).await?;
                tracing::info!(mail.id = mail.id, mail.kind = %mail.kind, recipients = mail.recipients.len(), "e-mail sent");
                Outcome::Done
            }
            Err((failure, text)) => {
                tracing::warn!(mail.id = mail.id, failure = ?failure, error = %text, "e-mail failed");
                let last = Self::RETRY.exhausted(ctx.job.attempt);
                match failure {
                    MailFailure::Transient if !last => {
                        MailLog::settle(&mut conn, &mail, MailStatus::Pending, Some(&text), true).await?;
                        Outcome::transient(text)
                    }
                    _ => {
                        MailLog::settle(&mut conn, &mail, MailStatus::Failed, Some(&text), true).await?;
                        Outcome::permanent(text)
                    }
                }
            }
        })
    }
}
