//! The web OAuth round trip of the H5 pages: [`start`] sends the browser to WeChat's authorize
//! URL (`snsapi_base`), [`back`] is where WeChat sends it back with `code` and `state`.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::wechat::client::{authorize_url, OAuthScope};

use super::{H5Error, H5Result, COOKIE, PATH, STATE_COOKIE};
use crate::console::form::tokens_match;
use crate::console::session::{cookie, set_cookie};
use crate::extract::{ClientIp, OverTls};
use crate::routes::visitor::h5_login::sign_in;
use crate::state::AppState;

/// Where to go after signing in: an H5 page, never anywhere else.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/h5/school/") && !next.contains("//") && !next.contains('\\') {
        next
    } else {
        "/h5/school/bind"
    }
}

/// The redirect through web OAuth that comes back to `next`.
pub fn start(state: &AppState, next: &str) -> H5Result<H5Error> {
    let appid = state.config.wechat.as_ref().and_then(|w| w.mp.as_ref()).map(|m| m.appid.clone());
    let (Some(appid), Some(base)) = (appid, state.config.notices.h5_base.as_deref()) else {
        return Err(H5Error::Page(StatusCode::SERVICE_UNAVAILABLE, "公众号网页授权未配置（NOTICE_H5_BASE_URL）。".into()));
    };
    let next: String = form_urlencoded::byte_serialize(safe_next(next).as_bytes()).collect();
    let redirect_uri = format!("{base}/h5/school/oauth?next={next}");
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let url = authorize_url(&appid, &redirect_uri, OAuthScope::Base, &nonce);
    let secure = base.starts_with("https://");
    let mut res = Redirect::to(&url).into_response();
    if let Ok(v) = HeaderValue::try_from(set_cookie(STATE_COOKIE, &nonce, PATH, 600, secure)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(H5Error::Redirect(res))
}

#[derive(Debug, Deserialize)]
pub struct Back {
    code: Option<String>,
    state: Option<String>,
    next: Option<String>,
}

/// `GET /h5/school/oauth?code&state&next`: signs the WeChat user in and goes on to `next`.
pub async fn back(State(state): State<AppState>, ClientIp(ip): ClientIp, OverTls(tls): OverTls, headers: HeaderMap, Query(q): Query<Back>) -> H5Result<Response> {
    let expected = cookie(&headers, STATE_COOKIE).unwrap_or_default();
    if !tokens_match(q.state.as_deref().unwrap_or_default(), expected) {
        return Err(H5Error::Page(StatusCode::BAD_REQUEST, "授权已过期，请从公众号菜单重新打开。".into()));
    }
    let code = q.code.as_deref().filter(|c| !c.is_empty() && c.len() <= 128);
    let Some(code) = code else { return Err(H5Error::Page(StatusCode::BAD_REQUEST, "未获得微信授权。".into())) };
    let (token, _) = sign_in(&state, ip, code).await?;
    let max_age = state.config.token_ttl.as_secs();
    let mut res = Redirect::to(safe_next(q.next.as_deref().unwrap_or_default())).into_response();
    for c in [set_cookie(COOKIE, &token, PATH, max_age, tls), set_cookie(STATE_COOKIE, "", PATH, 0, tls)] {
        if let Ok(v) = HeaderValue::try_from(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_h5_pages_are_followed() {
        assert_eq!(super::safe_next("/h5/school/notices/3"), "/h5/school/notices/3");
        for bad in ["https://evil.test/", "//evil.test/h5/school/", "/admin/console/", "/h5/school/\\evil", ""] {
            assert_eq!(super::safe_next(bad), "/h5/school/bind", "{bad}");
        }
    }
}
