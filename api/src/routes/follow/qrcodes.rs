//! `GET /api/admin/nurses/msg/wx/qrcode-list` (seed 000 §3) and the department's welcome settings.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Deserialize;
use yizhan_common::follow::qrcodes;

use super::views::{DepartmentCodeView, DepartmentSettings, Outcome, QrCodeList};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{AdminOnly, ApiJson, ApiPath, Authorized, Pagination};
use crate::state::AppState;

/// The seed's shape: every department of the Official Account's flow (one a code was asked for),
/// `qrcodeUrl` `null` until its code is ready, and `count`. Pages (`page`/`pageSize` echoed) only
/// when the query asks for one.
pub async fn list(State(state): State<AppState>, _: Authorized<AdminOnly>, RawQuery(query): RawQuery, page: Pagination) -> ApiResult<Json<QrCodeList>> {
    let asked = query.as_deref().is_some_and(|q| {
        q.split('&').any(|kv| matches!(kv.split('=').next(), Some("page" | "pageSize" | "page_size")))
    });
    let mut conn = state.db.acquire().await?;
    let (rows, total) = qrcodes::list(&mut conn, asked.then(|| (page.limit(), page.offset()))).await?;
    let department = rows
        .into_iter()
        .map(|d| DepartmentCodeView { id: d.department_id, name: d.name, qrcode_url: d.image_url.filter(|_| d.status == Some(qrcodes::QrcodeStatus::Ready)) })
        .collect();
    Ok(Json(QrCodeList {
        count: total,
        department,
        page: asked.then_some(page.page),
        page_size: asked.then_some(page.page_size),
        result: Outcome { success: true },
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DepartmentPatch {
    name: Option<String>,
    welcome_text: Option<String>,
    page_url: Option<String>,
}

/// `PATCH /admin/departments/{id}`: name, welcome text (`{name}` is replaced) and page link.
pub async fn update_department(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DepartmentPatch>,
) -> ApiResult<Json<DepartmentSettings>> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &b.name {
        errors.text("name", name, 100);
    }
    errors.optional_text("welcomeText", b.welcome_text.as_deref(), 600);
    errors.optional_text("pageUrl", b.page_url.as_deref(), 500);
    let url_ok = b.page_url.as_deref().is_none_or(|u| u.is_empty() || u.starts_with("https://") || u.starts_with("http://"));
    errors.check(!url_ok, "pageUrl", "must be an http(s) URL");
    errors.finish()?;
    let row = sqlx::query!(
        "UPDATE departments SET name = COALESCE($2, name),
                welcome_text = CASE WHEN $3::TEXT IS NULL THEN welcome_text ELSE NULLIF($3, '') END,
                page_url = CASE WHEN $4::TEXT IS NULL THEN page_url ELSE NULLIF($4, '') END
          WHERE id = $1 RETURNING id, name, welcome_text, page_url",
        id,
        b.name.as_deref().map(str::trim),
        b.welcome_text,
        b.page_url
    )
    .fetch_optional(&state.db)
    .await?
    .map(|r| (r.id, r.name, r.welcome_text, r.page_url));
    let (id, name, welcome, url) = row.ok_or_else(|| ApiError::not_found("department"))?;
    Ok(Json(DepartmentSettings { id, name, page_url: url, welcome_text: welcome }))
}
