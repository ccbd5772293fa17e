//! The router: every route, the fallbacks and the middleware that wraps them.

mod admin_queues;
mod admin_users;
mod api_doc;
mod auth;
pub(crate) mod college;
mod current_user;
mod files;
pub(crate) mod follow;
mod health;
pub(crate) mod hospital;
mod metrics;
pub(crate) mod notices;
mod views;
pub(crate) mod visitor;
mod wechat_login;
mod wechat_callback;

pub(crate) use api_doc::CoreApi;
pub(crate) use files::{attachment_download, storage_error};

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::Router;

use crate::error::ApiError;
use crate::middleware;
use crate::state::AppState;

/// The whole HTTP application, ready to serve or to call in-process from tests.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit_bytes;
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::show))
        .route("/auth/get-token/", post(auth::get_token))
        .route("/auth/wechat-auth/", delete(auth::logout).put(wechat_login::bind))
        .route("/auth/wechat-code2token/", post(wechat_login::code2token))
        .route("/current-user/", get(current_user::show))
        .route("/admin/users", post(admin_users::create).get(admin_users::list))
        .route("/admin/users/{id}", patch(admin_users::update))
        .route("/admin/queues", get(admin_queues::list))
        .route("/admin/queues/{queue}/dead", get(admin_queues::dead))
        .route("/admin/queues/{queue}/dead/{id}/retry", post(admin_queues::retry))
        .merge(files::routes())
        .merge(hospital::routes())
        .merge(follow::routes())
        .merge(college::routes(&state))
        .merge(visitor::routes())
        .merge(notices::routes())
        .merge(wechat_callback::routes())
        .merge(crate::openapi::routes())
        .merge(crate::console::routes(&state))
        .merge(crate::h5::routes());
    let routes = routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    middleware::wrap(routes)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed for this route")
}
