//! Seed 000's admin actions behind both the JSON routes (`POST …/wx/qrcode`, `…/wx/keywords`)
//! and the console's QR-code and keyword pages: asking for a department's code (claiming it and
//! enqueueing its creation job in one transaction) and checking keyword rules, so both give the
//! same errors and write the same rows.

use serde::Deserialize;
use yizhan_common::follow::keywords::{self, MAX_RULES};
use yizhan_common::follow::qrcodes::{self, DepartmentCode, QrcodeStatus};
use yizhan_common::jobs::kinds::CreateDepartmentQrCode;
use yizhan_common::outbox::Enqueue;

use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::state::AppState;

/// The department's code as it stands; when it is not ready, the code row is claimed (a new
/// one, a failed one, or one left pending past `QRCODE_RECLAIM_SECS`) and the creation job
/// enqueued in the same transaction, then pushed. 404 for an unknown department.
pub async fn request_code(state: &AppState, department_id: i64) -> ApiResult<DepartmentCode> {
    let mut tx = state.db.begin().await?;
    let code = qrcodes::find(&mut tx, department_id).await?.ok_or_else(|| ApiError::not_found("department"))?;
    if code.status == Some(QrcodeStatus::Ready) {
        return Ok(code);
    }
    let mut jobs = Enqueued::default();
    if qrcodes::claim(&mut tx, department_id, state.config.qrcode_reclaim_after).await? {
        jobs.add(CreateDepartmentQrCode { department_id }.enqueue(&mut tx).await?);
    }
    jobs.commit(tx, state).await?;
    let mut conn = state.db.acquire().await?;
    qrcodes::find(&mut conn, department_id).await?.ok_or_else(|| ApiError::not_found("department"))
}

/// A keyword rule as the JSON body (or the console's form) gives it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"pattern": "挂号", "matchKind": "contains", "replyText": "点击预约挂号", "replyUrl": "https://example.org/book", "priority": 10}))]
pub struct RuleBody {
    pub pattern: String,
    /// `exact` or `contains` (the default).
    #[serde(default = "contains")]
    #[schema(default = "contains")]
    pub match_kind: String,
    pub reply_text: String,
    pub reply_url: Option<String>,
    #[serde(default)]
    pub priority: i32,
}

fn contains() -> String {
    "contains".into()
}

fn check_rule(b: &RuleBody) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    errors.text("pattern", &b.pattern, 100);
    errors.text("replyText", &b.reply_text, 600);
    errors.optional_text("replyUrl", b.reply_url.as_deref(), 500);
    errors.check(!["exact", "contains"].contains(&b.match_kind.as_str()), "matchKind", "must be `exact` or `contains`");
    errors.finish()
}

/// Checks the rule (422 per field), then adds it (409 `too_many_rules` past [`MAX_RULES`]).
pub async fn create_rule(state: &AppState, b: &RuleBody) -> ApiResult<i64> {
    check_rule(b)?;
    let mut conn = state.db.acquire().await?;
    keywords::create(&mut conn, b.pattern.trim(), &b.match_kind, &b.reply_text, b.reply_url.as_deref(), b.priority)
        .await?
        .ok_or_else(|| ApiError::conflict("too_many_rules", format!("at most {MAX_RULES} keyword rules")))
}

/// Checks the rule, then replaces rule `id` with it (404 for an unknown rule).
pub async fn update_rule(state: &AppState, id: i64, b: &RuleBody) -> ApiResult<()> {
    check_rule(b)?;
    let mut conn = state.db.acquire().await?;
    if keywords::update(&mut conn, id, b.pattern.trim(), &b.match_kind, &b.reply_text, b.reply_url.as_deref(), b.priority).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("keyword rule"))
    }
}

/// Deletes rule `id` (404 for an unknown rule).
pub async fn delete_rule(state: &AppState, id: i64) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    if keywords::delete(&mut conn, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("keyword rule"))
    }
}
