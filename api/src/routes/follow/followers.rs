//! `GET /api/admin/nurses/msg/wx/departments/{id}/followers`: who followed through a department.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use yizhan_common::follow::{followers, qrcodes};
use yizhan_common::time;

use crate::error::{ApiError, ApiResult};
use crate::extract::{AdminOnly, ApiPath, Authorized, Page, Pagination};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    _: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    page: Pagination,
) -> ApiResult<Json<Page<Value>>> {
    let mut conn = state.db.acquire().await?;
    qrcodes::find(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("department"))?;
    let (rows, total) = followers::of_department(&mut conn, id, page.limit(), page.offset()).await?;
    let rows = rows
        .into_iter()
        .map(|f| {
            json!({
                "openid": f.openid,
                "source": f.source,
                "status": f.status,
                "followedAt": time::format_local(f.followed_at),
                "unfollowedAt": f.unfollowed_at.map(time::format_local),
            })
        })
        .collect();
    Ok(Json(Page::new(rows, total, page)))
}
