//! `GET /api/admin/nurses/msg/wx/departments/{id}/followers`: who followed through a department.

use axum::extract::State;
use axum::Json;
use yizhan_common::follow::{followers, qrcodes};
use yizhan_common::time;

use super::views::FollowerView;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiPath, Authorized, Page, Pagination};
use crate::state::AppState;
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_FOLLOW;

#[utoipa::path(get, path = "/api/admin/nurses/msg/wx/departments/{id}/followers", tag = TAG_FOLLOW, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The department's id"), PageQuery),
    responses((status = 200, description = "One page of the users who followed through the department's code", body = Page<FollowerView>),
        (status = 404, description = "No such department", body = ErrorEnvelope)))]
/// Who followed the Official Account through a department's code.
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    page: Pagination,
) -> ApiResult<Json<Page<FollowerView>>> {
    let mut conn = state.db.acquire().await?;
    qrcodes::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("department"))?;
    let (rows, total) = followers::of_department(&mut conn, id, page.limit(), page.offset()).await?;
    let rows = rows
        .into_iter()
        .map(|f| FollowerView {
            followed_at: time::format_local(f.followed_at),
            openid: f.openid,
            source: f.source,
            status: f.status,
            unfollowed_at: f.unfollowed_at.map(time::format_local),
        })
        .collect();
    Ok(Json(Page::new(rows, total, page)))
}
