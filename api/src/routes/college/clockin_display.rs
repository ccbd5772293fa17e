//! `GET /admin/activities/{id}/clockin-items/{itemId}/display?pass=…`: the rotating check-in QR
//! for a projector or a phone. Served whole by the API (no CDN): the code as inline SVG, its
//! text in `#qr[data-token]`, and a countdown to the window's end from the server's clock, after
//! which the page loads itself again (script, or the meta refresh without it).
//!
//! # How the page authenticates
//!
//! A browser opening a link cannot send the API's `Token` header, the console's cookie is scoped
//! to `/admin/console` (and counselors, who may be operators, cannot sign in there). So the page
//! takes a *display pass* (`checkin_token::DisplayPass`): the token route
//! (`…/clockin-items/{itemId}/token`, admins and the activity's operators) and the console's
//! check-in page hand out a link carrying one. The pass is HMAC-signed with the check-in keys
//! under its own context, bound to this activity, this item and the user it was issued to, and
//! expires after `DISPLAY_PASS_HOURS`. Every load checks again that the user is active and still
//! an admin or one of the activity's operators, so taking someone off the operators ends their
//! links at the next refresh. The page sends `Referrer-Policy: no-referrer` so the pass does not
//! leave in a `Referer`, and is never cached.

use askama::Template;
use chrono::{DateTime, Utc};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yizhan_common::college::activities::checkin_token;
use yizhan_common::college::activities::clockins;
use yizhan_common::college::activities::items;
use yizhan_common::users::{self, Role};

use crate::college_admin::records::local_time;
use crate::console::qrcodes::svg;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct DisplayQuery {
    pass: Option<String>,
}

#[derive(Template)]
#[template(path = "college/clockin_display.html")]
struct DisplayPage {
    title: String,
    label: String,
    /// How to scan it (the mini program's 打卡, or WeChat's scanner for a meeting).
    hint: &'static str,
    token: String,
    window: i64,
    seconds_left: i64,
    refresh_after: i64,
    svg: String,
    opens: String,
    closes: String,
    open_now: bool,
}

fn refused() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "display_link_invalid", "this display link is not valid (expired, for another code, or its user may no longer show it): get a new one from the token route or the console")
}

pub async fn show(State(state): State<AppState>, ApiPath((id, item_id)): ApiPath<(i64, i64)>, ApiQuery(q): ApiQuery<DisplayQuery>) -> ApiResult<Response> {
    let keys = state.checkin_keys()?;
    let now = state.now();
    let pass = q.pass.as_deref().filter(|p| p.len() <= 256).and_then(|p| keys.verify_display(p, id, item_id, now)).ok_or_else(refused)?;
    let mut conn = state.db.acquire().await?;
    let user = users::find_by_id(&mut conn, pass.user_id).await?.filter(|u| u.is_active).ok_or_else(refused)?;
    if !user.has_role(Role::Admin) && !clockins::is_operator(&mut conn, id, user.id).await? {
        return Err(refused());
    }
    let title = clockins::activity_title(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("activity"))?;
    let item = items::find(&mut conn, id, item_id).await?.ok_or_else(|| ApiError::not_found("check-in item"))?;
    drop(conn);
    let token = keys.sign(id, item_id, now);
    let shown = Shown { title, label: item.label, hint: "请用小程序扫码打卡", qr: &token, token: &token, opens_at: item.opens_at, closes_at: item.closes_at };
    let html = render(shown, now)?;
    let headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, Html(html)).into_response())
}

/// What a rotating-code display shows: seed 002's check-in items and seed 004's meetings.
pub(crate) struct Shown<'a> {
    pub title: String,
    pub label: String,
    pub hint: &'static str,
    /// What the QR code holds (the token, or a link carrying it).
    pub qr: &'a str,
    pub token: &'a str,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

/// The display page's HTML at `now`: the code, a countdown to the window's end, and the times.
pub(crate) fn render(shown: Shown<'_>, now: DateTime<Utc>) -> ApiResult<String> {
    let seconds_left = checkin_token::seconds_left(now);
    let page = DisplayPage {
        title: shown.title,
        label: shown.label,
        hint: shown.hint,
        svg: svg(shown.qr).ok_or_else(|| ApiError::internal("the check-in code does not fit a QR code"))?,
        token: shown.token.to_owned(),
        window: checkin_token::window_of(now),
        seconds_left,
        refresh_after: seconds_left + 1,
        opens: local_time(shown.opens_at),
        closes: local_time(shown.closes_at),
        open_now: shown.opens_at <= now && now < shown.closes_at,
    };
    page.render().map_err(ApiError::internal)
}
