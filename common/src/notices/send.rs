//! Sending a notice, in one transaction: the notice row, its audience resolved and frozen into
//! `notice_recipients` (one `INSERT … SELECT`, each recipient's delivery decided there: `wechat`,
//! `unbound` or `muted`), and one template message per `wechat` recipient (`plan_sends.sql`, one
//! statement for them all: a `template_sends` row keyed `notice:<id>:<student>` and a
//! `send_template_message` job, which sends `client_msg_id` = `tpl-<send id>`). The jobs deliver
//! at the configured rate.

use serde_json::json;
use sqlx::PgConnection;

use super::audience::Audience;
use super::Scope;
use crate::job_contract::Job;
use crate::jobs::kinds::SendTemplateMessage;

crate::text_enum! {
    /// `notices.urgency` (轻重缓急).
    pub enum Urgency { Urgent = "urgent", Important = "important", Normal = "normal" }
}

crate::text_enum! {
    /// `notice_recipients.delivery`.
    pub enum Delivery { Wechat = "wechat", Unbound = "unbound", Muted = "muted" }
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Self::Urgent => "紧急",
            Self::Important => "重要",
            Self::Normal => "一般",
        }
    }
}

/// A notice as its author wrote it (already checked).
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub title: String,
    pub body: String,
    pub category_id: i64,
    pub urgency: Urgency,
    pub require_confirm: bool,
    pub audience: Audience,
    pub author_id: i64,
}

/// The Official Account template a notice goes out as, and the page it opens (`{id}`: the notice).
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    pub template_id: &'a str,
    pub page_url: Option<&'a str>,
}

/// What sending planned.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub notice_id: i64,
    pub recipients: i64,
    pub outbox: Vec<i64>,
}

/// Sends a notice to its audience as `scope` sees it (run it in a transaction).
pub async fn send(conn: &mut PgConnection, scope: Scope, n: &NewNotice, template: Template<'_>) -> sqlx::Result<Sent> {
    let audience = serde_json::to_value(&n.audience).unwrap_or_default();
    let notice_id = sqlx::query_scalar!(
        "INSERT INTO notices (title, body, category_id, urgency, require_confirm, audience, author_id, counselor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        n.title,
        n.body,
        n.category_id,
        n.urgency.as_str(),
        n.require_confirm,
        audience,
        n.author_id,
        scope.owner()
    )
    .fetch_one(&mut *conn)
    .await?;
    let empty: Vec<i64> = Vec::new();
    let (class_ids, group_ids, student_ids, grade, major, class_id) = match &n.audience {
        Audience::Everyone => (&empty, &empty, &empty, None, None, None),
        Audience::Classes { class_ids } => (class_ids, &empty, &empty, None, None, None),
        Audience::Groups { group_ids } => (&empty, group_ids, &empty, None, None, None),
        Audience::Students { student_ids } => (&empty, &empty, student_ids, None, None, None),
        Audience::Filter { grade, major, class_id } => (&empty, &empty, &empty, grade.as_deref(), major.as_deref(), *class_id),
    };
    let recipients = sqlx::query!(
        "INSERT INTO notice_recipients (notice_id, student_id, student_no, name, class_name, delivery)
         SELECT $1, s.id, s.student_no, s.name, k.name,
                CASE WHEN b.student_id IS NULL OR NOT b.active THEN 'unbound'
                     WHEN $2 OR st.student_id IS NULL OR $3 = ANY(st.category_ids) THEN 'wechat'
                     ELSE 'muted' END
           FROM students s
           JOIN school_classes k ON k.id = s.class_id
           LEFT JOIN student_bindings b ON b.student_id = s.id
           LEFT JOIN student_notice_settings st ON st.student_id = s.id
          WHERE ($4::bigint IS NULL OR k.counselor_id = $4)
            AND CASE $5::text
                  WHEN 'everyone' THEN true
                  WHEN 'classes' THEN s.class_id = ANY($6::bigint[])
                  WHEN 'groups' THEN EXISTS (SELECT 1 FROM student_group_members m WHERE m.student_id = s.id AND m.group_id = ANY($7::bigint[]))
                  WHEN 'students' THEN s.id = ANY($8::bigint[])
                  WHEN 'filter' THEN ($9::text IS NULL OR CASE WHEN s.grade = '' THEN k.grade ELSE s.grade END = $9)
                                 AND ($10::text IS NULL OR CASE WHEN s.major = '' THEN k.major ELSE s.major END = $10)
                                 AND ($11::bigint IS NULL OR s.class_id = $11)
                  ELSE false END",
        notice_id,
        n.urgency == Urgency::Urgent,
        n.category_id,
        scope.counselor_filter(),
        n.audience.kind(),
        class_ids,
        group_ids,
        student_ids,
        grade,
        major,
        class_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let category = sqlx::query_scalar!("SELECT name FROM notice_categories WHERE id = $1", n.category_id).fetch_one(&mut *conn).await?;
    let first = format!("【{}】{}", n.urgency.label(), n.title);
    let data = json!({"first": first, "keyword1": category, "keyword2": n.urgency.label(), "keyword3": n.title, "remark": "点击查看详情"});
    let outbox = plan_sends(conn, notice_id, &format!("notice:{notice_id}"), template, &data, false).await?;
    Ok(Sent { notice_id, recipients: i64::try_from(recipients).unwrap_or(i64::MAX), outbox })
}

/// Plans a template message (key `<key_prefix>:<student>`) to each `wechat` recipient whose
/// binding is active now — every one, or only those who have not read it (`unread_only`, a
/// reminder); records the first send on the recipient. One statement (`plan_sends.sql`), however
/// many recipients. Returns the outbox rows.
pub(super) async fn plan_sends(
    conn: &mut PgConnection,
    notice_id: i64,
    key_prefix: &str,
    template: Template<'_>,
    data: &serde_json::Value,
    unread_only: bool,
) -> sqlx::Result<Vec<i64>> {
    let url = template.page_url.map(|u| u.replace("{id}", &notice_id.to_string()));
    let planned = sqlx::query_file_scalar!(
        "src/notices/plan_sends.sql",
        notice_id,
        key_prefix,
        unread_only,
        template.template_id,
        url,
        data,
        SendTemplateMessage::QUEUE.as_str(),
        SendTemplateMessage::KIND
    )
    .fetch_one(conn)
    .await?;
    Ok(planned)
}
