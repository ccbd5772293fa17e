//! `send_subscribe_message`: delivers one planned subscribe message (its grant was spent when it
//! was planned). Exactly once: the run claims the send row (`pending → sending`) before calling
//! WeChat, so a duplicate delivery finds it claimed or final and sends nothing; a failed call
//! releases the claim unless the failure is final. Re-checks the appointment after waiting at the
//! rate limiter, right before the call (a cancelled one is skipped; the text comes from the row as
//! it is then, after any change in flight has committed). Without an openid it waits on the user's
//! code exchange, which makes it due again when it finishes.

use std::collections::BTreeMap;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::mask;
use crate::subscribe::render::{self, Facts};
use crate::subscribe::{exchange_pending, ClaimCall, Claimed, MessageKind, PendingSend, SendLog, SendStatus, SentCall, EXCHANGE_POLL};
use crate::wechat::client::{App, SubscribeMessage, WechatClient, WechatError};
use crate::wechat::identities;
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendSubscribeMessage {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendSubscribeMessage {
    const KIND: &'static str = "send_subscribe_message";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        // A code exchange that finished while this run held the claim found no pending row to
        // wake: one more pass at once instead of a reschedule the worker only sees a second later.
        for _ in 0..2 {
            match self.deliver(ctx).await {
                Ok(Pass::Finished(outcome)) => return outcome,
                Ok(Pass::Again) => continue,
                Err(err) => return Outcome::transient(err),
            }
        }
        Outcome::RateLimited { until: Utc::now() }
    }
}

/// How one pass over the send ended.
pub(super) enum Pass {
    Finished(Outcome),
    /// The openid may have just been bound: claim and look again now.
    Again,
}

/// Where waiting for an openid got to.
enum Openid {
    Bound(String),
    /// This run stops (parked until the exchange wakes the send, or final).
    Stop(Outcome),
    Again,
}

impl SendSubscribeMessage {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Pass> {
        let appid = ctx.wechat.as_ref().and_then(|client| client.appid(App::Mini)).map(str::to_owned);
        let call = ClaimCall { send_id: self.send_id, attempt: ctx.job.attempt, timeout: Self::TIMEOUT, appid };
        let send = match ctx.sends.claim(call).await? {
            Claimed::Mine(send) => send,
            Claimed::Finished => return Ok(Pass::Finished(Outcome::Done)),
            // A live run holds it: look again once its claim would count as dead.
            Claimed::Busy { until } => return Ok(Pass::Finished(Outcome::RateLimited { until })),
        };
        self.deliver_claimed(ctx, send).await
    }

    /// A send this run has claimed, from the checks before the call on. A connection is taken
    /// only for what needs one here: the common send (openid bound, not cancelled) holds none
    /// while it waits for its permit.
    pub(super) async fn deliver_claimed(&self, ctx: &JobContext, send: PendingSend) -> anyhow::Result<Pass> {
        let done = |outcome| Ok(Pass::Finished(outcome));
        let Some(client) = ctx.wechat.as_ref() else {
            SendLog::finish(&mut *ctx.db.acquire().await?, &send, SendStatus::Failed, None, "WeChat is not configured", false).await?;
            return done(Outcome::permanent("WeChat is not configured"));
        };
        let Some(appid) = client.appid(App::Mini) else {
            SendLog::finish(&mut *ctx.db.acquire().await?, &send, SendStatus::Failed, None, "the Mini Program is not configured", false).await?;
            return done(Outcome::permanent("the Mini Program is not configured"));
        };
        // As read with the claim, so a cancelled send spends no rate-limit slot.
        if SendLog::skip_if_cancelled_at_claim(&ctx.db, &send).await? {
            return done(Outcome::Done);
        }
        let openid = match send.openid.clone() {
            Some(openid) => openid,
            None => match self.wait_for_openid(&mut *ctx.db.acquire().await?, &send, appid).await? {
                Openid::Bound(openid) => openid,
                Openid::Stop(outcome) => return done(outcome),
                Openid::Again => return Ok(Pass::Again),
            },
        };
        if let Some(until) = ctx.rate_limit(RATE_LIMIT).await? {
            SendLog::release(&mut *ctx.db.acquire().await?, &send, None).await?;
            return done(Outcome::RateLimited { until });
        }
        deliver_permitted(ctx, client, &send, &openid).await.map(Pass::Finished)
    }

    /// The openid once the user's code exchange has bound it; otherwise this run stops: parked
    /// (released) while an exchange is pending, `skipped` when none can bring one.
    async fn wait_for_openid(&self, conn: &mut sqlx::PgConnection, send: &PendingSend, appid: &str) -> anyhow::Result<Openid> {
        if !exchange_pending(conn, send.user_id).await? {
            // The exchange may have bound the openid after the first look.
            if let Some(openid) = identities::openid_of(conn, send.user_id, appid).await? {
                return Ok(Openid::Bound(openid));
            }
            SendLog::finish(conn, send, SendStatus::Skipped, None, "the user has no openid", false).await?;
            tracing::info!(send.id = send.id, user.id = send.user_id, "subscribe message skipped: no openid");
            return Ok(Openid::Stop(Outcome::Done));
        }
        SendLog::release(conn, send, None).await?;
        // An exchange finishing while this run held the claim did not see the row pending: look
        // again now that it is released; otherwise the exchange's wake-up covers the rest.
        if exchange_pending(conn, send.user_id).await? {
            return Ok(Openid::Stop(Outcome::RateLimited { until: Utc::now() + EXCHANGE_POLL }));
        }
        Ok(Openid::Again)
    }
}

