//! Mass sends of large notices by tag (`notice_mass_sends`): a notice to everyone, to classes or
//! to groups with at least `NOTICE_MASS_MIN_RECIPIENTS` recipients goes out as one mass send per
//! tag (`plan_mass.sql`) to the recipients the tags reach, when that cannot reach anyone twice or
//! anyone who should not get it: no recipient muted the category (a mass send reaches every
//! tagged follower), and the groups named share no member. The `send_notice_mass` job claims its
//! row before each call (`pending → sending`); `MASSSENDJOBFINISH` records WeChat's counts
//! ([`finished`], idempotent on redelivery).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::audience::Audience;
use super::send::{MassSettings, NewNotice};
use super::Scope;
use crate::claim::{Claim, ClaimTable};
use crate::job_contract::Job;
use crate::jobs::kinds::SendNoticeMass;

crate::text_enum! {
    /// `notice_mass_sends.status`.
    pub enum MassStatus { Pending = "pending", Sending = "sending", Sent = "sent", Failed = "failed" }
}

crate::text_enum! {
    /// `notice_mass_sends.format`.
    pub enum MassFormat { Text = "text", News = "news" }
}

/// A news send's cover image: a file the workers read (`NOTICE_MASS_COVER`), or an image the
/// notice's author uploaded (`stored_files`), read from object storage by the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    Path(String),
    Object { key: String, name: String },
}

/// How a notice's mass sends go out, as its author chose: text, or news (图文) with a cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MassChoice {
    Text,
    News(Cover),
}

impl Cover {
    /// The article's `cover` (a path) or `coverKey` and `coverName` (an object).
    fn into_article(self, article: &mut serde_json::Value) {
        match self {
            Self::Path(path) => article["cover"] = json!(path),
            Self::Object { key, name } => {
                article["coverKey"] = json!(key);
                article["coverName"] = json!(name);
            }
        }
    }
}

/// Most characters of a notice's body a text mass send carries (the page has the rest).
const TEXT_BODY_CHARS: usize = 600;

/// What planning the mass sends did.
#[derive(Debug, Clone, Default)]
pub struct PlannedMass {
    pub reached: i64,
    pub outbox: Vec<i64>,
}

/// Plans the mass sends of notice `notice_id` (its recipients frozen) when it qualifies; `None`
/// when it does not (its recipients then get their own messages).
pub async fn plan(conn: &mut PgConnection, notice_id: i64, scope: Scope, n: &NewNotice, mass: MassSettings<'_>, url: Option<&str>) -> sqlx::Result<Option<PlannedMass>> {
    let empty = Vec::new();
    let (class_ids, group_ids) = match &n.audience {
        Audience::Everyone => (&empty, &empty),
        Audience::Classes { class_ids } => (class_ids, &empty),
        Audience::Groups { group_ids } => (&empty, group_ids),
        Audience::Filter { .. } | Audience::Students { .. } => return Ok(None),
    };
    let muted = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notice_recipients WHERE notice_id = $1 AND delivery = 'muted'"#,
        notice_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let shared = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM student_group_members WHERE group_id = ANY($1) GROUP BY student_id HAVING count(*) > 1) AS "shared!""#,
        group_ids
    )
    .fetch_one(&mut *conn)
    .await?;
    if muted > 0 || shared {
        return Ok(None);
    }
    let headline = format!("【{}】{}", n.urgency.label(), n.title);
    // The author's choice, else the settings' (news when a cover is configured).
    let choice = n.mass.clone().unwrap_or_else(|| mass.news_cover.map_or(MassChoice::Text, |c| MassChoice::News(Cover::Path(c.to_owned()))));
    let (format, content, article) = match choice {
        MassChoice::News(cover) => {
            let digest: String = n.body.chars().take(100).collect();
            let mut article = json!({"title": n.title, "digest": digest, "url": url});
            cover.into_article(&mut article);
            (MassFormat::News, article_html(&n.body), Some(article))
        }
        MassChoice::Text => {
            let mut body: String = n.body.chars().take(TEXT_BODY_CHARS).collect();
            if body.len() < n.body.len() {
                body.push('…');
            }
            let link = url.map(|u| format!("\n\n<a href=\"{}\">查看详情</a>", u.replace('"', "%22"))).unwrap_or_default();
            (MassFormat::Text, format!("{headline}\n\n{body}{link}"), None)
        }
    };
    let row = sqlx::query_file!(
        "src/notices/plan_mass.sql",
        notice_id,
        scope.owner(),
        n.audience.kind(),
        class_ids,
        group_ids,
        format.as_str(),
        content,
        article,
        SendNoticeMass::QUEUE.as_str(),
        SendNoticeMass::KIND
    )
    .fetch_one(conn)
    .await?;
    Ok(Some(PlannedMass { reached: row.reached, outbox: row.outbox_ids }))
}

