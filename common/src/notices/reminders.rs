//! "Remind the non-readers": at most once per notice per day (service time zone), a template
//! message to each recipient who has not read it and is still reachable by WeChat (a `wechat`
//! delivery, an active binding), keyed `notice:<id>:remind:<day>:<student>`.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::PgConnection;

use super::send::{custom_text, plan_sends, Template};

/// What a reminder did: `None` when the notice was already reminded that day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reminded {
    pub reminded: i64,
    pub outbox: Vec<i64>,
}

pub async fn remind(conn: &mut PgConnection, notice_id: i64, title: &str, day: NaiveDate, author_id: i64, template: Template<'_>) -> sqlx::Result<Option<Reminded>> {
    let claimed = sqlx::query_scalar!(
        "INSERT INTO notice_reminders (notice_id, day, reminded, author_id) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING RETURNING notice_id",
        notice_id,
        day,
        author_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_none() {
        return Ok(None);
    }
    let data = json!({"first": format!("提醒：您还没有阅读通知「{title}」"), "keyword1": "未读提醒", "keyword2": day.to_string(), "keyword3": title, "remark": "点击查看详情"});
    let text = custom_text(&format!("提醒：您还没有阅读通知「{title}」"), template.page_of(notice_id).as_deref());
    let outbox = plan_sends(conn, notice_id, &format!("notice:{notice_id}:remind:{day}"), template, &data, &text, true).await?;
    let reminded = i64::try_from(outbox.len()).unwrap_or(i64::MAX);
    sqlx::query!("UPDATE notice_reminders SET reminded = $3 WHERE notice_id = $1 AND day = $2", notice_id, day, i32::try_from(reminded).unwrap_or(i32::MAX))
        .execute(conn)
        .await?;
    Ok(Some(Reminded { reminded, outbox }))
}