/// The rate limit every subscribe send takes a permit of, right before its call.
pub(super) const RATE_LIMIT: &str = "wechat.subscribe_send";

/// The rest of a send once its run holds the claim, the openid and a rate-limit permit: the
/// appointment as it is now (the wait for the permit may have been long; a cancel or reschedule
/// in flight commits first), the text, the call and its record. `send_subscribe_batch` sends a
/// row this way when its own reading of the row does not settle it.
pub(super) async fn deliver_permitted(
    ctx: &JobContext,
    client: &WechatClient,
    send: &PendingSend,
    openid: &str,
) -> anyhow::Result<Outcome> {
    // An appointment's send reads the appointment and the facts in one statement (shared with
    // the sends running beside it); a cancelled or moved one, and any other send, takes the
    // check and the facts apart.
    let facts = match ctx.sends.appointment_facts(send).await? {
        Some((false, facts)) => Some(facts),
        _ => {
            let mut conn = ctx.db.acquire().await?;
            if SendLog::skip_if_no_longer_applies(&mut conn, send).await? {
                return Ok(Outcome::Done);
            }
            render::facts(&mut conn, send).await?
        }
    };
    let (Some(kind), Some(facts)) = (MessageKind::parse(&send.kind), facts) else {
        SendLog::finish(&mut *ctx.db.acquire().await?, send, SendStatus::Skipped, None, "nothing left to tell", false).await?;
        return Ok(Outcome::Done);
    };
    let (message, data) = message(ctx, send, kind, &facts, openid);
    match client.send_subscribe_message(&message).await {
        Ok(()) => {
            let call = SentCall { send: send.clone(), openid: openid.to_owned(), data: serde_json::to_value(&data)? };
            ctx.sends.sent(call).await?;
            log_sent(send, openid);
            Ok(Outcome::Done)
        }
        Err(err) => record_failure(&mut *ctx.db.acquire().await?, send, openid, &data, &err).await,
    }
}

/// The message to send and the `data` recorded with the row.
pub(super) fn message(ctx: &JobContext, send: &PendingSend, kind: MessageKind, facts: &Facts, openid: &str) -> (SubscribeMessage, BTreeMap<String, String>) {
    let data = render::render(&ctx.templates, kind, facts);
    let message = SubscribeMessage {
        touser: openid.to_owned(),
        template_id: send.template_id.clone(),
        page: Some(render::page(&ctx.templates, kind, facts)),
        data: data.clone(),
        ..SubscribeMessage::default()
    };
    (message, data)
}

pub(super) fn log_sent(send: &PendingSend, openid: &str) {
    tracing::info!(send.id = send.id, send.kind = %send.kind, wechat.openid = %mask::openid(openid), "subscribe message sent");
}

/// Records a call WeChat refused or that failed on the way, and what the run does next: the row
/// is final (`failed`: refused for good, or 43101, no grant left at WeChat), or released for a
/// later run.
pub(super) async fn record_failure(
    conn: &mut sqlx::PgConnection,
    send: &PendingSend,
    openid: &str,
    data: &BTreeMap<String, String>,
    err: &WechatError,
) -> anyhow::Result<Outcome> {
    let outcome = outcome_of(err);
    let text = err.to_string();
    // 43101: the user has no grant left at WeChat. Final; nothing to retry or alert.
    let no_grant = err.errcode() == Some(43101);
    match &outcome {
        Outcome::Done => SendLog::sent(conn, send, openid, &serde_json::to_value(data)?).await?,
        Outcome::Permanent { .. } => SendLog::finish(conn, send, SendStatus::Failed, err.errcode(), &text, true).await?,
        _ if no_grant => SendLog::finish(conn, send, SendStatus::Failed, err.errcode(), &text, true).await?,
        _ => SendLog::release(conn, send, Some((err.errcode(), &text))).await?,
    }
    // A failure the worker logs (retry or dead, in this job's span) is not logged twice;
    // a deferral or a final "no grant" is logged here, since it is not a failure there.
    let deferred = matches!(outcome, Outcome::RateLimited { .. } | Outcome::QuotaExhausted { .. } | Outcome::Done);
    if no_grant || deferred {
        tracing::info!(send.id = send.id, errcode = ?err.errcode(), outcome = outcome.label(), error = %text, "subscribe message not sent");
    }
    if no_grant {
        return Ok(Outcome::Done);
    }
    Ok(outcome)
}
