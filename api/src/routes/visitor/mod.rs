//! Seed 003, visitor appointments (H5 pages inside WeChat): web OAuth sign-in, the WeChat binding
//! service (`/v2/wechat/*`), staff and visitor bindings, purposes, applications, records and
//! authorization (`/v1/*`). Callers are identified by their token and their bound phone.

mod api_doc;
mod applications;
mod authorize;
mod caller;
pub(crate) mod h5_login;
mod jssdk;
pub(crate) mod limits;
mod purposes;
mod records;
mod subject_binding;
mod views;
mod visitor_binding;
pub(crate) mod wechat_binding;

pub use api_doc::VisitorApi;

use axum::routing::{get, post, put};
use axum::Router;
use sqlx::PgConnection;
use yizhan_common::avatar::stored_avatar_url;
use yizhan_common::visitor::bindings;

use crate::state::AppState;
use views::BindingView;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/wechat/login", post(h5_login::login))
        .route("/v2/wechat/binding", get(wechat_binding::show).post(wechat_binding::bind))
        .route("/v2/wechat/binding/code", post(wechat_binding::send_code))
        .route("/v2/wechat/jssdk", get(jssdk::config))
        .route("/v1/subject/binding", get(subject_binding::show).post(subject_binding::bind))
        .route("/v1/visitor/binding", get(visitor_binding::show).post(visitor_binding::bind))
        .route("/v1/subject/purpose", get(purposes::list))
        .route("/v1/subject", post(applications::create))
        .route("/v1/visit/records", get(records::visits))
        .route("/v1/auth/records", get(records::proposed))
        .route("/v1/auth/{id}", put(authorize::decide))
}

/// The caller's binding: the phone with the WeChat nickname and avatar (the stored copy once the
/// job stored it, WeChat's URL until then).
async fn binding_view(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<BindingView> {
    let b = bindings::binding_of(conn, user_id).await?;
    let avatar = match b.avatar_url {
        Some(source) => stored_avatar_url(conn, &bindings::wechat_avatar_key(user_id, &source)).await?.or(Some(source)),
        None => None,
    };
    Ok(BindingView { bound: b.phone.is_some(), phone: b.phone, nickname: b.nickname, avatar })
}
