//! Seed 003 §7 `PUT /v1/auth/{id}`: the host authorizes (or refuses, with a reason). Only the
//! application's host — a staff member Koala confirmed, whose bound phone is the host phone —
//! sees it at all (404 to anyone else). Deciding again the same way changes nothing and sets off
//! nothing; the other way is 409 `already_decided`. Authorization notifies everyone visiting and
//! registers each in Koala for the window (jobs, retried while Koala is down).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::visitor::{applications, plan, staff, VisitStatus};

use super::views::ApplicationView;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiPath, AuthUser, OptionalJson};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"authorized": false, "reason": "当天不在公司"}))]
pub struct DecisionBody {
    /// `true` (the default: an empty body authorizes) or `false` to refuse.
    #[serde(default = "yes")]
    authorized: bool,
    /// Why not (refusals only; at most 200 characters).
    #[serde(default)]
    reason: Option<String>,
}

fn yes() -> bool {
    true
}

/// No body authorizes.
impl Default for DecisionBody {
    fn default() -> Self {
        Self { authorized: true, reason: None }
    }
}

#[utoipa::path(put, path = "/v1/auth/{id}", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id")), request_body(content = Option<DecisionBody>),
    responses((status = 200, description = "The application as decided", body = ApplicationView),
        (status = 404, description = "No such application, or not one you host", body = ErrorEnvelope),
        (status = 409, description = "`already_decided` the other way, or `visit_over`", body = ErrorEnvelope)))]
/// 员工授权.
pub async fn decide(State(state): State<AppState>, auth: AuthUser, ApiPath(id): ApiPath<i64>, OptionalJson(b): OptionalJson<DecisionBody>) -> ApiResult<Json<ApplicationView>> {
    let b = b.unwrap_or_default();
    let mut errors = FieldErrors::new();
    errors.optional_text("reason", b.reason.as_deref(), 200);
    errors.check(b.authorized && b.reason.is_some(), "reason", "only a refusal has a reason");
    errors.finish()?;
    let want = if b.authorized { VisitStatus::Authorized } else { VisitStatus::Refused };
    let mut tx = state.db.begin().await?;
    // Only the host's own staff record (its phone is the bound one) sees the application.
    let host = staff::of_user(&mut tx, auth.user.id).await?;
    let app = applications::find_for_update(&mut tx, id).await?;
    let app = app.filter(|a| host.as_ref().is_some_and(|h| h.phone == a.host_phone)).ok_or_else(|| ApiError::not_found("application"))?;
    if app.status == want {
        return Ok(Json((&app).into()));
    }
    if app.status != VisitStatus::Pending {
        return Err(ApiError::conflict("already_decided", format!("the application is already {}", app.status)));
    }
    if want == VisitStatus::Authorized && app.visit_to <= state.now() {
        return Err(ApiError::conflict("visit_over", "the visit window has passed"));
    }
    let reason = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    applications::decide(&mut tx, id, want, reason).await?;
    let app = applications::find_for_update(&mut tx, id).await?.ok_or_else(|| ApiError::not_found("application"))?;
    let mut jobs = Enqueued::default();
    jobs.add(plan::plan_decided(&mut tx, state.visit_channels(), &app).await?);
    jobs.commit(tx, &state).await?;
    tracing::info!(visit.id = id, visit.status = %app.status, "visit decided");
    Ok(Json((&app).into()))
}
