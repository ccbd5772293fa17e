//! The notices to a reservation's owner: confirmed, changed by an admin (each change its own),
//! cancelled by an admin. Each goes out as a WeChat subscribe message when the owner holds a grant
//! for the event's template and can be reached in the Mini Program (a bound openid, or a code
//! exchange under way), else as an e-mail. Each is planned once per event (the idempotency keys
//! name it), in the transaction of the change, so a redelivered job or a retried request never
//! tells twice. An owner with neither gets none, and the change stands.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::Reservation;
use crate::mail::{plan_email, MailTemplate, PlanMailError};
use crate::subscribe::{exchange_pending, plan_send, planned_before, MessageKind, SendTarget, TemplateConfig};
use crate::time;
use crate::wechat::identities;

/// What the notices can go through: the subscribe templates, and the Mini Program's appid when
/// one is configured (without it every notice is an e-mail).
#[derive(Debug, Clone, Copy)]
pub struct Channels<'a> {
    pub templates: &'a TemplateConfig,
    pub mini_appid: Option<&'a str>,
}

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
    /// The message kind (its name is the e-mail's kind too) and the occasion that makes each
    /// event's notice its own (`changed:<n>` for the n-th move).
    fn message(self, r: &Reservation) -> (MessageKind, String) {
        match self {
            Self::Confirmed => (MessageKind::ReservationConfirmed, "confirmed".to_owned()),
            Self::Changed => (MessageKind::ReservationChanged, format!("changed:{}", r.changes)),
            Self::Cancelled => (MessageKind::ReservationCancelled, "cancelled".to_owned()),
        }
    }

    /// The e-mail's subject and its first words.
    fn mail_text(self) -> (&'static str, &'static str) {
        match self {
            Self::Confirmed => ("【会议室预约】预约成功：{{room}}", "您预约的会议室已确认"),
            Self::Changed => ("【会议室预约】预约已调整：{{room}}", "管理员调整了您的会议室预约，现在是"),
            Self::Cancelled => ("【会议室预约】预约已取消：{{room}}", "管理员取消了您的会议室预约"),
        }
    }
}

/// What planning the WeChat side found.
enum Wechat {
    Planned(i64),
    /// This event's message was planned before: nothing more to do.
    Before,
    /// No grant, no openid or no Mini Program: e-mail instead.
    Unreachable,
}

/// Plans the owner's notice for `event`; the outbox row written, if any.
pub async fn plan(conn: &mut PgConnection, via: Channels<'_>, r: &Reservation, event: Event) -> Result<Option<i64>, PlanMailError> {
    match plan_wechat(conn, via, r, event).await? {
        Wechat::Planned(outbox_id) => Ok(Some(outbox_id)),
        Wechat::Before => Ok(None),
        Wechat::Unreachable => plan_mail(conn, r, event).await,
    }
}

async fn plan_wechat(conn: &mut PgConnection, via: Channels<'_>, r: &Reservation, event: Event) -> sqlx::Result<Wechat> {
    let Some(appid) = via.mini_appid else { return Ok(Wechat::Unreachable) };
    let (kind, occasion) = event.message(r);
    let target = SendTarget::Reservation(r.id);
    if planned_before(conn, kind, target, &occasion).await? {
        return Ok(Wechat::Before);
    }
    let reachable = identities::openid_of(conn, r.user_id, appid).await?.is_some() || exchange_pending(conn, r.user_id).await?;
    if !reachable {
        return Ok(Wechat::Unreachable);
    }
    Ok(match plan_send(conn, via.templates, kind, r.user_id, target, &occasion).await? {
        Some(planned) => Wechat::Planned(planned.outbox_id),
        None => Wechat::Unreachable,
    })
}

async fn plan_mail(conn: &mut PgConnection, r: &Reservation, event: Event) -> Result<Option<i64>, PlanMailError> {
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", r.user_id).fetch_one(&mut *conn).await?;
    let Some(to) = email.filter(|e| !e.trim().is_empty()) else { return Ok(None) };
    let (kind, occasion) = event.message(r);
    let key = format!("reservation:{}:{occasion}", r.id);
    let (subject, lead) = event.mail_text();
    let params = BTreeMap::from([
        ("room".to_owned(), format!("{} {}", r.location, r.room_name)),
        ("from".to_owned(), time::format_local(r.period.from)),
        ("to".to_owned(), time::format_local(r.period.to)),
        ("description".to_owned(), r.description.clone()),
        ("lead".to_owned(), lead.to_owned()),
    ]);
    let text = "{{lead}}：\n会议室：{{room}}\n时间：{{from}} 至 {{to}}\n说明：{{description}}\n";
    let body = MailTemplate { subject: subject.to_owned(), text: text.to_owned(), html: None }.render(&params);
    match plan_email(conn, &key, kind.as_str(), &[to], &body, &[]).await {
        Ok(planned) => Ok(planned.outbox_id),
        Err(PlanMailError::InvalidRecipient(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
