//! The "WeChat interface cloud service" seed 003 calls (2.1 / 2.2), served by Yizhan:
//! `POST /v2/wechat/binding/code {phone}` sends an SMS code (limited per number and per client
//! address), `POST /v2/wechat/binding {phone, code}` binds the signed-in user to the number,
//! `GET /v2/wechat/binding` answers the binding. `/v1/visitor/binding` is the same binding under
//! seed 003's own path.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_common::mask;
use yizhan_common::sms::{normalize_mainland_mobile, plan_sms, PlanSmsError};
use yizhan_common::visitor::{bindings, codes};

use super::views::BindingView;
use super::{binding_view, limits};
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, AuthUser, ClientIp};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13800000001"}))]
pub struct PhoneBody {
    phone: String,
}

/// A code on its way.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"phone": "138****0001", "expiresIn": 300}))]
pub(crate) struct CodeSent {
    /// The number, masked.
    phone: String,
    /// Seconds the code works.
    expires_in: u64,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13800000001", "code": "123456"}))]
pub struct BindBody {
    pub phone: String,
    /// The SMS code.
    pub code: String,
}

#[utoipa::path(post, path = "/v2/wechat/binding/code", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), request_body = PhoneBody,
    responses((status = 202, description = "A code is on its way by SMS", body = CodeSent),
        (status = 429, description = "`rate_limited`: one a minute and a few an hour per number, a few per hour per address", body = ErrorEnvelope)))]
/// Sends a binding code by SMS.
pub async fn send_code(State(state): State<AppState>, auth: AuthUser, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<PhoneBody>) -> ApiResult<(StatusCode, Json<CodeSent>)> {
    let phone = mobile("phone", &b.phone)?;
    Ok((StatusCode::ACCEPTED, Json(send_phone_code(&state, auth.user.id, &phone, ip).await?)))
}

/// Sends `user_id` a binding code by SMS to `phone` (a normalised mainland mobile), within the
/// per-number and per-address limits; the code is kept only hashed (seed 003's binding, and seed
/// 004's binding by the phone on file).
pub(crate) async fn send_phone_code(state: &AppState, user_id: i64, phone: &str, ip: std::net::IpAddr) -> ApiResult<CodeSent> {
    limits::take(state, phone, ip).await?;
    let ttl = state.config.visitors.code_ttl;
    let code = codes::new_code();
    let mut tx = state.db.begin().await?;
    let code_id = codes::store(&mut tx, user_id, phone, &code, Utc::now() + chrono::Duration::from_std(ttl).map_err(ApiError::internal)?).await?;
    let planned = match plan_sms(&mut tx, &format!("binding_code:{code_id}"), codes::CODE_SMS_KIND, phone, &serde_json::json!({"code": code})).await {
        Ok(planned) => planned,
        Err(PlanSmsError::InvalidPhone) => return Err(ApiError::field("phone", "must be a mainland China mobile number")),
        Err(PlanSmsError::Db(e)) => return Err(e.into()),
    };
    let mut jobs = Enqueued::default();
    jobs.add(planned.outbox_id);
    jobs.commit(tx, state).await?;
    tracing::info!(user.id = user_id, phone = %mask::phone(phone), "binding code sent");
    Ok(CodeSent { phone: mask::phone(phone), expires_in: ttl.as_secs() })
}

#[utoipa::path(get, path = "/v2/wechat/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "`{bound: false}`, or the bound phone with the WeChat nickname and avatar", body = BindingView)))]
/// 2.1 查询微信是否已绑定.
pub async fn show(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<BindingView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(binding_view(&mut conn, auth.user.id).await?))
}

#[utoipa::path(post, path = "/v2/wechat/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), request_body = BindBody,
    responses((status = 200, description = "Bound: the binding", body = BindingView),
        (status = 400, description = "`invalid_code` (tries left in the message) or `code_expired`", body = ErrorEnvelope)))]
/// 2.2 微信绑定: binds the signed-in user to a phone proven by its SMS code.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<BindBody>) -> ApiResult<Json<BindingView>> {
    Ok(Json(bind_phone(&state, &auth, &b).await?))
}

/// Checks the code, then binds (the code is spent in the binding's transaction).
pub async fn bind_phone(state: &AppState, auth: &AuthUser, b: &BindBody) -> ApiResult<BindingView> {
    let (phone, code_id) = check_code(state, auth.user.id, b, None).await?;
    let mut tx = state.db.begin().await?;
    spend(&mut tx, code_id).await?;
    bindings::bind_phone(&mut tx, auth.user.id, &phone).await?;
    let view = binding_view(&mut tx, auth.user.id).await?;
    tx.commit().await?;
    tracing::info!(user.id = auth.user.id, phone = %mask::phone(&phone), "phone bound");
    Ok(view)
}

/// A mainland mobile number, normalised; 422 naming `field` otherwise.
pub fn mobile(field: &str, raw: &str) -> ApiResult<String> {
    normalize_mainland_mobile(raw).ok_or_else(|| ApiError::field(field, "must be a mainland China mobile number"))
}

/// Validates `{phone, code}` (and `name` when given) and checks the code: a wrong one counts a
/// try (committed); the right one is returned unspent.
pub async fn check_code(state: &AppState, user_id: i64, b: &BindBody, name: Option<&str>) -> ApiResult<(String, i64)> {
    let mut errors = FieldErrors::new();
    let phone = normalize_mainland_mobile(&b.phone);
    errors.check(phone.is_none(), "phone", "must be a mainland China mobile number");
    let code_ok = b.code.trim().len() == 6 && b.code.trim().bytes().all(|c| c.is_ascii_digit());
    errors.check(!code_ok, "code", "must be the 6-digit code");
    if let Some(name) = name {
        errors.text("name", name, 50);
    }
    errors.finish()?;
    let phone = phone.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    let checked = codes::check(&mut tx, user_id, &phone, &b.code, state.config.visitors.code_max_attempts).await?;
    tx.commit().await?;
    match checked {
        codes::CodeCheck::Valid { code_id } => Ok((phone, code_id)),
        codes::CodeCheck::Wrong { left } => Err(ApiError::bad_request("invalid_code", format!("the code is wrong; {left} tries left"))),
        codes::CodeCheck::Missing => Err(code_expired()),
    }
}

/// Spends a checked code in the binding's transaction (a parallel request may have spent it).
pub async fn spend(conn: &mut sqlx::PgConnection, code_id: i64) -> ApiResult<()> {
    if codes::spend(conn, code_id).await? {
        Ok(())
    } else {
        Err(code_expired())
    }
}

pub(crate) fn code_expired() -> ApiError {
    ApiError::bad_request("code_expired", "no valid code for this number: ask for a new one")
}
