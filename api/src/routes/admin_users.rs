//! Admin management of users: `POST /admin/users`, `GET /admin/users`, `PATCH /admin/users/{id}`.
//! The checks and writes are `crate::user_admin`'s, shared with the console.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use yizhan_common::users::{self, UserFilter};

use super::views::UserView;
use crate::error::ApiResult;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, Authorized, Page, Pagination};
use crate::openapi::schemas::{ErrorEnvelope, PageQuery};
use crate::openapi::TAG_USERS;
use crate::state::AppState;
use crate::user_admin::{self, CreateUser, PatchUser};

#[utoipa::path(post, path = "/admin/users", tag = TAG_USERS, security(("token" = ["admin"]), ("bearer" = ["admin"])), request_body = CreateUser,
    responses((status = 201, description = "The user", body = UserView),
        (status = 409, description = "`username_taken`", body = ErrorEnvelope)))]
/// Creates a user with roles.
pub async fn create(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = user_admin::create(&state, body).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// Only users with this role.
    role: Option<String>,
    /// Searches username, name, phone and e-mail.
    q: Option<String>,
}

#[utoipa::path(get, path = "/admin/users", tag = TAG_USERS, security(("token" = ["admin"]), ("bearer" = ["admin"])), params(ListFilter, PageQuery),
    responses((status = 200, description = "One page of users", body = Page<UserView>)))]
/// `?role=staff` filters by role, `?q=` searches username, name, phone and e-mail.
pub async fn list(
    State(state): State<AppState>,
    _admin: Authorized<AdminOnly>,
    page: Pagination,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> ApiResult<Json<Page<UserView>>> {
    let role = user_admin::role_filter(filter.role.as_deref())?;
    let search = filter.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let mut conn = state.db.acquire().await?;
    let (rows, total) = users::list(&mut conn, &UserFilter { role, search }, page.limit(), page.offset()).await?;
    Ok(Json(Page::new(rows.into_iter().map(UserView::from).collect(), total, page)))
}

#[utoipa::path(patch, path = "/admin/users/{id}", tag = TAG_USERS, security(("token" = ["admin"]), ("bearer" = ["admin"])),
    params(("id" = i64, Path, description = "The user's id")), request_body = PatchUser,
    responses((status = 200, description = "The user after the change", body = UserView),
        (status = 404, description = "No such user", body = ErrorEnvelope)))]
/// Changes a user's fields, roles, activity or password (an absent field stays).
pub async fn update(
    State(state): State<AppState>,
    admin: Authorized<AdminOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PatchUser>,
) -> ApiResult<Json<UserView>> {
    let user = user_admin::update(&state, admin.user(), id, body).await?;
    Ok(Json(user.into()))
}
