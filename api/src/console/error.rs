//! What a console page answers when it cannot show itself: a sign-in redirect, or an error page
//! in Chinese with the right status (the JSON API's opaque messages, never internal detail).

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::ApiError;

#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): to the sign-in page, then back to `next`.
    SignIn { next: String },
    Page { status: StatusCode, title: &'static str, detail: String, retry_after: Option<u64> },
}

impl PageError {
    pub fn page(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self::Page { status, title, detail: detail.into(), retry_after: None }
    }

    pub fn not_found() -> Self {
        Self::page(StatusCode::NOT_FOUND, "页面不存在", "找不到这个页面或记录。")
    }

    pub fn forbidden() -> Self {
        Self::page(StatusCode::FORBIDDEN, "没有权限", "你的角色不能访问这个页面。")
    }

    pub fn csrf() -> Self {
        Self::page(StatusCode::FORBIDDEN, "表单已失效", "表单的安全令牌不符（页面可能已过期，或来自其他网站）。请返回、刷新页面后重试；没有做任何修改。")
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        let title = match err.status() {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::FORBIDDEN => "没有权限",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "请求有误",
            StatusCode::CONFLICT => "操作冲突",
            StatusCode::TOO_MANY_REQUESTS => "请求过于频繁",
            StatusCode::SERVICE_UNAVAILABLE => "服务暂不可用",
            _ => "服务器出错",
        };
        let fields: Vec<String> = err.fields().iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let detail = if fields.is_empty() { err.message().to_owned() } else { fields.join("; ") };
        Self::Page { status: err.status(), title, detail, retry_after: err.retry_after_secs() }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::from(err).into()
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("{}/login?next={next}", super::BASE)).into_response()
            }
            PageError::Page { status, title, detail, retry_after } => {
                let mut res = (status, super::layout::html(&ErrorPage { title, detail: &detail })).into_response();
                if let Some(secs) = retry_after {
                    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                res
            }
        }
    }
}
