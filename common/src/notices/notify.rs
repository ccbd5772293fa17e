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
    if interactions::window_open(conn, openid, template.custom_window).await? {
        let fallback = json!({"templateId": template.template_id, "url": url, "data": data});
        let text = custom_text(&format!("{headline}\n{remark}"), url.as_deref());
        return plan_custom(conn, key, openid, &text, &fallback).await;
    }
    Ok(plan_template(conn, key, openid, template.template_id, url.as_deref(), &data).await?.outbox_id)
}
