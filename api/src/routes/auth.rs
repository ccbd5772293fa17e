//! Seed 002's token routes: `POST /auth/get-token/` and `DELETE /auth/wechat-auth/` (logout).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use yizhan_common::auth::password;
use yizhan_common::users;

use super::views::TokenBody;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, AuthUser, ClientIp};
use crate::state::AppState;
use crate::throttle;

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: SecretString,
}

pub async fn get_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(body): ApiJson<Credentials>) -> ApiResult<Json<TokenBody>> {
    let mut errors = FieldErrors::new();
    errors.text("username", &body.username, 150);
    errors.check(secrecy::ExposeSecret::expose_secret(&body.password).is_empty(), "password", "is required");
    errors.finish()?;

    let attempt = throttle::reserve(&state, &body.username, ip).await?;
    let mut conn = state.db.acquire().await?;
    let found = users::find_by_username(&mut conn, &body.username).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let valid = password::verify(body.password, hash).await;
    let user = match user {
        Some(user) if valid && user.is_active => user,
        _ => {
            return Err(ApiError::bad_request("invalid_credentials", "unable to log in with the provided credentials"));
        }
    };
    throttle::succeeded(&state, attempt).await;
    let ttl = chrono::Duration::from_std(state.config.token_ttl).map_err(ApiError::internal)?;
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
