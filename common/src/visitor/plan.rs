//! What an application's creation and its host's decision set off, planned in their transaction:
//! the notices of seed 003 §3 and, once authorized, one Koala visitor subject per person for the
//! visit window (`create_koala_visitor`, retried while Koala is down).

use sqlx::PgConnection;

use super::applications::{Applicant, Application, VisitStatus};
use super::bindings::wechat_avatar_key;
use super::notices::{plan_notice, Channels, NoticeEvent};
use crate::koala::{plan_koala_visitor, NewVisitor};

/// After `POST /v1/subject`: host-applied → authorized (visitor and companions told, Koala
/// planned); visitor-applied → the host asked, the applicant told it waits.
pub async fn plan_created(conn: &mut PgConnection, ch: Channels<'_>, app: &Application) -> sqlx::Result<Vec<i64>> {
    match app.applicant {
        Applicant::Host => plan_decided(conn, ch, app).await,
        Applicant::Visitor => {
            let mut outbox = plan_notice(conn, ch, app, NoticeEvent::Request, &app.host_phone).await?;
            outbox.extend(plan_notice(conn, ch, app, NoticeEvent::Submitted, &app.proposer_phone).await?);
            Ok(outbox)
        }
    }
}

/// After the host's decision (or a host's own application): everyone visiting is told; when
/// authorized, each is registered in Koala for the window.
pub async fn plan_decided(conn: &mut PgConnection, ch: Channels<'_>, app: &Application) -> sqlx::Result<Vec<i64>> {
    let event = match app.status {
        VisitStatus::Authorized => NoticeEvent::Authorized,
        VisitStatus::Refused => NoticeEvent::Refused,
        VisitStatus::Pending => return Ok(Vec::new()),
    };
    let mut outbox = Vec::new();
    let interviewee = host_name(conn, &app.host_phone).await?;
    for person in app.people() {
        outbox.extend(plan_notice(conn, ch, app, event, &person.phone).await?);
        if event != NoticeEvent::Authorized {
            continue;
        }
        let visitor = NewVisitor {
            name: person.name.clone(),
            phone: person.phone.clone(),
            purpose: Some(app.purpose.clone()),
            interviewee: interviewee.clone(),
            come_from: None,
            start: app.visit_from,
            end: app.visit_to,
            avatar_url: stored_avatar_of(conn, &person.phone).await?,
        };
        let planned = plan_koala_visitor(conn, &format!("visit:{}:{}", app.id, person.phone), &visitor).await?;
        outbox.extend(planned.outbox_id);
    }
    Ok(outbox)
}

/// The name Koala knows the host by, when they bound as staff.
async fn host_name(conn: &mut PgConnection, phone: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!("SELECT name FROM visit_staff WHERE phone = $1 ORDER BY verified_at DESC LIMIT 1", phone).fetch_optional(conn).await
}

/// The stored copy of the WeChat avatar of whoever bound `phone`, when it is stored and absolute
/// (Koala fetches it itself: a path on this API is of no use to it).
async fn stored_avatar_of(conn: &mut PgConnection, phone: &str) -> sqlx::Result<Option<String>> {
    let row = sqlx::query!(
        "SELECT b.user_id, p.avatar_url FROM phone_bindings b JOIN wechat_profiles p ON p.user_id = b.user_id WHERE b.phone = $1",
        phone
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, Some(source))) = row.map(|r| (r.user_id, r.avatar_url)) else { return Ok(None) };
    let stored = crate::avatar::stored_avatar_url(conn, &wechat_avatar_key(user_id, &source)).await?;
    Ok(stored.filter(|u| u.starts_with("http://") || u.starts_with("https://")))
}
