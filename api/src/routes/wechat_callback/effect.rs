//! What an inbound message or event does in the domain, and the passive reply if any (seed 000):
//! a follow through a department's QR code (or a SCAN of one) binds the follower to that
//! department and answers its welcome; a follow without a scene gets the general welcome;
//! `unsubscribe` marks the follower gone; a text message `#话题 内容` is posted to the topic board,
//! any other text gets the matching keyword rule's answer (text, link or news); a click on a menu
//! button gets the reply saved with it. Seed 004: a follow restores the follower's student binding
//! and an unfollow suspends it; the bind link answers a plain follow of someone not bound and the
//! 绑定 menu item (key `BIND`, `notices.rs`) before any reply saved with that button. Messages and
//! the events that open the customer-service window record the follower's last interaction;
//! every message is kept for the reply desk (`desk.rs`).
//! Work that needs WeChat goes to jobs, never here.

use sqlx::PgConnection;
use yizhan_common::follow::followers::{self, Source};
use yizhan_common::follow::interactions;
use sqlx::types::Json;
use yizhan_common::follow::keywords::{self, KeywordRule};
use yizhan_common::follow::topics::{self, Posted, TopicMessage, POSTS_PER_HOUR};
use yizhan_common::follow::{menu, qrcodes, welcome_text};
use yizhan_common::mask;
use yizhan_common::notices::locations;
use yizhan_common::notices::mass::FinishCounts;
use yizhan_common::wechat::callback::{Article, Event, Inbound, InboundKind, Message, ReplyBody};

use super::notices;
use crate::state::AppState;

/// The welcome for a follow that did not come through a department's code.
pub const GENERAL_WELCOME: &str = "欢迎关注！";

/// The domain effect of one (de-duplicated) delivery; `Some` is answered as a passive reply.
pub async fn on_inbound(state: &AppState, inbound: &Inbound) -> anyhow::Result<Option<ReplyBody>> {
    tracing::info!(
        wechat.openid = %mask::openid(&inbound.from_user),
        wechat.msg_type = inbound.msg_type(),
        wechat.event = inbound.fields.get("Event").map_or("", String::as_str),
        "WeChat callback received"
    );
    let account = inbound.to_user.as_str();
    let openid = inbound.from_user.as_str();
    let mut conn = state.db.acquire().await?;
    if let Some(kind) = window_opener(&inbound.kind) {
        interactions::record(&mut conn, openid, kind).await?;
    }
    if let InboundKind::Message(message) = &inbound.kind {
        super::desk::keep(&mut conn, openid, message).await?;
    }
    let reply = match &inbound.kind {
        InboundKind::Event(Event::Subscribe { scene, .. }) => {
            let department = scene.as_deref().and_then(qrcodes::department_of_scene);
            let source = if department.is_some() { Source::QrCode } else { Source::Direct };
            let reply = follow(&mut conn, account, openid, department, source).await?;
            // Seed 004: the student binding is back; a plain follow's welcome may offer the bind link.
            match reply {
                Some(ReplyBody::Text { content }) if content == GENERAL_WELCOME => {
                    notices::on_follow(state, &mut conn, openid, Some(content)).await?.map(text)
                }
                other => {
                    notices::on_follow(state, &mut conn, openid, None).await?;
                    other
                }
            }
        }
        InboundKind::Event(Event::Scan { scene, .. }) => {
            let department = qrcodes::department_of_scene(scene);
            follow(&mut conn, account, openid, department, Source::Scan).await?
        }
        InboundKind::Event(Event::Click { key }) => match notices::bind_link(state).filter(|_| key == notices::BIND_KEY) {
            Some(link) => Some(text(link)),
            None => menu::click_reply(&mut conn, key).await?.map(text),
        },
        InboundKind::Event(Event::Unsubscribe) => {
            followers::unfollow(&mut conn, account, openid).await?;
            notices::on_unfollow(state, &mut conn, openid).await?;
            None
        }
        InboundKind::Event(Event::MassSendJobFinish { msg_id, status, total_count, filter_count, sent_count, error_count }) => {
            let counts = FinishCounts { total: *total_count, filter: *filter_count, sent: *sent_count, error: *error_count };
            notices::on_mass_finished(&mut conn, *msg_id, status, counts).await?;
            None
        }
        InboundKind::Message(Message::Text { msg_id, content }) => match topics::parse(content) {
            Some(TopicMessage::Post { topic, content }) => {
                let msg_id = i64::try_from(*msg_id).unwrap_or(i64::MAX);
                Some(text(match topics::post(&mut conn, account, openid, msg_id, topic, content).await? {
                    Posted::Yes => format!("已发布到话题 #{topic}"),
                    Posted::TooMany => format!("发言太频繁：每小时最多 {POSTS_PER_HOUR} 条，请稍后再试"),
                }))
            }
            Some(TopicMessage::Malformed(how)) => Some(text(how.to_owned())),
            None => keywords::find_reply(&mut conn, content).await?.map(rule_reply),
        },
        InboundKind::Event(Event::Location { latitude, longitude, precision }) => {
            notices::on_location(&mut conn, inbound, locations::Source::Event, (*latitude, *longitude), *precision, "").await?;
            None
        }
        InboundKind::Message(Message::Location { latitude, longitude, label, .. }) => {
            notices::on_location(&mut conn, inbound, locations::Source::Message, (*latitude, *longitude), None, label).await?;
            None
        }
        _ => None,
    };
    Ok(reply)
}

