//! `publish_menu`: sends the saved custom menu to WeChat (`menu/create`) and records which
//! version WeChat has. `menu/create` replaces the whole menu, so a retried or repeated run sends
//! the latest saved menu again and does no harm.

use serde::{Deserialize, Serialize};

use crate::follow::menu;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishMenu {}

#[async_trait::async_trait]
impl Job for PublishMenu {
    const KIND: &'static str = "publish_menu";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const RETRY: RetryPolicy = RetryPolicy {
        max_attempts: 5,
        base_delay: std::time::Duration::from_secs(2),
        max_delay: std::time::Duration::from_secs(60),
    };

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match publish(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

async fn publish(ctx: &JobContext) -> anyhow::Result<Outcome> {
    let mut conn = ctx.db.acquire().await?;
    let Some(saved) = menu::load(&mut conn).await? else { return Ok(Outcome::Done) };
    let Some(client) = ctx.wechat.as_ref() else {
        menu::mark_failed(&mut conn, "WeChat is not configured").await?;
        return Ok(Outcome::permanent("WeChat is not configured"));
    };
    drop(conn);
    if let Some(until) = ctx.rate_limit("wechat.menu_create").await? {
        return Ok(Outcome::RateLimited { until });
    }
    let result = client.create_menu(&menu::wechat_body(&saved.buttons)).await;
    let mut conn = ctx.db.acquire().await?;
    match result {
        Ok(()) => {
            menu::mark_published(&mut conn, saved.version).await?;
            tracing::info!(menu.version = saved.version, "custom menu published");
            Ok(Outcome::Done)
        }
        Err(err) => {
            let outcome = outcome_of(&err);
            let last_try = ctx.job.attempt >= PublishMenu::RETRY.max_attempts;
            if matches!(outcome, Outcome::Permanent { .. }) || (last_try && matches!(outcome, Outcome::Transient { .. })) {
                menu::mark_failed(&mut conn, &err.to_string()).await?;
            }
            Ok(outcome)
        }
    }
}
