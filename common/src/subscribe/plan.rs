//! Planning a send inside the business transaction: spend a grant, write the send log row and
//! the outbox job that will deliver it. Without a grant nothing is written.

use sqlx::PgConnection;

use super::exchanges::{EXCHANGE_BOUND, EXCHANGE_POLL};
use super::kind::{MessageKind, TemplateConfig};
use crate::job_contract::Job;
use crate::jobs::kinds::SendSubscribeMessage;

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

/// Plans one message of `kind` to `user_id` in one statement (`plan_send.sql`): the grant spent,
/// the send-log row and its job's outbox row. `None` when the user holds no grant for the kind's
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
    let planned = sqlx::query_file!(
        "src/subscribe/plan_send.sql",
        key,
        kind.as_str(),
        user_id,
        appointment_id,
        waitlist_id,
        reservation_id,
        templates.template(kind),
        SendSubscribeMessage::QUEUE.as_str(),
        SendSubscribeMessage::KIND,
        EXCHANGE_POLL.as_secs_f64(),
        EXCHANGE_BOUND.as_secs_f64()
    )
    .fetch_optional(conn)
    .await?;
    Ok(planned.map(|p| PlannedSend { send_id: p.send_id, outbox_id: p.outbox_id.unwrap_or_default() }))
}
