//! `GET /api/admin/nurses/msg/wx/qrcode-list` (seed 000 §3) and the department's welcome settings.

use axum::extract::{RawQuery, State};
use axum::Json;
use yizhan_common::follow::qrcodes;

use super::views::{DepartmentCodeView, DepartmentSettings, Outcome, QrCodeList};
use crate::catalog_admin::{self, DepartmentPatch};
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, Authorized, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_FOLLOW;

#[utoipa::path(get, path = "/api/admin/nurses/msg/wx/qrcode-list", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(PageQuery),
    responses((status = 200, description = "The departments with their codes (seed 000 §3)", body = QrCodeList,
        example = json!({"result": {"success": true}, "count": 1, "department": [{"id": 123, "name": "内科", "qrcodeUrl": "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8v"}]}))))]
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

#[utoipa::path(patch, path = "/admin/departments/{id}", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The department's id")), request_body = DepartmentPatch,
    responses((status = 200, description = "The department's welcome settings after the change", body = DepartmentSettings),
        (status = 404, description = "No such department", body = ErrorEnvelope)))]
/// `PATCH /admin/departments/{id}`: name, welcome text (`{name}` is replaced) and page link.
pub async fn update_department(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DepartmentPatch>,
) -> ApiResult<Json<DepartmentSettings>> {
    let d = catalog_admin::update_department(&state, id, b).await?;
    Ok(Json(DepartmentSettings { id: d.id, name: d.name, page_url: d.page_url, welcome_text: d.welcome_text }))
}
