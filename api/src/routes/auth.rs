//! Seed 002's token routes: `POST /auth/get-token/` and `DELETE /auth/wechat-auth/` (logout).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use yizhan_common::users;

use super::views::TokenBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, AuthUser, ClientIp};
use crate::login;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

pub async fn get_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(body): ApiJson<Credentials>) -> ApiResult<Json<TokenBody>> {
    let user = login::authenticate(&state, ip, &body.username, body.password).await?;
    let ttl = chrono::Duration::from_std(state.config.token_ttl).map_err(ApiError::internal)?;
    let mut conn = state.db.acquire().await?;
    let token = users::issue(&mut conn, user.id, Utc::now() + ttl).await?;
    tracing::info!(user.id = user.id, "token issued");
    Ok(Json(TokenBody { token }))
}

pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> ApiResult<StatusCode> {
    let mut conn = state.db.acquire().await?;
    users::revoke(&mut conn, auth.token_id).await?;
    tracing::info!(user.id = auth.user.id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
