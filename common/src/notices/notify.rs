//! One message about a notice to one person on the Official Account (a new reply in a thread):
//! a customer-service message when their window is open (their last message, click or follow is
//! within the template's `custom_window`), else the notice template; once per `key`, and a
//! customer-service message WeChat refuses falls back to the template under the same key.

use serde_json::json;
use sqlx::PgConnection;

use super::send::{custom_text, template_data, Template, Urgency};
use crate::follow::interactions;
use crate::wechat::custom_log::plan_custom;
use crate::wechat::template_log::plan_template;

/// Plans the message `headline` (with `remark` under it in the template) about notice
/// `notice_id` to `openid`; its outbox row (`None`: planned before, or no such notice).
pub async fn plan_about_notice(
    conn: &mut PgConnection,
    template: &Template<'_>,
    key: &str,
    openid: &str,
    notice_id: i64,
    headline: &str,
    remark: &str,
) -> sqlx::Result<Option<i64>> {
    let notice = sqlx::query!(
        r#"SELECT n.title, n.urgency AS "urgency: Urgency", c.name AS category FROM notices n JOIN notice_categories c ON c.id = n.category_id WHERE n.id = $1"#,
        notice_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(n) = notice else { return Ok(None) };
    let url = template.page_of(notice_id);
    let data = template_data(headline, &n.category, n.urgency, &n.title, remark);
    let text = custom_text(&format!("{headline}\n{remark}"), url.as_deref());
    let message = Message { key, openid, template_id: template.template_id, url: url.as_deref(), data: &data, text: &text };
    plan_message(conn, &message, template.custom_window).await
}

/// One message to one follower, planned once per `key`.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub key: &'a str,
    pub openid: &'a str,
    /// The template message (outside the window, or when WeChat refuses the other).
    pub template_id: &'a str,
    pub url: Option<&'a str>,
    pub data: &'a serde_json::Value,
    /// The customer-service message's text (inside the window).
    pub text: &'a str,
}

/// Plans `m`: a customer-service message when the follower's window (`window`) is open, else
/// the template; its outbox row (`None`: planned before).
pub async fn plan_message(conn: &mut PgConnection, m: &Message<'_>, window: std::time::Duration) -> sqlx::Result<Option<i64>> {
    if interactions::window_open(conn, m.openid, window).await? {
        let fallback = json!({"templateId": m.template_id, "url": m.url, "data": m.data});
        return plan_custom(conn, m.key, m.openid, m.text, &fallback).await;
    }
    Ok(plan_template(conn, m.key, m.openid, m.template_id, m.url, m.data).await?.outbox_id)
}
