//! `GET /v2/wechat/jssdk?url=` : the signed `wx.config` for an H5 page, over the Official
//! Account's shared `jsapi_ticket` (cached in Redis like the access token; one fetch serves every
//! process until it nears expiry).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yizhan_common::wechat::client::JsSdkConfig;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::ApiQuery;
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The page's full URL (its `#` part is ignored), as `location.href.split('#')[0]`.
    url: String,
}

/// `wx.config`'s signed fields.
#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"appId": "wx…", "timestamp": 1765000000, "nonceStr": "Wm3WZYTPz0wzccnW", "signature": "0f9de62f…"}))]
pub struct JsSdkView {
    app_id: String,
    timestamp: i64,
    nonce_str: String,
    signature: String,
}

impl From<JsSdkConfig> for JsSdkView {
    fn from(c: JsSdkConfig) -> Self {
        Self { app_id: c.app_id, timestamp: c.timestamp, nonce_str: c.nonce_str, signature: c.signature }
    }
}

#[utoipa::path(get, path = "/v2/wechat/jssdk", tag = TAG_VISITOR, params(PageQuery),
    responses((status = 200, description = "The signed `wx.config` fields", body = JsSdkView)))]
/// JS-SDK config for an H5 page.
pub async fn config(State(state): State<AppState>, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<JsSdkView>> {
    let mut errors = FieldErrors::new();
    errors.text("url", &q.url, 1024);
    let web = q.url.starts_with("https://") || q.url.starts_with("http://");
    errors.check(!web, "url", "must be the page's http(s) URL");
    errors.finish()?;
    let client = state.wechat().await?;
    let signed = client.jssdk_config(&q.url, state.now().timestamp()).await.map_err(|err| {
        tracing::warn!(error = %err, "jsapi_ticket unavailable");
        ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "wechat_unavailable", "WeChat could not be reached; try again")
    })?;
    Ok(Json(signed.into()))
}
