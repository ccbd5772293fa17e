//! The daily broadcast (每日播报, seed 004): a counselor's digest for some of their classes, sent
//! at a time of day (the service time zone) to the students who opted in — text they wrote, or
//! the titles of the notices each student received that day, built at send time. Each (broadcast,
//! day) is claimed once by a unique row in the transaction that plans its messages, so two
//! schedulers, two firings or a retried job never send a day twice; each message is keyed
//! `broadcast:<id>:<day>:<student>`: a customer-service message inside the follower's window,
//! else the notice template stored with the broadcast.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgConnection;

use super::notify::{plan_message, Message};
use super::send::{custom_text, template_data, Urgency};
use crate::notices::Scope;

/// How late a broadcast may still go out after its time (a scheduler down for a while).
pub const CATCH_UP: chrono::Duration = chrono::Duration::minutes(60);
/// Notice titles in one digest.
pub const MAX_DIGEST_NOTICES: i64 = 10;
/// Characters of a broadcast's text.
pub const MAX_BODY_CHARS: usize = 600;

crate::text_enum! {
    /// What a broadcast says: its `text`, or the day's `notices`.
    pub enum BroadcastKind { Text = "text", Notices = "notices" }
}

/// A scheduled broadcast.
#[derive(Debug, Clone)]
pub struct Broadcast {
    pub id: i64,
    pub counselor_id: Option<i64>,
    pub class_ids: Vec<i64>,
    pub send_at: NaiveTime,
    pub kind: BroadcastKind,
    pub body: String,
    pub template_id: String,
    pub created_at: DateTime<Utc>,
    /// The last day it went out.
    pub last_day: Option<NaiveDate>,
}

/// A broadcast to write.
#[derive(Debug, Clone)]
pub struct NewBroadcast<'a> {
    pub counselor_id: Option<i64>,
    pub created_by: i64,
    pub class_ids: &'a [i64],
    pub send_at: NaiveTime,
    pub kind: BroadcastKind,
    pub body: &'a str,
    pub template_id: &'a str,
}

pub async fn create(conn: &mut PgConnection, b: &NewBroadcast<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO daily_broadcasts (counselor_id, created_by, class_ids, send_at, kind, body, template_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        b.counselor_id,
        b.created_by,
        b.class_ids,
        b.send_at,
        b.kind.as_str(),
        b.body,
        b.template_id
    )
    .fetch_one(conn)
    .await
}

