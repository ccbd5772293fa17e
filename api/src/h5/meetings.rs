//! The meeting check-in page (会议签到): what a student's WeChat opens when they scan the code on
//! the screen. Signing in goes through web OAuth back here (the code rides along in the link),
//! then the page checks them in through the JSON route's own code and says so in Chinese; a
//! second scan shows the first check-in's time and changes nothing.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{render, H5Error, H5Result, H5User};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::routes::notices::meetings::{check_in, CheckedIn};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "h5/checked_in.html")]
struct CheckedInPage {
    c: CheckedIn,
    at: String,
}

/// What a student is told when the check-in is refused.
fn refusal(err: ApiError) -> H5Error {
    let detail = match err.code() {
        "code_expired" => "二维码已过期，请重新扫描屏幕上的二维码。",
        "wrong_meeting" | "code_invalid" | "validation_failed" => "这不是本次会议的签到二维码。",
        "checkin_closed" => "现在不在签到时间内。",
        "not_invited" => "你所在的班级不在本次会议的名单中。",
        "not_bound" | "no_openid" => "请先在公众号菜单“绑定”中绑定学号，再扫码签到。",
        _ => return err.into(),
    };
    H5Error::Page(err.status(), detail.to_owned())
}

/// `GET /h5/school/meetings/{id}/checkin?code=…`.
pub async fn checkin(State(state): State<AppState>, user: H5User, ApiPath(id): ApiPath<i64>, Query(q): Query<CodeQuery>) -> H5Result<Response> {
    let code = q.code.filter(|c| !c.trim().is_empty()).ok_or_else(|| H5Error::Page(StatusCode::UNPROCESSABLE_ENTITY, "没有签到码：请扫描屏幕上的二维码。".into()))?;
    let c = check_in(&state, &user.auth, id, &code).await.map_err(refusal)?;
    let at = yizhan_common::time::local(c.checked_in_at).format("%H:%M:%S").to_string();
    Ok(render(&CheckedInPage { c, at }))
}
