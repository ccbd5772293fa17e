//! Rows claimed before an external call (a send, a fetch, a create): each job takes its row from
//! `pending` to a working status with a claim time before it calls out, so a job delivered twice
//! calls once; a claim older than the job's timeout belongs to a dead run and may be taken over.
//! This is the part every such table shares: what claiming found, and why a row could not be
//! claimed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// What claiming found.
#[derive(Debug)]
pub enum Claim<T> {
    /// This run holds the row.
    Mine(T),
    /// Another live run holds it until `until` (then its claim counts as dead).
    Busy { until: DateTime<Utc> },
    /// Gone or already final: nothing to do.
    Finished,
}

/// The tables whose rows are claimed, with the status a claimed row has. A fixed list: the name
/// goes into the SQL text.
#[derive(Debug, Clone, Copy)]
pub enum ClaimTable {
    SubscribeSends,
    SmsSends,
    MailSends,
    AvatarFetches,
    KoalaVisitors,
    TemplateSends,
    CustomSends,
    NoticeMassSends,
    DeskMessages,
}

impl ClaimTable {
    fn select(self) -> &'static str {
        match self {
            Self::SubscribeSends => "SELECT status, claimed_at FROM subscribe_sends WHERE id = $1",
            Self::SmsSends => "SELECT status, claimed_at FROM sms_sends WHERE id = $1",
            Self::MailSends => "SELECT status, claimed_at FROM mail_sends WHERE id = $1",
            Self::AvatarFetches => "SELECT status, claimed_at FROM avatar_fetches WHERE id = $1",
            Self::KoalaVisitors => "SELECT status, claimed_at FROM koala_visitors WHERE id = $1",
            Self::TemplateSends => "SELECT status, claimed_at FROM template_sends WHERE id = $1",
            Self::CustomSends => "SELECT status, claimed_at FROM custom_sends WHERE id = $1",
            Self::NoticeMassSends => "SELECT status, claimed_at FROM notice_mass_sends WHERE id = $1",
            Self::DeskMessages => "SELECT status, claimed_at FROM desk_messages WHERE id = $1",
        }
    }

    fn claimed_status(self) -> &'static str {
        match self {
            Self::SubscribeSends => crate::subscribe::SendStatus::Sending.as_str(),
            Self::SmsSends => crate::sms::SmsStatus::Sending.as_str(),
            Self::MailSends => crate::mail::MailStatus::Sending.as_str(),
            Self::AvatarFetches => crate::avatar::FetchStatus::Fetching.as_str(),
            Self::KoalaVisitors => crate::koala::VisitorStatus::Creating.as_str(),
            Self::TemplateSends => crate::wechat::template_log::TemplateStatus::Sending.as_str(),
            Self::CustomSends => crate::wechat::custom_log::CustomStatus::Sending.as_str(),
            Self::NoticeMassSends => crate::notices::mass::MassStatus::Sending.as_str(),
            Self::DeskMessages => crate::notices::desk::DeskStatus::Sending.as_str(),
        }
    }
}

/// Why row `id` of `table` could not be claimed: a live claim is busy until it times out
/// (`timeout` after its claim time); anything else is finished.
pub async fn not_claimed<T>(conn: &mut PgConnection, table: ClaimTable, id: i64, timeout: Duration) -> sqlx::Result<Claim<T>> {
    // Dynamic SQL: the table is the caller's `ClaimTable`, one fixed text per table.
    let held: Option<(String, Option<DateTime<Utc>>)> = sqlx::query_as(table.select()).bind(id).fetch_optional(conn).await?;
    Ok(match held {
        Some((status, Some(at))) if status == table.claimed_status() => {
            Claim::Busy { until: at + chrono::Duration::from_std(timeout).unwrap_or_default() }
        }
        _ => Claim::Finished,
    })
}
