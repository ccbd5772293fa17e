//! Seed 002's token routes: `POST /auth/get-token/` and `DELETE /auth/wechat-auth/` (logout).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_common::users;

use super::views::TokenBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, AuthUser, ClientIp};
use crate::login;
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_AUTH;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"username": "wang.li", "password": "a-long-password"}))]
pub struct Credentials {
    username: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
}

#[utoipa::path(post, path = "/auth/get-token/", tag = TAG_AUTH, request_body = Credentials,
    responses((status = 200, description = "A token for `Authorization: Token <token>` (or `Bearer <token>`)", body = TokenBody,
            example = json!({"token": "3f9d2c…"})),
        (status = 400, description = "`invalid_credentials` or `account_disabled`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many failed logins (see `Retry-After`)", body = ErrorEnvelope)))]
/// Password login (seed 002): a token for the user.
pub async fn get_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(body): ApiJson<Credentials>) -> ApiResult<Json<TokenBody>> {
    let user = login::authenticate(&state, ip, &body.username, body.password).await?;
    let ttl = chrono::Duration::from_std(state.config.token_ttl).map_err(ApiError::internal)?;
    let mut conn = state.db.acquire().await?;
    let token = users::issue(&mut conn, user.id, Utc::now() + ttl).await?;
    tracing::info!(user.id = user.id, "token issued");
    Ok(Json(TokenBody { token }))
}

#[utoipa::path(delete, path = "/auth/wechat-auth/", tag = TAG_AUTH, security(("token" = []), ("bearer" = [])),
    responses((status = 204, description = "The token used is revoked")))]
/// Logout: revokes the token the request was made with.
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    users::revoke(&mut conn, auth.token_id).await?;
    state.tokens.forget_all();
    tracing::info!(user.id = auth.user.id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
