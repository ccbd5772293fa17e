//! Signing in and out. The sign-in form is checked like the JSON login (`crate::login`: the same
//! validation and the same Redis throttle, per username and client address); before there is a
//! session its CSRF token is a random value also set as a short-lived cookie (double submit).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use yizhan_common::auth::token;
use yizhan_common::users;

use super::form::{tokens_match, CsrfForm, Fields};
use super::layout::html;
use super::session::{cookie, current, safe_next, set_cookie, ConsoleRoles, Signed, COOKIE};
use super::PageError;
use crate::error::ApiError;
use crate::extract::{ClientIp, OverTls, RoleSet};
use crate::login;
use crate::state::AppState;

const LOGIN_COOKIE: &str = "yz_console_login";
const LOGIN_PATH: &str = "/admin/console/login";

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form (a signed-in browser goes straight on).
pub async fn form(State(state): State<AppState>, OverTls(tls): OverTls, Query(q): Query<NextQuery>, req: Request) -> Result<Response, PageError> {
    let next = safe_next(q.next.as_deref().unwrap_or("")).to_owned();
    let (mut parts, _) = req.into_parts();
    if current(&mut parts, &state).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(login_page(tls, StatusCode::OK, next, String::new(), None))
}

/// A fresh login CSRF value, as the form's hidden field and as its cookie.
fn login_page(tls: bool, status: StatusCode, next: String, username: String, error: Option<String>) -> Response {
    let csrf = token::generate().plain;
    let cookie = set_cookie(LOGIN_COOKIE, &csrf, LOGIN_PATH, 3600, tls);
    let mut res = (status, html(&LoginPage { csrf, next, username, error })).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Checks the form's token and the credentials, then starts a session and sets its cookie.
pub async fn submit(State(state): State<AppState>, ClientIp(ip): ClientIp, OverTls(tls): OverTls, req: Request) -> Result<Response, PageError> {
    let expected = cookie(req.headers(), LOGIN_COOKIE).unwrap_or("").to_owned();
    let body = Bytes::from_request(req, &state).await.map_err(|_| PageError::csrf())?;
    let fields = Fields::parse(&body);
    let next = safe_next(&fields.text("next")).to_owned();
    let username = fields.text("username");
    if !tokens_match(&fields.text("csrf"), &expected) {
        return Ok(login_page(tls, StatusCode::FORBIDDEN, next, username, Some("页面已过期，请重新登录。".into())));
    }
    let password = SecretString::from(fields.raw("password"));
    let user = match login::authenticate(&state, ip, &username, password).await {
        Ok(user) => user,
        Err(err) => {
            let (status, message) = refusal(&err);
            let mut res = login_page(tls, status, next, username, Some(message));
            if let Some(secs) = err.retry_after_secs() {
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return Ok(res);
        }
    };
    if !ConsoleRoles::ROLES.iter().any(|r| user.has_role(*r)) {
        return Ok(login_page(tls, StatusCode::FORBIDDEN, next, username, Some("这个账号没有使用后台的权限。".into())));
    }
    let ttl = state.config.login_limits.console_session_ttl;
    let expires = Utc::now() + chrono::Duration::from_std(ttl).map_err(ApiError::internal)?;
    let mut conn = state.db.acquire().await?;
    let session = users::start_session(&mut conn, user.id, expires).await?;
    tracing::info!(user.id = user.id, "console sign-in");
    let mut res = Redirect::to(&next).into_response();
    let headers = res.headers_mut();
    for cookie in [set_cookie(COOKIE, &session.cookie, super::BASE, ttl.as_secs(), tls), set_cookie(LOGIN_COOKIE, "", LOGIN_PATH, 0, tls)] {
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// What the sign-in page says for a refused attempt (never which part was wrong).
fn refusal(err: &ApiError) -> (StatusCode, String) {
    match err.status() {
        StatusCode::TOO_MANY_REQUESTS => {
            let mins = err.retry_after_secs().unwrap_or(60).div_ceil(60);
            (StatusCode::TOO_MANY_REQUESTS, format!("登录失败次数过多，请 {mins} 分钟后再试。"))
        }
        StatusCode::UNPROCESSABLE_ENTITY => (StatusCode::UNPROCESSABLE_ENTITY, "请填写用户名和密码。".into()),
        StatusCode::BAD_REQUEST => (StatusCode::BAD_REQUEST, "用户名或密码错误。".into()),
        status => (status, "暂时无法登录，请稍后再试。".into()),
    }
}

/// Ends the session and clears its cookie.
pub async fn logout(State(state): State<AppState>, OverTls(tls): OverTls, me: Signed, CsrfForm(_): CsrfForm) -> Result<Response, PageError> {
    let mut conn = state.db.acquire().await?;
    users::end_session(&mut conn, me.session.session_id).await?;
    tracing::info!(user.id = me.user().id, "console sign-out");
    let mut res = Redirect::to(LOGIN_PATH).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(COOKIE, "", super::BASE, 0, tls)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
