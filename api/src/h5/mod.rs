//! Seed 004's H5 pages, for WeChat's in-app browser: server-rendered (askama, `api/templates/h5/`),
//! small, no script, no CDN (the stylesheet is the console's `h5.css`). The Official Account's menu
//! (VIEW items) and its messages open them.
//!
//! Signing in: a page without the `yz_h5` cookie sends the browser through the Official Account's
//! web OAuth (`snsapi_base`, silent) with `redirect_uri` = `NOTICE_H5_BASE_URL/h5/school/oauth?next=…`
//! and a random `state` also held in a short-lived cookie (`yz_h5_state`, so nobody can sign a
//! victim in as themselves); the return exchanges the code as `POST /v2/wechat/login` does
//! (`routes::visitor::h5_login::sign_in`) and keeps the new API token in `yz_h5` (`HttpOnly`,
//! `SameSite=Lax`, `Path=/h5`). Every page then acts as that user through the JSON routes' own
//! code, so the pages follow the same rules; forms carry a CSRF token derived from the cookie.

mod board;
mod counselor;
mod directory;
mod list;
mod meetings;
mod oauth;
mod paging;
mod student;
mod talk;

use askama::Template;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use sha2::{Digest, Sha256};
use yizhan_common::users::TokenLookup;

use crate::console::session::cookie;
use crate::error::ApiError;
use crate::extract::AuthUser;
use crate::state::AppState;

/// The cookie holding the H5 user's API token.
const COOKIE: &str = "yz_h5";
/// The cookie holding the OAuth round trip's `state`.
const STATE_COOKIE: &str = "yz_h5_state";
const PATH: &str = "/h5";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/h5/school/oauth", get(oauth::back))
        .route("/h5/school/bind", get(student::bind_page).post(student::bind))
        .route("/h5/school/counselor-bind", get(counselor::bind_page).post(counselor::bind))
        .route("/h5/school/settings", get(student::settings_page).post(student::save_settings))
        .route("/h5/school/notices", get(list::notices_page))
        .route("/h5/school/notices/{id}", get(student::notice_page))
        .route("/h5/school/notices/{id}/comments", post(talk::comment))
        .route("/h5/school/notices/{id}/thread", post(talk::ask))
        .route("/h5/school/notices/{id}/confirm", post(student::confirm))
        .route("/h5/school/notices/{id}/vote", post(student::vote))
        .route("/h5/school/notices/{id}/files/{file_id}", get(student::file))
        .route("/h5/school/meetings/{id}/checkin", get(meetings::checkin))
        .route("/h5/school/topics", get(board::topics_page))
        .route("/h5/school/topics/{topic}", get(board::topic_page))
        .route("/h5/school/directory", get(directory::directory_page))
        .route("/h5/school/compose", get(counselor::compose_page).post(counselor::send))
        .route("/h5/school/sent/{id}", get(counselor::sent_page))
        .layer(axum::middleware::map_response(security_headers))
}

/// The signed-in H5 user (the API token in `yz_h5`) and the CSRF token of their forms. Without a
/// valid cookie the page answers a redirect through web OAuth back to itself.
#[derive(Debug, Clone)]
pub struct H5User {
    pub auth: AuthUser,
    pub csrf: String,
}

fn csrf_of(token: &str) -> String {
    hex::encode(Sha256::digest(format!("yizhan-h5-csrf:{token}").as_bytes()))
}

impl FromRequestParts<AppState> for H5User {
    type Rejection = H5Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(user) = <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await? {
            return Ok(user);
        }
        let next = parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str()).to_owned();
        Err(oauth::start(state, &next)?)
    }
}

impl OptionalFromRequestParts<AppState> for H5User {
    type Rejection = H5Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, COOKIE).filter(|t| !t.is_empty()).map(str::to_owned) else { return Ok(None) };
        match state.tokens.lookup(&state.db, &token).await.map_err(ApiError::from)? {
            TokenLookup::Valid { user, token_id, .. } => {
                let auth = AuthUser { user, token_id };
                // The JSON routes' extractors find the same user.
                parts.extensions.insert(auth.clone());
                Ok(Some(Self { auth, csrf: csrf_of(&token) }))
            }
            _ => Ok(None),
        }
    }
}

/// What an H5 page answers when it cannot show itself: a redirect (sign-in), or a small error
/// page in Chinese with the API's status and message.
#[derive(Debug)]
pub enum H5Error {
    Redirect(Response),
    Page(StatusCode, String),
}

impl From<ApiError> for H5Error {
    fn from(err: ApiError) -> Self {
        let fields: Vec<String> = err.fields().iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let detail = if fields.is_empty() { err.message().to_owned() } else { fields.join("; ") };
        Self::Page(err.status(), detail)
    }
}

impl From<sqlx::Error> for H5Error {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from(err).into()
    }
}

#[derive(Template)]
#[template(path = "h5/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for H5Error {
    fn into_response(self) -> Response {
        match self {
            Self::Redirect(r) => r,
            Self::Page(status, detail) => {
                let title = match status {
                    StatusCode::NOT_FOUND => "找不到这个页面",
                    StatusCode::FORBIDDEN => "没有权限",
                    StatusCode::CONFLICT => "无法完成",
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "填写有误",
                    StatusCode::TOO_MANY_REQUESTS => "操作太频繁",
                    StatusCode::SERVICE_UNAVAILABLE => "暂不可用",
                    _ => "出错了",
                };
                (status, render(&ErrorPage { title, detail: &detail })).into_response()
            }
        }
    }
}

pub type H5Result<T> = Result<T, H5Error>;

/// A JSON route's refusal as the error page; someone not bound yet is told to bind first.
fn refusal(err: ApiError) -> H5Error {
    match err.code() {
        "not_bound" | "no_openid" => H5Error::Page(err.status(), "请先绑定学号（页面下方“绑定”），再来查看。".into()),
        _ => err.into(),
    }
}

/// A template rendered (an internal error page if it cannot be).
fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "H5 template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// 403 unless the posted form carries the user's CSRF token.
fn check_csrf(user: &H5User, form: &crate::console::form::Fields) -> H5Result<()> {
    if crate::console::form::tokens_match(&form.text("csrf"), &user.csrf) {
        return Ok(());
    }
    tracing::warn!(user.id = user.auth.user.id, "H5 form refused: CSRF token mismatch");
    Err(H5Error::Page(StatusCode::FORBIDDEN, "页面已过期，请返回刷新后重试（没有做任何修改）。".into()))
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// No framing, scripts only from here (none are used), images also from http(s) (notice bodies
/// show pictures from elsewhere), no caching of pages that show people's data.
async fn security_headers(res: Response) -> Response {
    crate::console::with_security_headers(
        res,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
}