/// The broadcasts `scope` sees (a counselor their own), oldest first.
pub async fn list(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<Broadcast>> {
    sqlx::query_as!(
        Broadcast,
        r#"SELECT b.id, b.counselor_id, b.class_ids, b.send_at, b.kind AS "kind: BroadcastKind", b.body, b.template_id, b.created_at,
                  (SELECT max(day) FROM daily_broadcast_runs r WHERE r.broadcast_id = b.id) AS last_day
             FROM daily_broadcasts b WHERE $1::bigint IS NULL OR b.counselor_id = $1 ORDER BY b.id"#,
        scope.counselor_filter()
    )
    .fetch_all(conn)
    .await
}

/// Broadcast `id` if `scope` sees it.
pub async fn find(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<Option<Broadcast>> {
    Ok(list(conn, scope).await?.into_iter().find(|b| b.id == id))
}

/// Rewrites broadcast `id` (seen by `scope`) with `b`'s classes, time, kind and body; whether it
/// was there. A day already sent stays sent (a new time does not send it again that day).
pub async fn update(conn: &mut PgConnection, scope: Scope, id: i64, b: &NewBroadcast<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE daily_broadcasts SET class_ids = $3, send_at = $4, kind = $5, body = $6 WHERE id = $1 AND ($2::bigint IS NULL OR counselor_id = $2)",
        id,
        scope.counselor_filter(),
        b.class_ids,
        b.send_at,
        b.kind.as_str(),
        b.body
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes broadcast `id` if `scope` sees it.
pub async fn delete(conn: &mut PgConnection, scope: Scope, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM daily_broadcasts WHERE id = $1 AND ($2::bigint IS NULL OR counselor_id = $2)", id, scope.counselor_filter())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the student receives the broadcast (never asked: no).
pub async fn subscribed(conn: &mut PgConnection, student_id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!("SELECT subscribed FROM broadcast_subscriptions WHERE student_id = $1", student_id).fetch_optional(conn).await?.unwrap_or(false))
}

pub async fn subscribe(conn: &mut PgConnection, student_id: i64, on: bool) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO broadcast_subscriptions (student_id, subscribed) VALUES ($1, $2)
         ON CONFLICT (student_id) DO UPDATE SET subscribed = EXCLUDED.subscribed, updated_at = now()",
        student_id,
        on
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a broadcast at `send_at` is due at local time `now` (at or after it, within [`CATCH_UP`]).
pub fn due(send_at: NaiveTime, now: NaiveTime) -> bool {
    now >= send_at && now - send_at < CATCH_UP
}

/// Sends what is due at `at` (local `day` and `time`): claims each due broadcast's day and plans
/// its messages (run it in a transaction). Returns the outbox rows.
pub async fn run_due(conn: &mut PgConnection, day: NaiveDate, time: NaiveTime, day_start: DateTime<Utc>) -> sqlx::Result<Vec<i64>> {
    let mut outbox = Vec::new();
    let all = list(conn, Scope::All).await?;
    for b in all.into_iter().filter(|b| due(b.send_at, time)) {
        let claimed = sqlx::query_scalar!(
            "INSERT INTO daily_broadcast_runs (broadcast_id, day) VALUES ($1, $2) ON CONFLICT (broadcast_id, day) DO NOTHING RETURNING id",
            b.id,
            day
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(run) = claimed else { continue };
        let mut messages = 0;
        for (student, openid) in recipients(conn, &b.class_ids).await? {
            let Some(text) = digest(conn, &b, student, day_start).await? else { continue };
            let key = format!("broadcast:{}:{day}:{student}", b.id);
            let title: String = text.lines().next().unwrap_or_default().chars().take(20).collect();
            let remark: String = text.chars().take(60).collect();
            let data = template_data("每日播报", "每日播报", Urgency::Normal, &title, &remark);
            let custom = custom_text(&format!("【每日播报】\n{text}"), None);
            let message = Message { key: &key, openid: &openid, template_id: &b.template_id, url: None, data: &data, text: &custom };
            let planned = plan_message(conn, &message, super::desk::WINDOW.to_std().unwrap_or_default()).await?;
            outbox.extend(planned);
            messages += 1;
        }
        sqlx::query!("UPDATE daily_broadcast_runs SET messages = $2 WHERE id = $1", run, messages).execute(&mut *conn).await?;
        tracing::info!(broadcast.id = b.id, broadcast.day = %day, messages, "daily broadcast planned");
    }
    Ok(outbox)
}

/// The subscribed students of `class_ids` with an active binding: (student, openid).
async fn recipients(conn: &mut PgConnection, class_ids: &[i64]) -> sqlx::Result<Vec<(i64, String)>> {
    let rows = sqlx::query!(
        "SELECT s.id, b.openid FROM students s
           JOIN student_bindings b ON b.student_id = s.id AND b.active
           JOIN broadcast_subscriptions o ON o.student_id = s.id AND o.subscribed
          WHERE s.class_id = ANY($1) ORDER BY s.id",
        class_ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.openid)).collect())
}

/// What `student` is told: the broadcast's text, or the titles of the notices they received since
/// `day_start` (`None`: no notice today, nothing to say).
async fn digest(conn: &mut PgConnection, b: &Broadcast, student: i64, day_start: DateTime<Utc>) -> sqlx::Result<Option<String>> {
    if b.kind == BroadcastKind::Text {
        return Ok(Some(b.body.clone()));
    }
    let titles = sqlx::query_scalar!(
        "SELECT n.title FROM notice_recipients r JOIN notices n ON n.id = r.notice_id
          WHERE r.student_id = $1 AND n.sent_at >= $2 ORDER BY n.id LIMIT $3",
        student,
        day_start,
        MAX_DIGEST_NOTICES
    )
    .fetch_all(conn)
    .await?;
    if titles.is_empty() {
        return Ok(None);
    }
    let lines: Vec<String> = titles.iter().enumerate().map(|(i, t)| format!("{}. {t}", i + 1)).collect();
    Ok(Some(format!("今日通知 {} 条：\n{}", titles.len(), lines.join("\n"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").expect("time")
    }

    #[test]
    fn a_broadcast_is_due_from_its_time_for_an_hour() {
        assert!(!due(t("07:30"), t("07:29")));
        assert!(due(t("07:30"), t("07:30")));
        assert!(due(t("07:30"), t("08:29")));
        assert!(!due(t("07:30"), t("08:30")), "past the catch-up");
        assert!(due(t("00:05"), t("00:30")), "just after midnight");
        assert!(!due(t("23:30"), t("00:10")), "yesterday's is not today's");
    }
}
