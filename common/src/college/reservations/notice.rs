//! The e-mails to a reservation's owner: confirmed, changed by an admin (each change its own),
//! cancelled by an admin. Each is planned once per event (the idempotency key names it), in the
//! transaction of the change, so a redelivered job or a retried request never mails twice. An
//! owner without a usable address gets none, and the change stands.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::Reservation;
use crate::mail::{plan_email, MailTemplate, PlanMailError};
use crate::time;

/// What happened to the reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Confirmed,
    /// An admin moved it (to another time or room).
    Changed,
    /// An admin cancelled it.
    Cancelled,
}

impl Event {
    fn parts(self, r: &Reservation) -> (String, &'static str, &'static str, &'static str) {
        match self {
            Self::Confirmed => (format!("reservation:{}:confirmed", r.id), "reservation_confirmed", "【会议室预约】预约成功：{{room}}", "您预约的会议室已确认"),
            Self::Changed => (format!("reservation:{}:changed:{}", r.id, r.changes), "reservation_changed", "【会议室预约】预约已调整：{{room}}", "管理员调整了您的会议室预约，现在是"),
            Self::Cancelled => (format!("reservation:{}:cancelled", r.id), "reservation_cancelled", "【会议室预约】预约已取消：{{room}}", "管理员取消了您的会议室预约"),
        }
    }
}

/// Plans the owner's e-mail for `event`; the outbox row written, if any.
pub async fn plan(conn: &mut PgConnection, r: &Reservation, event: Event) -> Result<Option<i64>, PlanMailError> {
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", r.user_id).fetch_one(&mut *conn).await?;
    let Some(to) = email.filter(|e| !e.trim().is_empty()) else { return Ok(None) };
    let (key, kind, subject, lead) = event.parts(r);
    let params = BTreeMap::from([
        ("room".to_owned(), format!("{} {}", r.location, r.room_name)),
        ("from".to_owned(), time::format_local(r.period.from)),
        ("to".to_owned(), time::format_local(r.period.to)),
        ("description".to_owned(), r.description.clone()),
        ("lead".to_owned(), lead.to_owned()),
    ]);
    let text = "{{lead}}：\n会议室：{{room}}\n时间：{{from}} 至 {{to}}\n说明：{{description}}\n";
    let body = MailTemplate { subject: subject.to_owned(), text: text.to_owned(), html: None }.render(&params);
    match plan_email(conn, &key, kind, &[to], &body, &[]).await {
        Ok(planned) => Ok(planned.outbox_id),
        Err(PlanMailError::InvalidRecipient(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
