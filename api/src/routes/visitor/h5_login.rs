//! H5 sign-in through the Official Account's web OAuth (`snsapi_base` / `snsapi_userinfo`):
//! `POST /v2/wechat/login {code}` exchanges the code once, finds or creates the user of that
//! openid (role `visitor`), keeps the nickname and avatar (`snsapi_userinfo`; the avatar is copied
//! into object storage by a job) and answers a token with the binding.

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use yizhan_common::avatar::plan_avatar;
use yizhan_common::mask;
use yizhan_common::users::{self, NewUser, Role};
use yizhan_common::visitor::bindings;
use yizhan_common::wechat::client::App;
use yizhan_common::wechat::identities;

use super::binding_view;
use super::views::BindingView;
use crate::enqueued::Enqueued;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientIp};
use crate::openapi::schemas::ErrorEnvelope;
use crate::openapi::TAG_VISITOR;
use crate::routes::wechat_login::{exchange_error, first_use};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[schema(as = OAuthCodeBody)]
pub struct CodeBody {
    /// The `code` WeChat appended to the OAuth redirect (used once).
    code: String,
}

/// A token and the binding of the signed-in WeChat user.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginView {
    token: String,
    #[serde(flatten)]
    binding: BindingView,
}

#[utoipa::path(post, path = "/v2/wechat/login", tag = TAG_VISITOR, request_body = CodeBody,
    responses((status = 200, description = "A token for the WeChat user of the code (created on first sign-in) and their binding", body = LoginView),
        (status = 400, description = "`code_used` or `invalid_code`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`", body = ErrorEnvelope)))]
/// Web OAuth sign-in for the H5 pages.
pub async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(b): ApiJson<CodeBody>) -> ApiResult<Json<LoginView>> {
    let (token, user_id) = sign_in(&state, ip, &b.code).await?;
    let mut conn = state.db.acquire().await?;
    let binding = binding_view(&mut conn, user_id).await?;
    Ok(Json(LoginView { token, binding }))
}

/// Signs the WeChat user of a web OAuth `code` in (created on first sign-in) → (a new token,
/// their user id). The JSON route above and the H5 pages' OAuth return (`crate::h5`) share it.
pub(crate) async fn sign_in(state: &AppState, ip: std::net::IpAddr, code: &str) -> ApiResult<(String, i64)> {
    if let Err(wait) = state.code_logins.check(ip) {
        return Err(ApiError::too_many_requests("too many WeChat logins from this address; try again shortly", wait.as_secs() + 1));
    }
    first_use(state, code).await?;
    let client = state.wechat().await?;
    let appid = client.appid(App::Mp).ok_or_else(|| ApiError::unavailable("the Official Account is not configured"))?.to_owned();
    let token = client.oauth_exchange(code).await.map_err(exchange_error)?;
    let profile = if token.scope.contains("snsapi_userinfo") {
        // The profile is a nicety: a failure here never fails the sign-in.
        client.oauth_userinfo(&token).await.map_err(|err| tracing::warn!(error = %err, "sns/userinfo failed")).ok()
    } else {
        None
    };
    let mut tx = state.db.begin().await?;
    let user_id = match identities::user_of(&mut tx, &appid, &token.openid).await? {
        Some(id) => id,
        None => {
            let username = format!("wx_{}", &hex::encode(Sha256::digest(format!("{appid}:{}", token.openid).as_bytes()))[..24]);
            let name = profile.as_ref().map(|p| p.nickname.trim()).filter(|n| !n.is_empty()).unwrap_or("微信用户");
            let new = NewUser { username, password_hash: None, name: name.chars().take(50).collect(), phone: None, email: None, roles: vec![Role::Visitor] };
            let user = users::create(&mut tx, &new).await?;
            identities::bind(&mut tx, user.id, &appid, &token.openid, token.unionid.as_deref()).await?;
            user.id
        }
    };
    let user = users::find_by_id(&mut tx, user_id).await?.filter(|u| u.is_active);
    let user = user.ok_or_else(|| ApiError::bad_request("account_disabled", "the account is disabled"))?;
    let mut jobs = Enqueued::default();
    if let Some(p) = &profile {
        let avatar = Some(p.headimgurl.trim()).filter(|a| !a.is_empty());
        bindings::save_profile(&mut tx, user.id, p.nickname.trim(), avatar).await?;
        if let Some(url) = avatar {
            match plan_avatar(&mut tx, &bindings::wechat_avatar_key(user.id, url), url).await {
                Ok(planned) => jobs.add(planned.outbox_id),
                Err(yizhan_common::avatar::PlanAvatarError::InvalidUrl) => tracing::warn!(user.id = user.id, "WeChat avatar is not an http(s) URL"),
                Err(yizhan_common::avatar::PlanAvatarError::Db(e)) => return Err(e.into()),
            }
        }
    }
    let ttl = chrono::Duration::from_std(state.config.token_ttl).map_err(ApiError::internal)?;
    let issued = users::issue(&mut tx, user.id, Utc::now() + ttl).await?;
    jobs.commit(tx, state).await?;
    tracing::info!(user.id = user.id, wechat.openid = %mask::openid(&token.openid), "H5 sign-in through web OAuth");
    Ok((issued, user.id))
}
