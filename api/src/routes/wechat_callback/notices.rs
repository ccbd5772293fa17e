//! Seed 004's part of the callback: a follow restores the follower's student binding (an
//! `unsubscribe` made it inactive) and, when `NOTICE_BIND_URL` is set, a follower who is not bound
//! yet is answered with the bind link, as is a CLICK on the 绑定 menu item (key `BIND`). A
//! `LOCATION` event or a location message is the student's last known position, kept only when
//! they opted in (`locations`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use yizhan_common::notices::locations::{self, Report, Source};
use yizhan_common::notices::mass::{self, FinishCounts};
use yizhan_common::notices::{bindings, tags};
use yizhan_common::wechat::callback::Inbound;

use crate::state::AppState;

/// The menu key of 绑定.
pub const BIND_KEY: &str = "BIND";

/// The link to the bind page, when one is configured.
pub fn bind_link(state: &AppState) -> Option<String> {
    let url = state.config.notices.bind_url.as_deref()?;
    Some(format!("<a href=\"{}\">点击绑定学号，接收辅导员通知</a>", url.replace('"', "%22")))
}

/// After a follow: the binding is active again; the welcome for a follow without a department
/// (`general`) gains the bind link when the follower is not bound.
pub async fn on_follow(state: &AppState, conn: &mut PgConnection, openid: &str, general: Option<String>) -> anyhow::Result<Option<String>> {
    if bindings::set_active(conn, openid, true).await? {
        tracing::info!("student binding restored by a new follow");
        sync_tags(state, conn).await?;
    }
    let Some(welcome) = general else { return Ok(None) };
    let reply = match bindings::of_openid(conn, openid).await? {
        Some(b) => format!("欢迎回来，{}同学！", b.name),
        None => match bind_link(state) {
            Some(link) => format!("{welcome}\n{link}"),
            None => welcome,
        },
    };
    Ok(Some(reply))
}

/// After an `unsubscribe`: nothing more is sent to the binding until the next follow.
pub async fn on_unfollow(state: &AppState, conn: &mut PgConnection, openid: &str) -> anyhow::Result<()> {
    if bindings::set_active(conn, openid, false).await? {
        tracing::info!("student binding inactive: unfollowed");
        sync_tags(state, conn).await?;
    }
    Ok(())
}

/// The class and group tags follow the binding (the `sync_notice_tags` job, pushed at once).
async fn sync_tags(state: &AppState, conn: &mut PgConnection) -> anyhow::Result<()> {
    let queued = tags::request_sync(conn).await?;
    state.pusher.hand_off(queued.into_iter().collect());
    Ok(())
}

/// `MASSSENDJOBFINISH`: WeChat's counts of a notice's mass send, recorded against it (set, not
/// added: a redelivered event changes nothing).
pub async fn on_mass_finished(conn: &mut PgConnection, msg_id: u64, status: &str, counts: FinishCounts) -> anyhow::Result<()> {
    if mass::finished(conn, msg_id, status, counts).await? {
        tracing::info!(wechat.msg_id = msg_id, sent = counts.sent, errors = counts.error, "notice mass send finished");
    } else {
        tracing::info!(wechat.msg_id = msg_id, "MASSSENDJOBFINISH of no notice's mass send");
    }
    Ok(())
}

/// A position from the follower (the `LOCATION` event's or a location message's): kept as their
/// student's last known one when they opted in; otherwise nothing is stored.
pub async fn on_location(conn: &mut PgConnection, inbound: &Inbound, source: Source, (latitude, longitude): (f64, f64), precision_m: Option<f64>, label: &str) -> anyhow::Result<()> {
    // WeChat's time of the report, never later than now.
    let at = DateTime::<Utc>::from_timestamp(inbound.create_time, 0).map_or_else(Utc::now, |at| at.min(Utc::now()));
    let report = Report { latitude, longitude, precision_m, label, source, at };
    if locations::record(conn, &inbound.from_user, &report).await? {
        tracing::info!(location.source = source.as_str(), "student position recorded");
    }
    Ok(())
}
