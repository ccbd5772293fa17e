//! Planning an e-mail inside the business transaction: check the recipients and the message, write
//! the send log row and the outbox job that will deliver it.

use lettre::message::Mailbox;
use sqlx::PgConnection;

use super::log::StoredAttachment;
use super::message::Rendered;
use crate::jobs::kinds::SendEmail;
use crate::outbox::Enqueue;

/// Most recipients of one message (the table's check says the same).
pub const MAX_RECIPIENTS: usize = 50;

/// A planned message: its log row and its outbox row (`outbox_id` is `None` when the key was
/// planned before: nothing new was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedMail {
    pub send_id: i64,
    pub outbox_id: Option<i64>,
}

/// Why nothing was planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanMailError {
    /// A recipient that is not an e-mail address (refuse the request rather than enqueue a doomed send).
    #[error("`{0}` is not an e-mail address")]
    InvalidRecipient(String),
    #[error("a message needs 1 to {MAX_RECIPIENTS} recipients")]
    RecipientCount,
    #[error("a message needs a subject")]
    NoSubject,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Plans one message of `kind` to `recipients`, once per `idempotency_key`.
pub async fn plan_email(
    conn: &mut PgConnection,
    idempotency_key: &str,
    kind: &str,
    recipients: &[String],
    body: &Rendered,
    attachments: &[StoredAttachment],
) -> Result<PlannedMail, PlanMailError> {
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(PlanMailError::RecipientCount);
    }
    if let Some(bad) = recipients.iter().find(|r| r.parse::<Mailbox>().is_err()) {
        return Err(PlanMailError::InvalidRecipient(bad.clone()));
    }
    if body.subject.trim().is_empty() {
        return Err(PlanMailError::NoSubject);
    }
    let inserted = sqlx::query_scalar!(
        "INSERT INTO mail_sends (idempotency_key, kind, recipients, subject, text_body, html_body, attachments)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        kind,
        recipients,
        body.subject,
        body.text,
        body.html,
        sqlx::types::Json(attachments) as _
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(send_id) = inserted else {
        let send_id = sqlx::query_scalar!("SELECT id FROM mail_sends WHERE idempotency_key = $1", idempotency_key)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(PlannedMail { send_id, outbox_id: None });
    };
    let outbox_id = SendEmail { send_id }.enqueue_keyed(conn, format!("mail_send:{send_id}")).await?;
    Ok(PlannedMail { send_id, outbox_id })
}
