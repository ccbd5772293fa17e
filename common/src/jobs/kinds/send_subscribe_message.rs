//! `send_subscribe_message`: delivers one planned subscribe message (its grant was spent when it
//! was planned). Idempotent by the send row's status; waits (bounded) for an openid still being
//! exchanged; records every outcome in the send log.

use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName};
use crate::mask;
use crate::subscribe::render::{self, Facts};
use crate::subscribe::{MessageKind, PendingSend, SendLog};
use crate::wechat::client::{App, SubscribeMessage, WechatClient};
use crate::wechat::identities;
use crate::wechat::outcome::outcome_of;

/// How long a send waits for the user's openid (a `wxCode` exchange still queued) before skipping.
pub const OPENID_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendSubscribeMessage {
    pub send_id: i64,
}

#[async_trait::async_trait]
impl Job for SendSubscribeMessage {
    const KIND: &'static str = crate::subscribe::SEND_JOB_KIND;
    const QUEUE: QueueName = QueueName::Wechat;

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.deliver(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl SendSubscribeMessage {
    async fn deliver(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let Some(send) = SendLog::lock(&mut conn, self.send_id).await? else {
            tracing::warn!(send.id = self.send_id, "send row is gone");
            return Ok(Outcome::Done);
        };
        if send.status != "pending" {
            return Ok(Outcome::Done);
        }
        let Some(client) = ctx.wechat.as_ref() else {
            SendLog::finish(&mut conn, send.id, "failed", None, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        let Some(appid) = client.appid(App::Mini) else {
            SendLog::finish(&mut conn, send.id, "failed", None, "the Mini Program is not configured").await?;
            return Ok(Outcome::permanent("the Mini Program is not configured"));
        };
        let Some(openid) = identities::openid_of(&mut conn, send.user_id, appid).await? else {
            return self.wait_for_openid(&mut conn, &send).await;
        };
        let (Some(kind), Some(facts)) = (MessageKind::parse(&send.kind), render::facts(&mut conn, send.id).await?) else {
            SendLog::finish(&mut conn, send.id, "skipped", None, "nothing left to tell").await?;
            return Ok(Outcome::Done);
        };
        drop(conn);
        if let Some(until) = ctx.rate_limit("wechat.subscribe_send").await? {
            return Ok(Outcome::RateLimited { until });
        }
        self.call(ctx, client, &send, kind, &facts, &openid).await
    }

    async fn call(
        &self,
        ctx: &JobContext,
        client: &WechatClient,
        send: &PendingSend,
        kind: MessageKind,
        facts: &Facts,
        openid: &str,
    ) -> anyhow::Result<Outcome> {
        let data = render::render(&ctx.templates, kind, facts);
        let message = SubscribeMessage {
            touser: openid.to_owned(),
            template_id: send.template_id.clone(),
            page: Some(render::page(&ctx.templates, facts)),
            data: data.clone(),
            ..SubscribeMessage::default()
        };
        let result = client.send_subscribe_message(&message).await;
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(()) => {
                SendLog::sent(&mut conn, send.id, openid, &serde_json::to_value(&data)?).await?;
                tracing::info!(send.id = send.id, send.kind = %send.kind, wechat.openid = %mask::openid(openid), "subscribe message sent");
                Ok(Outcome::Done)
            }
            Err(err) => {
                let outcome = outcome_of(&err);
                let text = err.to_string();
                match &outcome {
                    Outcome::Done => SendLog::sent(&mut conn, send.id, openid, &serde_json::to_value(&data)?).await?,
                    Outcome::Permanent { .. } => SendLog::finish(&mut conn, send.id, "failed", err.errcode(), &text).await?,
                    _ => SendLog::attempt_failed(&mut conn, send.id, err.errcode(), &text).await?,
                }
                tracing::warn!(send.id = send.id, errcode = ?err.errcode(), outcome = outcome.label(), "subscribe send failed");
                // 43101: the user has no grant left at WeChat. Recorded; nothing to retry or alert.
                if err.errcode() == Some(43101) {
                    return Ok(Outcome::Done);
                }
                Ok(outcome)
            }
        }
    }

    async fn wait_for_openid(&self, conn: &mut sqlx::PgConnection, send: &PendingSend) -> anyhow::Result<Outcome> {
        let waited = (Utc::now() - send.created_at).to_std().unwrap_or_default();
        if waited < OPENID_WAIT {
            return Ok(Outcome::RateLimited { until: Utc::now() + chrono::Duration::seconds(2) });
        }
        SendLog::finish(conn, send.id, "skipped", None, "the user has no openid").await?;
        tracing::info!(send.id = send.id, user.id = send.user_id, "subscribe message skipped: no openid");
        Ok(Outcome::Done)
    }
}