/// The interactions that open WeChat's customer-service window (seed 004 sends a notice inside it
/// as a customer-service message), by the name recorded.
fn window_opener(kind: &InboundKind) -> Option<&'static str> {
    Some(match kind {
        InboundKind::Message(Message::Text { .. }) => "text",
        InboundKind::Message(Message::Voice { .. }) => "voice",
        InboundKind::Message(Message::Image { .. }) => "image",
        InboundKind::Message(Message::Video { .. }) => "video",
        InboundKind::Message(Message::Location { .. }) => "location",
        InboundKind::Message(Message::Link { .. }) => "link",
        InboundKind::Event(Event::Click { .. }) => "click",
        InboundKind::Event(Event::View { .. }) => "view",
        InboundKind::Event(Event::Subscribe { .. }) => "subscribe",
        InboundKind::Event(Event::Scan { .. }) => "scan",
        _ => return None,
    })
}

/// A rule's answer: its articles as news, else its text (a link when it has a URL).
fn rule_reply(rule: KeywordRule) -> ReplyBody {
    if let Some(Json(articles)) = rule.reply_articles {
        let articles = articles
            .into_iter()
            .map(|a| Article { title: a.title, description: a.description, pic_url: a.pic_url, url: a.url })
            .collect();
        return ReplyBody::News { articles };
    }
    text(match rule.reply_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => format!("<a href=\"{}\">{}</a>", url.replace('"', "%22"), rule.reply_text),
        None => rule.reply_text,
    })
}

/// Binds the follower (to the department when the scene names one that exists) and words the welcome.
async fn follow(
    conn: &mut PgConnection,
    account: &str,
    openid: &str,
    department: Option<i64>,
    source: Source,
) -> anyhow::Result<Option<ReplyBody>> {
    let found: Option<(i64, String, Option<String>, Option<String>)> = match department {
        Some(id) => sqlx::query!("SELECT id, name, welcome_text, page_url FROM departments WHERE id = $1", id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| (r.id, r.name, r.welcome_text, r.page_url)),
        None => None,
    };
    let Some((id, name, custom, url)) = found else {
        if department.is_some() {
            tracing::warn!(scene.department = ?department, "QR scene names no department; general welcome");
        }
        let source = if source == Source::Scan { Source::Scan } else { Source::Direct };
        followers::bind(conn, account, openid, None, source).await?;
        return Ok((source != Source::Scan).then(|| text(GENERAL_WELCOME.to_owned())));
    };
    followers::bind(conn, account, openid, Some(id), source).await?;
    Ok(Some(text(welcome_text(&name, custom.as_deref(), url.as_deref()))))
}

fn text(content: String) -> ReplyBody {
    ReplyBody::Text { content }
}
