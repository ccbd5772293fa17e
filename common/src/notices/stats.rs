//! A notice's statistics (消息统计报表), from its frozen recipients and their sends: recipients,
//! how each was to be reached, delivered, pending, failed (by WeChat errcode), read, confirmed;
//! per class and per group; the mass sends with WeChat's counts; the non-readers; every recipient
//! for the CSV export. Each recipient's message is read through the `notice_recipient_sends` view
//! (template, customer-service or mass send).

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
    /// Messages planned (the progress figure: `delivered + failed + pending` of these), each
    /// recipient counted once whatever the channel.
    pub planned: i64,
    /// Recipients reached by a template message (customer-service messages that fell back included),
    /// by a customer-service message, by a mass send.
    pub by_template: i64,
    pub by_custom: i64,
    pub by_mass: i64,
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

/// A group's recipients (the groups each recipient belonged to when it was sent, frozen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotals {
    pub group_name: String,
    pub recipients: i64,
    pub read: i64,
    pub confirmed: i64,
}

/// One mass send by tag, with WeChat's counts once `MASSSENDJOBFINISH` came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassTotals {
    pub tag_name: String,
    pub format: String,
    pub status: String,
    /// The notice's recipients it reaches.
    pub recipients: i64,
    pub total_count: Option<i32>,
    pub filter_count: Option<i32>,
    pub sent_count: Option<i32>,
    pub error_count: Option<i32>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub totals: Totals,
    /// Failed sends by WeChat's errcode (`other` when the error had none).
    pub failed_by_errcode: BTreeMap<String, i64>,
    pub classes: Vec<ClassTotals>,
    pub groups: Vec<GroupTotals>,
    pub mass: Vec<MassTotals>,
}

pub async fn of_notice(conn: &mut PgConnection, notice_id: i64) -> sqlx::Result<Stats> {
    let totals = sqlx::query_as!(
        Totals,
        r#"SELECT count(*) AS "recipients!",
                  count(*) FILTER (WHERE r.delivery = 'wechat') AS "wechat!",
                  count(*) FILTER (WHERE r.delivery = 'unbound') AS "unbound!",
                  count(*) FILTER (WHERE r.delivery = 'muted') AS "muted!",
                  count(t.channel) AS "planned!",
                  count(*) FILTER (WHERE t.channel = 'template') AS "by_template!",
                  count(*) FILTER (WHERE t.channel = 'custom') AS "by_custom!",
                  count(*) FILTER (WHERE t.channel = 'mass') AS "by_mass!",
                  count(*) FILTER (WHERE t.status = 'sent') AS "delivered!",
                  count(*) FILTER (WHERE t.status IN ('pending', 'sending')) AS "pending!",
                  count(*) FILTER (WHERE t.status = 'failed') AS "failed!",
                  count(r.read_at) AS "read!",
                  count(r.confirmed_at) AS "confirmed!"
             FROM notice_recipients r JOIN notice_recipient_sends t ON t.recipient_id = r.id
            WHERE r.notice_id = $1"#,
        notice_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let failed = sqlx::query!(
        r#"SELECT COALESCE(substring(t.error from 'errcode (-?[0-9]+)'), 'other') AS "code!", count(*) AS "n!"
             FROM notice_recipient_sends t
            WHERE t.notice_id = $1 AND t.status = 'failed' GROUP BY 1 ORDER BY 1"#,
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
    .fetch_all(&mut *conn)
    .await?;
    let groups = sqlx::query_as!(
        GroupTotals,
        r#"SELECT g AS "group_name!", count(*) AS "recipients!", count(r.read_at) AS "read!", count(r.confirmed_at) AS "confirmed!"
             FROM notice_recipients r CROSS JOIN unnest(r.group_names) g
            WHERE r.notice_id = $1 GROUP BY g ORDER BY g"#,
        notice_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mass = sqlx::query_as!(
        MassTotals,
        r#"SELECT tag_name, format, status, recipients AS "recipients!: i64", total_count, filter_count, sent_count, error_count, finished_at
             FROM notice_mass_sends WHERE notice_id = $1 ORDER BY id"#,
        notice_id
    )
    .fetch_all(conn)
    .await?;
    Ok(Stats { totals, failed_by_errcode: failed.into_iter().map(|r| (r.code, r.n)).collect(), classes, groups, mass })
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
             FROM notice_recipients r JOIN notice_recipient_sends t ON t.recipient_id = r.id
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
