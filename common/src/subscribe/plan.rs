//! Planning a send inside the business transaction: spend a grant, write the send log row and
//! the outbox job that will deliver it. Without a grant nothing is written.

use sqlx::PgConnection;

use super::exchanges::{awaits_exchange, EXCHANGE_POLL};
use super::grants::spend;
use super::kind::{MessageKind, TemplateConfig};
use crate::jobs::kinds::SendSubscribeMessage;
use crate::outbox::Enqueue;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendTarget {
    Appointment(i64),
    Waitlist(i64),
    Reservation(i64),
}

/// A send that was planned: its log row and its outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedSend {
    pub send_id: i64,
    pub outbox_id: i64,
}

/// The idempotency key of the message of `kind` about `target` on `occasion`.
fn send_key(kind: MessageKind, target: SendTarget, occasion: &str) -> String {
    let target_key = match target {
        SendTarget::Appointment(id) => format!("appointment:{id}"),
        SendTarget::Waitlist(id) => format!("waitlist:{id}"),
        SendTarget::Reservation(id) => format!("reservation:{id}"),
    };
    format!("{}:{target_key}:{occasion}", kind.as_str())
}

/// Whether the message of `kind` about `target` on `occasion` was planned before.
pub async fn planned_before(conn: &mut PgConnection, kind: MessageKind, target: SendTarget, occasion: &str) -> sqlx::Result<bool> {
    let key = send_key(kind, target, occasion);
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM subscribe_sends WHERE idempotency_key = $1) AS "already!""#, key).fetch_one(conn).await
}

/// Plans one message of `kind` to `user_id`. `None` when the user holds no grant for the kind's
/// template, or when a send with the same key (kind + target + `occasion`) was planned before.
pub async fn plan_send(
    conn: &mut PgConnection,
    templates: &TemplateConfig,
    kind: MessageKind,
    user_id: i64,
    target: SendTarget,
    occasion: &str,
) -> sqlx::Result<Option<PlannedSend>> {
    let (appointment_id, waitlist_id, reservation_id) = match target {
        SendTarget::Appointment(id) => (Some(id), None, None),
        SendTarget::Waitlist(id) => (None, Some(id), None),
        SendTarget::Reservation(id) => (None, None, Some(id)),
    };
    let key = send_key(kind, target, occasion);
    // Two transactions planning one key (the 20:00 planning and a late booking) take turns.
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key).execute(&mut *conn).await?;
    if planned_before(conn, kind, target, occasion).await? {
        return Ok(None);
    }
    let template = templates.template(kind);
    let Some(grant_id) = spend(conn, user_id, template).await? else { return Ok(None) };
    let send_id = sqlx::query_scalar!(
        "INSERT INTO subscribe_sends (idempotency_key, kind, user_id, appointment_id, waitlist_entry_id, reservation_id, template_id, grant_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        key,
        kind.as_str(),
        user_id,
        appointment_id,
        waitlist_id,
        reservation_id,
        template,
        grant_id
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!("UPDATE subscribe_grants SET send_id = $2 WHERE id = $1", grant_id, send_id).execute(&mut *conn).await?;
    let job = SendSubscribeMessage { send_id };
    let key = format!("subscribe_send:{send_id}");
    // While the user's code exchange is pending, its completion starts this send; the job itself
    // is only the fallback.
    let outbox_id = if awaits_exchange(conn, user_id).await? {
        job.enqueue_keyed_after(conn, key, EXCHANGE_POLL).await?
    } else {
        job.enqueue_keyed(conn, key).await?
    };
    let outbox_id = outbox_id.unwrap_or_default();
    Ok(Some(PlannedSend { send_id, outbox_id }))
}
