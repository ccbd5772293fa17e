//! Sending a notice, in one transaction: the notice row, its audience resolved and frozen into
//! `notice_recipients` (one `INSERT … SELECT`, each recipient's delivery decided there: `wechat`,
//! `unbound` or `muted`), and one template message per `wechat` recipient (`plan_sends.sql` and
//! `link_sends.sql`, two statements for them all: a `template_sends` row keyed `notice:<id>:<student>` and a
//! `send_template_message` job, which sends `client_msg_id` = `tpl-<send id>`; a customer-service
//! message instead to those whose 48-hour window is open). A large notice to everyone, classes or
//! groups goes first by mass send to the recipients its tags reach (`mass.rs`). The jobs deliver
//! at the configured rate.

use serde_json::json;
use sqlx::PgConnection;

use super::audience::Audience;
use super::Scope;
use crate::job_contract::Job;
use crate::jobs::kinds::{SendCustomMessage, SendTemplateMessage};

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
    /// How its mass sends go out, if it has any (`None`: as `NOTICE_MASS_FORMAT` says).
    pub mass: Option<super::mass::MassChoice>,
}

/// How a notice goes out: the Official Account template, the page it opens (`{id}`: the notice),
/// the customer-service window (zero: never), and mass sends for large notices (`None`: never).
#[derive(Debug, Clone, Copy)]
pub struct Template<'a> {
    pub template_id: &'a str,
    pub page_url: Option<&'a str>,
    pub custom_window: std::time::Duration,
    pub mass: Option<MassSettings<'a>>,
}

impl<'a> Template<'a> {
    /// A template with no customer-service window and no mass sends.
    pub fn only(template_id: &'a str, page_url: Option<&'a str>) -> Self {
        Self { template_id, page_url, custom_window: std::time::Duration::ZERO, mass: None }
    }

    /// The page of notice `id`.
    pub fn page_of(&self, id: i64) -> Option<String> {
        self.page_url.map(|u| u.replace("{id}", &id.to_string()))
    }
}

/// When and how a large notice goes out by mass send (`NOTICE_MASS_*`).
#[derive(Debug, Clone, Copy)]
pub struct MassSettings<'a> {
    pub min_recipients: i64,
    /// News (图文) with this cover image file; `None`: text.
    pub news_cover: Option<&'a str>,
}

/// What sending planned.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub notice_id: i64,
    pub recipients: i64,
    /// Recipients a mass send reaches.
    pub mass_reached: i64,
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
        "INSERT INTO notice_recipients (notice_id, student_id, student_no, name, class_name, delivery, group_names)
         SELECT $1, s.id, s.student_no, s.name, k.name,
                CASE WHEN b.student_id IS NULL OR NOT b.active THEN 'unbound'
                     WHEN $2 OR st.student_id IS NULL OR $3 = ANY(st.category_ids) THEN 'wechat'
                     ELSE 'muted' END,
                ARRAY(SELECT g.name FROM student_group_members gm JOIN student_groups g ON g.id = gm.group_id
                       WHERE gm.student_id = s.id AND ($4::bigint IS NULL OR g.counselor_id = $4) ORDER BY g.name)
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
    let recipients = i64::try_from(recipients).unwrap_or(i64::MAX);
    let mut outbox = Vec::new();
    let mut mass_reached = 0;
    if let Some(mass) = template.mass.filter(|m| recipients >= m.min_recipients) {
        if let Some(planned) = super::mass::plan(conn, notice_id, scope, n, mass, template.page_of(notice_id).as_deref()).await? {
            mass_reached = planned.reached;
            outbox.extend(planned.outbox);
        }
    }
    let first = format!("【{}】{}", n.urgency.label(), n.title);
    let data = template_data(&first, &category, n.urgency, &n.title, "点击查看详情");
    let text = custom_text(&first, template.page_of(notice_id).as_deref());
    outbox.extend(plan_sends(conn, notice_id, &format!("notice:{notice_id}"), template, &data, &text, false).await?);
    Ok(Sent { notice_id, recipients, mass_reached, outbox })
}

/// The notice template's data: `first` the headline, `keyword1` the category, `keyword2` the
/// urgency, `keyword3` the title, `remark` under it.
pub(crate) fn template_data(first: &str, category: &str, urgency: Urgency, title: &str, remark: &str) -> serde_json::Value {
    json!({"first": first, "keyword1": category, "keyword2": urgency.label(), "keyword3": title, "remark": remark})
}

/// A customer-service message's text: the headline and a link to the notice page.
pub(crate) fn custom_text(headline: &str, url: Option<&str>) -> String {
    match url {
        Some(url) => format!("{headline}\n<a href=\"{}\">点击查看详情</a>", url.replace('"', "%22")),
        None => headline.to_owned(),
    }
}

/// Plans a message (key `<key_prefix>:<student>`) to each `wechat` recipient whose binding is
/// active now — every one not reached by a mass send, or only those who have not read it
/// (`unread_only`, a reminder): a customer-service message (`text`) to those whose window is open,
/// a template message to the others; records a notice's first message on the recipient. Two
/// statements (`plan_sends.sql`, `link_sends.sql`), however many recipients. Returns the outbox rows.
pub(super) async fn plan_sends(
    conn: &mut PgConnection,
    notice_id: i64,
    key_prefix: &str,
    template: Template<'_>,
    data: &serde_json::Value,
    text: &str,
    unread_only: bool,
) -> sqlx::Result<Vec<i64>> {
    let url = template.page_of(notice_id);
    let planned = sqlx::query_file_scalar!(
        "src/notices/plan_sends.sql",
        notice_id,
        key_prefix,
        unread_only,
        template.template_id,
        url,
        data,
        SendTemplateMessage::QUEUE.as_str(),
        SendTemplateMessage::KIND,
        text,
        template.custom_window.as_secs_f64(),
        SendCustomMessage::KIND
    )
    .fetch_one(&mut *conn)
    .await?;
    if !unread_only {
        sqlx::query_file!("src/notices/link_sends.sql", notice_id, key_prefix).execute(conn).await?;
    }
    Ok(planned)
}
