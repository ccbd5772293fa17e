//! Visit notices: for one person and one event, an SMS (always) and an Official Account
//! template message (when the person signed in through web OAuth and the event has a template),
//! each its own send row and job, both recorded in `visit_notices` (per application, event,
//! person and channel). Planning twice changes nothing. A message that fails never fails the
//! application: the jobs carry the outcome.

use chrono_tz::Tz;
use serde_json::json;
use sqlx::PgConnection;

use super::applications::Application;
use super::bindings::openid_of_phone;
use super::config::VisitorConfig;
use crate::sms::{plan_sms, PlanSmsError};
use crate::wechat::template_log::plan_template;

/// What a notice is about, and its SMS kind (`visit_<event>`) and template event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeEvent {
    /// To the host: a visitor asks for authorization.
    Request,
    /// To the visitor who applied: submitted, waiting for authorization.
    Submitted,
    /// To the visitor and each companion: the visit is authorized.
    Authorized,
    /// To the visitor and each companion: the host refused.
    Refused,
}

impl NoticeEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Submitted => "submitted",
            Self::Authorized => "authorized",
            Self::Refused => "refused",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Request => "您有一条访客预约待授权",
            Self::Submitted => "访客预约已提交，等待被访人授权",
            Self::Authorized => "访客预约已授权",
            Self::Refused => "访客预约未通过",
        }
    }
}

/// What the notices go through.
#[derive(Debug, Clone, Copy)]
pub struct Channels<'a> {
    pub config: &'a VisitorConfig,
    /// The Official Account's appid (template messages need the person's openid in it).
    pub mp_appid: Option<&'a str>,
    pub tz: Tz,
}

/// Plans the SMS and the WeChat message of `event` to `phone`; returns the outbox rows written.
pub async fn plan_notice(conn: &mut PgConnection, ch: Channels<'_>, app: &Application, event: NoticeEvent, phone: &str) -> sqlx::Result<Vec<i64>> {
    let window = format!(
        "{}~{}",
        app.visit_from.with_timezone(&ch.tz).format("%Y-%m-%d %H:%M"),
        app.visit_to.with_timezone(&ch.tz).format("%H:%M")
    );
    let key = format!("visit:{}:{}:{phone}", app.id, event.as_str());
    let mut outbox = Vec::new();
    let params = json!({"name": app.visitor.name, "time": window, "purpose": app.purpose});
    match plan_sms(conn, &format!("{key}:sms"), &format!("visit_{}", event.as_str()), phone, &params).await {
        Ok(sms) => {
            outbox.extend(sms.outbox_id);
            record(conn, app.id, event, phone, Some(sms.send_id), None).await?;
        }
        // Numbers are checked before an application is stored; one that is not a mobile is skipped.
        Err(PlanSmsError::InvalidPhone) => tracing::warn!(visit.id = app.id, "visit notice: not a mobile number, no SMS"),
        Err(PlanSmsError::Db(err)) => return Err(err),
    }
    let (Some(template), Some(appid)) = (ch.config.template(event.as_str()), ch.mp_appid) else { return Ok(outbox) };
    let Some(openid) = openid_of_phone(conn, appid, phone).await? else { return Ok(outbox) };
    let url = ch.config.page_url.as_ref().map(|u| u.replace("{id}", &app.id.to_string()));
    let data = json!({
        "first": event.title(),
        "keyword1": app.visitor.name,
        "keyword2": window,
        "keyword3": app.purpose,
        "remark": app.refusal_reason.as_deref().unwrap_or(&app.note),
    });
    let planned = plan_template(conn, &format!("{key}:wechat"), &openid, template, url.as_deref(), &data).await?;
    outbox.extend(planned.outbox_id);
    record(conn, app.id, event, phone, None, Some(planned.send_id)).await?;
    Ok(outbox)
}

async fn record(conn: &mut PgConnection, application_id: i64, event: NoticeEvent, phone: &str, sms: Option<i64>, wechat: Option<i64>) -> sqlx::Result<()> {
    let channel = if sms.is_some() { "sms" } else { "wechat" };
    sqlx::query!(
        "INSERT INTO visit_notices (application_id, event, phone, channel, sms_send_id, template_send_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT visit_notices_once DO NOTHING",
        application_id,
        event.as_str(),
        phone,
        channel,
        sms,
        wechat
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One notice as recorded, with its send's status (for operators and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeOutcome {
    pub event: String,
    pub phone: String,
    pub channel: String,
    pub status: String,
}

/// Every notice of an application with the status of its send.
pub async fn outcomes(conn: &mut PgConnection, application_id: i64) -> sqlx::Result<Vec<NoticeOutcome>> {
    sqlx::query_as!(
        NoticeOutcome,
        r#"SELECT n.event, n.phone, n.channel, COALESCE(s.status, t.status) AS "status!"
             FROM visit_notices n
             LEFT JOIN sms_sends s ON s.id = n.sms_send_id
             LEFT JOIN template_sends t ON t.id = n.template_send_id
            WHERE n.application_id = $1 ORDER BY n.id"#,
        application_id
    )
    .fetch_all(conn)
    .await
}
