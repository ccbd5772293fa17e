//! The Official Account customer-service message log (`custom_sends`): the job's claim
//! (`pending → sending`) and outcome. A message WeChat refuses because the user's window closed
//! (45015) or its count is spent (45047) falls back, once, to the template message planned with
//! the row (`fallback`, keyed `fallback_key`: `plan_template` plans a key once).

use std::time::Duration;

use sqlx::PgConnection;

use crate::claim::{Claim, ClaimTable};
use crate::jobs::kinds::SendCustomMessage;
use crate::outbox::Enqueue;
use crate::wechat::template_log::plan_template;

crate::text_enum! {
    /// `custom_sends.status`.
    pub enum CustomStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed", Fallback = "fallback" }
}

/// Plans one customer-service message to `openid`, once per `key`, with the template message it
/// falls back to (`{templateId, url, data}`, planned under the same key if WeChat refuses it);
/// returns its outbox row (`None`: planned before).
pub async fn plan_custom(conn: &mut PgConnection, key: &str, openid: &str, content: &str, fallback: &serde_json::Value) -> sqlx::Result<Option<i64>> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO custom_sends (idempotency_key, openid, content, fallback_key, fallback) VALUES ($1, $2, $3, $1, $4)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        key,
        openid,
        content,
        fallback
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(send_id) = inserted else { return Ok(None) };
    SendCustomMessage { send_id }.enqueue_keyed(conn, format!("custom_send:{send_id}")).await
}

/// The errcodes after which a customer-service message is replaced by its template message:
/// 45015 (outside the user's window) and 45047 (over the window's count).
pub const FALLBACK_ERRCODES: [i64; 2] = [45015, 45047];

/// A claimed row: what to send.
#[derive(Debug, Clone)]
pub struct ClaimedCustom {
    pub id: i64,
    pub openid: String,
    pub content: String,
}

pub type CustomClaim = Claim<ClaimedCustom>;

/// The log's operations.
pub struct CustomLog;

impl CustomLog {
    /// Takes row `id` for this run (or a claim older than `timeout`: its run is dead).
    pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<CustomClaim> {
        let claimed = sqlx::query_as!(
            ClaimedCustom,
            "UPDATE custom_sends SET status = 'sending', claimed_at = clock_timestamp()
              WHERE id = $1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
             RETURNING id, openid, content",
            id,
            timeout.as_secs_f64()
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = claimed {
            return Ok(Claim::Mine(row));
        }
        crate::claim::not_claimed(conn, ClaimTable::CustomSends, id, timeout).await
    }

    pub async fn sent(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE custom_sends SET status = 'sent', attempts = attempts + 1, claimed_at = NULL, error = NULL, sent_at = now() WHERE id = $1",
            id
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Back to `pending` (a failure that may pass) or `failed`, with the error.
    pub async fn unclaim(conn: &mut PgConnection, id: i64, status: CustomStatus, error: &str) -> sqlx::Result<()> {
        sqlx::query!(
            "UPDATE custom_sends SET status = $2, attempts = attempts + 1, claimed_at = NULL, error = left($3, 500) WHERE id = $1",
            id,
            status.as_str(),
            error
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The claimed row `id` becomes `fallback` and its template message is planned (run it in a
    /// transaction). Returns the template's outbox row (`None`: planned before).
    pub async fn fall_back(conn: &mut PgConnection, id: i64, error: &str) -> sqlx::Result<Option<i64>> {
        let row = sqlx::query!(
            "UPDATE custom_sends SET status = 'fallback', attempts = attempts + 1, claimed_at = NULL, error = left($2, 500)
              WHERE id = $1 AND status = 'sending' RETURNING openid, fallback_key, fallback",
            id,
            error
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let f = &row.fallback;
        let planned = plan_template(conn, &row.fallback_key, &row.openid, f["templateId"].as_str().unwrap_or_default(), f["url"].as_str(), &f["data"]).await?;
        sqlx::query!("UPDATE custom_sends SET fallback_send_id = $2 WHERE id = $1", id, planned.send_id).execute(conn).await?;
        Ok(planned.outbox_id)
    }
}
