//! `create_department_qrcode`: creates a department's permanent parametric QR code (scene id =
//! the department id) once. A code already created is never created again.

use serde::{Deserialize, Serialize};

use crate::follow::qrcodes;
use crate::jobs::{Job, JobContext, Outcome, QueueName, RetryPolicy};
use crate::wechat::client::{QrRequest, QrScene};
use crate::wechat::outcome::outcome_of;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDepartmentQrCode {
    pub department_id: i64,
}

#[async_trait::async_trait]
impl Job for CreateDepartmentQrCode {
    const KIND: &'static str = "create_department_qrcode";
    const QUEUE: QueueName = QueueName::Wechat;
    type Context = JobContext;
    const RETRY: RetryPolicy = RetryPolicy {
        max_attempts: 5,
        base_delay: std::time::Duration::from_secs(1),
        max_delay: std::time::Duration::from_secs(60),
    };

    async fn run(&self, ctx: &JobContext) -> Outcome {
        match self.create(ctx).await {
            Ok(outcome) => outcome,
            Err(err) => Outcome::transient(err),
        }
    }
}

impl CreateDepartmentQrCode {
    async fn create(&self, ctx: &JobContext) -> anyhow::Result<Outcome> {
        let mut conn = ctx.db.acquire().await?;
        let Some(code) = qrcodes::find(&mut conn, self.department_id).await? else {
            return Ok(Outcome::Done);
        };
        if code.status != Some(qrcodes::QrcodeStatus::Pending) {
            return Ok(Outcome::Done);
        }
        let Some(client) = ctx.wechat.as_ref() else {
            qrcodes::mark_failed(&mut conn, self.department_id, "WeChat is not configured").await?;
            return Ok(Outcome::permanent("WeChat is not configured"));
        };
        let scene = u32::try_from(self.department_id).ok().filter(|id| (1..=100_000).contains(id));
        let Some(scene) = scene else {
            qrcodes::mark_failed(&mut conn, self.department_id, "department id is outside WeChat's scene range").await?;
            return Ok(Outcome::permanent("department id outside 1–100000"));
        };
        drop(conn);
        if let Some(until) = ctx.rate_limit("wechat.qrcode_create").await? {
            return Ok(Outcome::RateLimited { until });
        }
        let result = client.create_qrcode(&QrRequest::Permanent { scene: QrScene::Id(scene) }).await;
        let mut conn = ctx.db.acquire().await?;
        match result {
            Ok(qr) => {
                qrcodes::mark_ready(&mut conn, self.department_id, &qr.ticket, &qr.url, &qr.image_url()).await?;
                tracing::info!(department.id = self.department_id, "department QR code created");
                Ok(Outcome::Done)
            }
            Err(err) => {
                let outcome = outcome_of(&err);
                let last_try = ctx.job.attempt >= Self::RETRY.max_attempts;
                if matches!(outcome, Outcome::Permanent { .. }) || (last_try && matches!(outcome, Outcome::Transient { .. })) {
                    qrcodes::mark_failed(&mut conn, self.department_id, &err.to_string()).await?;
                }
                // Failures are logged once, by the worker (in this job's span); a deferral is not one.
                if matches!(outcome, Outcome::RateLimited { .. } | Outcome::QuotaExhausted { .. }) {
                    tracing::info!(department.id = self.department_id, error = %err, outcome = outcome.label(), "QR code creation deferred");
                }
                Ok(outcome)
            }
        }
    }
}
