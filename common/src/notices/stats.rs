//! A notice's statistics (消息统计报表), from its frozen recipients and their sends: recipients,
//! how each was to be reached, delivered, pending, failed (by WeChat errcode), read, confirmed;
//! per class; the non-readers; every recipient for the CSV export.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::send::Delivery;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub recipients: i64,
    /// Recipients to be reached by WeChat (bound, following, and the category followed or urgent).
    pub wechat: i64,
    pub unbound: i64,
    pub muted: i64,
    /// Messages planned (the progress figure: `delivered + failed + pending` of these).
    pub planned: i64,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
    pub read: i64,
    pub confirmed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTotals {
    pub class_name: String,
    pub recipients: i64,
    pub read: i64,
    pub confirmed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub totals: Totals,
    /// Failed sends by WeChat's errcode (`other` when the error had none).
    pub failed_by_errcode: BTreeMap<String, i64>,
    pub classes: Vec<ClassTotals>,
}

pub async fn of_notice(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<Stats> {
    let totals = sqlx::query_as!(
        Totals,
        r#"SELECT count(*) AS "recipients!",
                  count(*) FILTER (WHERE r.delivery = 'wechat') AS "wechat!",
                  count(*) FILTER (WHERE r.delivery = 'unbound') AS "unbound!",
                  count(*) FILTER (WHERE r.delivery = 'muted') AS "muted!",
                  count(t.id) AS "planned!",
                  count(*) FILTER (WHERE t.status = 'sent') AS "delivered!",
                  count(*) FILTER (WHERE t.status IN ('pending', 'sending')) AS "pending!",
                  count(*) FILTER (WHERE t.status = 'failed') AS "failed!",
                  count(r.read_at) AS "read!",
                  count(r.confirmed_at) AS "confirmed!"
             FROM notice_recipients r LEFT JOIN template_sends t ON t.id = r.template_send_id
            WHERE r.notice_id = $1"#,
        notice_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let failed = sqlx::query!(
        r#"SELECT COALESCE(substring(t.error from 'errcode (-?[0-9]+)'), 'other') AS "code!", count(*) AS "n!"
             FROM notice_recipients r JOIN template_sends t ON t.id = r.template_send_id
            WHERE r.notice_id = $1 AND t.status = 'failed' GROUP BY 1 ORDER BY 1"#,
        notice_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let classes = sqlx::query_as!(
        ClassTotals,
        r#"SELECT class_name, count(*) AS "recipients!", count(read_at) AS "read!", count(confirmed_at) AS "confirmed!"
             FROM notice_recipients WHERE notice_id = $1 GROUP BY class_name ORDER BY class_name"#,
        notice_id
    )
    .fetch_all(conn)
    .await?;
    Ok(Stats { totals, failed_by_errcode: failed.into_iter().map(|r| (r.code, r.n)).collect(), classes })
}

/// One recipient as the lists and the CSV show them.
#[derive(Debug, Clone)]
pub struct RecipientRow {
    pub student_no: String,
    pub name: String,
    pub class_name: String,
    pub delivery: Delivery,
    /// The send's status (`pending`, `sending`, `sent`, `failed`), when there is one.
    pub send_status: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A page of recipients by class and number (`unread_only`: the non-readers), with the total.
pub async fn recipients(conn: &mut PgConnection, notice_id: i64, unread_only: bool, limit: i64, offset: i64) -> sqlx::Result<(Vec<RecipientRow>, i64)> {
    let rows = sqlx::query_as!(
        RecipientRow,
        r#"SELECT r.student_no, r.name, r.class_name, r.delivery AS "delivery: Delivery", t.status AS "send_status?", r.read_at, r.confirmed_at
             FROM notice_recipients r LEFT JOIN template_sends t ON t.id = r.template_send_id
            WHERE r.notice_id = $1 AND (NOT $2 OR r.read_at IS NULL)
            ORDER BY r.class_name, r.student_no LIMIT $3 OFFSET $4"#,
        notice_id,
        unread_only,
        limit,
        offset
    )
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notice_recipients r WHERE r.notice_id = $1 AND (NOT $2 OR r.read_at IS NULL)"#,
        notice_id,
        unread_only
    )
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}
