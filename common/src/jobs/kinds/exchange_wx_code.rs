//! `exchange_wx_code`: trades the `wxCode` a business request carried for the user's openid and
//! stores the binding. A code is single-use, so an exchange that may have reached WeChat is never
//! retried; only one that certainly did not (no connection) is. Runs on its own queue
//! (`wechat_login`) so a burst of sends cannot hold it back, and when it finishes it makes the
//! user's waiting sends due at once.

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::mask;
use crate::subscribe::finish_exchange;
use crate::wechat::client::App;
use crate::wechat::errcode::ErrClass;
use crate::wechat::identities::{self, Bind};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeWxCode {
    pub user_id: i64,
    pub code: String,
    /// The `wx_code_exchanges` row sends wait on (absent in jobs written before it existed).
    #[serde(default)]
    pub exchange_id: Option<i64>,
}

#[async_trait::async_trait]
impl Job for ExchangeWxCode {
    const KIND: &'static str = "exchange_wx_code";
    /// Its own queue, so a burst of sends on `wechat` cannot starve code exchanges.
    const QUEUE: QueueName = QueueName::WechatLogin;
    type Context = JobContext;
    /// Codes live five minutes: retrying longer than that is pointless.
    const RETRY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: std::time::Duration::from_secs(2),
        max_delay: std::time::Duration::from_secs(30),
    };

    async fn run(&self, ctx: &JobContext) -> Outcome {
        let outcome = self.exchange(ctx).await;
        let finished = match &outcome {
            Outcome::Done => Some(true),
            Outcome::Permanent { .. } => Some(false),
            Outcome::Transient { .. } | Outcome::TokenInvalid if Self::RETRY.exhausted(ctx.job.attempt) => Some(false),
            _ => None,
        };
        if let (Some(ok), Some(exchange_id)) = (finished, self.exchange_id) {
            if let Err(err) = self.release_sends(ctx, exchange_id, ok).await {
                return Outcome::transient(err);
            }
        }
        outcome
    }
}

impl ExchangeWxCode {
    async fn exchange(&self, ctx: &JobContext) -> Outcome {
        let Some(client) = &ctx.wechat else { return Outcome::permanent("WeChat is not configured") };
        let Some(appid) = client.appid(App::Mini).map(str::to_owned) else {
            return Outcome::permanent("the Mini Program is not configured");
        };
        match ctx.rate_limit("wechat.jscode2session").await {
            Ok(Some(until)) => return Outcome::RateLimited { until },
            Ok(None) => {}
            Err(err) => return Outcome::transient(err),
        }
        let session = match client.jscode2session(&self.code).await {
            Ok(session) => session,
            Err(err) if !err.may_have_reached_wechat() && err.class() == ErrClass::Transient => return Outcome::transient(err),
            Err(err) => {
                // Bad, expired or used codes are routine (容错要求): recorded, never retried.
                tracing::info!(user.id = self.user_id, error = %err, "wxCode not exchanged");
                return Outcome::Done;
            }
        };
        let mut conn = match ctx.db.acquire().await {
            Ok(c) => c,
            Err(err) => return Outcome::transient(err),
        };
        match identities::bind(&mut conn, self.user_id, &appid, &session.openid, session.unionid.as_deref()).await {
            Ok(Bind::TakenByOther(other)) => {
                tracing::warn!(user.id = self.user_id, other.user.id = other, wechat.openid = %mask::openid(&session.openid),
                    "openid already bound to another user; not rebound");
                Outcome::Done
            }
            Ok(result) => {
                tracing::info!(user.id = self.user_id, wechat.openid = %mask::openid(&session.openid), bind = ?result, "openid bound");
                Outcome::Done
            }
            Err(err) => Outcome::transient(err),
        }
    }

    /// Records the exchange's end and makes the user's waiting sends due now (they send if an
    /// openid is bound, and skip otherwise).
    async fn release_sends(&self, ctx: &JobContext, exchange_id: i64, ok: bool) -> anyhow::Result<()> {
        let mut tx = ctx.db.begin().await?;
        let woken = finish_exchange(&mut tx, exchange_id, self.user_id, ok).await?;
        ctx.commit_and_push(tx, &woken).await?;
        Ok(())
    }
}
