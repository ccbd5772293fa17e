//! Seed 003 §2 / §2.1: a visitor's binding under `/v1/visitor/binding`, the same binding as
//! `/v2/wechat/binding` (nickname, avatar and phone).

use axum::extract::State;
use axum::Json;

use super::binding_view;
use super::views::BindingView;
use super::wechat_binding::{bind_phone, BindBody};
use crate::error::ApiResult;
use crate::extract::{ApiJson, AuthUser};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/visitor/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "`{bound: false}`, or the WeChat nickname, avatar and bound phone", body = BindingView)))]
/// 查询访客微信是否已绑定.
pub async fn show(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<BindingView>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(binding_view(&mut conn, auth.user.id).await?))
}

#[utoipa::path(post, path = "/v1/visitor/binding", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), request_body = BindBody,
    responses((status = 200, description = "Bound: nickname, avatar and phone", body = BindingView),
        (status = 400, description = "`invalid_code` or `code_expired`", body = ErrorEnvelope)))]
/// 访客微信绑定.
pub async fn bind(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<BindBody>) -> ApiResult<Json<BindingView>> {
    Ok(Json(bind_phone(&state, &auth, &b).await?))
}
