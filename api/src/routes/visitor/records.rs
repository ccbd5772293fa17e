//! Seed 003 §5 `GET /v1/visit/records` (applications whose host is me and whose proposer is not,
//! for me to authorize) and §6 `GET /v1/auth/records` (applications I proposed), newest first,
//! paginated. "Me" is the caller's bound phone; the seed's `phone` / `proposer` parameters are
//! accepted only when they are that phone (403 otherwise).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use yizhan_common::visitor::applications;

use super::caller::{bound_phone, own_phone_param};
use super::views::ApplicationView;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, AuthUser, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_VISITOR;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// The seed's 员工手机号: optional, only your own bound phone.
    phone: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthQuery {
    /// The seed's 申请人手机号: optional, only your own bound phone.
    proposer: Option<String>,
}

#[utoipa::path(get, path = "/v1/visit/records", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), params(VisitQuery, PageQuery),
    responses((status = 200, description = "Applications to me as host, proposed by others, newest first", body = Page<ApplicationView>),
        (status = 409, description = "`not_bound`: no phone bound yet", body = ErrorEnvelope),
        (status = 403, description = "`phone` is not your phone", body = ErrorEnvelope)))]
/// 查询访客申请记录.
pub async fn visits(State(state): State<AppState>, auth: AuthUser, page: Pagination, ApiQuery(q): ApiQuery<VisitQuery>) -> ApiResult<Json<Page<ApplicationView>>> {
    let mut conn = state.db.acquire().await?;
    let me = bound_phone(&mut conn, auth.user.id).await?;
    own_phone_param(q.phone.as_deref(), "phone", &me)?;
    let (rows, count) = applications::hosted_by(&mut conn, &me, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.iter().map(ApplicationView::from).collect(), count, page)))
}

#[utoipa::path(get, path = "/v1/auth/records", tag = TAG_VISITOR, security(("token" = []), ("bearer" = [])), params(AuthQuery, PageQuery),
    responses((status = 200, description = "Applications I proposed, newest first", body = Page<ApplicationView>),
        (status = 409, description = "`not_bound`: no phone bound yet", body = ErrorEnvelope),
        (status = 403, description = "`proposer` is not your phone", body = ErrorEnvelope)))]
/// 员工查询授权记录 (my applications).
pub async fn proposed(State(state): State<AppState>, auth: AuthUser, page: Pagination, ApiQuery(q): ApiQuery<AuthQuery>) -> ApiResult<Json<Page<ApplicationView>>> {
    let mut conn = state.db.acquire().await?;
    let me = bound_phone(&mut conn, auth.user.id).await?;
    own_phone_param(q.proposer.as_deref(), "proposer", &me)?;
    let (rows, count) = applications::proposed_by(&mut conn, &me, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.iter().map(ApplicationView::from).collect(), count, page)))
}
