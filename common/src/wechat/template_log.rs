//! The Official Account template-message log (`template_sends`): planning a message inside a
//! business transaction (one row per idempotency key and a `send_template_message` job), and the
//! job's claim (`pending → sending`) and outcome. The job sends `client_msg_id` = `tpl-<id>`, so
//! WeChat drops a repeat of a call whose answer was lost (within its 10 minutes).

use std::time::Duration;

use sqlx::PgConnection;

use crate::claim::{Claim, ClaimTable};
use crate::jobs::kinds::SendTemplateMessage;
use crate::outbox::Enqueue;

crate::text_enum! {
    /// `template_sends.status`.
    pub enum TemplateStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed" }
}

/// A planned message (`outbox_id` is `None` when the key was planned before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedTemplate {
    pub send_id: i64,
    pub outbox_id: Option<i64>,
}

/// A claimed row: what to send.
#[derive(Debug, Clone)]
pub struct ClaimedTemplate {
    pub id: i64,
    pub openid: String,
    pub template_id: String,
    pub url: Option<String>,
    pub data: serde_json::Value,
}

pub type TemplateClaim = Claim<ClaimedTemplate>;

/// Plans one template message to `openid`, once per `idempotency_key`. `data` is
/// `{"keyword": "value", …}` (each value becomes `{"value": …}`).
pub async fn plan_template(
    conn: &mut PgConnection,
    idempotency_key: &str,
    openid: &str,
    template_id: &str,
    url: Option<&str>,
    data: &serde_json::Value,
) -> sqlx::Result<PlannedTemplate> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO template_sends (idempotency_key, openid, template_id, url, data) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        openid,
        template_id,
        url,
        data
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(send_id) = inserted else {
        let send_id = sqlx::query_scalar!("SELECT id FROM template_sends WHERE idempotency_key = $1", idempotency_key).fetch_one(&mut *conn).await?;
        return Ok(PlannedTemplate { send_id, outbox_id: None });
    };
    let outbox_id = SendTemplateMessage { send_id }.enqueue_keyed(conn, format!("template_send:{send_id}")).await?;
    Ok(PlannedTemplate { send_id, outbox_id })
}

/// The log's operations.
pub struct TemplateLog;

impl TemplateLog {
    /// Takes row `id` for this run (or a claim older than `timeout`: its run is dead).
    pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<TemplateClaim> {
        let claimed = sqlx::query_as!(
            ClaimedTemplate,
            "UPDATE template_sends SET status = 'sending', claimed_at = clock_timestamp()
              WHERE id = $1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
             RETURNING id, openid, template_id, url, data",
            id,
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = claimed {
            return Ok(Claim::Mine(row));
        }
        crate::claim::not_claimed(conn, ClaimTable::TemplateSends, id, timeout).await
    }

    /// Sent: WeChat's msgid.
    pub async fn sent(conn: &mut PgConnection, id: i64, msgid: u64) -> sqlx::Result<()> {
        let msgid = i64::try_from(msgid).unwrap_or(i64::MAX);
        sqlx::query!(
            "UPDATE template_sends SET status = 'sent', msgid = $2, attempts = attempts + 1, claimed_at = NULL, error = NULL, sent_at = now()
              WHERE id = $1",
            id,
            msgid
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Back to `pending` (a failure that may pass) or `failed`, with the error.
    pub async fn unclaim(conn: &mut PgConnection, id: i64, status: TemplateStatus, error: &str) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE template_sends SET status = $2, attempts = attempts + 1, claimed_at = NULL, error = left($3, 500) WHERE id = $1",
            id,
            status.as_str(),
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}
