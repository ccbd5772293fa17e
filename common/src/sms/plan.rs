//! Planning an SMS inside the business transaction: validate the number, write the send log row
//! and the outbox job that will deliver it.

use sqlx::PgConnection;

use super::phone::normalize_mainland_mobile;
use crate::jobs::kinds::SendSms;
use crate::outbox::Enqueue;

/// A planned message: its log row and its outbox row (`outbox_id` is `None` when the key was
/// planned before: nothing new was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedSms {
    pub send_id: i64,
    pub outbox_id: Option<i64>,
}

/// Why nothing was planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanSmsError {
    /// Not a mainland mobile number: refuse the request (422) rather than enqueue a doomed send.
    #[error("not a mainland China mobile number")]
    InvalidPhone,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Plans one message of `kind` (its template is `SMS_TEMPLATE_<KIND>`) to `phone`, once per
/// `idempotency_key`.
pub async fn plan_sms(
    conn: &mut PgConnection,
    idempotency_key: &str,
    kind: &str,
    phone: &str,
    params: &serde_json::Value,
) -> Result<PlannedSms, PlanSmsError> {
    let phone = normalize_mainland_mobile(phone).ok_or(PlanSmsError::InvalidPhone)?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO sms_sends (idempotency_key, kind, phone, params) VALUES ($1, $2, $3, $4)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        idempotency_key,
        kind,
        phone,
        params
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(send_id) = inserted else {
        let send_id = sqlx::query_scalar!("SELECT id FROM sms_sends WHERE idempotency_key = $1", idempotency_key)
            .fetch_one(&mut *conn)
            .await?;
        return Ok(PlannedSms { send_id, outbox_id: None });
    };
    let outbox_id = SendSms { send_id }.enqueue_keyed(conn, format!("sms_send:{send_id}")).await?;
    Ok(PlannedSms { send_id, outbox_id })
}
