//! WeChat login and binding (seed 002, also used by seed 001's Mini Program):
//! `POST /auth/wechat-code2token/ {code}` → `{token}` for the user bound to the code's openid, and
//! `PUT /auth/wechat-auth/ {code}` binding the signed-in user to it. The exchange runs here,
//! synchronously, because the client waits for its token; a code is never exchanged twice.
//!
//! Binding rules: the user's own openid again → unchanged; a new openid → replaces the user's old
//! one; an openid already bound to another user → 409 `openid_taken` (that user must unbind first).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use sha2::{Digest, Sha256};
use yizhan_common::mask;
use yizhan_common::users;
use yizhan_common::wechat::client::{App, Session};
use yizhan_common::wechat::errcode::ErrClass;
use yizhan_common::wechat::identities::{self, Bind};

use super::views::{TokenBody, UserView};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, AuthUser, ClientIp};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_AUTH;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct CodeBody {
    /// The Mini Program's `wx.login()` code (used once).
    code: String,
}

#[utoipa::path(post, path = "/auth/wechat-code2token/", tag = TAG_AUTH, request_body = CodeBody,
    responses((status = 200, description = "A token for the user bound to the code's openid", body = TokenBody),
        (status = 400, description = "`wechat_not_bound`, `account_disabled`, `code_used` or `invalid_code`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many logins from this address, the code exchange's budget is spent, or WeChat is limiting", body = ErrorEnvelope)))]
/// WeChat login: exchanges a `wx.login()` code for a token.
pub async fn code2token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<CodeBody>) -> ApiResult<Json<TokenBody>> {
    // Per address, in process, before the code touches Redis or the jscode2session budget.
    if let Err(wait) = state.code_logins.check(ip) {
        return Err(ApiError::too_many_requests("too many WeChat logins from this address; try again shortly", wait.as_secs() + 1));
    }
    let (appid, session) = exchange(&state, &b.code).await?;
    let mut conn = state.db.acquire().await?;
    let user_id = identities::user_of(&mut conn, &appid, &session.openid).await?.ok_or_else(|| {
        ApiError::bad_request("wechat_not_bound", "this WeChat account is not bound: log in with a password and bind it first")
    })?;
    let user = users::find_by_id(&mut conn, user_id).await?.filter(|u| u.is_active);
    let user = user.ok_or_else(|| ApiError::bad_request("account_disabled", "the account is disabled"))?;
    let ttl = chrono::Duration::from_std(state.config.token_ttl).map_err(ApiError::internal)?;
    let token = users::issue(&mut conn, user.id, Utc::now() + ttl).await?;
    tracing::info!(user.id = user.id, wechat.openid = %mask::openid(&session.openid), "token issued for a WeChat login");
    Ok(Json(TokenBody { token }))
}

#[utoipa::path(put, path = "/auth/wechat-auth/", tag = TAG_AUTH, security(("token" = []), ("bearer" = [])), request_body = CodeBody,
    responses((status = 200, description = "The signed-in user, now bound to the code's openid", body = UserView),
        (status = 400, description = "`code_used` or `invalid_code`", body = ErrorEnvelope),
        (status = 409, description = "`openid_taken`: the WeChat account is bound to another user", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: the code exchange's budget is spent, or WeChat is limiting", body = ErrorEnvelope)))]
/// Binds the signed-in user to the WeChat account of a `wx.login()` code.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<CodeBody>) -> ApiResult<Json<UserView>> {
    let (appid, session) = exchange(&state, &b.code).await?;
    let mut tx = state.db.begin().await?;
    match identities::bind(&mut tx, auth.user.id, &appid, &session.openid, session.unionid.as_deref()).await? {
        Bind::TakenByOther(_) => {
            return Err(ApiError::conflict("openid_taken", "this WeChat account is bound to another user"));
        }
        result => tracing::info!(user.id = auth.user.id, wechat.openid = %mask::openid(&session.openid), bind = ?result, "WeChat bound"),
    }
    tx.commit().await?;
    Ok(Json(auth.user.into()))
}

/// Exchanges a code once: a code seen before (within its lifetime) is refused without calling WeChat.
async fn exchange(state: &AppState, code: &str) -> ApiResult<(String, Session)> {
    first_use(state, code).await?;
    let client = state.wechat().await?;
    let appid = client.appid(App::Mini).ok_or_else(|| ApiError::unavailable("the Mini Program is not configured"))?.to_owned();
    state.rate_limit("wechat.jscode2session", std::time::Duration::from_secs(2)).await?;
    client.jscode2session(code).await.map(|s| (appid, s)).map_err(exchange_error)
}

/// Checks a WeChat login code (`wx.login()` or web OAuth) and claims it: 400 `code_used` when it
/// was seen before (codes are single-use; a second exchange would only burn quota).
pub(crate) async fn first_use(state: &AppState, code: &str) -> ApiResult<()> {
    let mut errors = FieldErrors::new();
    errors.text("code", code, 128);
    errors.finish()?;
    let mut redis = state.redis.get().await.map_err(|e| ApiError::unavailable(format!("redis: {e}")))?;
    let key = state.redis_key(&format!("wxcode:{}", hex::encode(Sha256::digest(code.trim().as_bytes()))));
    let fresh: bool = redis::cmd("SET").arg(&key).arg(1).arg("NX").arg("EX").arg(600).query_async::<Option<String>>(&mut redis).await?.is_some();
    if !fresh {
        return Err(ApiError::bad_request("code_used", "this code was already used; call wx.login() again"));
    }
    Ok(())
}

/// What a failed code exchange answers.
pub(crate) fn exchange_error(err: yizhan_common::wechat::client::WechatError) -> ApiError {
    match err.class() {
        ErrClass::Permanent => ApiError::bad_request("invalid_code", "the code is invalid or expired; call wx.login() again"),
        ErrClass::RateLimited | ErrClass::Quota => ApiError::too_many_requests("WeChat is rate limiting logins; try again shortly", 60),
        _ => {
            tracing::warn!(error = %err, "code exchange failed");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "wechat_unavailable", "WeChat could not be reached; call wx.login() and try again")
        }
    }
}
