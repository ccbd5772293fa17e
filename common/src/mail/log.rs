//! The e-mail send log (`mail_sends`): the
//! claim (`pending → sending`) a job takes before talking SMTP, so a job delivered twice sends once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

crate::text_enum! {
    /// `mail_sends.status`.
    pub enum MailStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed" }
}

/// An attachment by reference to a stored object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAttachment {
    pub key: String,
    pub filename: String,
    pub content_type: String,
}

/// A claimed row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub attachments: sqlx::types::Json<Vec<StoredAttachment>>,
    pub claimed_at: DateTime<Utc>,
}

/// What claiming found.
pub type MailClaim = crate::claim::Claim<ClaimedMail>;

/// Reading and updating `mail_sends`.
#[derive(Debug)]
pub struct MailLog;

impl MailLog {
    pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<MailClaim> {
        let claimed = sqlx::query_as!(
            ClaimedMail,
            r#"UPDATE mail_sends SET status = 'sending', claimed_at = clock_timestamp(), updated_at = now()
              WHERE id = $1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
             RETURNING id, kind, recipients, subject, text_body, html_body,
                       attachments AS "attachments: sqlx::types::Json<Vec<StoredAttachment>>", claimed_at AS "claimed_at!""#,
            id,
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(mail) = claimed {
            return Ok(MailClaim::Mine(mail));
        }
        crate::claim::not_claimed(conn, crate::claim::ClaimTable::MailSends, id, timeout).await
    }

    /// Ends the claim: `pending` again (`error` recorded when a delivery was tried), `sent` or `failed`.
    pub async fn settle(conn: &mut PgConnection, mail: &ClaimedMail, status: MailStatus, error: Option<&str>, tried: bool) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE mail_sends SET status = $3, error = COALESCE(left($4, 500), CASE WHEN $3 = 'sent' THEN NULL ELSE error END),
                    attempts = attempts + ($5::BOOL)::INT, claimed_at = NULL, updated_at = now(),
                    sent_at = CASE WHEN $3 = 'sent' THEN now() END
              WHERE id = $1 AND status = 'sending' AND claimed_at = $2",
            mail.id,
            mail.claimed_at,
            status.as_str(),
            error,
            tried
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}