/// A plain-text body as an article's HTML: each line a paragraph, escaped.
fn article_html(body: &str) -> String {
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", l.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")))
        .collect()
}

/// A claimed mass send: what to send, and what earlier runs uploaded already.
#[derive(Debug, Clone)]
pub struct ClaimedMass {
    pub id: i64,
    pub wechat_tag_id: i64,
    pub format: MassFormat,
    pub content: String,
    pub article: Option<serde_json::Value>,
    pub thumb_media_id: Option<String>,
    pub news_media_id: Option<String>,
    /// When an earlier run was about to call `mass/sendall` (it may have sent it).
    pub called_at: Option<DateTime<Utc>>,
}

/// Takes mass send `id` for this run (or a claim older than `timeout`: its run is dead).
pub async fn claim(conn: &mut PgConnection, id: i64, timeout: Duration) -> sqlx::Result<Claim<ClaimedMass>> {
    let claimed = sqlx::query_as!(
        ClaimedMass,
        r#"UPDATE notice_mass_sends SET status = 'sending', claimed_at = clock_timestamp()
            WHERE id = $1 AND (status = 'pending' OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
           RETURNING id, wechat_tag_id, format AS "format: MassFormat", content, article, thumb_media_id, news_media_id, called_at"#,
        id,
        timeout.as_secs_f64()
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = claimed {
        return Ok(Claim::Mine(row));
    }
    crate::claim::not_claimed(conn, ClaimTable::NoticeMassSends, id, timeout).await
}

/// Keeps what an upload gave (the cover's and the article's media ids), so a retry skips it.
pub async fn uploaded(conn: &mut PgConnection, id: i64, thumb_media_id: Option<&str>, news_media_id: Option<&str>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE notice_mass_sends SET thumb_media_id = COALESCE($2, thumb_media_id), news_media_id = COALESCE($3, news_media_id) WHERE id = $1",
        id,
        thumb_media_id,
        news_media_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// How long WeChat de-duplicates a `clientmsgid` (24 hours), less a margin: a send that may have
/// been made longer ago than this is not repeated.
pub const DEDUP_WINDOW: Duration = Duration::from_secs(23 * 3600);

/// The claimed row's `mass/sendall` call is about to go out (commit it before calling; kept from
/// the first call on).
pub async fn calling(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE notice_mass_sends SET called_at = COALESCE(called_at, now()) WHERE id = $1", id).execute(conn).await?;
    Ok(())
}

/// Accepted by WeChat (`msg_id`: the job `MASSSENDJOBFINISH` will report; when WeChat had sent it
/// already, 45065, the earlier send's if its answer named it).
pub async fn sent(conn: &mut PgConnection, id: i64, msg_id: Option<u64>, msg_data_id: Option<u64>) -> sqlx::Result<()> {
    let msg_id = msg_id.and_then(|m| i64::try_from(m).ok());
    let msg_data_id = msg_data_id.and_then(|m| i64::try_from(m).ok());
    sqlx::query!(
        "UPDATE notice_mass_sends SET status = 'sent', msg_id = COALESCE($2, msg_id), msg_data_id = COALESCE($3, msg_data_id),
                attempts = attempts + 1, claimed_at = NULL, error = NULL, sent_at = now()
          WHERE id = $1",
        id,
        msg_id,
        msg_data_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Back to `pending` (a failure that may pass) or `failed`, with the error.
pub async fn unclaim(conn: &mut PgConnection, id: i64, status: MassStatus, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE notice_mass_sends SET status = $2, attempts = attempts + 1, claimed_at = NULL, error = left($3, 500) WHERE id = $1",
        id,
        status.as_str(),
        error
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// WeChat's counts of a finished mass send (`MASSSENDJOBFINISH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinishCounts {
    pub total: u64,
    pub filter: u64,
    pub sent: u64,
    pub error: u64,
}

/// Records a `MASSSENDJOBFINISH`: the counts are set, not added, so a redelivered event changes
/// nothing. Returns whether a mass send of a notice had that `msg_id`.
pub async fn finished(conn: &mut PgConnection, msg_id: u64, status: &str, c: FinishCounts) -> sqlx::Result<bool> {
    let n = |v: u64| i32::try_from(v).unwrap_or(i32::MAX);
    let done = sqlx::query!(
        "UPDATE notice_mass_sends SET finish_status = left($2, 100), total_count = $3, filter_count = $4, sent_count = $5, error_count = $6,
                finished_at = COALESCE(finished_at, now())
          WHERE msg_id = $1",
        i64::try_from(msg_id).unwrap_or(i64::MAX),
        status,
        n(c.total),
        n(c.filter),
        n(c.sent),
        n(c.error)
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_is_escaped_paragraphs() {
        assert_eq!(article_html("第一行 <b>\n\n第二行 & \"x\""), "<p>第一行 &lt;b&gt;</p><p>第二行 &amp; &quot;x&quot;</p>");
    }
}
