//! Department QR codes (seed 000): the departments of the Official Account's flow with their
//! code's state, asking for a department's code (`crate::follow_admin::request_code`, the same
//! claim and creation job as `POST /api/admin/nurses/msg/wx/qrcode`), one code's page (its image
//! once ready, its followers), a print view, and the image itself.
//!
//! The image is drawn here as SVG from what the code encodes (the `url` WeChat answered), not
//! fetched from WeChat's `showqrcode`: the console loads nothing from elsewhere and works offline.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use qrcodegen::{QrCode, QrCodeEcc};
use serde::Deserialize;
use yizhan_common::follow::followers::{self, FollowerStatus, Source};
use yizhan_common::follow::qrcodes::{self, DepartmentCode, QrcodeStatus};
use yizhan_common::hospital::catalog::Department;
use yizhan_common::mask;

use super::catalog::Choices;
use super::form::CsrfForm;
use super::layout::{flash, html, local_time, Layout};
use super::list::{pagination, Pager};
use super::session::Signed;
use super::PageError;
use crate::extract::AdminOnly;
use crate::follow_admin;
use crate::state::AppState;

const LIST: &str = "/admin/console/qrcodes";

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

fn status_label(s: Option<QrcodeStatus>) -> &'static str {
    match s {
        Some(QrcodeStatus::Ready) => "已生成",
        Some(QrcodeStatus::Pending) => "生成中",
        Some(QrcodeStatus::Failed) => "生成失败",
        None => "未生成",
    }
}

struct CodeRow {
    id: i64,
    name: String,
    ready: bool,
    status: &'static str,
    error: String,
}

impl From<DepartmentCode> for CodeRow {
    fn from(c: DepartmentCode) -> Self {
        Self {
            id: c.department_id,
            name: c.name,
            ready: c.status == Some(QrcodeStatus::Ready),
            status: status_label(c.status),
            error: c.last_error.unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/qrcodes.html")]
struct CodesPage {
    layout: Layout,
    rows: Vec<CodeRow>,
    departments: Vec<Department>,
    pager: Pager,
}

pub async fn list(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = qrcodes::list(&mut conn, Some((page.limit(), page.offset()))).await?;
    drop(conn);
    let departments = Choices::load(&state).await?.departments;
    let layout = Layout::new(&state, &me.session, "qrcodes", "科室二维码").await?;
    let pager = Pager::new(LIST, &[], page, u64::try_from(total).unwrap_or(0));
    Ok(html(&CodesPage { layout, rows: rows.into_iter().map(CodeRow::from).collect(), departments, pager }))
}

/// Asks for the department's code (a creation job when it has none, or its last one failed),
/// then shows its page, which follows the job until the code is ready.
pub async fn create(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let id: i64 = f.text("departmentId").parse().map_err(|_| PageError::not_found())?;
    let code = follow_admin::request_code(&state, id).await?;
    let message = match code.status {
        Some(QrcodeStatus::Ready) => format!("科室 {} 的二维码已生成。", code.name),
        _ => format!("正在为科室 {} 生成二维码……", code.name),
    };
    flash(&state, &me.session, &message).await?;
    Ok(Redirect::to(&format!("{LIST}/{id}")).into_response())
}

async fn find(state: &AppState, id: &str) -> Result<DepartmentCode, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    qrcodes::find(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

struct FollowerRow {
    openid: String,
    source: &'static str,
    following: bool,
    followed: String,
    unfollowed: String,
}

#[derive(Template)]
#[template(path = "console/qrcode.html")]
struct CodePage {
    layout: Layout,
    code: CodeRow,
    pending: bool,
    has_code: bool,
    followers: Vec<FollowerRow>,
    pager: Pager,
}

/// One department's code (refreshing itself every 2 s while the job runs) and its followers.
pub async fn show(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let code = find(&state, &id).await?;
    let page = pagination(q.page.as_deref(), q.page_size.as_deref());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = followers::of_department(&mut conn, code.department_id, page.limit(), page.offset()).await?;
    drop(conn);
    let followers = rows
        .into_iter()
        .map(|f| FollowerRow {
            openid: mask::openid(&f.openid),
            source: match f.source {
                Source::QrCode => "扫码关注",
                Source::Scan => "已关注后扫码",
                Source::Direct => "直接关注",
            },
            following: f.status == FollowerStatus::Following,
            followed: local_time(f.followed_at),
            unfollowed: f.unfollowed_at.map(local_time).unwrap_or_default(),
        })
        .collect();
    let pager = Pager::new(&format!("{LIST}/{}", code.department_id), &[], page, u64::try_from(total).unwrap_or(0));
    let (pending, has_code) = (code.status == Some(QrcodeStatus::Pending), code.status.is_some());
    let layout = Layout::new(&state, &me.session, "qrcodes", format!("{} 的二维码", code.name)).await?;
    Ok(html(&CodePage { layout, code: code.into(), pending, has_code, followers, pager }))
}

#[derive(Template)]
#[template(path = "console/qrcode_print.html")]
struct PrintPage {
    id: i64,
    name: String,
    hospital: String,
}

/// The code alone on a page, large, with the department's name, for printing.
pub async fn print(State(state): State<AppState>, _me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let code = find(&state, &id).await?;
    if code.status != Some(QrcodeStatus::Ready) {
        return Err(PageError::not_found());
    }
    let choices = Choices::load(&state).await?;
    let hospital_id = choices.departments.iter().find(|d| d.id == code.department_id).and_then(|d| d.hospital_id);
    let hospital = hospital_id.and_then(|h| choices.hospital_names().remove(&h)).unwrap_or_default();
    Ok(html(&PrintPage { id: code.department_id, name: code.name, hospital }))
}

/// The ready code as an SVG image (404 until it is ready).
pub async fn image(State(state): State<AppState>, _me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    let content = qrcodes::content(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    let svg = svg(&content).ok_or_else(PageError::not_found)?;
    let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml")), (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"))];
    Ok((headers, svg).into_response())
}

/// `text` as a QR code in SVG: one square per dark module, a quiet zone of four modules.
pub(crate) fn svg(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let (size, border) = (qr.size(), 4);
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let dim = size + border * 2;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {dim} {dim}\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_svg_draws_the_code_with_its_quiet_zone() {
        let text = "http://weixin.qq.com/q/abc";
        let svg = super::svg(text).expect("svg");
        let size = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).expect("code").size();
        let view = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\"", size + 8);
        assert!(svg.starts_with(&view), "{svg}");
        // The top-left finder pattern starts at the quiet zone's edge.
        assert!(svg.contains("M4,4h1v1h-1z"), "{svg}");
        assert!(!svg.contains("M0,0h1"));
    }
}
