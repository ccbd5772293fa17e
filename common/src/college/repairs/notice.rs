//! The e-mails of a report: to each recipient when it is filed, to the reporter when its status
//! changes. Each is planned once per event (the idempotency key names it), so a retried request or
//! job never mails twice.

use std::collections::BTreeMap;

use sqlx::PgConnection;

use super::Repair;
use crate::mail::{plan_email, MailTemplate, PlanMailError, Rendered};
use crate::time;

fn params(r: &Repair) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("id".to_owned(), r.id.to_string()),
        ("category".to_owned(), r.category_name.clone()),
        ("location".to_owned(), r.location.clone()),
        ("description".to_owned(), r.description.clone()),
        ("reporter".to_owned(), r.reporter_name.clone()),
        ("status".to_owned(), r.status.label().to_owned()),
        ("at".to_owned(), time::format_local(r.created_at)),
    ])
}

fn render(subject: &str, text: &str, r: &Repair) -> Rendered {
    MailTemplate { subject: subject.to_owned(), text: text.to_owned(), html: None }.render(&params(r))
}

/// To one recipient of the report's category; returns the outbox row written, if any.
pub async fn plan_new_report(conn: &mut PgConnection, r: &Repair, to: &str) -> Result<Option<i64>, PlanMailError> {
    let body = render(
        "【故障报修】{{category}}：{{location}}",
        "新的故障报修 #{{id}}\n分类：{{category}}\n地点：{{location}}\n报修人：{{reporter}}\n时间：{{at}}\n\n{{description}}\n",
        r,
    );
    let key = format!("repair:{}:new:{}", r.id, to.to_lowercase());
    Ok(plan_email(conn, &key, "repair_reported", &[to.to_owned()], &body, &[]).await?.outbox_id)
}

/// To the reporter, when they have an address: the report's `change`-th status change.
pub async fn plan_status_change(conn: &mut PgConnection, r: &Repair, change: i32) -> Result<Option<i64>, PlanMailError> {
    let email = sqlx::query_scalar!("SELECT email FROM users WHERE id = $1", r.reporter_id).fetch_one(&mut *conn).await?;
    let Some(to) = email.filter(|e| !e.trim().is_empty()) else { return Ok(None) };
    let body = render("【故障报修】#{{id}} {{status}}", "您的故障报修 #{{id}}（{{category}}，{{location}}）现在的状态：{{status}}。\n", r);
    let key = format!("repair:{}:status:{change}", r.id);
    match plan_email(conn, &key, "repair_status", &[to], &body, &[]).await {
        // An address the mailer cannot use must not undo the status change.
        Ok(planned) => Ok(planned.outbox_id),
        Err(PlanMailError::InvalidRecipient(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
